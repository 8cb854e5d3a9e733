"""Write the development set's hand-written bugs (`builtin:dev-handwritten`) from the table below.

    .venv/bin/python bench/make_dev_handwritten.py           # writes codemend/data/benchmark_dev_handwritten.jsonl
    .venv/bin/python bench/make_dev_handwritten.py --check   # compare with the file, write nothing

Each bug is a text replacement in one of codemend/data/dev_programs/ (never a benchmark program): the
kind of mistake people make that no single bug operator makes (a loop written as an if, a swap
split into two assignments, statements in the wrong order, a missing guard). Repair templates for
such bugs are chosen on these, so that the benchmark's own hand-written bugs stay a measurement.
Every bug must make its program's tests fail (caught as the operator items are: `sandbox.run_tests`,
verdict failed or error).
"""

from __future__ import annotations

import argparse
import json
import sys

from codemend.data.benchmark import (
    BUILTIN_FILES, CAUGHT, DEFAULT_TIMEOUT_S, DEV_PROGRAMS_DIR, BenchmarkItem, entry_point, first_changed_line, load_benchmark,
    load_program, save_benchmark,
)
from codemend.sandbox import Limits, run_tests

# (program, slug, what the bug is, text of the correct program, the buggy text that replaces it)
BUGS = [
    ("digital_root", "if-for-while", "if where a while loop is needed",
     "    while n >= 10:\n        n = digit_sum(n)", "    if n >= 10:\n        n = digit_sum(n)"),
    ("compress_string", "if-for-while", "if where a while loop is needed (a run is never longer than 2)",
     "        while j < len(text) and text[j] == text[i]:", "        if j < len(text) and text[j] == text[i]:"),
    ("k_smallest", "returns-sort", "returns list.sort()'s None instead of the sorted list",
     "    result.sort()\n    return result", "    return result.sort()"),
    ("bubble_sort_early_exit", "sequential-swap", "swap split into two sequential assignments",
     "                result[j], result[j + 1] = result[j + 1], result[j]",
     "                result[j] = result[j + 1]\n                result[j + 1] = result[j]"),
    ("longest_streak", "best-before-count", "statements in the wrong order (best checked before the run is counted)",
     "        if items[i] == items[i - 1]:\n            current_len += 1\n        else:\n            current_len = 1\n"
     "        if current_len > best_len:\n            best_value, best_len = items[i], current_len",
     "        if current_len > best_len:\n            best_value, best_len = items[i], current_len\n"
     "        if items[i] == items[i - 1]:\n            current_len += 1\n        else:\n            current_len = 1"),
    ("day_of_year", "leap-check-order", "checks in the wrong order (the century rule before the 400-year rule)",
     "    if year % 400 == 0:\n        return True\n    if year % 100 == 0:\n        return False",
     "    if year % 100 == 0:\n        return False\n    if year % 400 == 0:\n        return True"),
    ("prefix_trie", "mark-before-check", "statements in the wrong order (marked before checking the mark)",
     "        if node[\"end\"]:\n            return False\n        node[\"end\"] = True",
     "        node[\"end\"] = True\n        if node[\"end\"]:\n            return False"),
    ("longest_consecutive_run", "missing-empty-guard", "missing empty-input branch",
     "    if best_len == 0:\n        return []\n    return list(", "    return list("),
    ("hamming_distance", "discarded-lower", "str.lower() called for its result, which is thrown away",
     "        a, b = a.lower(), b.lower()", "        a.lower()\n        b.lower()"),
    ("tag_balance", "returns-constant", "returns a constant instead of checking what is left open",
     "    return not stack", "    return True"),
    ("word_length_histogram", "unsorted-result", "result not put in the promised order",
     "    return dict(sorted(counts.items()))", "    return counts"),
    ("count_grid_paths", "loop-direction", "loop runs in the wrong direction (reads cells not yet updated)",
     "        for c in range(cols):", "        for c in range(cols - 1, -1, -1):"),
    ("tally_words", "mutable-default", "a dict default value, made once and shared by every call that omits it",
     'def tally_words(words, counts=None):\n    """Add one to counts[word] for each word, compared case-insensitively, and return counts.\n\n'
     '    counts is a dict to add to (a fresh one when omitted)."""\n    if counts is None:\n        counts = {}\n',
     'def tally_words(words, counts={}):\n    """Add one to counts[word] for each word, compared case-insensitively, and return counts.\n\n'
     '    counts is a dict to add to (a fresh one when omitted)."""\n'),
    ("running_totals", "append-after-loop", "a statement that belongs in the loop written after it",
     "        total += value\n        result.append(total)\n", "        total += value\n    result.append(total)\n"),
    ("first_negative_index", "return-in-loop", "the loop's 'not found' return indented into the loop",
     "            return index\n    return -1\n", "            return index\n        return -1\n"),
    ("row_sums", "total-not-reset", "a per-row total set once before the loop, never reset",
     "    sums = []\n    for row in grid:\n        total = 0\n", "    sums = []\n    total = 0\n    for row in grid:\n"),
    ("count_long_words", "count-reset-in-loop", "a counter set inside the loop that counts",
     "    count = 0\n    for word in text.split():\n", "    for word in text.split():\n        count = 0\n"),
    ("make_grid", "aliased-rows", "a grid made by multiplying a list of lists: every row is the same list",
     "[[fill] * cols for _ in range(rows)]", "[[fill] * cols] * rows"),
    ("is_weekend", "or-literal", "`x == a or b`: the bare string is always true",
     'day == "saturday" or day == "sunday"', 'day == "saturday" or "sunday"'),
    ("format_cents", "print-not-return", "the result printed instead of returned",
     "    return format_cents(total)", "    print(format_cents(total))"),
    ("thermostat", "missing-self", "a field written as a bare name in a method (UnboundLocalError)",
     "        self.target -= step\n", "        target -= step\n"),
    ("reverse_words", "returns-reverse", "returns list.reverse()'s None instead of the reversed list",
     "    return lines[::-1]", "    return lines.reverse()"),
    ("build_dispatch", "late-binding", "a function made in a loop reads the loop's variable when called, by then its last value",
     "        def run(*args, name=name):", "        def run(*args):"),
    ("request_log", "missing-global", "module-level names a function assigns without declaring them global",
     '    """Count a request to path and remember it as the last one; return the count so far."""\n    global REQUESTS, LAST_PATH\n',
     '    """Count a request to path and remember it as the last one; return the count so far."""\n'),
    ("circular_buffer", "constructor-local", "a field the constructor sets as a local (self. forgotten): the methods that read it fail",
     "        self._count = 0\n", "        _count = 0\n"),
    ("thermostat", "constructor-order", "the constructor's tuple assignment takes its values in another order than its targets",
     "        self.target, self.low, self.high = target, low, high", "        self.target, self.low, self.high = target, high, low"),
    # The failing tests enter the constructor, which Ochiai ranks below three methods: for the choice of functions
    # to repair (repair.ENTERED_BY_ALL).
    ("gradebook", "constructor-mutable-default", "a constructor's dict default value, made once and shared by every instance",
     "    def __init__(self, title, pass_mark=50, scores=None):", "    def __init__(self, title, pass_mark=50, scores={}):"),
    ("paired_stats", "spent-iterator", "a generator read more than once (spent after the first pass, and always true)",
     "    pairs = [(name, float(score)) for name, score in zip(names, scores)]",
     "    pairs = ((name, float(score)) for name, score in zip(names, scores))"),
]


