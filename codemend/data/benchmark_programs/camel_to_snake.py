def camel_to_snake(name):
    """'parseHTTPResponse' -> 'parse_http_response'; acronyms stay one word."""
    out = []
    for i, char in enumerate(name):
        if char.isupper():
            after_lower = i > 0 and (name[i - 1].islower() or name[i - 1].isdigit())
            ends_acronym = 0 < i < len(name) - 1 and name[i - 1].isupper() and name[i + 1].islower()
            if after_lower or ends_acronym:
                out.append("_")
            out.append(char.lower())
        else:
            out.append(char)
    return "".join(out)


# --- tests ---
assert camel_to_snake("") == ""
assert camel_to_snake("name") == "name"
assert camel_to_snake("Name") == "name"
assert camel_to_snake("camelCase") == "camel_case"
assert camel_to_snake("CamelCase") == "camel_case"
assert camel_to_snake("getX") == "get_x"
assert camel_to_snake("parseHTTPResponse") == "parse_http_response"
assert camel_to_snake("HTTPServer") == "http_server"
assert camel_to_snake("ABC") == "abc"
assert camel_to_snake("version2Beta") == "version2_beta"
assert camel_to_snake("already_snake") == "already_snake"
assert camel_to_snake("aB") == "a_b"
assert camel_to_snake("IOError") == "io_error"
