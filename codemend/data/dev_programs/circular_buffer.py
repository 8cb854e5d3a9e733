class CircularBuffer:
    """Fixed-capacity buffer that overwrites its oldest item when full."""

    def __init__(self, capacity):
        """Create an empty buffer; capacity must be a positive integer."""
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self._data = [None] * capacity
        self._start = 0
        self._count = 0

    def append(self, item):
        """Add item, dropping the oldest one if the buffer is full."""
        end = (self._start + self._count) % self.capacity
        self._data[end] = item
        if self._count < self.capacity:
            self._count += 1
        else:
            self._start = (self._start + 1) % self.capacity

    def to_list(self):
        """Return the stored items from oldest to newest."""
        return [self._data[(self._start + i) % self.capacity]
                for i in range(self._count)]

    def __len__(self):
        """Number of items currently stored."""
        return self._count


# --- tests ---
def raises(capacity):
    try:
        CircularBuffer(capacity)
    except ValueError:
        return True
    return False


assert raises(0)
assert raises(-3)
assert not raises(1)
buf = CircularBuffer(3)
assert buf.capacity == 3
assert buf.to_list() == [] and len(buf) == 0
buf.append(1)
buf.append(2)
assert buf.to_list() == [1, 2] and len(buf) == 2
buf.append(3)
assert buf.to_list() == [1, 2, 3] and len(buf) == 3
buf.append(4)
assert buf.to_list() == [2, 3, 4] and len(buf) == 3
for x in (5, 6, 7):
    buf.append(x)
assert buf.to_list() == [5, 6, 7]
buf.append(8)
assert buf.to_list() == [6, 7, 8]
assert len(buf) == 3
one = CircularBuffer(1)
one.append("a")
one.append("b")
assert one.to_list() == ["b"] and len(one) == 1
pair = CircularBuffer(2)
pair.append(None)
assert pair.to_list() == [None] and len(pair) == 1
