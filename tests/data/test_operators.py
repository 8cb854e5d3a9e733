"""Bug-injection operators: coverage, single-hunk edits, determinism, scope and invertibility.

    .venv/bin/python -m pytest tests/data/test_operators.py -q
"""

from __future__ import annotations

import ast
import random
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

from codemend.data.operators import (
    REPAIR_ONLY_OPERATORS,
    REPAIR_TEMPLATES,
    OPERATORS,
    Edit,
    Operator,
    apply_edit,
    candidate_fixes,
    class_fields,
    inject,
    mutate,
)
from codemend.data.parsing import parse
from codemend.task import compute_edit

FIXTURE = Path(__file__).resolve().parents[1] / "assets" / "functions.py"
FAMILIES = {"quixbugs", "tssb", "buglab", "runtime"}


@lru_cache(maxsize=1)
def fixture_functions() -> dict[str, str]:
    """name -> source of each top-level function in the fixture file (decorators included)."""
    text = FIXTURE.read_text()
    lines = text.splitlines(keepends=True)
    functions = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            functions[node.name] = "".join(lines[first - 1 : node.end_lineno])
    return functions


def all_mutants(operator: Operator, source: str) -> list[tuple[str, Edit]]:
    """Every parseable mutant of `source` under `operator`, with the edit that made it."""
    data = source.encode()
    original = ast.dump(ast.parse(data))
    mutants = []
    for edit in operator.sites(parse(data), data):
        buggy = apply_edit(data, edit)
        try:
            if ast.dump(ast.parse(buggy)) != original:
                mutants.append((buggy.decode(), edit))
        except SyntaxError:
            pass
    return mutants


def changed_line(original: str, buggy: str) -> int:
    """1-based line of the single changed (or deleted) line; fails the test otherwise."""
    before, after = original.splitlines(), buggy.splitlines()
    if len(before) == len(after):
        diff = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
        assert len(diff) == 1, f"{len(diff)} lines changed:\n{buggy}"
        return diff[0] + 1
    assert len(after) == len(before) - 1, f"more than one line deleted:\n{buggy}"
    deleted = next((i for i, (a, b) in enumerate(zip(before, after)) if a != b), len(after))
    assert before[:deleted] + before[deleted + 1 :] == after, f"not a whole-line deletion:\n{buggy}"
    return deleted + 1


def test_registry_shape():
    assert len(OPERATORS) >= 32
    for name, operator in OPERATORS.items():
        assert operator.name == name and re.fullmatch(r"[a-z][a-z0-9_]*", name)
        assert operator.family in FAMILIES and operator.bug_class
    assert {o.family for o in OPERATORS.values()} == FAMILIES


@pytest.mark.parametrize("name", list(OPERATORS))
def test_every_operator_mutates_the_fixture(name):
    operator = OPERATORS[name]
    found = 0
    for source in fixture_functions().values():
        for buggy, _ in all_mutants(operator, source):
            changed_line(source, buggy)  # one hunk: one changed line or one deleted line
            assert buggy.splitlines()[0] == source.splitlines()[0] or source.startswith("@")
            found += 1
    assert found, f"{name} found no site in {FIXTURE.name}"


def test_mutate_returns_parseable_distinct_code():
    source = fixture_functions()["gcd"]
    for seed in range(5):
        buggy = mutate(source, "swap_comparison", random.Random(seed))
        assert buggy is not None and buggy != source
        ast.parse(buggy)
    assert mutate(source, OPERATORS["swap_comparison"], random.Random(0)) is not None


def test_mutate_without_a_site_is_none():
    assert mutate("def f():\n    return 1\n", "wrong_exception_caught", random.Random(0)) is None


def test_unknown_operator_names_the_choices():
    with pytest.raises(ValueError, match="swap_comparison"):
        mutate("def f():\n    pass\n", "no_such_operator", random.Random(0))


def test_inject_is_deterministic_and_distinct():
    source = fixture_functions()["lis"]
    first = inject(source, random.Random(7), k=5)
    assert first == inject(source, random.Random(7), k=5)
    assert len(first) == 5
    assert len({buggy for buggy, _ in first}) == 5 and len({name for _, name in first}) == 5
    others = [inject(source, random.Random(seed), k=5) for seed in range(8, 12)]
    assert any(other != first for other in others)
    for buggy, _ in first:
        changed_line(source, buggy)


def test_inject_golden():
    # Pins the whole pipeline (site order, rng use, validation). If an operator changes on
    # purpose, update these values and say so in the commit message.
    source = fixture_functions()["gcd"]
    got = []
    for buggy, name in inject(source, random.Random(0), k=3):
        line = changed_line(source, buggy)
        got.append((name, line, buggy.splitlines()[line - 1].strip()))
    assert got == [  # updated when add_condition_operand and add_extra_argument joined the registry
        ("swap_arguments", 5, "return gcd(a % b, b)"),
        ("prepend_variable", 3, "return b + a"),
        ("incorrect_variable", 5, "return gcd(a, a % b)"),
    ]


def test_inject_respects_operator_subset_and_counts_drops():
    drops: Counter = Counter()
    source = fixture_functions()["bitcount"]
    out = inject(source, random.Random(0), k=3, operators=["swap_comparison", "swap_boolean_operator"], drops=drops)
    assert out == []
    assert drops["no_site"] == 2


def test_noop_edits_are_dropped():
    # `(a)` -> `a` style changes would be no-ops; mutants must change the AST.
    source = fixture_functions()["next_palindrome"]
    original = ast.dump(ast.parse(source))
    for seed in range(10):
        for buggy, _ in inject(source, random.Random(seed), k=4):
            assert ast.dump(ast.parse(buggy)) != original


def test_protected_regions_are_never_edited():
    source = (
        "@register(name='x', retries=3)\n"
        "def handler(event, limit=10, *args, flag: bool = True, **kwargs) -> int:\n"
        '    """Return limit + 1 if event and not flag."""\n'
        "    import os.path as osp\n"
        "    label = f'{event.kind + 1}' + 'a < b'  # comment: x == y\n"
        "    return len(label) + limit\n"
    )
    data = source.encode()
    header_end = data.index(b"    label")  # decorator, def line, docstring, import
    # Literals and the comment may be moved or deleted whole, never edited inside.
    literals = [m.span() for m in re.finditer(rb"f?'[^']*'|#.*", data[header_end:])]
    literals = [(start + header_end, end + header_end) for start, end in literals]
    tree = parse(data)
    edits = 0
    for operator in OPERATORS.values():
        for edit in operator.sites(tree, data):
            assert edit.start_byte >= header_end, (operator.name, edit)
            for start, end in literals:
                assert not start < edit.start_byte < end and not start < edit.end_byte < end, (operator.name, edit)
            edits += 1
    assert edits > 10


