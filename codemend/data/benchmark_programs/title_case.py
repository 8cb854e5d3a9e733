SMALL_WORDS = {"a", "an", "and", "the", "of", "in", "on", "to", "or"}


def title_case(text):
    """Capitalise each word except small words that are neither first nor last."""
    words = text.lower().split()
    result = []
    for i, word in enumerate(words):
        if 0 < i < len(words) - 1 and word in SMALL_WORDS:
            result.append(word)
        else:
            result.append(word[0].upper() + word[1:])
    return " ".join(result)


# --- tests ---
assert title_case("") == ""
assert title_case("hello") == "Hello"
assert title_case("the") == "The"
assert title_case("hello world") == "Hello World"
assert title_case("the lord of the rings") == "The Lord of the Rings"
assert title_case("war and peace") == "War and Peace"
assert title_case("what it is made of") == "What It Is Made Of"
assert title_case("A TALE OF TWO CITIES") == "A Tale of Two Cities"
assert title_case("  spaced   out  ") == "Spaced Out"
assert title_case("of mice and men") == "Of Mice and Men"
assert title_case("x") == "X"
