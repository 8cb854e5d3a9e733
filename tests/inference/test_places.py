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
