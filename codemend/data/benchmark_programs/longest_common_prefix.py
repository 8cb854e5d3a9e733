def longest_common_prefix(words):
    """Longest string that every word in words starts with ('' for no words)."""
    if not words:
        return ""
    prefix = words[0]
    for word in words[1:]:
        while not word.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


# --- tests ---
assert longest_common_prefix([]) == ""
assert longest_common_prefix([""]) == ""
assert longest_common_prefix(["alone"]) == "alone"
assert longest_common_prefix(["flower", "flow", "flight"]) == "fl"
assert longest_common_prefix(["dog", "racecar", "car"]) == ""
assert longest_common_prefix(["same", "same"]) == "same"
assert longest_common_prefix(["interview", "internet", "interval"]) == "inter"
assert longest_common_prefix(["ab", "a"]) == "a"
assert longest_common_prefix(["a", "ab"]) == "a"
assert longest_common_prefix(["abc", "", "abd"]) == ""
assert longest_common_prefix(["prefix", "prefixes", "pref"]) == "pref"
