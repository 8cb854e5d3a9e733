class MinStack:
    """A stack that also reports its smallest item in O(1)."""

    def __init__(self):
        self._items = []
        self._minima = []

    def push(self, item):
        self._items.append(item)
        if not self._minima or item <= self._minima[-1]:
            self._minima.append(item)

    def pop(self):
        if not self._items:
            raise IndexError("pop from an empty stack")
        item = self._items.pop()
        if item == self._minima[-1]:
            self._minima.pop()
        return item

    def min(self):
        if not self._minima:
            raise IndexError("min of an empty stack")
        return self._minima[-1]

    def __len__(self):
        return len(self._items)


# --- tests ---
stack = MinStack()
assert len(stack) == 0
for method in (stack.pop, stack.min):
    try:
        method()
    except IndexError:
        pass
    else:
        raise AssertionError("empty stack should raise IndexError")
stack.push(5)
assert stack.min() == 5 and len(stack) == 1
stack.push(3)
stack.push(7)
stack.push(3)
assert stack.min() == 3 and len(stack) == 4
assert stack.pop() == 3
assert stack.min() == 3
assert stack.pop() == 7
assert stack.min() == 3
assert stack.pop() == 3
assert stack.min() == 5
stack.push(1)
assert stack.min() == 1
assert stack.pop() == 1 and stack.pop() == 5 and len(stack) == 0
