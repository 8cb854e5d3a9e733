def normalize_letters(text):
    """Lowercase text and drop every whitespace character."""
    return "".join(ch.lower() for ch in text if not ch.isspace())


def is_anagram(first, second):
    """True when first and second contain the same characters with the same
    counts, ignoring case and whitespace (punctuation and digits count)."""
    a = normalize_letters(first)
    b = normalize_letters(second)
    if len(a) != len(b):
        return False
    counts = {}
    for ch in a:
        counts[ch] = counts.get(ch, 0) + 1
    for ch in b:
        if counts.get(ch, 0) == 0:
            return False
        counts[ch] -= 1
    return True


# --- tests ---
assert normalize_letters(" A b\tC\n") == "abc"
assert normalize_letters("") == ""
assert is_anagram("", "") is True
assert is_anagram("   ", "") is True
assert is_anagram("listen", "silent") is True
assert is_anagram("Listen", "SILENT") is True
assert is_anagram("Dormitory", "dirty room") is True
assert is_anagram("a gentleman", "Elegant  Man") is True
assert is_anagram("abc", "ab") is False
assert is_anagram("ab", "abc") is False
assert is_anagram("aab", "abb") is False
assert is_anagram("abb", "aab") is False
assert is_anagram("abc", "abd") is False
assert is_anagram("a", "") is False
assert is_anagram("a!b", "b!a") is True
assert is_anagram("a!b", "b?a") is False
assert is_anagram("123", "3 2 1") is True
assert is_anagram("aabbcc", "abcabc") is True
