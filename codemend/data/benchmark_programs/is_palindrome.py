def is_palindrome(text):
    """True when text reads the same backwards, ignoring case and anything not a letter or digit."""
    left, right = 0, len(text) - 1
    while left < right:
        if not text[left].isalnum():
            left += 1
        elif not text[right].isalnum():
            right -= 1
        elif text[left].lower() != text[right].lower():
            return False
        else:
            left += 1
            right -= 1
    return True


# --- tests ---
assert is_palindrome("") is True
assert is_palindrome("a") is True
assert is_palindrome("aa") is True
assert is_palindrome("ab") is False
assert is_palindrome("aba") is True
assert is_palindrome("abca") is False
assert is_palindrome("abcba") is True
assert is_palindrome("A man, a plan, a canal: Panama") is True
assert is_palindrome("race a car") is False
assert is_palindrome("No 'x' in Nixon") is True
assert is_palindrome(".,!") is True
assert is_palindrome("0P") is False
assert is_palindrome("12321") is True
assert is_palindrome("ab!a") is True
assert is_palindrome("xab!a") is False
