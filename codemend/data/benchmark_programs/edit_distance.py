def edit_distance(a, b):
    """Fewest single-character insertions, deletions and substitutions turning a into b."""
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        previous = current
    return previous[len(b)]


# --- tests ---
assert edit_distance("", "") == 0
assert edit_distance("abc", "") == 3
assert edit_distance("", "abcd") == 4
assert edit_distance("same", "same") == 0
assert edit_distance("cat", "cut") == 1
assert edit_distance("cat", "cats") == 1
assert edit_distance("cats", "cat") == 1
assert edit_distance("kitten", "sitting") == 3
assert edit_distance("flaw", "lawn") == 2
assert edit_distance("intention", "execution") == 5
assert edit_distance("ab", "ba") == 2
assert edit_distance("a", "b") == 1
assert edit_distance("abcdef", "azced") == 3