def test_missing_line_keeps_blocks_non_empty():
    source = "def f(x):\n    if x:\n        x = 1\n    y = x\n    return y\n"
    data = source.encode()
    deleted = {data.count(b"\n", 0, e.start_byte) + 1 for e in OPERATORS["missing_line"].sites(parse(data), data)}
    assert deleted == {4}  # `x = 1` is the only statement of its block; returns are remove_return's


def bound_before(source: str, line: int) -> set[str]:
    """Names a function binds (parameters, stores) on lines strictly before `line`, per `ast`."""
    func = ast.parse(source).body[0]
    names = {a.arg for a in func.args.args + func.args.kwonlyargs + func.args.posonlyargs}
    names |= {a.arg for a in (func.args.vararg, func.args.kwarg) if a is not None}
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.end_lineno < line:
            names.add(node.id)
    return names


def test_incorrect_variable_only_uses_names_bound_earlier():
    operator = OPERATORS["incorrect_variable"]
    checked = 0
    for source in fixture_functions().values():
        data = source.encode()
        for buggy, edit in all_mutants(operator, source):
            line = data.count(b"\n", 0, edit.start_byte) + 1
            new_name = edit.replacement.decode()
            assert new_name in bound_before(source, line), (new_name, line, source)
            old = data[edit.start_byte : edit.end_byte].decode()
            assert old.isidentifier()
            checked += 1
    assert checked > 50


def test_incorrect_variable_skips_calls_attributes_and_keywords():
    source = "def f(a, b):\n    c = a.real\n    return g(a, key=b) + c\n"
    data = source.encode()
    replaced = {data[e.start_byte : e.end_byte] for e in OPERATORS["incorrect_variable"].sites(parse(data), data)}
    assert replaced == {b"a", b"b", b"c"}
    for edit in OPERATORS["incorrect_variable"].sites(parse(data), data):
        assert data[edit.start_byte - 1 : edit.start_byte] != b"." and data[edit.end_byte : edit.end_byte + 1] != b"="


INVERTIBLE_CHECKED = [
    "swap_comparison",
    "swap_binary_operator",
    "off_by_one_literal",
    "swap_boolean_literal",
    "swap_boolean_operator",
    "swap_assignment_operator",
    "toggle_not",
]


@pytest.mark.parametrize("name", INVERTIBLE_CHECKED)
def test_candidate_fixes_recover_the_original(name):
    assert OPERATORS[name].invertible
    checked = 0
    for source in fixture_functions().values():
        for buggy, _ in all_mutants(OPERATORS[name], source)[:4]:
            line = changed_line(source, buggy)
            fixes = candidate_fixes(buggy, lines={line})
            assert (source, name) in fixes or source in [fix for fix, _ in fixes], buggy
            checked += 1
    assert checked


def test_candidate_fixes_filters_lines_and_excludes_the_source():
    source = fixture_functions()["find_first_in_sorted"]
    everything = candidate_fixes(source)
    on_line_5 = candidate_fixes(source, lines={5})
    assert on_line_5 and len(on_line_5) < len(everything)
    texts = [fix for fix, _ in everything]
    assert source not in texts and len(texts) == len(set(texts))
    for fix, name in on_line_5:
        assert name in REPAIR_TEMPLATES or OPERATORS[name].invertible or name in REPAIR_ONLY_OPERATORS
        assert changed_line(source, fix) == 5
        ast.parse(fix)


def test_the_repair_space_neither_adds_zero_nor_steps_back_a_step_it_could_drop():
    """`e + 1` -> `e + 0` and `x[i + 1]` -> `x[i + 1 - 1]` are `e` and `x[i]`, which `toggle_plus_one` offers."""
    source = "def f(x, n):\n    return x[n + 1] + x[n - 1] + x[1 + n] + (n - 1) + (1 - n) + x[(n + 1)]\n"
    lines = {fix.splitlines()[1].strip() for fix, _ in candidate_fixes(source)}
    for padded in ("x[n + 0]", "x[n - 0]", "x[0 + n]", "(n - 0)", "x[n + 1 - 1]", "x[n - 1 + 1]", "x[1 + n - 1]", "x[(n + 1) - 1]"):
        assert not any(padded in line for line in lines), padded
    for wanted in ("x[n]", "x[n + 2]", "x[n - 2]", "x[n + 1 + 1]", "x[n - 1 - 1]", "(0 - n)", "(2 - n)"):
        assert any(wanted in line for line in lines), wanted
    negative = {fix.splitlines()[1].strip() for fix, _ in candidate_fixes("def f(xs, n):\n    return xs[-1] + range(n, 0, -1)[0]\n")}
    assert {"return xs[0] + range(n, 0, -1)[0]", "return xs[-2] + range(n, 0, -1)[0]", "return xs[-1] + range(n, 0, 0)[0]"} <= negative
    assert not any("-0" in line for line in negative)
    steps = [fix for fix, _ in candidate_fixes("def f(xs):\n    k = 0\n    for x in xs:\n        k += 1\n        k -= 1\n    return k\n")]
    assert not any("+= 0" in fix or "-= 0" in fix for fix in steps)  # the line deleted instead
    assert "def f(xs):\n    k = 0\n    for x in xs:\n        k -= 1\n    return k\n" in steps
    assert any("k += 2" in fix for fix in steps) and any("k -= 2" in fix for fix in steps)
    reset = "def f(xs):\n    k = 0\n    return k\n"  # `k += 0` for `k = 0` stays a bug the data injects
    assert "def f(xs):\n    k += 0\n    return k\n" in [buggy for buggy, _ in all_mutants(OPERATORS["toggle_augmented_assignment"], reset)]
    injected = {buggy.splitlines()[1].strip() for buggy, _ in all_mutants(OPERATORS["toggle_plus_one"], source)}
    assert injected and not any("x[n + 1 - 1]" in line or "x[n - 1 + 1]" in line for line in injected)


def test_other_comparison_leaves_identity_with_none_true_and_false_alone():
    """`x == None` behaves as `x is None`: trying it wastes a test run."""
    source = 'def f(x, n):\n    return x is not None and n is ""\n'
    fixes = [fix.splitlines()[1].strip() for fix, _ in candidate_fixes(source, wide=True, only={"other_comparison"})]
    assert fixes == ['return x is not None and n == ""']


def test_apply_edit():
    assert apply_edit(b"x < y", Edit(2, 3, b"<=")) == b"x <= y"


def test_extra_condition_and_extra_argument_bugs():
    source = "def f(xs, n):\n    total = 0\n    for i, x in enumerate(xs):\n        if x > n:\n            total += x\n    last = xs.pop()\n    return total\n"
    conditions = {buggy.splitlines()[3].strip() for buggy, _ in all_mutants(OPERATORS["add_condition_operand"], source)}
    assert "if x > n and i:" in conditions
    arguments = {changed_line(source, buggy) for buggy, _ in all_mutants(OPERATORS["add_extra_argument"], source)}
    assert arguments == {3, 6}  # enumerate(xs, 1) and xs.pop(0)


