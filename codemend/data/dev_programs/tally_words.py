def tally_words(words, counts=None):
    """Add one to counts[word] for each word, compared case-insensitively, and return counts.

    counts is a dict to add to (a fresh one when omitted)."""
    if counts is None:
        counts = {}
    for word in words:
        key = word.casefold()
        counts[key] = counts.get(key, 0) + 1
    return counts


# --- tests ---
assert tally_words(["a", "B", "b"]) == {"a": 1, "b": 2}
assert tally_words([]) == {}
assert tally_words(["Straße", "STRASSE"]) == {"strasse": 2}
existing = {"a": 2}
assert tally_words(["A"], existing) == {"a": 3}
assert existing == {"a": 3}
assert tally_words(["x"]) == {"x": 1}
assert tally_words(["x", "y"]) == {"x": 1, "y": 1}
