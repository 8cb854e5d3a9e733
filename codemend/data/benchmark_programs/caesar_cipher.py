def caesar_cipher(text, shift):
    """Shift ASCII letters by shift places around the alphabet, keeping case; others unchanged."""
    result = []
    for char in text:
        if char.isascii() and char.isalpha():
            base = ord("a") if char.islower() else ord("A")
            result.append(chr((ord(char) - base + shift) % 26 + base))
        else:
            result.append(char)
    return "".join(result)


# --- tests ---
assert caesar_cipher("", 5) == ""
assert caesar_cipher("abc", 0) == "abc"
assert caesar_cipher("abc", 1) == "bcd"
assert caesar_cipher("xyz", 3) == "abc"
assert caesar_cipher("XYZ", 3) == "ABC"
assert caesar_cipher("Hello, World!", 13) == "Uryyb, Jbeyq!"
assert caesar_cipher("Uryyb, Jbeyq!", 13) == "Hello, World!"
assert caesar_cipher("abc", -1) == "zab"
assert caesar_cipher("abc", 27) == "bcd"
assert caesar_cipher("Zebra 42", 1) == "Afcsb 42"
assert caesar_cipher("café", 1) == "dbgé"
assert caesar_cipher(caesar_cipher("Round Trip", 7), -7) == "Round Trip"
