import re

VOWELS = "aeiou"


def count_letters(word):
    """Return (vowels, consonants) in word, case-insensitively.

    Only ASCII letters count; 'y' is a consonant; other characters are ignored.
    """
    vowels = consonants = 0
    for ch in word.lower():
        if ch in VOWELS:
            vowels += 1
        elif "a" <= ch <= "z":
            consonants += 1
    return vowels, consonants


def vowel_consonant_counts(text):
    """Map each lowercased word of text to its (vowels, consonants) pair.

    Words are runs of ASCII letters, optionally joined by apostrophes
    ("don't"); a word repeated in any case appears once.
    """
    result = {}
    for word in re.findall(r"[A-Za-z]+(?:'[A-Za-z]+)*", text):
        key = word.lower()
        if key not in result:
            result[key] = count_letters(key)
    return result


# --- tests ---
assert count_letters("") == (0, 0)
assert count_letters("aeiou") == (5, 0)
assert count_letters("AEIOU") == (5, 0)
assert count_letters("rhythm") == (0, 6)
assert count_letters("Yes") == (1, 2)
assert count_letters("don't") == (1, 3)
assert count_letters("a1b2-z") == (1, 2)
assert count_letters("zebra") == (2, 3)
assert vowel_consonant_counts("") == {}
assert vowel_consonant_counts("  123 ... !") == {}
assert vowel_consonant_counts("Hello") == {"hello": (2, 3)}
assert vowel_consonant_counts("Hello world") == {"hello": (2, 3), "world": (1, 4)}
assert vowel_consonant_counts("The THE the") == {"the": (1, 2)}
assert vowel_consonant_counts("I don't know") == {"i": (1, 0), "don't": (1, 3), "know": (1, 3)}
assert vowel_consonant_counts("x-ray, sky!") == {"x": (0, 1), "ray": (1, 2), "sky": (0, 3)}
assert vowel_consonant_counts("'quote' abc2def") == {"quote": (3, 2), "abc": (1, 2), "def": (1, 2)}
assert list(vowel_consonant_counts("b a b c")) == ["b", "a", "c"]
