class SparseVector:
    """A vector of fixed length that stores only its non-zero entries."""

    def __init__(self, values):
        """Build from a dense list of numbers."""
        self.size = len(values)
        self.entries = {i: v for i, v in enumerate(values) if v != 0}

    def dot(self, other):
        """Dot product with another SparseVector of the same size."""
        if self.size != other.size:
            raise ValueError("size mismatch")
        small, large = self.entries, other.entries
        if len(small) > len(large):
            small, large = large, small
        total = 0
        for index, value in small.items():
            if index in large:
                total += value * large[index]
        return total

    def add(self, other):
        """Return a new SparseVector holding the element-wise sum."""
        if self.size != other.size:
            raise ValueError("size mismatch")
        result = SparseVector([0] * self.size)
        result.entries = dict(self.entries)
        for index, value in other.entries.items():
            total = result.entries.get(index, 0) + value
            if total == 0:
                result.entries.pop(index, None)
            else:
                result.entries[index] = total
        return result

    def to_list(self):
        """Return the dense list representation."""
        dense = [0] * self.size
        for index, value in self.entries.items():
            dense[index] = value
        return dense


# --- tests ---
def raises(func, arg):
    try:
        func(arg)
    except ValueError:
        return True
    return False


a = SparseVector([1, 0, 0, 2, 3])
b = SparseVector([0, 4, 0, 5, -1])
assert a.size == 5
assert a.entries == {0: 1, 3: 2, 4: 3}
assert a.to_list() == [1, 0, 0, 2, 3]
assert a.dot(b) == 7
assert b.dot(a) == 7
assert a.dot(a) == 14
assert a.add(b).to_list() == [1, 4, 0, 7, 2]
assert a.add(b).size == 5
assert a.add(SparseVector([-1, 0, 0, -2, 0])).entries == {4: 3}
assert a.to_list() == [1, 0, 0, 2, 3]
assert SparseVector([0, 0, 0]).dot(SparseVector([1, 2, 3])) == 0
assert SparseVector([]).dot(SparseVector([])) == 0
assert SparseVector([]).to_list() == []
assert SparseVector([0, 0]).add(SparseVector([0, 7])).to_list() == [0, 7]
assert raises(a.dot, SparseVector([1, 2]))
assert raises(a.add, SparseVector([1, 2, 3, 4, 5, 6]))
assert not raises(a.add, SparseVector([0] * 5))
