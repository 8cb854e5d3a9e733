def reverse_words(sentence):
    """The words of sentence in reverse order, separated by single spaces."""
    words = sentence.split()
    words.reverse()
    return " ".join(words)


def reversed_lines(text):
    """The lines of text, last first."""
    lines = text.splitlines()
    return lines[::-1]


# --- tests ---
assert reverse_words("one two  three") == "three two one"
assert reverse_words("") == ""
assert reversed_lines("a\nb\nc") == ["c", "b", "a"]
assert reversed_lines("") == []
assert reverse_words("solo") == "solo"
assert reversed_lines("x\n") == ["x"]
