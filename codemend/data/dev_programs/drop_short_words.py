def drop_short_words(words, min_length):
    """Remove the words shorter than min_length from the list words, in place, and return it."""
    for word in list(words):
        if len(word) < min_length:
            words.remove(word)
    return words


# --- tests ---
assert drop_short_words(["a", "bb", "ccc"], 2) == ["bb", "ccc"]
assert drop_short_words(["a", "b", "long", "c", "d"], 2) == ["long"]
kept = ["x", "y", "zz"]
assert drop_short_words(kept, 2) is kept and kept == ["zz"]
assert drop_short_words([], 3) == []
assert drop_short_words(["ab", "cd"], 3) == []
assert drop_short_words(["abc"], 1) == ["abc"]
