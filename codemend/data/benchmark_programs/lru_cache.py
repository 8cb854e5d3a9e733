from collections import OrderedDict


class LRUCache:
    """A mapping with a capacity: adding beyond it evicts the least recently used key."""

    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self.capacity = capacity
        self._data = OrderedDict()

    def get(self, key, default=None):
        if key not in self._data:
            return default
        self._data.move_to_end(key)
        return self._data[key]

    def put(self, key, value):
        if key in self._data:
            self._data.move_to_end(key)
        self._data[key] = value
        if len(self._data) > self.capacity:
            self._data.popitem(last=False)

    def __len__(self):
        return len(self._data)


# --- tests ---
try:
    LRUCache(0)
except ValueError:
    pass
else:
    raise AssertionError("capacity 0 should be rejected")
cache = LRUCache(2)
assert cache.get("a") is None and cache.get("a", 0) == 0 and len(cache) == 0
cache.put("a", 1)
cache.put("b", 2)
assert cache.get("a") == 1
cache.put("c", 3)
assert cache.get("b") is None
assert cache.get("a") == 1 and cache.get("c") == 3 and len(cache) == 2
cache.put("a", 10)
cache.put("d", 4)
assert cache.get("c") is None and cache.get("a") == 10 and cache.get("d") == 4
cache.put("d", 40)
assert len(cache) == 2 and cache.get("a") == 10 and cache.get("d") == 40
one = LRUCache(1)
one.put("x", 1)
one.put("y", 2)
assert one.get("x") is None and one.get("y") == 2 and len(one) == 1