@pytest.mark.parametrize("injector", ["remove_return", "add_extra_argument", "add_condition_operand", "prepend_variable"])
def test_repair_space_undoes_operators_that_are_not_their_own_inverse(injector):
    """Their bugs are fixed by another operator's sites or a repair template (see REPAIR_ONLY_OPERATORS)."""
    assert not OPERATORS[injector].invertible
    source = "def f(xs, n):\n    total = 0\n    for i, x in enumerate(xs):\n        if x > n:\n            total += x\n    last = xs.pop()\n    return total\n"
    mutants = all_mutants(OPERATORS[injector], source)
    assert mutants
    for buggy, _ in mutants:
        if buggy.count("\n") != source.count("\n"):
            continue  # a deleted line is not in the space (only a model can write it back)
        fixes = [fix for fix, _ in candidate_fixes(buggy)]
        assert any(ast.dump(ast.parse(fix)) == ast.dump(ast.parse(source)) for fix in fixes), buggy


def test_add_argument_and_add_return_templates():
    buggy = "def g(a, b):\n    c = a * 2\n    h(c)\n"
    fixes = {fix.splitlines()[2].strip(): name for fix, name in candidate_fixes(buggy)}
    assert fixes["return h(c)"] == "add_return"
    assert fixes["h(c, a)"] == fixes["h(c, b)"] == "add_argument"
    assert "h(c, c)" not in fixes  # an argument already passed is not passed twice


def test_complete_short_call_gives_a_call_that_needs_more_arguments_a_value_from_the_function():
    def completions(buggy: str) -> set[str]:
        return {fix for fix, operator in candidate_fixes(buggy) if operator == "complete_short_call"}

    header = "def test_header(self):\n    h = make('this is a test', 'subject')\n    self.assertEqual(h.name)\n    self.assertEqual(str(h), 'x')\n"
    found = completions(header)
    assert header.replace("(h.name)", "(h.name, 'subject')") in found  # a literal used elsewhere
    assert header.replace("(h.name)", "(h.name, str(h))") in found  # a small expression
    assert not any(f"(h.name, {label})" in fix for fix in found for label in ("name", "test_header", "self", "h.name", "str"))
    kinds = "def f(x, kind):\n    if isinstance(x):\n        return x\n    return kind(x)\n"
    assert kinds.replace("isinstance(x)", "isinstance(x, kind(x))") in completions(kinds)
    assert not any("isinstance(x, x)" in fix for fix in completions(kinds))  # not what it already passes
    # Calls that have what their callee needs, keyword calls, and callees we cannot know get nothing.
    assert not completions("def f(x, y):\n    self.assertEqual(x, y)\n    g(x)\n    return isinstance(x, int)\n")
    assert not completions("def f(x):\n    return getattr(x, default=None)\n")
    assert not completions("def f(x, y):\n    return x.replace(y)\n")


@pytest.mark.parametrize("template, buggy, fixed", [
    ("add_arithmetic_operand", "def g(items, size):\n    out = []\n    for i in range(0, len(items), size):\n        out.append(items[i:i])\n    return out\n",
     "items[i:i + size]"),
    ("wrap_in_any_call", "def h(items):\n    lo, hi = 0, items\n    return hi - lo\n", "lo, hi = 0, len(items)"),
    ("wrap_in_any_call", 'def k(best):\n    return best if best != "inf" else -1\n', 'best != float("inf")'),
    ("if_to_while", "def root(n):\n    if n >= 10:\n        n = sum(map(int, str(n)))\n    return n\n", "    while n >= 10:\n"),
    ("join_assignments", "def gcd(a, b):\n    while b:\n        a = b\n        b = a % b\n    return a\n", "        a, b = b, a % b\n"),
    ("swap_statements", "def add(seen, x):\n    seen.add(x)\n    if x in seen:\n        return False\n    return True\n",
     "    if x in seen:\n        return False\n    seen.add(x)\n"),
    ("keep_result", "def norm(text):\n    text.strip()\n    return text.split(',')\n", "    text = text.strip()\n"),
    ("sorted_not_sort", "def smallest(xs, k):\n    return xs[:k].sort(reverse=False)\n", "return sorted(xs[:k], reverse=False)"),
    ("none_default", 'def tally(words, counts={}):\n    """Doc."""\n    for w in words:\n        counts[w] = 1\n    return counts\n',
     'def tally(words, counts=None):\n    """Doc."""\n    if counts is None:\n        counts = {}\n    for w in words:\n'),
    ("add_guard", "def m(window, values, value):\n    while values[window[-1]] <= value:\n        window.pop()\n    return window\n",
     "while window and values[window[-1]] <= value:"),
    ("add_guard", "def r(text, i, value):\n    if text[i + 1] > value:\n        return 1\n    return 0\n", "if i + 1 < len(text) and text[i + 1] > value:"),
    ("other_arithmetic_operator", "def f(a, b, c):\n    return c - a * b\n", "return c - (a + b)\n"),  # grouped as before
    ("other_arithmetic_operator", "def seconds(days):\n    return days * (3600 + 24)\n", "return days * (3600 * 24)"),
    ("other_comparison", 'def empty(s):\n    return s is ""\n', 'return s == ""'),
    ("other_comparison", "def clamp(i, n):\n    if i < n:\n        i = n - 1\n    return i\n", "if i >= n:"),
    ("other_arithmetic_operator", "def total(xs):\n    t = 0\n    for x in xs:\n        t *= x\n    return t\n", "        t += x\n"),
    ("move_out_of_block", "def f(xs):\n    for i, x in enumerate(xs):\n        if x < 0:\n            return i\n        return -1\n",
     "            return i\n    return -1\n"),
    ("move_out_of_block", "def g(xs):\n    out, t = [], 0\n    for x in xs:\n        t += x\n    out.append(t)\n    return out\n",
     "        t += x\n        out.append(t)\n"),
    ("hoist_or_sink", "def h(words, n):\n    for w in words:\n        count = 0\n        if len(w) > n:\n            count += 1\n    return count\n",
     "    count = 0\n    for w in words:\n        if len"),
    ("hoist_or_sink", "def k(grid):\n    sums = []\n    total = 0\n    for row in grid:\n        for cell in row:\n            total += cell\n"
     "        sums.append(total)\n    return sums\n", "    for row in grid:\n        total = 0\n        for cell"),
    ("list_copies", "def grid(r, c, fill=0):\n    return [[fill] * c] * r\n", "return [[fill] * c for _ in range(r)]"),
    ("list_copies", "def buckets(n):\n    return n * [{}]\n", "return [{} for _ in range(n)]"),
    ("compare_each", "def weekend(day):\n    return day == 'sat' or 'sun' or 'x'\n", "day == 'sat' or day == 'sun' or day == 'x'"),
    ("compare_each", "def workday(day):\n    return day != 'sat' and 'sun'\n", "day != 'sat' and day != 'sun'"),
    ("iterate_copy", "def drop(words, n):\n    for w in words:\n        if len(w) < n:\n            words.remove(w)\n    return words\n",
     "for w in list(words):"),
    ("iterate_copy", "def prune(d):\n    for k, v in d.items():\n        if not v:\n            del d[k]\n    return d\n", "for k, v in list(d.items()):"),
    ("print_to_return", "def money(c):\n    print(f'{c / 100:.2f}')\n", "    return f'{c / 100:.2f}'\n"),
    ("reversed_not_reverse", "def last_first(xs):\n    return xs.reverse()\n", "return xs[::-1]"),
    ("bind_loop_variable", "def make(n):\n    fs = []\n    for i in range(n):\n        fs.append(lambda: i * 2)\n    return fs\n",
     "fs.append(lambda i=i: i * 2)"),
    ("bind_loop_variable", "def make(n):\n    return [lambda x: x + i for i in range(n)]\n", "[lambda x, i=i: x + i for i in"),
    ("bind_loop_variable", "def make(xs):\n    out = []\n    for i, x in enumerate(xs):\n        def show():\n            return x\n"
     "        out.append(show)\n    return out\n", "        def show(x=x):\n"),
    ("materialize_iterator", "def f(xs, ys):\n    pairs = zip(xs, ys)\n    a = sum(x for x, _ in pairs)\n    return a, max(pairs)\n",
     "pairs = list(zip(xs, ys))"),
    ("materialize_iterator", "def f(xs):\n    sq = (x * x for x in xs)\n    return sum(sq) / len(list(sq))\n", "sq = [x * x for x in xs]"),
])
def test_wide_templates_reach_what_the_usual_space_cannot(template, buggy, fixed):
    """The wide space undoes operators whose inverse must guess what went missing; the usual space does not hold these."""
    wide = {fix: name for fix, name in candidate_fixes(buggy, wide=True)}
    assert [name for fix, name in wide.items() if fixed in fix] == [template]
    assert not any(fixed in fix for fix, _ in candidate_fixes(buggy))
    assert {fix for fix, _ in candidate_fixes(buggy)} <= set(wide)  # the usual space is part of it


