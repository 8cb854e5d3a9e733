def hanoi(n, source="A", target="C", spare="B"):
    """Moves (from_peg, to_peg) that carry n disks from source to target."""
    if n == 0:
        return []
    return hanoi(n - 1, source, spare, target) + [(source, target)] + hanoi(n - 1, spare, target, source)


# --- tests ---
def replay(n, moves):
    pegs = {"A": list(range(n, 0, -1)), "B": [], "C": []}
    for start, end in moves:
        disk = pegs[start].pop()
        assert not pegs[end] or pegs[end][-1] > disk, "larger disk on a smaller one"
        pegs[end].append(disk)
    return pegs


assert hanoi(0) == []
assert hanoi(1) == [("A", "C")]
assert hanoi(2) == [("A", "B"), ("A", "C"), ("B", "C")]
assert hanoi(1, "X", "Y", "Z") == [("X", "Y")]
assert len(hanoi(3)) == 7 and len(hanoi(6)) == 63
for disks in range(1, 7):
    assert replay(disks, hanoi(disks)) == {"A": [], "B": [], "C": list(range(disks, 0, -1))}
assert hanoi(3)[3] == ("A", "C")
