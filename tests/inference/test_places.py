"""Where the model is asked to write a fix: the lines the localization ranks first, and a binding for
each name the function reads before any binding (what a deleted `total = 0` leaves behind)."""

import ast

from codemend.inference import places
from codemend.inference.places import MAX_BINDINGS, binding_prefixes, enclosing_statements, line_prefixes, module_names, unbound_names

AVERAGE = """def average(values):
    count = len(values)
    for value in values:
        if value > 0:
            total += value
    return total / count
"""


def _unbound(code: str, module: str | None = "") -> dict[str, int]:
    return unbound_names(ast.parse(code), module_names(module) if module is not None else None)


def test_a_deleted_initialisation_is_offered_before_the_first_read_and_each_statement_around_it():
    assert _unbound(AVERAGE) == {"total": 5}
    assert binding_prefixes(AVERAGE, "") == ["insert 5\n            total =", "insert 4\n        total =", "insert 3\n    total ="]


def test_names_read_before_their_first_binding_count_and_names_bound_before_do_not():
    code = "def f(xs):\n    for x in xs:\n        if x > best:\n            best = x\n    best = best or 0\n    return best\n"
    assert _unbound(code) == {"best": 3}
    same_line = "def g(rows):\n    out = [list(r) for r in out]\n    return out\n"
    assert _unbound(same_line) == {"out": 2}  # read by the value of its own first assignment
    fine = "def h(xs, n):\n    n += 1\n    y = 0\n    y += sum(x for x in xs)\n    return [v * y for v in xs] + [n]\n"
    assert _unbound(fine) == {}  # parameters, an updated local, comprehension variables


def test_module_names_builtins_and_declarations_are_not_unbound():
    module = "import os\nfrom math import pi as PI\nLIMIT = 3\nclass Box: pass\ndef helper(): pass\n"
    code = ("def f(path):\n    global COUNT\n    COUNT += 1\n    if len(path) > LIMIT:\n"
            "        return os.sep, PI, Box(), helper()\n    return missing\n")
    assert _unbound(code, module) == {"missing": 6}
    # Without the module (or after `import *`) its names cannot be told: only names the function binds later count.
    assert _unbound(code, None) == {} and module_names("from os import *\n") is None and module_names("def (:\n") is None
    later = "def f():\n    x = y + 1\n    y = 2\n    return x\n"
    assert _unbound(later, None) == {"y": 2}


def test_enclosing_statements_run_innermost_first():
    tree = ast.parse(AVERAGE)
    assert enclosing_statements(tree, 5) == [(5, 12), (4, 8), (3, 4)]
    assert enclosing_statements(tree, 2) == [(2, 4)]
    try_code = "def f():\n    try:\n        a = 1\n    except E:\n        b = a\n"
    assert enclosing_statements(ast.parse(try_code), 5) == [(5, 8), (2, 4)]


def test_prefixes_for_code_that_does_not_parse_none_and_capped():
    assert binding_prefixes("def f(:\n    return x\n", "") == []
    many = "def f():\n    return " + " + ".join(f"v{i}" for i in range(10)) + "\n"
    assert len(binding_prefixes(many, "")) == MAX_BINDINGS
    assert line_prefixes([4, 2]) == ["replace 4", "replace 2"]


def test_a_fix_that_sets_a_global_it_reads_to_a_literal_shadows_it():
    module = "HOUR = 60 * 60\nDAY = HOUR + 24\n\n\ndef days_to_seconds(n):\n    return n * DAY\n"
    code = "def days_to_seconds(n):\n    return n * DAY\n"
    assert places.shadowed_globals(code, "def days_to_seconds(n):\n    DAY = 86400\n    return n * DAY\n", module) == {"DAY"}
    assert places.shadowed_globals(code, "def days_to_seconds(n):\n    DAY: int = 2 * 3\n    return n * DAY\n", module) == set()  # computed
    assert places.shadowed_globals(code, "def days_to_seconds(n):\n    return n * DAY * 2\n", module) == set()
    # A name no module-level statement binds is a missing line, and a fix may write it: `result = []`.
    lost = "def f(xs):\n    for x in xs:\n        result.append(x)\n    return result\n"
    assert places.shadowed_globals(lost, lost.replace("    for", "    result = []\n    for"), "import os\n" + lost) == set()
    assert places.shadowed_globals(code, "def days_to_seconds(n):\n    DAY = 1\n", None) == set()  # no module to read
    # Setting an item or attribute of a module-level object is not hiding it (the review: every candidate was dropped).
    config = "CONFIG = {}\n\n\ndef setup(n):\n    CONFIG['retries'] = 3\n    STATE.count = 0\n    return n - 1\n"
    setup = config.split("\n\n\n")[1]
    assert places.shadowed_globals(setup, setup.replace("n - 1", "n + 1"), config + "STATE = None\n") == set()


