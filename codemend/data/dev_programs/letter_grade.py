from bisect import bisect_right

CUTOFFS = [60, 70, 80, 90]
LETTERS = "FDCBA"


def letter_grade(score, modifiers=False):
    """Letter grade for a score in 0..100 (A from 90, B from 80, C from 70, D from 60).

    With modifiers, scores 0-2 points into a band get '-', 7-9 points get '+'
    (there is no A+ and F never gets a modifier)."""
    if not 0 <= score <= 100:
        raise ValueError("score out of range")
    index = bisect_right(CUTOFFS, score)
    letter = LETTERS[index]
    if not modifiers or letter == "F":
        return letter
    offset = score - CUTOFFS[index - 1]
    if offset >= 7 and letter != "A":
        return letter + "+"
    if offset < 3:
        return letter + "-"
    return letter


# --- tests ---
plain = [0, 59, 59.5, 60, 69, 70, 79.9, 80, 89, 90, 100]
assert [letter_grade(s) for s in plain] == ["F", "F", "F", "D", "D", "C", "C", "B", "B", "A", "A"]
assert letter_grade(60, True) == "D-"
assert letter_grade(62, True) == "D-"
assert letter_grade(62.5, True) == "D-"
assert letter_grade(63, True) == "D"
assert letter_grade(66, True) == "D"
assert letter_grade(67, True) == "D+"
assert letter_grade(69, True) == "D+"
assert letter_grade(83, True) == "B"
assert letter_grade(87, modifiers=True) == "B+"
assert letter_grade(79, True) == "C+" and letter_grade(70, True) == "C-"
assert letter_grade(90, True) == "A-"
assert letter_grade(97, True) == "A" and letter_grade(100, True) == "A"
assert letter_grade(55, True) == "F" and letter_grade(0, True) == "F"
errors = 0
for bad in (-1, -0.5, 100.5, 101):
    try:
        letter_grade(bad)
    except ValueError:
        errors += 1
assert errors == 4
