def count_long_words(text, min_length):
    """How many words of text have at least min_length letters (punctuation around a word not counted)."""
    count = 0
    for word in text.split():
        letters = word.strip(".,;:!?\"'()")
        if len(letters) >= min_length:
            count += 1
    return count


# --- tests ---
assert count_long_words("The quick brown fox jumps.", 5) == 3
assert count_long_words("", 1) == 0
assert count_long_words("a bb ccc", 2) == 2
assert count_long_words("Hello, world!", 5) == 2
assert count_long_words("tiny words", 9) == 0
assert count_long_words("(parenthesis) around", 11) == 1
