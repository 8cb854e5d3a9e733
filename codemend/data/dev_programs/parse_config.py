def convert_value(value):
    """Strip value and return it as int when it parses as one, else as str."""
    value = value.strip()
    try:
        return int(value)
    except ValueError:
        return value


def parse_config(text):
    """Parse 'key=value;key2=value2' into a dict.

    Whitespace around keys and values is ignored, empty segments are
    skipped, integer-looking values become ints, only the first '=' splits,
    and a later key overrides an earlier one. A non-empty segment without
    '=' or with an empty key raises ValueError.
    """
    result = {}
    for segment in text.split(";"):
        if not segment.strip():
            continue
        if "=" not in segment:
            raise ValueError("missing '=' in %r" % segment)
        key, value = segment.split("=", 1)
        key = key.strip()
        if not key:
            raise ValueError("empty key in %r" % segment)
        result[key] = convert_value(value)
    return result


# --- tests ---
assert convert_value(" 42 ") == 42
assert convert_value("-7") == -7
assert convert_value(" hi ") == "hi"
assert convert_value("3.5") == "3.5"
assert parse_config("") == {}
assert parse_config(" ; ;") == {}
assert parse_config("a=1") == {"a": 1}
assert parse_config("a=1;b=two") == {"a": 1, "b": "two"}
assert parse_config(" port = 8080 ; host = example.org ;") == {"port": 8080, "host": "example.org"}
assert parse_config("x=-3;y=+4;z=0") == {"x": -3, "y": 4, "z": 0}
assert parse_config("a=1;a=2") == {"a": 2}
assert parse_config("expr=a=b") == {"expr": "a=b"}
assert parse_config("empty=") == {"empty": ""}
assert parse_config(";;k=v;;") == {"k": "v"}
assert list(parse_config("b=1;a=2")) == ["b", "a"]
try:
    parse_config("a=1;novalue")
except ValueError as exc:
    assert "missing" in str(exc)
else:
    assert False, "missing '=' must raise"
try:
    parse_config(" =5")
except ValueError as exc:
    assert "empty key" in str(exc)
else:
    assert False, "empty key must raise"