def test_closures_bind_only_loop_variables_they_read_and_iterators_only_read_twice():
    def edits(source, name):
        return [fix for fix, operator in candidate_fixes(source, wide=True) if operator == name]

    assert not edits("def f(xs):\n    for x in xs:\n        g = lambda x: x\n    return g\n", "bind_loop_variable")  # its own x
    assert not edits("def f(xs):\n    for x in xs:\n        g = lambda **kw: x\n    return g\n", "bind_loop_variable")  # nothing after **kw
    assert not edits("def f(xs, k):\n    for x in xs:\n        g = lambda: k\n    return g\n", "bind_loop_variable")  # not a loop's
    assert not edits("def f(xs):\n    g = lambda: xs\n    for x in xs:\n        pass\n    return g\n", "bind_loop_variable")
    assert not edits("def f(xs):\n    it = map(str, xs)\n    return ','.join(it)\n", "materialize_iterator")  # one pass
    assert not edits("def f(xs):\n    it = map(int, xs)\n    return next(it), next(it)\n", "materialize_iterator")  # step by step
    assert edits("def f(xs):\n    it = map(int, xs)\n    it = map(str, it)\n    return it, it\n", "materialize_iterator") == [
        "def f(xs):\n    it = map(int, xs)\n    it = list(map(str, it))\n    return it, it\n"]  # the binding read twice only
    # Review: not a name the closure binds or declares itself, nor an async generator (list() cannot take one).
    assert not edits("def f(xs):\n    for i in xs:\n        g = lambda: [i for i in range(3)]\n    return g\n", "bind_loop_variable")
    assert not edits("def f(xs):\n    for i in xs:\n        def g():\n            nonlocal i\n            i += 1\n    return g\n", "bind_loop_variable")
    assert not edits("async def agen():\n    yield 1\n\n\nasync def f():\n    g = agen()\n    return [x async for x in g], [x async for x in g]\n",
                     "materialize_iterator")
    generator = "def gen(n):\n    yield n\n\n\ndef f(n):\n    g = gen(n)\n    return max(g), min(g)\n"
    assert "    g = list(gen(n))\n" in edits(generator, "materialize_iterator")[0]  # a generator function of its own module
    endless = "def ticks():\n    n = 0\n    while True:\n        yield n\n        n += 1\n\n\ndef f():\n    t = ticks()\n    return next(iter(t)), max(t)\n"
    assert not edits(endless, "materialize_iterator")  # list() of it never returns: a time limit spent per candidate
    assert edits(endless.replace("n += 1", "n += 1\n        if n > 9:\n            return"), "materialize_iterator")


def test_declare_global_needs_the_module_names_and_a_name_the_function_makes_local():
    """`COUNT += 1` in a function raises UnboundLocalError, and `cache = {}` never resets the module's."""
    module = 'COUNT = 0\ncache = hits = None\ntry:\n    import json\nexcept ImportError:\n    json = None\n'
    from codemend.inference.places import module_names

    assert module_names(module) == {"COUNT", "cache", "hits", "json"}

    def edits(source, names=("COUNT", "cache", "hits", "n")):
        return [fix for fix, operator in candidate_fixes(source, wide=True, globals_=names) if operator == "declare_global"]

    assert edits('def bump():\n    """Add one."""\n    COUNT += 1\n    return COUNT\n') == [
        'def bump():\n    """Add one."""\n    global COUNT\n    COUNT += 1\n    return COUNT\n']
    assert edits("def reset():\n    cache = {}\n    hits = 0\n") == ["def reset():\n    global cache, hits\n    cache = {}\n    hits = 0\n"]
    assert not edits("def add(COUNT, x):\n    COUNT += x\n    return COUNT\n")  # a parameter
    assert not edits("def f():\n    n = 1\n    n += 1\n    return n\n")  # a local the function sets first
    assert not edits("def f():\n    cache = {}\n    return cache\n")  # a local it reads: its own
    assert not edits("def f():\n    global COUNT\n    COUNT += 1\n")
    assert not edits("def f():\n    COUNT += 1\n", names=())  # not a module's name
    # Review: `COUNT = COUNT + 1` is the same bug; not an annotated name (`X: int` cannot be global), a name a
    # nested function declares nonlocal or a closure reads; CRLF kept.
    assert edits("def bump():\n    COUNT = COUNT + 1\n") == ["def bump():\n    global COUNT\n    COUNT = COUNT + 1\n"]
    assert not edits("def f(xs):\n    n = 0\n    for x in xs:\n        n = n + x\n    return n\n")  # bound before it is read
    assert not edits("def f():\n    COUNT: int = 3\n")
    assert not edits("def f():\n    n = 1\n    def g():\n        nonlocal n\n        n += 1\n    return g\n")
    assert not edits("def f():\n    hits = 1\n    return lambda: hits\n")
    assert edits("def bump():\r\n    COUNT += 1\r\n") == ["def bump():\r\n    global COUNT\r\n    COUNT += 1\r\n"]
    assert not any(operator == "declare_global" for _, operator in candidate_fixes("def f():\n    COUNT += 1\n", wide=True))


