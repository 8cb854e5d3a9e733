def build_dispatch(commands):
    """A table from each command's name to a function that runs it: table[name](*args) gives (name, args)."""
    table = {}
    for name in commands:
        if not name.isidentifier():
            raise ValueError(f"not a command name: {name!r}")

        def run(*args, name=name):
            return name, args

        table[name] = run
    return table


def dispatch(table, line):
    """Run the command a line names ("stop 3 4"), its other words as arguments."""
    name, *args = line.split()
    if name not in table:
        raise KeyError(name)
    return table[name](*args)


# --- tests ---
table = build_dispatch(["start", "stop", "pause"])
assert sorted(table) == ["pause", "start", "stop"]
assert table["start"]() == ("start", ())
assert dispatch(table, "stop 3 4") == ("stop", ("3", "4"))
assert dispatch(table, "pause") == ("pause", ())
assert build_dispatch([]) == {}
assert [table[name]("x") for name in ("pause", "stop")] == [("pause", ("x",)), ("stop", ("x",))]
assert build_dispatch(["only"])["only"](1, 2) == ("only", (1, 2))
try:
    build_dispatch(["go on"])
    raise AssertionError("bad name accepted")
except ValueError:
    pass
