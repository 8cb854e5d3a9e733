import heapq


def topological_sort(graph):
    """Nodes of {node: [successors]} so that every edge goes forward; ties go to the smallest node.

    Raises ValueError when the graph has a cycle.
    """
    indegree = {node: 0 for node in graph}
    for targets in graph.values():
        for target in targets:
            indegree[target] = indegree.get(target, 0) + 1
    ready = [node for node, degree in indegree.items() if degree == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        node = heapq.heappop(ready)
        order.append(node)
        for target in graph.get(node, []):
            indegree[target] -= 1
            if indegree[target] == 0:
                heapq.heappush(ready, target)
    if len(order) != len(indegree):
        raise ValueError("graph has a cycle")
    return order


# --- tests ---
assert topological_sort({}) == []
assert topological_sort({"a": []}) == ["a"]
assert topological_sort({"b": [], "a": []}) == ["a", "b"]
assert topological_sort({"b": ["a"]}) == ["b", "a"]
assert topological_sort({"shirt": ["tie", "belt"], "tie": ["jacket"], "belt": ["jacket"], "jacket": []}) == [
    "shirt", "belt", "tie", "jacket"]
assert topological_sort({5: [11], 7: [11, 8], 3: [8, 10], 11: [2, 9, 10], 8: [9]}) == [3, 5, 7, 8, 11, 2, 9, 10]
assert topological_sort({"x": ["y", "y2"], "y": ["z"], "y2": ["z"]}) == ["x", "y", "y2", "z"]
for cyclic in ({"a": ["a"]}, {"a": ["b"], "b": ["a"]}, {"a": ["b"], "b": ["c"], "c": ["b"], "d": []}):
    try:
        topological_sort(cyclic)
    except ValueError:
        pass
    else:
        raise AssertionError(f"cycle not detected in {cyclic}")