@pytest.mark.parametrize("template, buggy, fixed", [
    ("add_default_argument", "def c(words):\n    counts = {}\n    for w in words:\n        counts[w] = counts.get(w) + 1\n    return counts\n",
     "counts.get(w, 0) + 1"),
    ("return_any_local", "def s(items):\n    lo, hi = 0, len(items)\n    while lo < hi:\n        lo += 1\n", "\n    return lo\n"),
    ("add_final_return", "def total(xs):\n\ts = 0\n\tfor x in xs:\n\t\ts += x\n", "\t\ts += x\n\treturn s\n"),  # tabs as the body has them
    ("wrap_in_len", "def t(parts):\n    if parts[0] < 2:\n        return None\n    return parts\n", "if len(parts[0]) < 2:"),
    ("wrap_in_len", "def u(items):\n    total = 0\n    for i in range(items):\n        total += i\n    return total\n", "range(len(items))"),
    ("wrap_to_match", "def test_n(self):\n    results = run()\n    self.assertEqual(results, 1)\n", "self.assertEqual(len(results), 1)"),
    ("wrap_to_match", "def test_m(self):\n    with self.assertRaises(E) as cm:\n        run()\n    self.assertEqual('bad', cm.exception)\n",
     "self.assertEqual('bad', str(cm.exception))"),
    ("wrap_to_match", "def test_k(self):\n    self.assertEqual(self.d.keys(), [1, 2])\n", "self.assertEqual(list(self.d.keys()), [1, 2])"),
])
def test_repair_templates_with_few_sites_are_in_the_ranked_space(template, buggy, fixed):
    assert [name for fix, name in candidate_fixes(buggy) if fixed in fix] == [template]


def test_wrap_in_len_wraps_only_where_a_number_is_expected():
    buggy = "def v(items, n):\n    first = items[0]\n    out = sorted(items)\n    if out[0] > n:\n        return first\n    return out\n"
    wrapped = {fix for fix, name in candidate_fixes(buggy) if name == "wrap_in_len"}
    assert wrapped == {buggy.replace("out[0] > n", "len(out[0]) > n"), buggy.replace("out[0] > n", "out[0] > len(n)")}  # not values
    assert not any("len(len(" in fix for fix, name in candidate_fixes("def w(xs, n):\n    return len(xs) > n\n") if name == "wrap_in_len")


def test_wrap_to_match_wraps_only_the_side_compared_with_a_literal():
    buggy = "def test_x(self):\n    self.assertEqual(self.err, 'boom')\n    self.assertEqual(items, other)\n    self.assertTrue(size, 2)\n"
    wrapped = {fix for fix, name in candidate_fixes(buggy) if name == "wrap_to_match"}
    # not two names compared, not an assertion that compares nothing, never the literal itself
    assert wrapped == {buggy.replace("self.err,", "str(self.err),"), buggy.replace("self.err,", "repr(self.err),")}
    assert not [fix for fix, name in candidate_fixes("def test_y(self):\n    self.assertEqual(len(xs), 2)\n") if name == "wrap_to_match"]


def test_statement_templates_leave_docstrings_comments_and_tuple_targets_alone():
    swapped = [fix for fix, name in candidate_fixes('def f(x):\n    """Doc."""\n    y = x\n    # why\n    z = y\n    return z\n', wide=True)
               if name == "swap_statements"]
    assert swapped == ['def f(x):\n    """Doc."""\n    y = x\n    # why\n    return z\n    z = y\n']  # not the docstring, not across the comment
    joined = {fix for fix, name in candidate_fixes("def g(a, b):\n    a, b = b, a\n    c = a\n    d = 1\n    return c, d\n", wide=True)
              if name == "join_assignments"}
    assert joined == set()  # a tuple target, and `d = 1` reads nothing `c = a` wrote
    assert not [fix for fix, name in candidate_fixes("def h(n):\n    if n:\n        n -= 1\n    else:\n        n = 0\n    return n\n", wide=True)
                if name == "if_to_while"]  # an if with an else is a choice, not a loop


def test_none_default_turns_each_container_default_into_a_check_at_the_bodys_indentation():
    method = "class C:\n\tdef g(self, d={}, *, s: set = set(), t=(), n=None):\n\t\t# why\n\t\td[1] = 2\n\t\treturn d, s\n"
    fixes = [fix for fix, _ in candidate_fixes(method, wide=True, only={"none_default"})]
    assert fixes == [method.replace("d={}", "d=None").replace("\t\td[1]", "\t\tif d is None:\n\t\t\td = {}\n\t\td[1]"),
                     method.replace("s: set = set()", "s: set = None").replace("\t\td[1]", "\t\tif s is None:\n\t\t\ts = set()\n\t\td[1]")]
    assert not candidate_fixes("def h(x, acc=[]): return acc\n", wide=True, only={"none_default"})  # no line to put the check on
    assert not candidate_fixes("def k(x, t=(), n=0, s='a'):\n    return t\n", wide=True, only={"none_default"})  # nothing shared can change



def test_the_repair_space_edits_f_strings_expressions_and_the_injection_does_not():
    import random

    buggy = 'def label(name, count):\n    return f"{name}: {count - 1} items {name!r:>{count}}"\n'
    fixes = {fix.splitlines()[1].strip(): name for fix, name in candidate_fixes(buggy)}
    assert fixes['return f"{name}: {count + 1} items {name!r:>{count}}"'] == "swap_binary_operator"  # QA: "no applicable fix found"
    assert fixes['return f"{name}: {count} items {name!r:>{count}}"'] == "toggle_plus_one"
    assert not any("items " not in fix or ": {" not in fix for fix in fixes)  # the text around them is data, as before
    spec = 'def f(x):\n    return f"{x:=10}"\n'  # `x` with the format spec `=10`, which tree-sitter reads as a walrus (review)
    assert all('"{x:=10}"' in fix for fix, _ in candidate_fixes(spec, wide=True))
    joined = 'def say(n):\n    return ("left: " f"{n - 1} of "\n            "many")\n'  # a concatenation's parts (review)
    lines = {fix.split("\n")[1].strip(): name for fix, name in candidate_fixes(joined)}
    assert lines['return ("left: " f"{n} of "'] == "toggle_plus_one"
    assert all('("left: " f"{' in line and "} of " in line for line in lines)  # the text around them is data
    wrapped = [fix for fix, name in candidate_fixes(joined, wide=True) if name == "wrap_in_any_call"]
    assert not any('str("left: ")' in fix or 'str(f"{n - 1} of ")' in fix for fix in wrapped)  # its parts are no sites
    injected = [bug for k in range(20) for bug, _ in inject(buggy, random.Random(k), k=5)]
    assert injected and not any("{count - 1}" not in bug for bug in injected if bug.count("\n") == buggy.count("\n"))