def _added(code: str, fixes: list[str]) -> list[str]:
    """Each fix's inserted line, stripped: every fix is `code` plus one line."""
    added = []
    for fix in fixes:
        old, new = code.splitlines(), fix.splitlines()
        assert len(new) == len(old) + 1
        at = next(i for i, (a, b) in enumerate(zip(old + [None], new)) if a != b)
        assert new[:at] + new[at + 1:] == old
        added.append(new[at].strip())
    return added


def test_a_deleted_initialisation_is_written_with_the_value_its_uses_tell():
    groups = "def group(words):\n    for word in words:\n        groups.setdefault(''.join(sorted(word)), []).append(word)\n    return groups\n"
    assert places.binding_fixes(groups, "") == ["def group(words):\n    groups = {}\n" + groups.split("\n", 1)[1]]  # not in the loop
    assert _added(AVERAGE, places.binding_fixes(AVERAGE, "")) == ["total = 0", "total = 1"]
    uses = {
        "    seen.add(x)\n": "set()", "    out.append(x)\n": "[]", "    index[x] = True\n": "{}", "    text += 'a'\n": '""',
        "    if best is None or x > best:\n        best = x\n": "None", "    product *= x\n": "1",
    }
    for use, value in uses.items():
        code = "def f(xs):\n    for x in xs:\n    " + use.replace("\n    ", "\n        ")
        name = use.split()[0] if use.split()[0] != "if" else "best"
        name = name.split(".")[0].split("[")[0]
        assert places.initial_values(ast.parse(code), name)[0] == value, use


def test_lists_added_together_are_lists_not_numbers():
    split = ("def split(xs):\n    for x in xs:\n        if x % 2:\n            odds.append(x)\n        else:\n"
             "            evens.append(x)\n    return evens + odds\n")
    assert places.initial_values(ast.parse(split), "odds") == ("[]",)
    assert "odds, evens = [], []" in _added(split, places.binding_fixes(split, ""))
    assert places.initial_values(ast.parse("def f():\n    return thing\n"), "thing") == places._UNKNOWN_VALUES


def test_names_deleted_together_are_bound_together():
    fib = "def fib(n):\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n"
    fixes = places.binding_fixes(fib, None)  # without the module: `a` and `b` are read before the line that binds them
    assert "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n" in [fix[:len("def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n")] for fix in fixes]
    assert len(fixes) == len(set(fixes)) <= places.MAX_BINDING_FIXES


def test_no_binding_fix_where_nothing_is_unbound_or_nothing_parses():
    assert places.binding_fixes("def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total\n", "") == []
    assert places.binding_fixes("def f(:\n    return x\n", "") == []
    assert places.binding_fixes("total += 1\n", "") == []  # module-level code: the model is asked there instead
    one_line = "def f(xs):\n    a = 1; total += a\n    return total\n"
    assert places.binding_fixes(one_line, "")[0] == one_line.replace("    a = 1;", "    total = 0\n    a = 1;")  # before the line
    missing_import = "def f():\n    @wraps(g)\n    def inner():\n        return g()\n    return inner\n"
    assert places.binding_fixes(missing_import, "") == []  # `g` is never bound and its uses tell nothing: an import gone


def test_a_closure_reading_its_enclosing_function_names_has_nothing_unbound():
    module = ("def count(edges, n):\n    parent = list(range(n))\n\n    def find(x):\n        while parent[x] != x:\n"
              "            x = parent[x]\n        return x\n\n    return len({find(a) for a, _ in edges})\n")
    find = "def find(x):\n    while parent[x] != x:\n        x = parent[x]\n    return x\n"
    assert places.enclosing_function_names(module, 4) >= {"parent", "n", "edges", "find"}
    assert places.binding_fixes(find, module, 4) == []
    assert _unbound(find, module) == {"parent": 2}  # where its def is unknown, `parent` looks deleted
    assert places.unbound_names(ast.parse(find), places.known_names(module, 4)) == {}


