"""`codemend fix` on a package with a pytest suite, as one folder run against one run per file.

A scratch package of six modules (two functions each, one pytest test per function) gets bugs
injected by hand; `codemend fix pkg --test_cmd "python -m pytest -q tests"` runs once over the
folder, and then, as the baseline, `codemend fix pkg/MODULE.py` once per module with the same
command (what a user without folder runs would do). Both print JSON; the table gives the wall time
of each, which fix comes first, and the ratio.

    .venv/bin/python bench/fix_folder.py --model default           # one bug (search.count)
    .venv/bin/python bench/fix_folder.py --model default --bugs 2  # and one in stats.spread: each fix is
                                                                   # judged without the other's failing test

The folder run measures the tests once on the original project and their per-test coverage of all
the files once more, and leaves out the modules no failing test enters; the per-file runs each measure
their own and validate every module's candidates against tests that fail for another module's bug.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package: machine.py beside it
import machine  # noqa: E402

MODULES = {
    "stats": ("def mean(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total / len(xs)\n\n\n"
              "def spread(xs):\n    lo = min(xs)\n    hi = max(xs)\n    return hi - lo\n",
              "from pkg.stats import mean, spread\n\n\ndef test_mean():\n    assert mean([1, 2, 3]) == 2\n\n\n"
              "def test_spread():\n    assert spread([4, 1, 9]) == 8\n"),
    "text": ("def shout(word):\n    loud = word.upper()\n    return loud + '!'\n\n\n"
             "def initials(name):\n    parts = name.split()\n    return ''.join(p[0] for p in parts)\n",
             "from pkg.text import shout, initials\n\n\ndef test_shout():\n    assert shout('hi') == 'HI!'\n\n\n"
             "def test_initials():\n    assert initials('Ada Lovelace') == 'AL'\n"),
    "search": ("def find(xs, target):\n    for i, x in enumerate(xs):\n        if x == target:\n            return i\n    return -1\n\n\n"
               "def count(xs, target):\n    n = 0\n    for x in xs:\n        if x == target:\n            n += 1\n    return n\n",
               "from pkg.search import find, count\n\n\ndef test_find():\n    assert find([5, 6, 7], 7) == 2\n    assert find([5], 1) == -1\n\n\n"
               "def test_count():\n    assert count([1, 2, 1], 1) == 2\n"),
    "geometry": ("def area(w, h):\n    if w < 0 or h < 0:\n        raise ValueError('negative')\n    return w * h\n\n\n"
                 "def perimeter(w, h):\n    total = w + h\n    return 2 * total\n",
                 "from pkg.geometry import area, perimeter\n\n\ndef test_area():\n    assert area(2, 3) == 6\n\n\n"
                 "def test_perimeter():\n    assert perimeter(2, 3) == 10\n"),
    "money": ("def cents(amount):\n    whole = int(amount)\n    return whole * 100\n\n\n"
              "def add_tax(cents, rate):\n    tax = cents * rate // 100\n    return cents + tax\n",
              "from pkg.money import cents, add_tax\n\n\ndef test_cents():\n    assert cents(3) == 300\n\n\n"
              "def test_tax():\n    assert add_tax(1000, 10) == 1100\n"),
    "clock": ("def to_minutes(hours, minutes):\n    total = hours * 60\n    return total + minutes\n\n\n"
              "def is_late(hour):\n    late = hour >= 22\n    return late\n",
              "from pkg.clock import to_minutes, is_late\n\n\ndef test_minutes():\n    assert to_minutes(2, 5) == 125\n\n\n"
              "def test_late():\n    assert is_late(23) and not is_late(8)\n"),
}
BUGS = [("search", "n += 1", "n -= 1"), ("stats", "return hi - lo", "return hi + lo")]
COMMAND = "python -m pytest -q tests"


def make_package(root: Path, bugs: int) -> None:
    (root / "pkg").mkdir()
    (root / "tests").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    broken = {module: (good, bad) for module, good, bad in BUGS[:bugs]}
    for name, (code, tests) in MODULES.items():
        if name in broken:
            code = code.replace(*broken[name])
        (root / "pkg" / f"{name}.py").write_text(code)
        (root / "tests" / f"test_{name}.py").write_text(tests)


def fix(root: Path, target: str, model: str) -> tuple[float, list[dict]]:
    """(seconds, suggestions) of one `codemend fix TARGET` process."""
    argv = [sys.executable, "-m", "codemend", "-q", "fix", target, "--model", model, "--test_cmd", COMMAND, "-n", "0", "--format", "json", "--top", "3"]
    started = time.perf_counter()
    out = subprocess.run(argv, cwd=root, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    seconds = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(f"codemend fix {target} failed ({out.returncode}): {out.stderr[-800:]}")
    return seconds, json.loads(out.stdout)["suggestions"]


def first_plausible(suggestions: list[dict]) -> str:
    best = next((s for s in suggestions if s["validation"] == "plausible"), None)
    return f"{best['file']}:{best['line']} {best['function']}" if best else "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="default", help="`default`, a checkpoint folder, or `none`")
    parser.add_argument("--bugs", type=int, default=1, choices=(1, 2), help="bugs injected (1: search.count; 2: and stats.spread)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="codemend-fix-folder-") as tmp:
        root = Path(tmp)
        make_package(root, args.bugs)
        folder_s, folder = fix(root, "pkg", args.model)
        per_file = [fix(root, f"pkg/{name}.py", args.model) for name in MODULES]
    files_s = sum(seconds for seconds, _ in per_file)
    fixed_by_files = sorted({first_plausible(suggestions) for _, suggestions in per_file} - {"none"})
    print(machine.header())
    print(f"model {args.model}; {args.bugs} bug(s); test command: {COMMAND}")
    print(f"{'run':<34}{'seconds':>10}  plausible fixes")
    print(f"{'folder (codemend fix pkg)':<34}{folder_s:>10.1f}  {sorted({first_plausible([s]) for s in folder if s['validation'] == 'plausible'})}")
    print(f"{'one run per module (6 runs)':<34}{files_s:>10.1f}  {fixed_by_files}")
    print(f"per-module runs / folder run: {files_s / folder_s:.1f}x")


if __name__ == "__main__":
    main()
