def group_anagrams(words):
    """Words grouped by their letters (case-insensitive); groups and members keep input order."""
    groups = {}
    for word in words:
        key = "".join(sorted(word.lower()))
        groups.setdefault(key, []).append(word)
    return list(groups.values())


# --- tests ---
assert group_anagrams([]) == []
assert group_anagrams(["a"]) == [["a"]]
assert group_anagrams(["ab", "ba"]) == [["ab", "ba"]]
assert group_anagrams(["ab", "cd"]) == [["ab"], ["cd"]]
assert group_anagrams(["eat", "tea", "tan", "ate", "nat", "bat"]) == [["eat", "tea", "ate"], ["tan", "nat"], ["bat"]]
assert group_anagrams(["Listen", "silent", "enlist", "google"]) == [["Listen", "silent", "enlist"], ["google"]]
assert group_anagrams(["", ""]) == [["", ""]]
assert group_anagrams(["abc", "abcc", "cab"]) == [["abc", "cab"], ["abcc"]]
assert group_anagrams(["aab", "abb"]) == [["aab"], ["abb"]]
