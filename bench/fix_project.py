"""`codemend fix` on a real project's pytest suite: bugs injected into more-itertools 10.5.0.

Each bug is injected into a throwaway copy of the project (the folder given is never written). Then:

1. the whole `codemend fix PACKAGE --test_cmd CMD` process, as a user runs it (cold, shipped model by
   default): its wall time and whether its first suggestion restores the original file;
2. validation alone, A/B in this process: the same ranked candidates (no model, the first `--candidates`)
   judged by the whole test command each (A, what `fix` did before 2026-12-05) and by the tests that
   failed on the original code first, the whole command only for candidates that pass those (B,
   `Tests.judge`). The plausible candidates must be the same; a candidate that hangs a test the failing
   ones never reach is a timeout for A and failing for B (the last column counts such pairs). The table
   gives both times and their ratio.

Get the project (PyPI is the only network this needs, and only here, not in tests):

    pip download --no-deps --no-binary :all: more-itertools==10.5.0 -d /tmp/mi && tar xzf /tmp/mi/more-itertools-10.5.0.tar.gz -C /tmp/mi
    .venv/bin/python bench/fix_project.py --project /tmp/mi/more-itertools-10.5.0
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package: machine.py beside it
import machine  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "more_itertools"
COMMAND = "python -m pytest -q -p no:cacheprovider tests"
# (name, file, original text, buggy text): each an inverse of one of codemend's bug operators.
BUGS = [
    ("roundrobin stop", "more_itertools/recipes.py", "range(len(iterables), 0, -1)", "range(len(iterables), 1, -1)"),
    ("partition variable", "more_itertools/recipes.py", "compress(t2, p2))", "compress(t1, p2))"),
    ("ilen literal", "more_itertools/more.py", "compress(repeat(1), zip(iterable))", "compress(repeat(2), zip(iterable))"),
    ("grouper comparison", "more_itertools/recipes.py", "if incomplete == 'strict':", "if incomplete != 'strict':"),
    ("sliced start", "more_itertools/more.py", "for i in count(0, n)))", "for i in count(1, n)))"),
]


@contextlib.contextmanager
def buggy_copy(project: Path, file: str, good: str, bad: str):
    with tempfile.TemporaryDirectory(prefix="codemend-fix-project-") as tmp:
        root = Path(tmp) / project.name
        shutil.copytree(project, root, ignore=shutil.ignore_patterns(".git", "__pycache__", ".pytest_cache"))
        text = (root / file).read_text()
        if text.count(good) != 1:
            raise SystemExit(f"{file}: expected {good!r} once, found it {text.count(good)} times (another version of the project?)")
        (root / file).write_text(text.replace(good, bad))
        yield root, text


def whole_fix(root: Path, model: str, original: str, file: str) -> tuple[float, str]:
    """(seconds, what comes first) of one cold `codemend fix PACKAGE` process."""
    argv = [sys.executable, "-m", "codemend", "-q", "fix", PACKAGE, "--model", model, "--test_cmd", COMMAND, "--format", "json", "--top", "3"]
    started = time.perf_counter()
    out = subprocess.run(argv, cwd=root, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    seconds = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(f"codemend fix failed ({out.returncode}): {out.stderr[-800:]}")
    suggestions = json.loads(out.stdout)["suggestions"]
    first = suggestions[0] if suggestions else None
    if first is None:
        return seconds, "nothing"
    verdict = "the original" if first["file"] == file and first["patched_source"] == original else f"other ({first['function']})"
    return seconds, f"{verdict}, {first['validation']}"


def validation_ab(root: Path, file: str, candidates: int) -> tuple[float, float, int, bool, str]:
    """(seconds A, seconds B, candidates, the same plausible candidates, other verdicts that differ) for the
    first ranked candidates of `file`. A candidate that hangs some test the failing ones do not reach
    is a timeout for A and failing for B: both reject it."""
    from codemend.inference.fix import make_tests
    from codemend.inference.repair import _scaled_limits, focus_on_failures, repair, unreached_failures, validate

    os.chdir(root)  # the test command runs from the project root
    text = (root / file).read_text()
    tests = make_tests(root / file, COMMAND, 60.0)
    ranked = repair(text, debugger=None, path=file, tests=tests, max_validate=0, wide=0)
    limits = _scaled_limits(tests.limits, ranked.baseline)
    failing = tests.failed(ranked.baseline) if ranked.baseline.status == "failed" else None
    unreached = unreached_failures(failing, ranked.coverage, ranked.functions)
    chosen = ranked.suggestions[:candidates]
    whole, focused = copy.deepcopy(chosen), copy.deepcopy(chosen)
    started = time.perf_counter()
    validate(whole, tests, limits, unreached=unreached)
    whole_s = time.perf_counter() - started
    started = time.perf_counter()
    validate(focused, focus_on_failures(tests, failing, text, limits), limits, unreached=unreached)
    focused_s = time.perf_counter() - started
    same = [s.validation == "plausible" for s in whole] == [s.validation == "plausible" for s in focused]
    differ = sorted(f"{a.validation}/{b.validation}" for a, b in zip(whole, focused) if a.validation != b.validation)
    return whole_s, focused_s, len(chosen), same, ", ".join(f"{differ.count(d)} {d}" for d in dict.fromkeys(differ)) or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--project", type=Path, required=True, help="an unpacked more-itertools 10.5.0 source folder (never written)")
    parser.add_argument("--model", default="default", help="model of the whole `fix` runs: `default`, a checkpoint folder, or `none`")
    parser.add_argument("--candidates", type=int, default=40, help="ranked candidates each validation A/B judges")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    project = args.project.resolve()
    # Checked before the first bug's minutes of work: a wrong folder otherwise ends in copytree's or read_text's traceback.
    missing = sorted({file for _, file, _, _ in BUGS if not (project / file).is_file()})
    if missing:
        raise SystemExit(f"--project {args.project}: no {', '.join(missing)} in it; give an unpacked more-itertools 10.5.0 "
                         "source folder (this script's docstring says how to get one)")
    rows = []
    for name, file, good, bad in BUGS:
        with buggy_copy(project, file, good, bad) as (root, original):
            fix_s, first = whole_fix(root, args.model, original, file)
            with buggy_copy(project, file, good, bad) as (other, _):
                whole_s, focused_s, n, same, differ = validation_ab(other, file, args.candidates)
        rows.append((name, fix_s, first, n, whole_s, focused_s, same, differ))
        print(f"done: {name}", file=sys.stderr)
    print(machine.header())
    print(f"model {args.model}; project {project.name}; test command: {COMMAND}")
    print(f"{'bug':<20}{'fix s':>7}  {'first suggestion':<28}{'cands':>6}{'A whole s':>11}{'B first s':>11}{'A/B':>6}"
          "  same plausible  other verdicts A/B")
    for name, fix_s, first, n, whole_s, focused_s, same, differ in rows:
        print(f"{name:<20}{fix_s:>7.1f}  {first:<28}{n:>6}{whole_s:>11.1f}{focused_s:>11.1f}{whole_s / focused_s:>6.1f}  {str(same):<16}{differ}")
    total_a, total_b = sum(r[4] for r in rows), sum(r[5] for r in rows)
    print(f"validation, all bugs: whole command {total_a:.1f} s, failing tests first {total_b:.1f} s: {total_a / total_b:.1f}x")


if __name__ == "__main__":
    main()
