def count_components(n, edges):
    """Number of connected components of the undirected graph on nodes 0..n-1."""
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    components = n
    for a, b in edges:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[root_a] = root_b
            components -= 1
    return components


# --- tests ---
assert count_components(0, []) == 0
assert count_components(1, []) == 1
assert count_components(3, []) == 3
assert count_components(2, [(0, 1)]) == 1
assert count_components(2, [(1, 0), (0, 1)]) == 1
assert count_components(5, [(0, 1), (1, 2), (3, 4)]) == 2
assert count_components(5, [(0, 1), (1, 2), (2, 0)]) == 3
assert count_components(4, [(0, 0)]) == 4
assert count_components(6, [(0, 1), (2, 3), (4, 5), (1, 2), (3, 4)]) == 1
assert count_components(6, [(5, 4), (4, 3), (1, 0), (3, 5)]) == 3
assert count_components(7, [(0, 6), (6, 5), (1, 2), (2, 3), (3, 1)]) == 3
assert count_components(3, [(0, 1), (0, 2), (1, 2)]) == 1
