def parse_query(query):
    """'a=1&b=x&a=2' -> {'a': ['1', '2'], 'b': ['x']}; a key without '=' maps to ''."""
    params = {}
    if query.startswith("?"):
        query = query[1:]
    for pair in query.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        params.setdefault(key, []).append(value)
    return params


# --- tests ---
assert parse_query("") == {}
assert parse_query("?") == {}
assert parse_query("a=1") == {"a": ["1"]}
assert parse_query("?a=1") == {"a": ["1"]}
assert parse_query("a=1&b=x&a=2") == {"a": ["1", "2"], "b": ["x"]}
assert parse_query("flag") == {"flag": [""]}
assert parse_query("flag&x=") == {"flag": [""], "x": [""]}
assert parse_query("a=1&&b=2&") == {"a": ["1"], "b": ["2"]}
assert parse_query("eq=a=b") == {"eq": ["a=b"]}
assert parse_query("=v") == {"": ["v"]}
assert list(parse_query("z=1&y=2")) == ["z", "y"]
