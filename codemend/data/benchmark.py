"""The built-in executable bug benchmark: small programs with tests, and bugs that the tests catch.

    from codemend.data.benchmark import list_programs, load_benchmark, load_program, summary
    items = load_benchmark("builtin")               # operator-injected + hand-written bugs
    items = load_benchmark("builtin:handwritten")   # bugs none of our operators make
    items = load_benchmark("runs/mine.jsonl")       # any file in the same format
    code, tests = load_program("binary_search")     # a base program and its asserts
    summary(items)                                  # counts per source and bug type

    python bench/make_builtin_benchmark.py          # regenerate the operator-injected part

Shipped as package data:

* `benchmark_programs/NAME.py`: one correct program each, then a line `# --- tests ---`, then
  plain asserts. The entry point is the last top-level function or class of the program.
* `benchmark_handwritten.jsonl`: realistic bugs written by hand (mutable defaults, late-binding
  closures, wrong loop structure, ...), each needing a fix that no single operator edit gives.
* `benchmark_operator.jsonl`: `build_operator_items(seed=0)`, mutants from
  `codemend.data.operators.inject` kept only when the program's tests fail on them.

The JSONL format, one object per line: `id`, `buggy_code` (a whole module), `test_code` (run after
the module in the same namespace; it fails by raising), `entry_point`, `bug_type`, `timeout_s`
(required) and `fixed_code`, `source` ("operator" or "handwritten"), `operator`, `program`,
`bug_line` (1-based line of the bug in buggy_code; for a missing line, the line before which it is
missing; when absent, the first line where buggy_code differs from fixed_code) (optional). Without
`fixed_code`, an item counts for plausible@k and pass@k but not for correct@1.
"""

from __future__ import annotations

import ast
import difflib
import json
import logging
import random
import re
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

from codemend.errors import CodemendError
from codemend.io import jsonl_lines, where_in_line
from codemend.task import source_lines

logger = logging.getLogger(__name__)

BENCHMARK_FIELDS = ("id", "buggy_code", "test_code", "entry_point", "bug_type", "timeout_s")
OPTIONAL_FIELDS = ("fixed_code", "source", "operator", "program", "bug_line")

DATA_DIR = Path(__file__).resolve().parent
PROGRAMS_DIR = DATA_DIR / "benchmark_programs"
DEV_PROGRAMS_DIR = DATA_DIR / "dev_programs"  # other programs: the development set's, never the benchmark's
BUILTIN_FILES = {
    "handwritten": DATA_DIR / "benchmark_handwritten.jsonl",
    "operator": DATA_DIR / "benchmark_operator.jsonl",
    "dev": DATA_DIR / "benchmark_dev.jsonl",
    "dev-handwritten": DATA_DIR / "benchmark_dev_handwritten.jsonl",  # bench/make_dev_handwritten.py
}
IN_BUILTIN = ("handwritten", "operator")  # what "builtin" means: the dev set is for decisions, not reports
TESTS_MARKER = "# --- tests ---"
DEFAULT_TIMEOUT_S = 5.0
# Verdicts that count as "the tests caught the mutant". A timeout or a memory kill also fails the
# tests, but whether it happens depends on the machine and its load, so such items would not be
# reproducible: they are dropped (and counted) instead.
CAUGHT = frozenset({"failed", "error"})


@dataclass
class BenchmarkItem:
    """One buggy module with the tests that expose its bug."""

    id: str
    buggy_code: str
    test_code: str
    entry_point: str
    bug_type: str
    timeout_s: float
    fixed_code: str | None = None
    source: str = ""
    """"operator" (injected by codemend.data.operators) or "handwritten"."""
    operator: str = ""
    """Operator name, for operator-injected items."""
    program: str = ""
    """Name of the base program in benchmark_programs/."""
    bug_line: int | None = None
    """1-based line of the bug in buggy_code; for a missing line, the line before which it is missing."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ----------------------------------------------------------------------------------------------
# Reading and writing


# Expected JSON types per field; bool is excluded from the numbers explicitly because in Python
# `isinstance(True, int)` holds and `"timeout_s": true` is surely a mistake.
_FIELD_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "id": ((str,), "a string"),
    "buggy_code": ((str,), "a string"),
    "test_code": ((str,), "a string"),
    "entry_point": ((str,), "a string"),
    "bug_type": ((str,), "a string"),
    "timeout_s": ((int, float), "a positive number"),
    "fixed_code": ((str, type(None)), "a string or null"),
    "source": ((str,), "a string"),
    "operator": ((str,), "a string"),
    "program": ((str,), "a string"),
    "bug_line": ((int, type(None)), "a positive integer or null"),
}
_MAX_PROBLEMS_SHOWN = 20


def _field_problems(row: dict[str, Any]) -> list[str]:
    problems = [f"missing field {name!r}" for name in BENCHMARK_FIELDS if name not in row]
    for name, (types, wanted) in _FIELD_TYPES.items():
        if name not in row:
            continue
        value = row[name]
        ok = isinstance(value, types) and not isinstance(value, bool)
        if ok and name == "timeout_s":
            ok = value > 0
        if ok and name == "bug_line" and value is not None:
            ok = value >= 1
        if ok and name == "id":
            ok = bool(value)
        if not ok:
            problems.append(f"field {name!r} must be {wanted}, got {json.dumps(value)[:40]}")
    return problems or _content_problems(row)


MAX_TIMEOUT_S = 600.0
"""A benchmark item's `timeout_s` above this is a mistake (a time in milliseconds): each hanging candidate would cost it."""