def test_block_templates_leave_alone_what_they_cannot_move():
    def edits(code: str, template: str) -> list[str]:
        return [fix for fix, name in candidate_fixes(code, wide=True) if name == template]

    assert not edits("def f(xs):\n    for x in xs:\n        print(x)\n", "move_out_of_block")  # it would empty the loop
    assert not edits("def f(xs, t):\n    for x in xs: t += x\n    return t\n", "move_out_of_block")  # a body on the header's line
    spans = 'def f(xs):\n    for x in xs:\n        x += 1\n        s = """a\nb"""\n    return s\n'
    assert edits(spans, "move_out_of_block") == [spans.replace("    return s", "        return s")]  # never a string's lines
    assert not edits("def f(xs):\n    for x in xs:\n        x += 1\n        y = x\n    else:\n        y = 0\n    return y\n", "move_out_of_block")
    # Not after a return (it would never run), and not hoisting what reads the loop's variable.
    assert edits("def f(xs):\n    for x in xs:\n        y = x\n        return y\n    return 0\n", "move_out_of_block") == [
        "def f(xs):\n    for x in xs:\n        y = x\n    return y\n    return 0\n"]
    assert not edits("def f(xs):\n    for x in xs:\n        y = x * 2\n        y += 1\n    return y\n", "hoist_or_sink")
    assert not edits("def f(xs):\n    n = len(xs)\n    for x in xs:\n        print(x, n)\n", "hoist_or_sink")  # nothing adds to n
    assert not edits("def f(x, b):\n    return x == 1 or b or x < 2\n", "compare_each")  # no bare literal
    assert not edits("def f(x):\n    return x < 1 or 2\n", "compare_each") and not edits("def f(x):\n    return x == 1 and 2\n", "compare_each")
    # A subject with a call is read once: not `next(it) == "a" or next(it) == "b"` (review), but `in (...)`.
    assert edits("def f(it):\n    return next(it) == 'a' or 'b'\n", "compare_each") == ["def f(it):\n    return next(it) in ('a', 'b')\n"]
    assert edits("def f(s):\n    return s.lower() != 'y' and 'yes'\n", "compare_each") == ["def f(s):\n    return s.lower() not in ('y', 'yes')\n"]
    assert not edits("def f(it, ok):\n    return next(it) == 'a' or 'b' or ok\n", "compare_each")
    assert edits("def f(d):\n    return d['k'].x == 'a' or 'b'\n", "compare_each") == [
        "def f(d):\n    return d['k'].x == 'a' or d['k'].x == 'b'\n"]
    assert not edits("def f(n):\n    return [0] * n, [(1, 2)] * n\n", "list_copies")  # the items cannot change
    assert edits("def g(n, m):\n    return [[_] * n] * (m + 1)\n", "list_copies") == [
        "def g(n, m):\n    return [[_] * n for _row in range(m + 1)]\n"]  # not a `_` that captures the item's own (review)
    assert not edits("def f(x):\n    print(x, 2)\n    print()\n", "print_to_return") and not edits("print(3)\n", "print_to_return")
    assert not edits("def f(xs):\n    for x in xs:\n        print(xs.count(x))\n", "iterate_copy")  # nothing changes xs

BUFFER = ("class Ring:\n    size = 0\n\n    def __init__(self, capacity):\n        self.capacity = capacity\n        self._data = [None] * capacity\n"
          "        self._start = 0\n\n    @property\n    def full(self):\n        return self.size == self.capacity\n\n"
          "    def oldest(self):\n        self.check()\n        return self.capacity[self._start]\n\n"
          "    def check(this):\n        assert this.items is not None\n\n    class Node:\n        def __init__(self):\n            self.next = None\n")


def test_class_fields_are_the_attributes_methods_use_on_their_own_object_less_methods_and_calls():
    oldest = BUFFER.splitlines().index("    def oldest(self):") + 1
    assert class_fields(BUFFER, oldest) == ("size", "capacity", "_data", "_start", "items")  # `check` is called; `full` a method
    node = BUFFER.splitlines().index("        def __init__(self):") + 1
    assert class_fields(BUFFER, node) == ("next",)  # the innermost class
    assert class_fields("def f(self):\n    return self.x\n", 1) == ()  # not a method
    span = ("@dataclass\nclass Span:\n    start: int\n    end: int = 0\n\n    @staticmethod\n    def of(other):\n        return other.norm\n\n"
            "    def length(self):\n        def inner(item):\n            return item.size\n        return self.start - self.start\n")
    assert class_fields(span, 10) == ("start", "end")  # declared in the class body; a staticmethod's argument is not the object
    assert class_fields(span, 7) == () and class_fields(span, 11) == ()  # a staticmethod and a function nested in a method: no self


def test_other_field_reads_another_field_of_the_class_where_the_method_lost_it():
    method = "def oldest(self):\n    self.check()\n    other.capacity = 1\n    return self.capacity[self._start]\n"
    fields = ("capacity", "_data", "_start", "check")
    fixes = [fix for fix, _ in candidate_fixes(method, wide=True, only={"other_field"}, fields=fields)]
    assert "    return self._data[self._start]\n" in {fix.splitlines(keepends=True)[-1] for fix in fixes}
    assert not any("other._data" in fix or "self._data()" in fix or "self.capacity()" in fix for fix in fixes)  # another object; a call
    assert "return self._data[" not in "".join(fix for fix, _ in candidate_fixes(method, wide=True))  # needs the class's fields
    assert not candidate_fixes(method, only={"other_field"}, fields=fields)  # wide space only: tests try it, the model never ranks it
    assert not any("self._start[" in fix for fix in fixes)  # a field it reads: the ranked space swaps those already
    many = candidate_fixes("def get(self, k):\n    return self.a[k]\n", wide=True, only={"other_field"}, fields=[f"f{i}" for i in range(20)])
    assert [fix.split("self.")[1].split("[")[0] for fix, _ in many] == [f"f{i}" for i in range(8)]  # the first 8 of a big class



