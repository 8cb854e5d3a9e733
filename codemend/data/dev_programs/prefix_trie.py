class PrefixTrie:
    """Prefix tree over strings that counts the distinct stored words below each prefix."""

    def __init__(self):
        """Create an empty trie."""
        self.root = {"children": {}, "count": 0, "end": False}

    def insert(self, word):
        """Store word; return False when it was already stored."""
        node = self.root
        path = [node]
        for char in word:
            node = node["children"].setdefault(char, {"children": {}, "count": 0, "end": False})
            path.append(node)
        if node["end"]:
            return False
        node["end"] = True
        for visited in path:
            visited["count"] += 1
        return True

    def count_prefix(self, prefix):
        """Number of distinct stored words that begin with prefix."""
        node = self.root
        for char in prefix:
            node = node["children"].get(char)
            if node is None:
                return 0
        return node["count"]

    def starts_with(self, prefix):
        """True when at least one stored word begins with prefix."""
        return self.count_prefix(prefix) > 0


# --- tests ---
t = PrefixTrie()
assert t.count_prefix("") == 0
assert not t.starts_with("")
assert t.insert("apple")
assert t.insert("app")
assert not t.insert("apple")
assert t.insert("apt")
assert t.count_prefix("") == 3
assert t.insert("")
assert not t.insert("")
assert t.count_prefix("") == 4
assert t.count_prefix("a") == 3 and t.count_prefix("ap") == 3
assert t.count_prefix("app") == 2
assert t.count_prefix("appl") == 1 and t.count_prefix("apple") == 1
assert t.count_prefix("apples") == 0
assert t.count_prefix("b") == 0
assert t.starts_with("apt") and t.starts_with("appl")
assert not t.starts_with("apx")
assert not t.starts_with("pp")
assert t.insert("banana") and t.count_prefix("") == 5
assert t.count_prefix("ba") == 1 and t.count_prefix("ap") == 3
