def word_wrap(text, width):
    """Greedily wrap the words of text into lines of at most width characters.

    A word longer than width gets a line of its own.
    """
    lines = []
    current = ""
    for word in text.split():
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


# --- tests ---
assert word_wrap("", 10) == []
assert word_wrap("   ", 10) == []
assert word_wrap("hello", 10) == ["hello"]
assert word_wrap("hello world", 11) == ["hello world"]
assert word_wrap("hello world", 10) == ["hello", "world"]
assert word_wrap("a b c d e", 3) == ["a b", "c d", "e"]
assert word_wrap("the quick brown fox jumps", 10) == ["the quick", "brown fox", "jumps"]
assert word_wrap("extraordinarily long", 5) == ["extraordinarily", "long"]
assert word_wrap("one  two\nthree", 9) == ["one two", "three"]
assert word_wrap("aa bb cc", 5) == ["aa bb", "cc"]
assert word_wrap("aa bb cc", 8) == ["aa bb cc"]
assert word_wrap("x", 1) == ["x"]