def build() -> list[BenchmarkItem]:
    items, limits = [], Limits(wall_s=DEFAULT_TIMEOUT_S)
    for program, slug, what, correct, buggy_text in BUGS:
        code, tests = load_program(program, DEV_PROGRAMS_DIR)
        if code.count(correct) != 1:
            raise SystemExit(f"{program}/{slug}: the correct text must occur once in the program, found {code.count(correct)}")
        buggy = code.replace(correct, buggy_text)
        verdict = run_tests(buggy, tests, limits=limits)
        if verdict.status not in CAUGHT:
            raise SystemExit(f"{program}/{slug}: the program's tests do not catch the bug ({verdict.status}); pick another")
        items.append(BenchmarkItem(
            id=f"devhw/{program}/{slug}", buggy_code=buggy, test_code=tests, entry_point=entry_point(code),
            bug_type=f"handwritten: {what}", timeout_s=DEFAULT_TIMEOUT_S, fixed_code=code, source="handwritten",
            program=program, bug_line=first_changed_line(code, buggy)))
    return items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    args = parser.parse_args(argv)
    out = BUILTIN_FILES["dev-handwritten"]
    items = build()
    if args.check:
        same = [item.to_dict() for item in load_benchmark(str(out))] == [item.to_dict() for item in items]
        print(f"{out}: {'up to date' if same else 'DIFFERS from a fresh build'}")
        return 0 if same else 1
    save_benchmark(items, out)
    print(json.dumps({"wrote": str(out), "items": len(items)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
