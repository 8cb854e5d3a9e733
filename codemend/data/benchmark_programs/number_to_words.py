ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
        "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_to_words(n):
    """English words for 0 <= n <= 999, e.g. 342 -> 'three hundred forty-two'."""
    if not 0 <= n <= 999:
        raise ValueError("only 0..999 is supported")
    if n < 20:
        return ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return TENS[tens] + ("-" + ONES[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    words = ONES[hundreds] + " hundred"
    return words + (" " + number_to_words(rest) if rest else "")


# --- tests ---
assert number_to_words(0) == "zero"
assert number_to_words(7) == "seven"
assert number_to_words(13) == "thirteen"
assert number_to_words(19) == "nineteen"
assert number_to_words(20) == "twenty"
assert number_to_words(21) == "twenty-one"
assert number_to_words(99) == "ninety-nine"
assert number_to_words(100) == "one hundred"
assert number_to_words(101) == "one hundred one"
assert number_to_words(115) == "one hundred fifteen"
assert number_to_words(342) == "three hundred forty-two"
assert number_to_words(999) == "nine hundred ninety-nine"
assert number_to_words(580) == "five hundred eighty"
for bad in (-1, 1000):
    try:
        number_to_words(bad)
    except ValueError:
        pass
    else:
        raise AssertionError(f"{bad} should be rejected")
