def snake_to_camel(name, upper_first=False):
    """'parse_http_response' -> 'parseHttpResponse' ('ParseHttpResponse' with upper_first)."""
    words = [word for word in name.split("_") if word]
    if not words:
        return ""
    head = words[0].capitalize() if upper_first else words[0].lower()
    return head + "".join(word.capitalize() for word in words[1:])


# --- tests ---
assert snake_to_camel("") == ""
assert snake_to_camel("___") == ""
assert snake_to_camel("name") == "name"
assert snake_to_camel("name", upper_first=True) == "Name"
assert snake_to_camel("parse_http_response") == "parseHttpResponse"
assert snake_to_camel("parse_http_response", upper_first=True) == "ParseHttpResponse"
assert snake_to_camel("_private_name") == "privateName"
assert snake_to_camel("double__underscore") == "doubleUnderscore"
assert snake_to_camel("trailing_") == "trailing"
assert snake_to_camel("html5_parser") == "html5Parser"
assert snake_to_camel("LOUD_NAME") == "loudName"
assert snake_to_camel("version_2_beta") == "version2Beta"
assert snake_to_camel("utf8string_codec") == "utf8stringCodec"
