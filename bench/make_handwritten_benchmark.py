"""Rebuild codemend/data/benchmark_handwritten.jsonl (58 hand-written bugs of the built-in benchmark) from
bench/handwritten_specs.py, and vet each bug: its fix passes the program's tests, the bug fails them, no bug
operator makes it and no inverse-operator candidate undoes it, and (with --strong) no single operator edit of
the bug passes the tests at all. Every run goes through the sandbox (`sandbox.run_tests`).

    .venv/bin/python bench/make_handwritten_benchmark.py --check     # the file is what the specs give
    .venv/bin/python bench/make_handwritten_benchmark.py --vet       # and each bug holds (a few minutes)
    .venv/bin/python bench/make_handwritten_benchmark.py --write     # rewrite the file
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package: the specs beside it
from handwritten_specs import SPECS  # noqa: E402

from codemend.data.benchmark import (BUILTIN_FILES, DEFAULT_TIMEOUT_S, BenchmarkItem, entry_point, first_changed_line,  # noqa: E402
                                     load_benchmark, load_program, save_benchmark)


def build() -> list[BenchmarkItem]:
    """The items the specs give: each (program, slug, kind, edits) applies its text edits to the program's fixed code."""
    items = []
    for program, slug, kind, edits in SPECS:
        fixed, tests = load_program(program)
        buggy = fixed
        for old, new in edits:
            if buggy.count(old) != 1:
                raise SystemExit(f"{program}/{slug}: {old!r} is not in the program exactly once")
            buggy = buggy.replace(old, new)
        items.append(BenchmarkItem(
            id=f"hw/{program}/{slug}", buggy_code=buggy, test_code=tests, entry_point=entry_point(fixed),
            bug_type=f"handwritten: {kind}", timeout_s=DEFAULT_TIMEOUT_S, fixed_code=fixed, source="handwritten",
            operator="", program=program, bug_line=first_changed_line(fixed, buggy)))
    return items


def vet(item: BenchmarkItem, strong: bool) -> list[str]:
    """What is wrong with one bug ([] when it holds); "note:" where the repair space has since grown to reach it
    (the file is frozen: its hand-written items measure how far the tool gets beyond its operators)."""
    from codemend.data.operators import OPERATORS, apply_edit, candidate_fixes
    from codemend.data.parsing import parse
    from codemend.sandbox import Limits, run_tests

    def same(a: str, b: str) -> bool:
        return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))

    limits = Limits(wall_s=10)
    problems = []
    if run_tests(item.fixed_code, item.test_code, limits=limits).status != "passed":
        problems.append("the fix fails its tests")
    if run_tests(item.buggy_code, item.test_code, limits=limits).status == "passed":
        problems.append("the bug passes its tests")
    fixed = item.fixed_code.encode()
    for op in OPERATORS.values():  # an operator's own bug belongs to the operator items
        for edit in op.sites(parse(fixed), fixed):
            try:
                if same(apply_edit(fixed, edit).decode(), item.buggy_code):
                    problems.append(f"note: operator {op.name} makes it")
            except SyntaxError:
                pass
    problems += [f"note: inverse candidate {name} undoes it" for patched, name in candidate_fixes(item.buggy_code) if same(patched, item.fixed_code)]
    if strong:
        buggy = item.buggy_code.encode()
        for op in OPERATORS.values():
            for edit in op.sites(parse(buggy), buggy):
                patched = apply_edit(buggy, edit).decode()
                try:
                    ast.parse(patched)
                except SyntaxError:
                    continue
                if run_tests(patched, item.test_code, limits=limits).status == "passed":
                    problems.append(f"note: {op.name}'s edit passes the tests")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    parser.add_argument("--vet", action="store_true", help="run each bug's checks (the sandbox, a few minutes)")
    parser.add_argument("--strong", action="store_true", help="with --vet: also try every single operator edit of each bug")
    parser.add_argument("--write", action="store_true", help="rewrite the shipped file")
    args = parser.parse_args(argv)
    out, items = BUILTIN_FILES["handwritten"], build()
    status = 0
    if args.check:
        same = [item.to_dict() for item in load_benchmark(str(out))] == [item.to_dict() for item in items]
        print(f"{out}: {'up to date' if same else 'DIFFERS from a fresh build'}")
        status = 0 if same else 1
    if args.vet:
        for item in items:
            problems = vet(item, args.strong)
            print(f"{item.id:<48} {'ok' if not problems else '; '.join(problems)}")
            status = status or int(any(not problem.startswith("note:") for problem in problems))
    if args.write:
        save_benchmark(items, out)
        print(f"wrote {len(items)} items to {out}")
    if not (args.check or args.vet or args.write):
        parser.print_help()
    return status


if __name__ == "__main__":
    sys.exit(main())
