import re


def top_words(text, n):
    """The n most frequent words of text (lowercased); ties go to the alphabetically first word."""
    counts = {}
    for word in re.findall(r"[a-z']+", text.lower()):
        counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return [word for word, _ in ranked[:n]]


# --- tests ---
assert top_words("", 3) == []
assert top_words("one", 0) == []
assert top_words("one", 3) == ["one"]
assert top_words("b a", 2) == ["a", "b"]
assert top_words("b b a", 2) == ["b", "a"]
assert top_words("the cat and the hat and the bat", 2) == ["the", "and"]
assert top_words("The THE the cat. Cat!", 1) == ["the"]
assert top_words("x y z y z z", 3) == ["z", "y", "x"]
assert top_words("don't stop, don't", 1) == ["don't"]
assert top_words("c b a c b a d", 3) == ["a", "b", "c"]
assert top_words("apple banana apple cherry banana apple", 5) == ["apple", "banana", "cherry"]