def test_own_field_puts_self_before_a_field_written_as_a_bare_name():
    method = ("def withdraw(self, amount, owner=None):\n    if amount > self.balance:\n        raise ValueError(owner)\n"
              "    balance -= amount\n    log(balance=self.balance, owner=owner)\n    return self.balance\n")
    fixes = [fix for fix, _ in candidate_fixes(method, wide=True, only={"own_field"}, fields=("owner", "balance", "history"))]
    assert fixes == [method.replace("    balance -= amount", "    self.balance -= amount")]  # not a parameter, an attribute or a keyword
    assert not candidate_fixes(method, wide=True, only={"own_field"})  # needs the class's fields
    assert not candidate_fixes(method, only={"own_field"}, fields=("balance",))  # wide space only
    nested = "def f(self):\n    def g(balance):\n        return balance\n    return g(1)\n"
    assert not candidate_fixes(nested, wide=True, only={"own_field"}, fields=("balance",))  # a nested function's own name
    own = "def f(self, amount):\n    for balance in amount:\n        print(balance)\n    g = lambda owner: owner\n    return [balance for balance in amount], history\n"
    assert [fix for fix, _ in candidate_fixes(own, wide=True, only={"own_field"}, fields=("balance", "owner", "history"))] == [
        own.replace("], history", "], self.history")]  # not what the method binds itself: a loop's, a comprehension's, a lambda's (review)

def test_candidate_fixes_can_keep_only_some_operators_and_templates():
    source = "def f(xs, n):\n    if n > 0:\n        n = n - 1\n    xs.sort()\n    return xs[n]\n"
    picked = candidate_fixes(source, wide=True, only={"if_to_while", "swap_comparison"})
    assert {name for _, name in picked} == {"if_to_while", "swap_comparison"}
    everything = candidate_fixes(source, wide=True)
    assert set(picked) <= set(everything) and len(picked) < len(everything)


def test_add_final_return_and_wrap_in_call_templates():
    buggy = 'def g(a, b):\n    """Doc."""\n    left, right = set(a), b\n    out = []\n    for x in left:\n        out.append(x)\n'
    fixes = {fix: name for fix, name in candidate_fixes(buggy)}
    assert fixes[buggy + "    return out\n"] == "add_final_return"
    assert fixes[buggy.replace("set(a), b", "set(a), set(b)")] == "wrap_in_call"
    wrapped = [fix for fix, name in fixes.items() if name == "wrap_in_call"]
    assert all('"""Doc."""' in fix for fix in wrapped)  # docstrings are never wrapped
    assert not any("len(" in fix for fix in wrapped)  # only builtins the function already calls
    # A function that already ends in return, or a generator, gets no final return.
    assert "add_final_return" not in {name for _, name in candidate_fixes("def h(xs):\n    n = len(xs)\n    return n\n")}
    assert "add_final_return" not in {name for _, name in candidate_fixes("def h(xs):\n    n = 0\n    for x in xs:\n        yield x\n")}


def test_a_method_referenced_where_its_result_was_meant_is_called():
    # inflection's caseinsensitive with `char.upper` for `char.upper()`: only a plausible but wrong fix
    # (dropping the operand) was in the space.
    buggy = ("def f(s, d, words):\n    t = '[' + s + s.upper + ']'\n    for k, v in d.items:\n        pass\n"
             "    words.sort(key=str.lower)\n    s.strip = 3\n    return s.lower(), map(str.strip, words), sorted(words, key=s.lower)\n")
    fixed = {fix for fix, name in candidate_fixes(buggy) if name == "call_method"}
    assert fixed == {buggy.replace("s.upper +", "s.upper() +"), buggy.replace("d.items:", "d.items():")}
    field = "class Stock:\n    def __init__(self):\n        self.items = {}\n\n    def has(self, name):\n        return name in self.items\n"
    assert not any(name == "call_method" for _, name in candidate_fixes(field))  # a field the class assigns
    method = "def has(self, name):\n    return name in self.items\n"
    assert not any(name == "call_method" for _, name in candidate_fixes(method))  # repaired alone, the class unseen


def test_wrap_templates_never_call_a_builtin_on_its_own_result():
    buggy = "def f(xs, rows):\n    if len(xs) > 2:\n        return max(rows)\n    return sorted(xs)\n"
    fixes = {fix for fix, name in candidate_fixes(buggy, wide=True) if name in ("wrap_in_call", "wrap_in_any_call")}
    assert not any(double in fix for fix in fixes for double in ("len(len(", "sorted(sorted("))
    assert buggy.replace("return sorted(xs)", "return sorted(len(xs))") in fixes  # another builtin still wraps it
    assert buggy.replace("max(rows)", "max(max(rows))") in fixes  # the largest of the largest row is a value


def test_no_candidate_subscripts_a_name_by_itself():
    # QA (toolz's tail): `seq[n:seq]` raised into the function's `except TypeError` and passed its tests, as did
    # `seq[seq:]` and `n[n:]`; the name within a larger index (numpy's `a[a > 0]`) is still offered.
    tail = "def tail(n, seq):\n    try:\n        return seq[n:]\n    except TypeError:\n        return tuple(seq)\n"
    fixes = {fix.splitlines()[2].strip() for fix, _ in candidate_fixes(tail, wide=True)}
    assert fixes and not fixes & {"return seq[n:seq]", "return seq[seq:]", "return n[n:]"}
    mixed = "def f(a, b, i):\n    return a[b > 0] + a[i] + a[:i]\n"
    fixes = {fix.splitlines()[1].strip() for fix, _ in candidate_fixes(mixed)}
    assert "return a[a > 0] + a[i] + a[:i]" in fixes and "return a[b > 0] + a[b] + a[:i]" in fixes
    assert not fixes & {"return a[b > 0] + i[i] + a[:i]", "return a[b > 0] + a[a] + a[:i]", "return a[b > 0] + a[i] + a[:a]",
                        "return a[b > 0] + a[i] + i[:i]"}


def test_an_index_or_slice_bound_is_counted_from_the_other_end():
    # QA: toolz's `tail` (`seq[-n:]` -> `seq[n:]`) and more-itertools' `last` (`[-1]` -> `[0]`) had no such candidate.
    def negated(buggy: str) -> set[str]:
        return {fix.splitlines()[1].strip() for fix, operator in candidate_fixes(buggy) if operator == "negate_index"}

    assert negated("def tail(n, seq):\n    return seq[n:]\n") == {"return seq[-n:]"}
    assert negated("def last(xs, d):\n    return xs[0] if d else xs[:2]\n") == {"return xs[-1] if d else xs[:2]",
                                                                           "return xs[0] if d else xs[:-2]"}
    assert negated("def f(xs):\n    return xs[1:0]\n") == {"return xs[-1:0]"}  # 0 as a bound stays: -0 is 0
    assert not negated("def f(xs, i):\n    return xs[i + 1]\n")  # not a whole index


def test_a_slice_bound_is_wrapped_only_in_calls_that_give_integers():
    # QA (toolz's tail): `seq[tuple(n):]` raised into an `except TypeError` and passed; `d[tuple(key)]` is a mapping's key.
    wraps = {fix.splitlines()[3].strip() for fix, operator in candidate_fixes(
        "def f(seq, n, d, key):\n    a = tuple(key) + (len(seq),)\n    b = tuple(seq)\n    return seq[n:], d[key]\n")
             if operator == "wrap_in_call"}
    assert "return seq[len(n):], d[key]" in wraps and "return seq[n:], d[tuple(key)]" in wraps
    assert "return seq[tuple(n):], d[key]" not in wraps


