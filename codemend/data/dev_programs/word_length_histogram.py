import re


def word_length_histogram(text, min_length=1, max_length=None):
    """Map word length -> number of words of that length in text.

    Words are runs of letters, digits or apostrophes. Words shorter than
    min_length or longer than max_length (when given) are ignored.
    Keys come out in increasing order.
    """
    counts = {}
    for word in re.findall(r"[A-Za-z0-9']+", text):
        length = len(word)
        if length < min_length:
            continue
        if max_length is not None and length > max_length:
            continue
        counts[length] = counts.get(length, 0) + 1
    return dict(sorted(counts.items()))


# --- tests ---
assert word_length_histogram("") == {}
assert word_length_histogram("   ,,, !") == {}
assert word_length_histogram("a bb ccc") == {1: 1, 2: 1, 3: 1}
assert word_length_histogram("the cat sat") == {3: 3}
assert word_length_histogram("Hi, there!") == {2: 1, 5: 1}
assert word_length_histogram("don't stop") == {4: 1, 5: 1}
assert word_length_histogram("42 7 x") == {1: 2, 2: 1}
assert word_length_histogram("a bb ccc dddd", min_length=3) == {3: 1, 4: 1}
assert word_length_histogram("a bb ccc dddd", min_length=2) == {2: 1, 3: 1, 4: 1}
assert word_length_histogram("a bb ccc dddd", max_length=2) == {1: 1, 2: 1}
assert word_length_histogram("a bb ccc dddd", 2, 3) == {2: 1, 3: 1}
assert word_length_histogram("a bb ccc", min_length=4) == {}
assert word_length_histogram("a bb ccc", max_length=0) == {}
assert list(word_length_histogram("zzzz yyy x yyy")) == [1, 3, 4]
assert word_length_histogram("one-two_three") == {3: 2, 5: 1}
