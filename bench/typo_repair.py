"""A one-letter typo in each built-in benchmark program, repaired with its tests: the misspelt-name measure.

    python bench/typo_repair.py [--model default] [--out runs/typos.jsonl]

In each program of codemend/data/benchmark_programs, one read of a name of 3+ letters (chosen with
random.Random(0), so every run makes the same typos) is misspelt by a dropped, doubled or swapped letter,
and kept when the program's tests then fail with a NameError on it. `repair` runs with those tests (no wide
search; `--model none` by default: the templates alone). Prints one JSON line per typo and the counts: the
original code suggested first and plausible. docs/measured.md ("misspelt names") has the numbers.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import re
import sys
from pathlib import Path

from codemend.data.benchmark import list_programs, load_program
from codemend.inference.repair import Tests, repair

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package: machine.py beside it
import machine  # noqa: E402


def misspell(name: str, rng: random.Random) -> str:
    """`name` with one letter dropped, swapped with the next or doubled (doubled when the others cannot apply)."""
    k = rng.randrange(len(name))
    kind = rng.choice(["drop", "swap", "double"])
    if kind == "drop" and len(name) > 3:
        return name[:k] + name[k + 1:]
    if kind == "swap" and k < len(name) - 1 and name[k] != name[k + 1]:
        return name[:k] + name[k + 1] + name[k] + name[k + 2:]
    return name[:k] + name[k] + name[k:]


def typo_case(code: str, rng: random.Random) -> list[tuple[str, str, str]]:
    """(buggy code, the name, its typo) for each read of a name of 3+ letters, in a random order."""
    tree = ast.parse(code)
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    reads = [node for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and len(node.id) >= 3]
    rng.shuffle(reads)
    cases = []
    for node in reads:
        wrong = misspell(node.id, rng)
        if wrong in names or wrong == node.id:
            continue
        lines = code.split("\n")
        line = lines[node.lineno - 1].encode("utf-8")
        lines[node.lineno - 1] = (line[:node.col_offset] + wrong.encode("utf-8") + line[node.end_col_offset:]).decode("utf-8")
        cases.append(("\n".join(lines), node.id, wrong))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="none", help="a checkpoint folder, `default`, or `none` (the templates alone)")
    parser.add_argument("--out", default="", help="also write the JSON lines here")
    args = parser.parse_args()
    print(machine.header())
    debugger = None
    if args.model != "none":
        from codemend.inference.debugger import Debugger

        debugger = Debugger.load(args.model)
    rng, rows = random.Random(0), []
    for program in list_programs():
        code, tests = load_program(program)
        for buggy, name, wrong in typo_case(code, rng):
            result = repair(buggy, debugger=debugger, tests=Tests(test_code=tests), wide=0)
            failure = (result.baseline.stderr or "") + (result.baseline.detail or "")
            if not re.search(rf"NameError: name '{wrong}'", failure):
                continue  # the typo's line never runs in the tests, or they fail another way first
            best = result.suggestions[0] if result.suggestions else None
            rows.append({"program": program, "name": name, "typo": wrong, "best_operator": best.operator if best else "",
                         "plausible_first": bool(best and best.validation == "plausible"),
                         "original_first": bool(best and best.patched_source == code)})
            print(json.dumps(rows[-1]), flush=True)
            break
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row) + "\n" for row in rows)
    first = sum(row["plausible_first"] for row in rows)
    original = sum(row["original_first"] for row in rows)
    print(f"{len(rows)} typos: plausible first {first}, the original code first {original} (model: {args.model})")


if __name__ == "__main__":
    main()