def test_the_name_a_failure_says_was_read_unbound():
    assert places.unbound_in_trace("<tests> line 3: NameError: name 'index' is not defined") == "index"
    py311 = "tests/test_x.py::test_a - UnboundLocalError: cannot access local variable 'total' where it is not associated with a value"
    assert places.unbound_in_trace(py311) == "total"
    assert places.unbound_in_trace("UnboundLocalError: local variable 'n' referenced before assignment") == "n"  # Python 3.10 and before
    assert places.unbound_in_trace("<tests> line 3: assert f(1) == 2") == "" and places.unbound_in_trace("") == ""
    assert places.reads_unbound(AVERAGE, "total", set()) and not places.reads_unbound(AVERAGE, "count", set())
    assert not places.reads_unbound("def f(:\n", "x", set())
    assert places.known_names("import os\ndef f():\n    def g():\n        pass\n    n = 1\n", 3) == {"os", "f", "g", "n"}
    assert places.known_names(None, 3) is None and places.known_names("from os import *\n", 1) is None


def test_never_inside_a_loop_that_updates_the_name_but_inside_an_outer_one():
    rows = ("def table(n):\n    out = []\n    for i in range(n):\n        for j in range(n):\n            row.append(i * j)\n"
            "        out.append(row)\n    return out\n")
    assert places.binding_fixes(rows, "") == [rows.replace("        for j", "        row = []\n        for j"),  # a row per pass
                                               rows.replace("    for i", "    row = []\n    for i")]
    rebound = "def rotate(m, turns):\n    for _ in range(turns):\n        result = spin(result)\n    return result\n"
    assert _added(rebound, places.binding_fixes(rebound, "")) == ["result = None", "result = 0"]  # only before the loop; `spin` is no local


def test_a_method_read_without_a_call_tells_the_value_and_a_name_only_called_is_no_variable():
    fast = "def unique(xs):\n    seen_add = seen.add\n    for x in xs:\n        if x not in seen:\n            seen_add(x)\n            yield x\n"
    assert places.initial_values(ast.parse(fast), "seen") == ("set()",)
    typo = "def distinct(seq):\n    return lenn(seq) == lenn(set(seq))\n"
    assert not places.missing_binding(typo, "lenn", set()) and places.missing_binding(fast, "seen", set())
    assert not places.missing_binding("def f(:", "x", set())
    assert places.binding_fixes(typo, "") == []


def test_a_module_s_own_dunders_are_never_unbound():
    code = "def here():\n    return os.path.dirname(__file__), __path__, __builtins__\n"
    assert _unbound(code, "import os\n" + code) == {} and places.binding_fixes(code, "import os\n" + code, 1) == []


def test_a_value_carried_from_pass_to_pass_is_never_started_over_in_the_loop():
    retry = ("def retry(op, attempts):\n    while True:\n        try:\n            return op()\n        except Exception:\n"
             "            tries += 1\n            if tries >= attempts:\n                raise\n")
    assert _added(retry, places.binding_fixes(retry, "")) == ["tries = 0", "tries = 1"]  # before the loop: inside, it never ends
    assert all(fix.index("tries = ") < fix.index("while True") for fix in places.binding_fixes(retry, ""))
    changes = "def changes(xs):\n    n = 0\n    for x in xs:\n        if x != prev:\n            n += 1\n        prev = x\n    return n\n"
    assert [fix.index("prev = ") < fix.index("for x") for fix in places.binding_fixes(changes, "")] == [True, True]


def test_a_missing_import_or_a_global_set_elsewhere_is_no_deleted_line():
    module = "import json\n\ndef load(p):\n    global cache\n    cache = {}\n\ndef get(k):\n    return cache[k]\n\ndef path(p):\n    return os.path.join(p, 'x')\n"
    assert places.binding_fixes("def get(k):\n    return cache[k]\n", module, 7) == []  # `global cache` set in load
    code = "def path(p):\n    return os.path.join(p, 'x')\n"
    assert _unbound(code, module) == {"os": 2} and places.binding_fixes(code, module, 10) == []  # `import os` gone
    assert not places.missing_binding(code, "os", places.known_names(module, 10))
    assert places.missing_binding(AVERAGE, "total", set())


