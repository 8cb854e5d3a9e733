class TreeNode:
    def __init__(self, key):
        self.key = key
        self.left = None
        self.right = None


def insert(root, key):
    """Insert key into the binary search tree rooted at root (duplicates are ignored)."""
    if root is None:
        return TreeNode(key)
    if key < root.key:
        root.left = insert(root.left, key)
    elif key > root.key:
        root.right = insert(root.right, key)
    return root


def bst_sorted_unique(values):
    """The distinct values in ascending order, via a binary search tree and in-order walk."""
    root = None
    for value in values:
        root = insert(root, value)
    result, stack, node = [], [], root
    while stack or node is not None:
        while node is not None:
            stack.append(node)
            node = node.left
        node = stack.pop()
        result.append(node.key)
        node = node.right
    return result


# --- tests ---
assert bst_sorted_unique([]) == []
assert bst_sorted_unique([1]) == [1]
assert bst_sorted_unique([2, 1]) == [1, 2]
assert bst_sorted_unique([1, 2]) == [1, 2]
assert bst_sorted_unique([5, 3, 8, 1, 4, 7, 9]) == [1, 3, 4, 5, 7, 8, 9]
assert bst_sorted_unique([3, 3, 3]) == [3]
assert bst_sorted_unique([4, 2, 4, 1, 2, 5]) == [1, 2, 4, 5]
assert bst_sorted_unique(list(range(10, 0, -1))) == list(range(1, 11))
assert bst_sorted_unique(["pear", "apple", "fig"]) == ["apple", "fig", "pear"]
root = insert(insert(insert(None, 5), 2), 8)
assert root.key == 5 and root.left.key == 2 and root.right.key == 8
assert insert(root, 5) is root and root.left.left is None and root.right.right is None