def _content_problems(row: dict[str, Any]) -> list[str]:
    """What makes a well-typed item unusable, found when the file is read (`data benchmark --list`), not as a
    "broken" item or a localization miss once the eval has run."""
    problems = []
    if row["timeout_s"] > MAX_TIMEOUT_S:
        problems.append(f"timeout_s {row['timeout_s']:g} is above {MAX_TIMEOUT_S:g} s (each run that hangs waits that long; "
                        f"seconds, not milliseconds)")
    if not row["test_code"].strip():
        problems.append("test_code is empty: nothing would tell a fix from the bug")
    else:
        try:
            ast.parse(row["test_code"])
        except SyntaxError as err:
            problems.append(f"test_code does not parse (line {err.lineno}: {err.msg})")
    lines = len(source_lines(row["buggy_code"]))
    if row.get("bug_line") is not None and row["bug_line"] > lines + 1:  # a missing last line: the one past the end
        problems.append(f"bug_line {row['bug_line']} is past buggy_code's {lines} line(s)")
    codes = [row["buggy_code"], row.get("fixed_code") or ""]
    if row["entry_point"] and not any(defines(code, row["entry_point"].split(".")[0]) for code in codes):
        problems.append(f"entry_point {row['entry_point']!r} is defined in neither buggy_code nor fixed_code (no def, class, "
                        f"assignment or import of it)")
    return problems


def defines(code: str, name: str) -> bool:
    """Whether `code` binds `name` anywhere: a def or class, an assignment's, loop's or with's target, an import (a
    star import may); read as text where the code does not parse (a buggy module may not)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        word = re.escape(name)
        return re.search(rf"^\s*(?:(?:async\s+)?def|class)\s+{word}\b|^\s*{word}\s*(?::[^=]*)?=(?!=)|\bimport\b[^#\n]*(?:\b{word}\b|\*)",
                         code, flags=re.M) is not None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id == name:
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                alias.name == "*" or (alias.asname or alias.name.split(".")[0]) == name for alias in node.names):
            return True
    return False


def _item_from_row(row: dict[str, Any]) -> BenchmarkItem:
    # Unknown keys are ignored so that files written by a newer codemend still load.
    known = {name: row[name] for name in BENCHMARK_FIELDS + OPTIONAL_FIELDS if name in row}
    known["timeout_s"] = float(known["timeout_s"])
    if known.get("bug_line") is None and known.get("fixed_code"):
        line = first_changed_line(known["fixed_code"], known["buggy_code"])  # what localization is scored on
        known["bug_line"] = line and min(line, len(known["buggy_code"].splitlines()) or 1)  # a line missing at the end: the last
    return BenchmarkItem(**known)


def _read_rows(path: Path, problems: list[str]) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line; problems are appended, not raised."""
    if path.is_dir():
        raise CodemendError(f"{path}: a folder, not a benchmark file; pass the path of a JSONL file (or {_BUILTIN_NAMES})")
    if not path.is_file():
        raise CodemendError(f"{path}: no such benchmark file; pass {_BUILTIN_NAMES} or the path of a JSONL file")
    rows = []
    for number, line, problem in jsonl_lines(path.read_bytes()):
        if problem:
            problems.append(f"{path}:{number}: {problem}")
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            problems.append(f"{path}:{number}: invalid JSON ({where_in_line(err)})")
            continue
        if not isinstance(row, dict):
            problems.append(f"{path}:{number}: expected a JSON object, got {type(row).__name__}")
            continue
        problems.extend(f"{path}:{number}: {problem}" for problem in _field_problems(row))
        rows.append((number, row))
    return rows


_BUILTIN_NAMES = "'builtin', " + ", ".join(f"'builtin:{name}'" for name in BUILTIN_FILES)


def benchmark_paths(path_or_name: str) -> list[Path]:
    """The files a benchmark name (`builtin`, `builtin:NAME`) or path stands for."""
    if path_or_name == "builtin":
        return [BUILTIN_FILES[part] for part in IN_BUILTIN]
    if path_or_name.startswith("builtin:"):
        part = path_or_name.split(":", 1)[1]
        if part not in BUILTIN_FILES:
            raise CodemendError(f"unknown built-in benchmark {path_or_name!r}; choose {_BUILTIN_NAMES}")
        return [BUILTIN_FILES[part]]
    return [Path(path_or_name)]


