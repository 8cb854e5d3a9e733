class TwoStackQueue:
    """A first-in first-out queue built from two lists used as stacks."""

    def __init__(self):
        self._inbox = []
        self._outbox = []

    def enqueue(self, item):
        self._inbox.append(item)

    def dequeue(self):
        if not self._outbox:
            while self._inbox:
                self._outbox.append(self._inbox.pop())
        if not self._outbox:
            raise IndexError("dequeue from an empty queue")
        return self._outbox.pop()

    def __len__(self):
        return len(self._inbox) + len(self._outbox)


# --- tests ---
queue = TwoStackQueue()
assert len(queue) == 0
try:
    queue.dequeue()
except IndexError:
    pass
else:
    raise AssertionError("empty queue should raise IndexError")
for item in (1, 2, 3):
    queue.enqueue(item)
assert len(queue) == 3
assert queue.dequeue() == 1
queue.enqueue(4)
queue.enqueue(5)
assert len(queue) == 4
assert [queue.dequeue() for _ in range(4)] == [2, 3, 4, 5]
assert len(queue) == 0
queue.enqueue("x")
assert queue.dequeue() == "x"
