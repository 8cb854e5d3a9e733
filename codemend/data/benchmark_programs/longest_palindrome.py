def longest_palindrome(text):
    """Longest palindromic substring of text (the leftmost one when several are longest)."""
    best_start, best_len = 0, 0
    for center in range(len(text)):
        for left, right in ((center, center), (center, center + 1)):
            while left >= 0 and right < len(text) and text[left] == text[right]:
                left -= 1
                right += 1
            length = right - left - 1
            if length > best_len:
                best_start, best_len = left + 1, length
    return text[best_start:best_start + best_len]


# --- tests ---
assert longest_palindrome("") == ""
assert longest_palindrome("a") == "a"
assert longest_palindrome("ab") == "a"
assert longest_palindrome("aa") == "aa"
assert longest_palindrome("babad") == "bab"
assert longest_palindrome("cbbd") == "bb"
assert longest_palindrome("forgeeksskeegfor") == "geeksskeeg"
assert longest_palindrome("abacdfgdcaba") == "aba"
assert longest_palindrome("xyzracecarabc") == "racecar"
assert longest_palindrome("abcd") == "a"
assert longest_palindrome("aaaa") == "aaaa"
assert longest_palindrome("abccbaxy") == "abccba"