def test_a_closure_reads_names_bound_later_when_called_and_its_own_declarations_stay_its_own():
    later = "def outer():\n    def helper(k):\n        return cache[k]\n    cache = {}\n    return helper\n"
    assert _unbound(later) == {} and places.binding_fixes(later, "") == []
    total = "def outer(xs):\n    def add(x):\n        nonlocal total\n        total += x\n    for x in xs:\n        add(x)\n    return total\n"
    assert _unbound(total) == {"total": 4}  # the deleted `total = 0` of the outer function: the nested `nonlocal` is not its
    assert "def outer(xs):\n    total = 0\n    def add(x):" in "".join(places.binding_fixes(total, ""))


def test_walrus_match_rest_and_decorators_bind_and_read_where_they_stand():
    walrus = "def f(s):\n    if (m := PAT.match(s)) and m.group(1):\n        return m\n"
    assert _unbound(walrus, "PAT = 1\n") == {}
    one_line = "def f(b, xs):\n    for i in range(3): xs[i] = 0\n    with memoryview(b) as view, view.cast('B') as c:\n        return c\n"
    assert _unbound(one_line) == {}  # stdlib's inspect.cleandoc and ssl's sendall: a `for`'s and a `with`'s targets
    match = "def f(d):\n    match d:\n        case {'a': 1, **rest}:\n            return rest\n"
    assert _unbound(match) == {}
    decorated = "def setup(other):\n    @registry.add\n    def handler():\n        return 1\n    registry.add(other)\n    return registry\n"
    fixes = places.binding_fixes(decorated, "")
    assert fixes and fixes[0] == decorated.replace("    @registry", "    registry = set()\n    @registry")  # before the decorator


SPREAD = "def spread(values):\n    smallest = min(values)\n    largest = max(values)\n    return largest - smalest\n"


def test_a_misspelt_name_is_written_as_the_bound_names_a_letter_or_two_away():
    # `smalest = 1` was the first fix offered, and it passed a test by chance.
    assert places.rename_fixes(SPREAD, "") == [SPREAD.replace("- smalest", "- smallest")]
    assert places.binding_fixes(SPREAD, "") != []  # a deleted `smalest = ...` stays possible: the model and the tests decide
    mean = "def mean(xs):\n    total = sum(xs)\n    return total / lenn(xs) if lenn(xs) else 0.0\n"
    assert places.rename_fixes(mean, "") == [mean.replace("lenn(", "len(")]  # a function too, every read of it
    # A module's function, and a line with letters of more than one byte before the name (ast counts bytes).
    module = "def total_price(items):\n    return 0\n\n\ndef label(items):\n    return 'Σ €: ' + str(totl_price(items))\n"
    assert places.rename_fixes("def label(items):\n    return 'Σ €: ' + str(totl_price(items))\n", module, 5) == [
        "def label(items):\n    return 'Σ €: ' + str(total_price(items))\n"]
    assert places.misspelt(SPREAD, "smalest", set()) and not places.misspelt(SPREAD, "largest", set())


def test_edit_distance_counts_a_swap_as_one_edit_and_stops_past_its_limit():
    assert places.edit_distance("lenght", "length", 2) == 1
    assert places.edit_distance("kitten", "sitting", 2) == 3  # over the limit: limit + 1
    assert places.close_names("lenght", ["length", "height", "len", "lengths"]) == ["length", "height", "lengths"]  # ties: pool order
    assert places.close_names("cout", ["count", "cost", "out", "counter"]) == ["count", "cost", "out"]  # one edit under 6 letters


