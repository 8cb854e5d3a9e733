import heapq


def dijkstra(graph, source):
    """Shortest distances from source in {node: {neighbour: weight}} with weights >= 0."""
    distances = {source: 0}
    heap = [(0, source)]
    done = set()
    while heap:
        distance, node = heapq.heappop(heap)
        if node in done:
            continue
        done.add(node)
        for neighbour, weight in graph.get(node, {}).items():
            candidate = distance + weight
            if candidate < distances.get(neighbour, float("inf")):
                distances[neighbour] = candidate
                heapq.heappush(heap, (candidate, neighbour))
    return distances


# --- tests ---
assert dijkstra({}, "a") == {"a": 0}
assert dijkstra({"a": {"b": 3}}, "a") == {"a": 0, "b": 3}
assert dijkstra({"a": {"b": 3}}, "b") == {"b": 0}
graph = {
    "a": {"b": 7, "c": 9, "f": 14},
    "b": {"a": 7, "c": 10, "d": 15},
    "c": {"a": 9, "b": 10, "d": 11, "f": 2},
    "d": {"b": 15, "c": 11, "e": 6},
    "e": {"d": 6, "f": 9},
    "f": {"a": 14, "c": 2, "e": 9},
}
assert dijkstra(graph, "a") == {"a": 0, "b": 7, "c": 9, "d": 20, "e": 20, "f": 11}
assert dijkstra(graph, "e") == {"e": 0, "d": 6, "f": 9, "c": 11, "a": 20, "b": 21}
detour = {"s": {"t": 10, "u": 1}, "u": {"v": 1}, "v": {"t": 1}, "t": {}}
assert dijkstra(detour, "s") == {"s": 0, "t": 3, "u": 1, "v": 2}
assert dijkstra({"s": {"t": 0}, "t": {"s": 0}}, "s") == {"s": 0, "t": 0}
assert dijkstra({"p": {"q": 2}, "r": {"p": 1}}, "p") == {"p": 0, "q": 2}
