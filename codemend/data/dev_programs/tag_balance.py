import re

TAG_PATTERN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\s*(/?)>")


def tags_balanced(html):
    """Return True if every <tag> is closed by a matching </tag> in order.

    Self-closing tags like <br/> need no partner; tag names are
    case-insensitive and text outside the tags is ignored.
    """
    stack = []
    for closing, name, self_closing in TAG_PATTERN.findall(html):
        name = name.lower()
        if self_closing:
            continue
        if not closing:
            stack.append(name)
            continue
        if not stack or stack[-1] != name:
            return False
        stack.pop()
    return not stack


# --- tests ---
assert tags_balanced("")
assert tags_balanced("plain text")
assert tags_balanced("<a></a>")
assert not tags_balanced("<a>")
assert not tags_balanced("</a>")
assert not tags_balanced("<a></b>")
assert tags_balanced("<a><b></b></a>")
assert not tags_balanced("<a><b></a></b>")
assert tags_balanced("<A>x</a>")
assert tags_balanced("<br/>")
assert tags_balanced("<p>x<br />y</p>")
assert not tags_balanced("<a></a></a>")
assert tags_balanced("<div><p>1</p><p>2</p></div>")
assert not tags_balanced("<div></div><span>")
assert tags_balanced("<h1>title</h1>")
assert not tags_balanced("<h1></h2>")
assert not tags_balanced("</b><b>")
