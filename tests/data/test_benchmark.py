"""The built-in executable bug benchmark: programs, hand-written and injected bugs, and the loader.

    .venv/bin/python -m pytest tests/data/test_benchmark.py -q
    .venv/bin/python -m pytest tests/data/test_benchmark.py -q -m slow   # every operator item in the sandbox
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

from codemend.data.benchmark import (
    BENCHMARK_FIELDS,
    DEV_PROGRAMS_DIR,
    PROGRAMS_DIR,
    BenchmarkItem,
    entry_point,
    first_changed_line,
    format_summary,
    list_programs,
    load_benchmark,
    load_program,
    save_benchmark,
    split_program,
    summary,
)
from codemend.data.operators import OPERATORS, REPAIR_TEMPLATES, apply_edit, candidate_fixes
from codemend.data.parsing import parse
from codemend.errors import CodemendError


@lru_cache(maxsize=None)
def builtin(name: str = "builtin") -> tuple[BenchmarkItem, ...]:
    return tuple(load_benchmark(name))


def run_in_process(code: str, tests: str) -> None:
    """Benchmark semantics: the module, then its tests, in one fresh namespace; raises on failure."""
    namespace: dict = {"__name__": "__benchmark__"}
    exec(compile(code, "<module>", "exec"), namespace)
    exec(compile(tests, "<tests>", "exec"), namespace)


def passes_in_subprocess(code: str, tests: str, timeout_s: float) -> bool:
    """For buggy code, which may loop or recurse without end: a separate interpreter with a timeout."""
    try:
        result = subprocess.run([sys.executable, "-c", code + "\n" + tests], capture_output=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0


def squeeze(code: str) -> str:
    return "".join(code.split())


# ----------------------------------------------------------------------------------------------
# Base programs


def test_there_are_at_least_60_programs():
    assert len(list_programs()) >= 60


ALL_PROGRAMS = [(PROGRAMS_DIR, name) for name in list_programs()] + [(DEV_PROGRAMS_DIR, name) for name in list_programs(DEV_PROGRAMS_DIR)]


@pytest.mark.parametrize("folder,name", ALL_PROGRAMS, ids=[f"{folder.name}/{name}" for folder, name in ALL_PROGRAMS])
def test_program_reference_passes_its_tests(folder, name):
    code, tests = load_program(name, folder)
    assert "# --- tests ---" not in code and tests.strip()
    assert entry_point(code) in code
    assert 5 <= len(code.splitlines()) <= 45, "programs are 5-40 lines of code (plus a docstring)"
    assert tests.count("assert") >= 6, "each program needs enough asserts to catch most mutants"
    run_in_process(code, tests)


def test_entry_point_is_the_last_top_level_definition():
    assert entry_point(load_program("merge_sort")[0]) == "merge_sort"
    assert entry_point(load_program("bank_account")[0]) == "BankAccount"
    assert entry_point(load_program("lcm")[0]) == "lcm"


def test_load_program_unknown_name_suggests_close_ones():
    with pytest.raises(CodemendError, match="binary_search"):
        load_program("binary_serch")


def test_split_program_needs_exactly_one_marker():
    assert split_program("def f():\n    return 1\n# --- tests ---\nassert f() == 1\n") == (
        "def f():\n    return 1\n", "assert f() == 1\n")
    with pytest.raises(CodemendError, match="exactly one"):
        split_program("def f():\n    return 1\n")


# ----------------------------------------------------------------------------------------------
# Hand-written bugs


HANDWRITTEN = builtin("builtin:handwritten")


def test_builtin_benchmark_size():
    items = builtin()
    assert len({item.program for item in items}) >= 60
    assert sum(item.source == "handwritten" for item in items) >= 30
    assert len({item.id for item in items}) == len(items)
    assert {item.source for item in items} == {"handwritten", "operator"}


@pytest.mark.parametrize("item", HANDWRITTEN, ids=[item.id for item in HANDWRITTEN])
def test_handwritten_item_fails_buggy_and_passes_fixed(item):
    assert item.source == "handwritten" and item.bug_type.startswith("handwritten: ")
    code, tests = load_program(item.program)
    assert item.fixed_code == code and item.test_code == tests, "regenerate the item after editing its program"
    assert item.entry_point == entry_point(code)
    assert item.bug_line == first_changed_line(item.fixed_code, item.buggy_code)
    run_in_process(item.fixed_code, item.test_code)
    assert not passes_in_subprocess(item.buggy_code, item.test_code, item.timeout_s)


def test_handwritten_bugs_are_out_of_the_operators_reach():
    """No single operator edit makes the bug, and the repair search space does not hold the fix."""
    reachable = []
    for item in HANDWRITTEN:
        fixed = item.fixed_code.encode()
        tree = parse(fixed)
        made_by_operator = any(
            apply_edit(fixed, edit).decode() == item.buggy_code
            for operator in OPERATORS.values()
            for edit in operator.sites(tree, fixed)
        )
        # Compared with whitespace removed rather than by AST: as fast as text equality, blind to
        # re-indentation, and parsing the thousands of candidates would triple the test's time.
        fixed_tokens = squeeze(item.fixed_code)
        fixed_by = [name for candidate, name in candidate_fixes(item.buggy_code) if squeeze(candidate) == fixed_tokens]
        # A repair-only template may reach a hand-written bug (that is what templates are for);
        # the injection operators' own inverses must not, or the bug is an operator bug in disguise.
        if made_by_operator or [name for name in fixed_by if name not in REPAIR_TEMPLATES]:
            reachable.append(item.id)
    assert not reachable, f"single-operator bugs among the hand-written ones: {reachable}"


# ----------------------------------------------------------------------------------------------
# Operator-injected bugs


OPERATOR_ITEMS = builtin("builtin:operator")


def test_operator_items_are_consistent_with_their_programs():
    programs = set(list_programs())
    for item in OPERATOR_ITEMS:
        assert item.program in programs and item.operator in OPERATORS, item.id
        code, tests = load_program(item.program)
        assert (item.fixed_code, item.test_code) == (code, tests), f"{item.id}: rerun bench/make_builtin_benchmark.py"
        assert item.bug_type == OPERATORS[item.operator].bug_class
        assert item.bug_line == first_changed_line(code, item.buggy_code) is not None
        assert item.entry_point == entry_point(code)
    assert len({item.program for item in OPERATOR_ITEMS}) >= 60


@pytest.mark.sandbox
def test_shipped_operator_items_match_a_fresh_build():
    """Each program has its own seeded generator, so a build of two programs reproduces their items."""
    from codemend.data.benchmark import build_operator_items

    programs = ["binary_search", "word_wrap"]
    items, drops = build_operator_items(seed=0, per_program=3, programs=programs)
    shipped = [item for item in OPERATOR_ITEMS if item.program in programs]
    assert [item.to_dict() for item in items] == [item.to_dict() for item in shipped]
    assert all(isinstance(count, int) for count in drops.values())


# ----------------------------------------------------------------------------------------------
# The development set: other programs, for decisions the benchmark must not make


DEV_ITEMS = builtin("builtin:dev")


def test_dev_set_is_apart_from_the_benchmark():
    assert len(list_programs(DEV_PROGRAMS_DIR)) >= 30
    assert not set(list_programs(DEV_PROGRAMS_DIR)) & set(list_programs()), "a dev program shares a benchmark program's name"
    benchmark_code = {squeeze(load_program(name)[0]) for name in list_programs()}
    assert not [name for name in list_programs(DEV_PROGRAMS_DIR) if squeeze(load_program(name, DEV_PROGRAMS_DIR)[0]) in benchmark_code]
    assert not [item.id for item in builtin() if item.id.startswith("dev/")], "`builtin` must not hold the dev set"
    assert len(DEV_ITEMS) >= 100 and all(item.id.startswith("dev/") and item.source == "operator" for item in DEV_ITEMS)


def test_dev_items_are_consistent_with_their_programs():
    programs = set(list_programs(DEV_PROGRAMS_DIR))
    for item in DEV_ITEMS:
        assert item.program in programs and item.operator in OPERATORS, item.id
        code, tests = load_program(item.program, DEV_PROGRAMS_DIR)
        assert (item.fixed_code, item.test_code) == (code, tests), f"{item.id}: rerun bench/make_builtin_benchmark.py --part dev"
        assert item.bug_line == first_changed_line(code, item.buggy_code) is not None


DEV_HANDWRITTEN = builtin("builtin:dev-handwritten")


def test_dev_handwritten_bugs_are_in_dev_programs_and_match_their_table(bench_script):
    """The development set's hand-written bugs, on which templates for such bugs are chosen (never the benchmark's)."""
    assert len(DEV_HANDWRITTEN) >= 10 and not [item.id for item in builtin() if item.id.startswith("devhw/")]
    programs = set(list_programs(DEV_PROGRAMS_DIR))
    for item in DEV_HANDWRITTEN:
        assert item.id.startswith("devhw/") and item.source == "handwritten" and item.program in programs, item.id
        assert (item.fixed_code, item.test_code) == load_program(item.program, DEV_PROGRAMS_DIR), "rerun bench/make_dev_handwritten.py"
        assert item.bug_line == first_changed_line(item.fixed_code, item.buggy_code)
        fixed = item.fixed_code.encode()
        made = [op.name for op in OPERATORS.values() for edit in op.sites(parse(fixed), fixed) if apply_edit(fixed, edit).decode() == item.buggy_code]
        assert not made, f"{item.id} is an operator bug ({made}), not a hand-written one"
    table = bench_script("make_dev_handwritten").BUGS
    assert [f"devhw/{program}/{slug}" for program, slug, *_ in table] == [item.id for item in DEV_HANDWRITTEN]


def test_the_benchmarks_handwritten_items_are_what_their_specs_give(bench_script):
    """bench/make_handwritten_benchmark.py, the items' provenance, was a script no test ran (it wrote to a fixed
    path at import): the specs must still build the shipped file, item for item."""
    built = bench_script("make_handwritten_benchmark").build()
    assert [item.to_dict() for item in built] == [item.to_dict() for item in builtin("builtin:handwritten")]


@pytest.mark.parametrize("item", DEV_HANDWRITTEN, ids=[item.id for item in DEV_HANDWRITTEN])
def test_dev_handwritten_item_fails_buggy_and_passes_fixed(item):
    run_in_process(item.fixed_code, item.test_code)
    assert not passes_in_subprocess(item.buggy_code, item.test_code, item.timeout_s)


@pytest.mark.sandbox
def test_shipped_dev_items_match_a_fresh_build():
    from codemend.data.benchmark import build_operator_items

    programs = list_programs(DEV_PROGRAMS_DIR)[:2]
    items, _ = build_operator_items(seed=0, per_program=4, programs=programs, folder=DEV_PROGRAMS_DIR, prefix="dev")
    assert [item.to_dict() for item in items] == [item.to_dict() for item in DEV_ITEMS if item.program in programs]


@pytest.mark.slow
@pytest.mark.sandbox
def test_every_operator_item_fails_in_the_sandbox():
    from codemend.sandbox import Limits, SandboxPool

    with SandboxPool(workers=2, limits=Limits(wall_s=5)) as pool:
        results = pool.map_tests([(item.buggy_code, item.test_code) for item in OPERATOR_ITEMS])
    survivors = [item.id for item, result in zip(OPERATOR_ITEMS, results) if result.status not in ("failed", "error")]
    assert not survivors


# ----------------------------------------------------------------------------------------------
# Loader


def _row(**overrides) -> dict:
    row = {"id": "x", "buggy_code": "def f():\n    return 2\n", "test_code": "assert f() == 1\n",
           "entry_point": "f", "bug_type": "wrong literal", "timeout_s": 2.0}
    row.update(overrides)
    return row


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_save_and_load_round_trip(tmp_path):
    items = list(builtin())[:3] + [BenchmarkItem(**_row())]
    save_benchmark(items, tmp_path / "sub" / "bench.jsonl")
    assert load_benchmark(str(tmp_path / "sub" / "bench.jsonl")) == items


def test_an_items_bug_line_comes_from_its_reference_fix_when_not_given(tmp_path):
    fixed = "def f():\n    x = 1\n    return x\n"
    rows = [_row(id="changed", fixed_code=fixed), _row(id="missing-at-end", buggy_code="def f():\n    x = 1\n", fixed_code=fixed),
            _row(id="given", fixed_code=fixed, bug_line=1)]
    path = _write(tmp_path / "b.jsonl", [json.dumps(row) for row in rows])
    assert [item.bug_line for item in load_benchmark(str(path))] == [2, 2, 1]  # the last line: 3 is past the end


def test_minimal_items_get_defaults(tmp_path):
    path = _write(tmp_path / "b.jsonl", [json.dumps(_row(timeout_s=3, extra="ignored")), ""])
    (item,) = load_benchmark(str(path))
    assert item.timeout_s == 3.0 and item.fixed_code is None and item.bug_line is None and item.source == ""


def test_malformed_json_names_file_and_line(tmp_path):
    path = _write(tmp_path / "b.jsonl", [json.dumps(_row()), '{"id": "y",'])
    with pytest.raises(CodemendError, match=r"b\.jsonl:2: invalid JSON"):
        load_benchmark(str(path))


def test_missing_field_names_line_and_field(tmp_path):
    row = _row(id="y")
    del row["test_code"]
    path = _write(tmp_path / "b.jsonl", [json.dumps(_row()), json.dumps(row)])
    with pytest.raises(CodemendError, match=r"b\.jsonl:2: missing field 'test_code'"):
        load_benchmark(str(path))


@pytest.mark.parametrize("field, value", [("timeout_s", "5"), ("timeout_s", True), ("timeout_s", 0),
                                          ("bug_line", 0), ("id", 7), ("fixed_code", 1)])
def test_wrong_type_names_line_and_field(tmp_path, field, value):
    path = _write(tmp_path / "b.jsonl", [json.dumps(_row(**{field: value}))])
    with pytest.raises(CodemendError, match=rf"b\.jsonl:1: field '{field}' must be"):
        load_benchmark(str(path))


def test_items_that_could_not_be_judged_are_named_when_the_file_is_read(tmp_path):
    # Each was found only after the eval (a "broken" item, "not failing", a localization miss every time) or never.
    rows = [_row(id="syntax", test_code="assert f() == 1 +\n"), _row(id="empty", test_code="  \n"),
            _row(id="past", bug_line=4), _row(id="last", bug_line=3), _row(id="nope", entry_point="nope"),
            _row(id="ms", timeout_s=5000), _row(id="ok", entry_point="g", buggy_code="from m import g\n")]
    path = _write(tmp_path / "b.jsonl", [json.dumps(row) for row in rows])
    problems: list[str] = []
    kept = load_benchmark(str(path), strict=False, problems_out=problems)
    assert [item.id for item in kept] == ["last", "ok"]  # a missing last line is the one past the end
    assert [p.split(": ", 1)[1] for p in problems] == [
        "test_code does not parse (line 1: invalid syntax)", "test_code is empty: nothing would tell a fix from the bug",
        "bug_line 4 is past buggy_code's 2 line(s)",
        "entry_point 'nope' is defined in neither buggy_code nor fixed_code (no def, class, assignment or import of it)",
        "timeout_s 5000 is above 600 s (each run that hangs waits that long; seconds, not milliseconds)"]


@pytest.mark.parametrize("code", [
    "async def f():\n    pass\n", "@wraps\ndef f():\n    pass\n", "for f in ():\n    pass\n", "with open(p) as f:\n    pass\n",
    "a, f = 1, 2\n", "try:\n    from m import g as f\nexcept ImportError:\n    f = None\n", "from m import (\n    f,\n)\n",
    "from m import *\n", "import f.sub\n", "def f(:\n", "if x:\n    f = 1\n    f(\n"])
def test_an_entry_point_bound_any_way_python_binds_a_name_is_defined(code):
    from codemend.data.benchmark import defines

    assert defines(code, "f")  # the review found the first text-only check refused most of these


def test_an_entry_point_named_only_in_a_docstring_or_a_call_is_not_defined():
    from codemend.data.benchmark import defines

    assert not defines('"""import f"""\ng = f()\n', "f")
    assert not defines("def g(f):\n    return f\n", "f")  # a parameter of another function


def test_lines_end_at_newlines_only_and_a_line_that_is_not_utf8_is_named(tmp_path):
    # save_benchmark writes U+2028 as it is (ensure_ascii=False); str.splitlines broke that line in three.
    item = BenchmarkItem(**_row(buggy_code="def f():\n    # a\u2028b\u0085\n    return 2\n"))
    save_benchmark([item], tmp_path / "u.jsonl")
    assert load_benchmark(str(tmp_path / "u.jsonl")) == [item]
    (tmp_path / "bad.jsonl").write_bytes((tmp_path / "u.jsonl").read_bytes() + b'{"id": "x\xff"}\n')
    with pytest.raises(CodemendError, match=r"bad\.jsonl:2: not UTF-8: byte 0xff at byte 10 of the line"):
        load_benchmark(str(tmp_path / "bad.jsonl"))


def test_duplicate_id_names_both_lines(tmp_path):
    path = _write(tmp_path / "b.jsonl", [json.dumps(_row()), json.dumps(_row(id="z")), json.dumps(_row())])
    with pytest.raises(CodemendError, match=r"b\.jsonl:3: duplicate id 'x' \(first on .*b\.jsonl:1\)"):
        load_benchmark(str(path))


def test_every_problem_is_reported_at_once(tmp_path):
    path = _write(tmp_path / "b.jsonl", ["not json", json.dumps(_row(entry_point=None))])
    with pytest.raises(CodemendError) as error:
        load_benchmark(str(path))
    assert "b.jsonl:1: invalid JSON" in str(error.value) and "b.jsonl:2: field 'entry_point'" in str(error.value)


def test_unknown_builtin_part_and_missing_file():
    with pytest.raises(CodemendError, match="builtin:handwritten"):
        load_benchmark("builtin:nope")
    with pytest.raises(CodemendError, match="no such benchmark file"):
        load_benchmark("does/not/exist.jsonl")


def test_required_fields_are_the_documented_ones():
    assert BENCHMARK_FIELDS == ("id", "buggy_code", "test_code", "entry_point", "bug_type", "timeout_s")


def test_summary_counts_sources_and_bug_types():
    counts = summary(builtin())
    assert counts["items"] == len(builtin())
    assert counts["per_source"]["handwritten"] == len(HANDWRITTEN)
    assert counts["per_source"]["operator"] == len(OPERATOR_ITEMS)
    assert sum(counts["per_bug_type"].values()) == counts["items"]
    assert f"{counts['items']} items on {counts['programs']} programs" in format_summary(builtin())
    own = [BenchmarkItem(**_row(id="a")), BenchmarkItem(**_row(id="b", fixed_code="def f():\n    return 1\n"))]
    text = format_summary(own, title="own.jsonl", show_programs=True)
    assert text.startswith("own.jsonl: 2 items\n  1 without a reference fix (fixed_code): not counted for correct@1\nsources:")
    assert text.endswith("items without a program:\n  a\n  b")


def test_first_changed_line():
    fixed = "a\nb\nc\n"
    assert first_changed_line(fixed, "a\nB\nc\n") == 2
    assert first_changed_line(fixed, "a\nc\n") == 2  # a missing line: the line before which it is missing
    assert first_changed_line(fixed, "a\nb\nx\nc\n") == 3
    assert first_changed_line(fixed, fixed) is None
