from collections import deque


def bfs_shortest_path(graph, start, goal):
    """Fewest-edges path from start to goal in {node: [neighbours]}, or None when unreachable."""
    if start == goal:
        return [start]
    previous = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for neighbour in graph.get(node, []):
            if neighbour in previous:
                continue
            previous[neighbour] = node
            if neighbour == goal:
                path = [goal]
                while previous[path[-1]] is not None:
                    path.append(previous[path[-1]])
                return path[::-1]
            queue.append(neighbour)
    return None


# --- tests ---
graph = {
    "a": ["b", "c"],
    "b": ["d"],
    "c": ["d", "e"],
    "d": ["f"],
    "e": ["f"],
    "f": [],
    "g": ["a"],
}
assert bfs_shortest_path(graph, "a", "a") == ["a"]
assert bfs_shortest_path(graph, "a", "b") == ["a", "b"]
assert bfs_shortest_path(graph, "a", "d") == ["a", "b", "d"]
assert bfs_shortest_path(graph, "a", "e") == ["a", "c", "e"]
assert bfs_shortest_path(graph, "a", "f") == ["a", "b", "d", "f"]
assert bfs_shortest_path(graph, "g", "f") == ["g", "a", "b", "d", "f"]
assert bfs_shortest_path(graph, "f", "a") is None
assert bfs_shortest_path(graph, "a", "g") is None
assert bfs_shortest_path(graph, "x", "a") is None
ring = {1: [2], 2: [3], 3: [1, 4], 4: []}
assert bfs_shortest_path(ring, 2, 1) == [2, 3, 1]
assert bfs_shortest_path(ring, 1, 4) == [1, 2, 3, 4]
shortcut = {0: [1, 5], 1: [2], 2: [3], 3: [4], 5: [4], 4: []}
assert bfs_shortest_path(shortcut, 0, 4) == [0, 5, 4]
