def longest_common_subsequence(a, b):
    """One longest string that is a subsequence of both a and b."""
    table = [[""] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            if a[i] == b[j]:
                table[i][j] = a[i] + table[i + 1][j + 1]
            else:
                table[i][j] = max(table[i + 1][j], table[i][j + 1], key=len)
    return table[0][0]


# --- tests ---
def is_subsequence(small, big):
    remaining = iter(big)
    return all(char in remaining for char in small)


assert longest_common_subsequence("", "") == ""
assert longest_common_subsequence("abc", "") == ""
assert longest_common_subsequence("", "abc") == ""
assert longest_common_subsequence("abc", "def") == ""
assert longest_common_subsequence("abc", "abc") == "abc"
assert longest_common_subsequence("abcde", "ace") == "ace"
assert longest_common_subsequence("ace", "abcde") == "ace"
assert longest_common_subsequence("xaxbxcx", "abc") == "abc"
assert longest_common_subsequence("AGGTAB", "GXTXAYB") == "GTAB"
for a, b, length in [("ABCBDAB", "BDCABA", 4), ("banana", "atana", 4), ("abcdef", "fbdamn", 2)]:
    common = longest_common_subsequence(a, b)
    assert len(common) == length and is_subsequence(common, a) and is_subsequence(common, b), (a, b, common)