def load_benchmark(path_or_name: str, strict: bool = True, problems_out: list[str] | None = None) -> list[BenchmarkItem]:
    """Items of a benchmark: "builtin", "builtin:handwritten", "builtin:operator" or a JSONL path.

    Every problem in the file(s) is collected first (invalid JSON, missing field, wrong type,
    duplicated id), then one CodemendError names each with its file and line.
    """
    problems: list[str] = []
    items: list[BenchmarkItem] = []
    first_seen: dict[str, str] = {}
    for path in benchmark_paths(str(path_or_name)):
        for number, row in _read_rows(path, problems):
            item_id = row.get("id")
            if isinstance(item_id, str):
                where = f"{path}:{number}"
                if item_id in first_seen:
                    problems.append(f"{where}: duplicate id {item_id!r} (first on {first_seen[item_id]})")
                    continue
                first_seen[item_id] = where
            if not _field_problems(row):
                items.append(_item_from_row(row))
    if problems and not strict:
        # A long run should not die on one bad line: skip it, say which, and go on.
        for problem in problems:
            logger.warning("skipped: %s", problem)
        if problems_out is not None:
            problems_out.extend(problems)
        return items
    if problems:
        shown = problems[:_MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        raise CodemendError(f"invalid benchmark {path_or_name} ({len(problems)} problem(s)):\n  "
                            + "\n  ".join(shown) + (f"\n  ... and {more} more" if more else ""))
    return items


def save_benchmark(items: Iterable[BenchmarkItem], path: str | Path) -> None:
    """Write items as JSONL (one object per line, fields in a fixed order); parents are created."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for item in items:
            handle.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")


# ----------------------------------------------------------------------------------------------
# Base programs


def list_programs(folder: Path = PROGRAMS_DIR) -> list[str]:
    """Names of the built-in base programs (or the dev set's, with DEV_PROGRAMS_DIR), sorted."""
    return sorted(path.stem for path in folder.glob("*.py"))


def load_program(name: str, folder: Path = PROGRAMS_DIR) -> tuple[str, str]:
    """(module code, test code) of a built-in program, split at the `# --- tests ---` line."""
    path = folder / f"{name}.py"
    if not path.is_file():
        close = difflib.get_close_matches(name, list_programs(folder), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see list_programs()"
        raise CodemendError(f"no built-in benchmark program {name!r}{hint}")
    return split_program(path.read_text(encoding="utf-8"), str(path))


def split_program(text: str, where: str = "<program>") -> tuple[str, str]:
    """Split a program file into (module code, test code) at its marker line."""
    lines = text.splitlines(keepends=True)
    marker = [i for i, line in enumerate(lines) if line.strip() == TESTS_MARKER]
    if len(marker) != 1:
        raise CodemendError(f"{where}: expected exactly one line {TESTS_MARKER!r}, found {len(marker)}")
    code = "".join(lines[: marker[0]]).rstrip() + "\n"
    tests = "".join(lines[marker[0] + 1 :]).strip("\n") + "\n"
    return code, tests


def entry_point(code: str) -> str:
    """The last top-level function or class of a module: by convention, the one under test."""
    names = [
        node.name
        for node in ast.parse(code).body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]
    if not names:
        raise CodemendError("program defines no top-level function or class")
    return names[-1]


def first_changed_line(fixed: str, buggy: str) -> int | None:
    """1-based line of buggy where it first differs from fixed (for a deletion: the next line)."""
    matcher = difflib.SequenceMatcher(a=fixed.splitlines(), b=buggy.splitlines(), autojunk=False)
    for tag, _, _, j1, _ in matcher.get_opcodes():
        if tag != "equal":
            return j1 + 1
    return None


# ----------------------------------------------------------------------------------------------
# Building the operator-injected items


# The operators the shipped items were built with, pinned so that adding an operator to the
# registry does not silently change the benchmark (its numbers must stay comparable).
BENCHMARK_OPERATORS = (
    "swap_comparison", "swap_binary_operator", "swap_boolean_operator", "swap_assignment_operator",
    "toggle_augmented_assignment", "incorrect_variable", "swap_operands", "swap_arguments",
    "off_by_one_literal", "toggle_plus_one", "swap_numeric_literal", "swap_boolean_literal",
    "change_keyword_value", "drop_condition_operand", "toggle_not", "remove_unary_operator",
    "incorrect_method_called", "wrong_function_name", "remove_function_call", "drop_last_argument",
    "incorrect_field_dereference", "attribute_subscript_confusion", "wrong_exception_caught",
    "remove_return", "missing_line", "incorrect_slice", "remove_arithmetic_operand",
    "prepend_variable", "incorrect_data_structure_constant", "alias_instead_of_copy",
)


def build_operator_items(
    seed: int = 0, per_program: int = 3, programs: Iterable[str] | None = None, wall_s: float = 5.0,
    folder: Path = PROGRAMS_DIR, prefix: str = "op",
) -> tuple[list[BenchmarkItem], dict[str, int]]:
    """Inject bugs into every program of `folder`; keep up to `per_program` mutants per program that
    fail its tests. Item ids are `PREFIX/PROGRAM/OPERATOR`.

    Deterministic for a given seed (each program gets its own seeded generator, so adding a
    program does not change the others' mutants). Returns the items and drop counts: inject's
    reasons ("no_site", "noop", ...; every operator is asked on every program, so "no_site" is
    large), "survived" (tests still pass), the verdicts dropped as machine-dependent ("timeout",
    "memory", "crash") and "reference_failed" (whole programs whose own tests fail).
    """
    from codemend.data.operators import OPERATORS, inject
    from codemend.sandbox import Limits, run_tests

    limits = Limits(wall_s=wall_s)
    drops: Counter = Counter()
    items: list[BenchmarkItem] = []
    names = list(programs) if programs is not None else list_programs(folder)
    for done, name in enumerate(names, start=1):
        code, tests = load_program(name, folder)
        reference = run_tests(code, tests, limits=limits)
        if reference.status != "passed":
            logger.warning("program %s fails its own tests (%s: %s); skipped", name, reference.status, reference.detail)
            drops["reference_failed"] += 1
            continue
        rng = random.Random(f"{seed}:{name}")
        # Ask for a mutant from every operator (in a seeded random order) and test them in that
        # order until enough are caught, so survivors are replaced by the next operator's mutant.
        candidates = inject(code, rng, k=len(BENCHMARK_OPERATORS), operators=BENCHMARK_OPERATORS, drops=drops)
        kept = 0
        for buggy, operator in candidates:
            if kept >= per_program:
                break
            status = run_tests(buggy, tests, limits=limits).status
            if status not in CAUGHT:
                drops["survived" if status == "passed" else status] += 1
                continue
            items.append(_operator_item(name, code, tests, buggy, operator, OPERATORS[operator].bug_class, prefix))
            kept += 1
        logger.info("benchmark: %d/%d programs, %d items", done, len(names), len(items))
    return items, dict(sorted(drops.items()))


def _operator_item(program: str, fixed: str, tests: str, buggy: str, operator: str, bug_class: str,
                   prefix: str = "op") -> BenchmarkItem:
    return BenchmarkItem(
        id=f"{prefix}/{program}/{operator}",
        buggy_code=buggy,
        test_code=tests,
        entry_point=entry_point(fixed),
        bug_type=bug_class,
        timeout_s=DEFAULT_TIMEOUT_S,
        fixed_code=fixed,
        source="operator",
        operator=operator,
        program=program,
        bug_line=first_changed_line(fixed, buggy),
    )


# ----------------------------------------------------------------------------------------------
# Reporting


def summary(items: Iterable[BenchmarkItem]) -> dict[str, Any]:
    """Counts: items, distinct programs, per source and per bug type (most common first)."""
    items = list(items)
    per_source = Counter(item.source or "unknown" for item in items)
    per_bug_type = Counter(item.bug_type for item in items)
    return {
        "items": len(items),
        "programs": len({item.program for item in items if item.program}),
        "per_source": dict(per_source.most_common()),
        "per_bug_type": dict(per_bug_type.most_common()),
    }


def format_summary(items: Iterable[BenchmarkItem], title: str = "benchmark", show_programs: bool = False) -> str:
    """A plain-text table of `summary(items)` (and the program names), for `codemend data benchmark --list`."""
    items = list(items)
    counts = summary(items)
    lines = [f"{title}: {counts['items']} items" + (f" on {counts['programs']} programs" if counts["programs"] else "")]
    without = [item.id for item in items if not item.fixed_code]
    if without:
        lines.append(f"  {len(without)} without a reference fix (fixed_code): not counted for correct@1")
    lines.append("sources:")
    lines += [f"  {source:<48}{count:>6}" for source, count in counts["per_source"].items()]
    lines.append("bug types:")
    lines += [f"  {bug_type:<48}{count:>6}" for bug_type, count in counts["per_bug_type"].items()]
    if show_programs:
        per_program = Counter(item.program for item in items if item.program)
        lines += ["programs (items):", *(f"  {program:<48}{per_program[program]:>6}" for program in sorted(per_program))] if per_program else []
        alone = [item.id for item in items if not item.program]
        lines += ["items without a program:", *(f"  {item_id}" for item_id in alone)] if alone else []
    return "\n".join(lines)