def test_no_rename_where_the_name_is_no_typo_or_nothing_can_be_told():
    assert places.rename_fixes(SPREAD, None) == []  # the module unknown: no name is known to be unbound
    assert places.rename_fixes("def f(p):\n    return oss.path.join(p)\n", "import os\n") == ["def f(p):\n    return os.path.join(p)\n"]
    assert places.rename_fixes("def f(p):\n    return os.path.join(p)\n", "os2 = 1\n") == []  # `import os` gone
    assert places.rename_fixes("def f(xs):\n    for x in xs:\n        ij += x\n    return ij\n", "") == []  # updated: a deleted `ij = 0`
    assert places.rename_fixes("def f(x):\n    return rows.copy()\n", "row = 1\n") == ["def f(x):\n    return row.copy()\n"]  # read only
    assert places.rename_fixes("def f(x):\n    rows.append(x)\n    return rows\n", "row = 1\n") == []  # mutated: a deleted `rows = []`
    swap = "def swap(items, i):\n    ietms[i], items[i + 1] = items[i + 1], items[i]\n"
    assert places.rename_fixes(swap, "") == [swap.replace("ietms", "items")]  # updated in its one spot: a typo
    assert places.rename_fixes("def f(a, b):\n    return a + c\n", "") == []  # one or two letters: one edit from any short name
    title = "def title(text):\n    out = []\n    for word in words:\n        out.append(word.title())\n    return out\n"
    assert places.rename_fixes(title, "") == []  # `words` is not the `word` its own loop binds
    method = "def pop(self, key, default=_marker):\n    return default\n"
    assert places.rename_fixes(method, "marker = 1\n") == []  # a default is read in the class, not the function
    assert places.rename_fixes(SPREAD, "try:\n    from tkinter import *\nexcept ImportError:\n    pass\n") == []
    assert places.rename_fixes(SPREAD, "globals().update(smalest=1)\n") == []  # the module binds names no statement shows


def test_a_fix_that_reads_a_name_nothing_binds_is_told():
    # A beam's `taken + 1` for `take + 1` ranked in the first 10 of builtin:operator's house_robber: a NameError where it runs.
    rob = "def rob(values):\n    take, skip = 0, 0\n    for value in values:\n        take, skip = skip + value, max(take, skip)\n    return max(take, skip)\n"
    assert places.new_unbound_reads(rob, rob.replace("skip + value,", "taken + 1,"), "") == {"taken"}
    assert places.new_unbound_reads(rob, rob.replace("skip + value,", "take + 1,"), "") == set()
    assert places.new_unbound_reads(rob, rob.replace("skip + value,", "LIMIT + 1,"), "LIMIT = 3\n") == set()  # the module's
    assert places.new_unbound_reads(rob, rob.replace("skip + value,", "taken + 1,"), None) == set()  # the module unknown
    assert places.new_unbound_reads(SPREAD, SPREAD.replace("smalest", "smallest"), "") == set()  # it was read before
    assert places.new_unbound_reads(SPREAD, SPREAD.replace("- smalest", "- smalest - tiny"), "") == {"tiny"}


def test_a_standard_module_or_name_not_imported_is_imported_after_the_module_s_imports():
    module = '"""Doc."""\nfrom __future__ import annotations\n\nimport os\n\n\ndef dump(x):\n    return json.dumps(x)\n'
    assert places.import_fixes(module, "json") == [(module.replace("import os\n", "import os\nimport json\n"), 5, "import json")]
    bare = "def count(text):\n    return Counter(text)"  # no import, no docstring, no final newline
    assert places.import_fixes(bare, "Counter") == [("from collections import Counter\n" + bare, 1, "from collections import Counter")]
    docstring = '"""Doc."""\n\ndef now():\n    return datetime.now()\n'
    assert [fix[1:] for fix in places.import_fixes(docstring, "datetime")] == [  # the module has no `now`: the class
        (2, "from datetime import datetime")]
    today = docstring.replace("datetime.now()", "datetime.date.today()")
    assert [fix[2] for fix in places.import_fixes(today, "datetime")] == ["import datetime", "from datetime import datetime"]
    assert places.import_fixes(docstring, "numpy") == []  # not the standard library's
    poly = "def multiply(p, q):\n    for i, a in enumerate(p):\n        product[i] += a\n    return product\n"
    assert places.import_fixes(poly, "product") == []  # a deleted `product = [0] * n`, not itertools.product
    assert places.import_fixes(poly.replace("    return product\n", "    return 0\n"), "product") == []  # subscripted only
    assert places.import_fixes("def f(xs):\n    return copy\n", "copy") == []  # a module is read through its attributes
    assert places.import_fixes("import json\n" + module, "json") == []  # bound already
    assert places.import_fixes("from os.path import *\n" + module, "json") == []  # the module's names cannot be told
    assert places.import_fixes("def f(:\n", "json") == []
    late = "import os\n\nX = 1\nimport sys\n\ndef f():\n    return re.sub('a', 'b', X)\n"
    assert places.import_fixes(late, "re")[0][1] == 2  # after the first block of imports


