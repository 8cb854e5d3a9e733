def has_cycle(graph):
    """True when the directed graph {node: [successors]} contains a cycle."""
    WHITE, GREY, BLACK = 0, 1, 2
    color = {}

    def visit(node):
        color[node] = GREY
        for target in graph.get(node, []):
            state = color.get(target, WHITE)
            if state == GREY:
                return True
            if state == WHITE and visit(target):
                return True
        color[node] = BLACK
        return False

    return any(color.get(node, WHITE) == WHITE and visit(node) for node in graph)


# --- tests ---
assert has_cycle({}) is False
assert has_cycle({"a": []}) is False
assert has_cycle({"a": ["a"]}) is True
assert has_cycle({"a": ["b"], "b": []}) is False
assert has_cycle({"a": ["b"], "b": ["a"]}) is True
assert has_cycle({"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []}) is False
assert has_cycle({"a": ["b"], "b": ["c"], "c": ["d"], "d": ["b"]}) is True
assert has_cycle({"x": [], "a": ["b"], "b": ["c"], "c": ["a"]}) is True
assert has_cycle({"a": ["b"], "b": ["c"]}) is False
assert has_cycle({1: [2, 3], 2: [3], 3: [4], 4: []}) is False
assert has_cycle({1: [2], 3: [2], 2: [4], 4: [3]}) is True