def test_slice_bound_negated_operand_and_copy_templates():
    def fixes_of(buggy: str, name: str) -> set[str]:
        return {fix for fix, operator in candidate_fixes(buggy) if operator == name}

    chunks = "def chunks(items, size):\n    return [items[:i + size] for i in range(0, len(items), size)]\n"
    assert chunks.replace("[:i + size]", "[i:i + size]") in fixes_of(chunks, "restore_slice_bound")
    head = "def head(ranked, n):\n    return ranked[:]\n"
    assert {head.replace("[:]", "[1:]"), head.replace("[:]", "[:n]")} <= fixes_of(head, "restore_slice_bound")
    assert not fixes_of("def f(xs, i, j):\n    return xs[i:j]\n", "restore_slice_bound")  # nothing missing
    balanced = "def ok(stack):\n    if stack or stack.pop() != 1:\n        return False\n"
    assert balanced.replace("if stack or", "if not stack or") in fixes_of(balanced, "negate_condition_operand")
    merge = "def merge(base, extra):\n    merged = base\n    merged.update(extra)\n    return merged\n"
    assert merge.replace("= base", "= dict(base)") in fixes_of(merge, "copy_instead_of_alias")
    local = "def f(a):\n    b = 1\n    c = b\n    return c\n"
    assert not fixes_of(local, "copy_instead_of_alias")  # only parameters are copied


def test_the_final_return_becomes_an_insert_edit():
    buggy = "def g(xs):\n    total = 0\n    for x in xs:\n        total += x\n"
    (fix,) = [fix for fix, name in candidate_fixes(buggy) if name == "add_final_return"]
    edit = compute_edit(buggy, fix)
    assert (edit.kind, edit.start, edit.new_lines) == ("insert", 5, ("    return total",))


def _every_variant_read_whole(source: str) -> list[tuple[str, str]]:
    """candidate_fixes as it was before statements were read alone: each variant parsed and dumped whole (but for
    the subscripts of a name by itself, left out before either reads a variant)."""
    from codemend.data.operators import _subscripts_itself, repair_sites
    from codemend.data.parsing import has_error

    data = source.encode()
    seen, found = {ast.dump(ast.parse(data))}, []
    for name, edit in repair_sites(parse(data), data, True, None):
        if _subscripts_itself(parse(data).root_node, data, edit):
            continue
        patched = apply_edit(data, edit)
        try:
            dump = None if has_error(parse(patched)) else ast.dump(ast.parse(patched))
        except SyntaxError:
            dump = None
        if dump is not None and dump not in seen:
            seen.add(dump)
            found.append((patched.decode(), name))
    return found


SCRIPT_SHAPES = '''"""A script."""
import os
x = 1; y = x + 2  # two statements on one line
if x < y:
    print(x - 1)
else:
    print(y * 2)

# a comment between statements
@staticmethod
def f(a, b=3):
    return a + b
total = 0
for i in range(1, 10):
    total += i
while total > 5: total -= 2
print(total, x == y, [i for i in range(3) if i != 1])
'''


FUNCTION_SHAPES = '''def shapes(items, limit=3):
    """A docstring."""
    total = 0; count = 0
    text = """a string
  less indented than the body
    and as deep"""
    for i in range(1, len(items)):
        if items[i] > limit: total += items[i]
        elif items[i] == limit:
            count += 1
            total -= 1
        else:
            while total > 10:
                total //= 2
    with open(text) as handle:
        data = [x for x in handle if x != "\\n"]
    return total + count, data
'''


@pytest.mark.parametrize("source", ["script", "functions", "nested"])
def test_the_repair_space_read_statement_by_statement_is_the_space_read_whole(source):
    # A variant's key comes from the statements its edit touches, read alone (linear, not quadratic, in
    # the code's length): the same variants, in the same order, deduplicated the same way, as reading
    # every variant whole, including where statements share a line or a string runs out of their indentation.
    from codemend.data.operators import _Statements, repair_sites

    source = {"script": SCRIPT_SHAPES, "nested": FUNCTION_SHAPES}.get(source) or "\n\n".join(list(fixture_functions().values())[:5])
    data = source.encode()
    statements = _Statements(data, parse(data))
    keys = [statements.variant_key(edit) for _, edit in repair_sites(parse(data), data, True, None)]
    assert statements.parts is not None and any(key and key[0] == "nested" for key in keys)  # read alone, not the fallback
    assert candidate_fixes(source, wide=True) == _every_variant_read_whole(source)
    assert len(candidate_fixes(source, wide=True)) > 20


def test_a_nested_statement_s_variant_keys_follow_its_ast():
    from codemend.data.operators import _Statements

    data = b"def f(x):\n    if x:\n        y = (x) + 1\n        return y\n    return 0\n"
    statements = _Statements(data, parse(data))
    at = data.index(b"(x) + 1")
    assert statements.variant_key(Edit(at, at + 3, b"x")) == statements.key  # the same AST: the original
    renamed = statements.variant_key(Edit(at + 1, at + 2, b"z"))
    assert renamed == statements.variant_key(Edit(at, at + 3, b"z")) != statements.key  # one AST, two edits: one key
    assert renamed != statements.variant_key(Edit(data.index(b"return y") + 7, data.index(b"return y") + 8, b"z"))
    assert statements.variant_key(Edit(at, at + 3, b"(x")) is None  # does not parse


def test_the_repair_space_offers_each_number_the_nearest_others_only_when_the_code_holds_many():
    from codemend.data.operators import _NEAREST_NUMBERS, OPERATORS, candidate_fixes

    def swaps(code: str) -> Counter:
        """Numbers offered per line by swap_numeric_literal in the repair space."""
        return Counter(next(k for k, (a, b) in enumerate(zip(code.splitlines(), patched.splitlines()), 1) if a != b)
                       for patched, name in candidate_fixes(code, only={"swap_numeric_literal"}))

    few = "def f(a):\n    b = a * 3\n    return b + 7 - 10\n"
    assert swaps(few) == Counter({2: 4, 3: 10})  # every other number and 0/1/2 but n +- 1, as the injection operator offers
    data = few.encode()
    assert len(OPERATORS["swap_numeric_literal"].sites(parse(data), data)) == sum(swaps(few).values())
    many = "def huge(a):\n    b = 0\n" + "".join(f"    b += a * {5 * k + 10}\n" for k in range(200)) + "    return b\n"
    per_line = swaps(many)
    assert len(per_line) == 201 and max(per_line.values()) <= _NEAREST_NUMBERS + 3  # the injection operator offers each ~200
    assert "    b += a * 20\n" in next(p for p, _ in candidate_fixes(many, lines=[3], only={"swap_numeric_literal"}))  # its neighbour's
