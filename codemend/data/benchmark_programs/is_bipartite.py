from collections import deque


def is_bipartite(graph):
    """True when the undirected graph {node: [neighbours]} can be coloured with two colours."""
    side = {}
    for start in graph:
        if start in side:
            continue
        side[start] = 0
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for neighbour in graph[node]:
                if neighbour not in side:
                    side[neighbour] = 1 - side[node]
                    queue.append(neighbour)
                elif side[neighbour] == side[node]:
                    return False
    return True


# --- tests ---
assert is_bipartite({}) is True
assert is_bipartite({1: []}) is True
assert is_bipartite({1: [2], 2: [1]}) is True
assert is_bipartite({1: [2, 3], 2: [1, 3], 3: [1, 2]}) is False
square = {1: [2, 4], 2: [1, 3], 3: [2, 4], 4: [3, 1]}
assert is_bipartite(square) is True
pentagon = {i: [(i + 1) % 5, (i - 1) % 5] for i in range(5)}
assert is_bipartite(pentagon) is False
hexagon = {i: [(i + 1) % 6, (i - 1) % 6] for i in range(6)}
assert is_bipartite(hexagon) is True
two_parts = {"a": ["b"], "b": ["a"], "x": ["y", "z"], "y": ["x", "z"], "z": ["x", "y"]}
assert is_bipartite(two_parts) is False
assert is_bipartite({"a": ["b"], "b": ["a"], "c": ["d"], "d": ["c"]}) is True
assert is_bipartite({1: [1]}) is False