def test_review_only_writes_to_globals_hide_a_module_s_names():
    lost = "def f(xs):\n    for x in xs:\n        total += x\n    return total\n"
    for reads in ("def g(n):\n    return globals().get(n)\n", "def g(src, ns):\n    exec(src, ns)\n"):
        assert places.binding_fixes(lost, reads) != []  # reading globals(), exec in a namespace of its own
    for writes in ("globals()['x'] = 1\n", "globals().setdefault('x', 1)\n", "exec('x = 1')\n", "exec(src, globals())\n"):
        assert places.binding_fixes(lost, writes) == [] and places.known_names(writes, 1) is None


def test_review_imports_only_for_a_name_read_as_the_standard_library_s():
    assert places.import_fixes("def f():\n    return 1\n", "json") == []  # never read here (the tests' own missing import)
    assert places.import_fixes("def shout(text):\n    return string.upper() + '!'\n", "string") == []  # a deleted local
    assert places.import_fixes("def f():\n    return this.s\n", "this") == []  # its import prints the Zen of Python
    script = "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\ndef f(x):\n    return json.dumps(x)\n"
    assert places.import_fixes(script, "json")[0][:2] == (script.replace("def f", "import json\ndef f"), 3)  # under the #! lines
    crlf = "import os\r\n\r\ndef f(x):\r\n    return json.dumps(x)\r\n"
    assert places.import_fixes(crlf, "json")[0][0] == crlf.replace("import os\r\n", "import os\r\nimport json\r\n")
    typed = "class Colour(Enum):\n    RED = 1\n\n\ndef area(r: float) -> Optional[float]:\n    return pi * r * r\n"
    assert [places.import_fixes(typed, name)[0][2] for name in ("Enum", "Optional", "pi")] == [
        "from enum import Enum", "from typing import Optional", "from math import pi"]


def test_review_a_rename_is_a_name_bound_around_the_read():
    beside = "def f(xs):\n    key = lambda value: value * 2\n    return sorted(xs, key=key) + [valeu]\n"
    assert places.rename_fixes(beside, "") == []  # a lambda's parameter is not bound where `valeu` is read
    inside = "def f(items):\n    return [itme * 2 for item in items]\n"
    assert places.rename_fixes(inside, "") == [inside.replace("itme", "item")]  # the comprehension's own variable
    feed = "def f(values):\n    x = 1  # a\x0cform feed\n    return totl + x\n\n\ntotal = 3\n"
    assert places.rename_fixes(feed.split("\n\n\n")[0] + "\n", feed) == [feed.split("\n\n\n")[0].replace("totl", "total") + "\n"]


def test_an_attribute_the_object_lacks_is_written_as_one_a_letter_or_two_away():
    code = "def collect(xs):\n    out = []\n    for x in xs:\n        out.apend(x)\n    return out\n"
    error = "AttributeError: 'list' object has no attribute 'apend'"
    assert places.attribute_fixes(code, error, code) == [code.replace("apend", "append")]  # a list's own attributes
    assert places.attribute_in_trace(error) == "apend" and places.attribute_in_trace("AssertionError") == ""
    wrong_type = "def seen(graph):\n    color = []\n    return color.get(1)\n"  # a list where a dict belongs: no list attribute is close
    assert places.attribute_fixes(wrong_type, "AttributeError: 'list' object has no attribute 'get'", wrong_type) == []
    module = ("class Stack:\n    def __init__(self):\n        self.length = 0\n\n    def push(self, x):\n        self.lenght += 1\n"
              "        return self.lenght\n")
    push = "def push(self, x):\n    self.lenght += 1\n    return self.lenght\n"
    assert places.attribute_fixes(push, "AttributeError: 'Stack' object has no attribute 'lenght'", module) == [
        push.replace("lenght", "length")]  # the module's attributes, an update's target too
    assert places.attribute_fixes(push, "AttributeError: 'Stack' object has no attribute 'lenght'", None) == []
    unused = "def size(self):\n    return 0\n"
    assert places.attribute_fixes(unused, "AttributeError: 'Stack' object has no attribute 'lenght'", module) == []
