"""`codemend fix`: repair with and without a model, validation by tests, --apply safety, formats."""

import concurrent.futures
import dataclasses
import json
import logging
import os
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from codemend.cli import main
from codemend.errors import CodemendError
from codemend.inference.debugger import Candidate
from codemend.inference.fix import FileReport, apply_fix, changed_files, changed_functions, check_functions, fix_path, read_source, write_backup
from codemend.inference.formats import as_sarif, as_text
from codemend.inference.repair import (
    BEAMS_WITH_TESTS, UNRANKED, Tests, file_diff, in_rank_order, model_beams, names_file, repair, select_functions, to_suggestion,
)
from codemend.testcov import failed_tests

def said(result):
    """A result's notes less the one every run without a model or tests has."""
    return [note for note in result.notes if note != UNRANKED]


SOURCE = '''import math


class Stats:
    def max_index(self, items):
        best = 0
        for i in range(1, len(items)):
            if items[i] < items[best]:
                best = i
        return best
'''
TESTS = "s = Stats()\nassert s.max_index([3, 9, 2]) == 1\nassert s.max_index([5]) == 0\nassert s.max_index([1, 2, 7]) == 2\n"
FIXED = SOURCE.replace("items[i] < items", "items[i] > items")


def test_a_candidate_becomes_a_diff_against_the_real_file():
    (func,) = select_functions(SOURCE, "s.py", "max_index")
    patched = func.code.replace("items[i] < items", "items[i] > items")
    suggestion = to_suggestion(SOURCE, "s.py", func, Candidate(patched, 4, "replace 4\n        if items[i] > items[best]:", {"model"}))
    assert suggestion.line == 8 and suggestion.function == "Stats.max_index"
    assert "-            if items[i] < items[best]:" in suggestion.diff and "@@ -5,6 +5,6 @@" in suggestion.diff
    assert suggestion.patched_source == FIXED


@pytest.mark.parametrize(
    ("passing", "first", "enough", "slices"),
    [
        ({5}, 0, 1, [(0, 4), (4, 8)]),  # in chunks of 4 up to the chunk holding the first pass
        ({5}, 10, 1, [(0, 10)]),  # plausible@10 reads all of the first 10, even past a pass
        ({7}, 6, 1, [(0, 6), (6, 10)]),  # ... then goes on, a chunk at a time
        ({0}, 1, 1, [(0, 1)]),  # fewer first than a chunk: exactly those
        ({0, 9}, 0, 2, [(0, 4), (4, 8), (8, 11)]),  # two wanted; the last chunk is cut at the end
        (set(), 0, 0, [(0, 4), (4, 8), (8, 11)]),  # enough=0: all run
    ],
)
def test_candidates_are_validated_in_rank_order_until_enough_pass(passing, first, enough, slices):
    calls = []

    def run(start, stop):
        calls.append((start, stop))
        return len(passing & set(range(start, stop)))

    ran = in_rank_order(11, run, 4, first=first, enough=enough)
    assert calls == slices and ran == slices[-1][1]


def test_validation_in_rank_order_starts_nothing_after_its_time():
    calls = []
    assert in_rank_order(11, lambda a, b: calls.append((a, b)) or 0, 4, first=6, seconds=1e-9) == 6
    assert calls == [(0, 6)]  # the first `first` run whatever the clock says: plausible@k needs them


@pytest.mark.sandbox
def test_operator_candidates_validated_by_tests_put_the_plausible_fix_first():
    result = repair(SOURCE, debugger=None, tests=Tests(test_code=TESTS))
    assert result.baseline.status == "failed"
    best = result.suggestions[0]
    assert best.validation == "plausible" and best.patched_source == FIXED and best.line == 8
    assert best.origin == "operator" and best.operator == "swap_comparison"


@pytest.mark.sandbox
def test_a_deleted_initialisation_is_written_back_and_validated_first():
    """`groups = {}` deleted: the NameError points at the name, and its uses say it was a mapping."""
    source = ("def group_anagrams(words):\n    for word in words:\n        groups.setdefault(''.join(sorted(word)), []).append(word)\n"
              "    return sorted(groups.values())\n")
    tests = Tests(test_code="assert group_anagrams(['ab', 'ba', 'c']) == [['ab', 'ba'], ['c']]\nassert group_anagrams([]) == []\n")
    result = repair(source, debugger=None, tests=tests, wide=0)
    best = result.suggestions[0]
    assert best.validation == "plausible" and best.operator == "bind_unbound" and best.origin == "operator"
    assert best.patched_source == source.replace("    for word", "    groups = {}\n    for word") and best.line == 2
    assert "the tests fail reading `groups` before any value is bound to it: the fixes that bind it rank first" in result.notes


def test_an_edit_inside_a_nested_function_is_named_for_it_whichever_function_ranked_it():
    from codemend.data.corpus import extract_functions
    from codemend.inference.repair import Suggestion, distinct
    text = ("def make_scaler(factor):\n    limit = 100\n\n    def scale(values):\n        return [min(v * factor, limit) for v in values]\n\n"
            "    return scale\n")
    functions = extract_functions(text)[0]
    inner = Suggestion("m.py", "make_scaler", 5, -1.0, "", text.replace("min(", "max("), "")
    same = dataclasses.replace(inner, function="scale", score=-2.0)
    outer = Suggestion("m.py", "make_scaler", 2, -1.5, "", text.replace("100", "101"), "")
    header = Suggestion("m.py", "make_scaler", 4, -1.6, "", text.replace("def scale(values)", "def scale(values=())"), "")
    kept = distinct([inner, outer, same, header], functions)
    assert [(s.function, s.line, s.score) for s in kept] == [("scale", 5, -1.0), ("make_scaler", 2, -1.5), ("make_scaler", 4, -1.6)]
    assert [s.function for s in distinct([inner, outer, same])] == ["make_scaler", "make_scaler"]  # without the functions: as ranked


def test_a_name_error_in_the_tests_lifts_the_fixes_that_bind_the_name_above_the_rest():
    from codemend.data.corpus import extract_functions
    from codemend.inference.repair import lift_trace_answers
    source = "def average(xs):\n    for x in xs:\n        total += x\n    return total / len(xs)\n"
    func = extract_functions(source)[0][0]
    insert = Candidate(source.replace("    for", "    total = 0\n    for"), 2, "", {"operator"}, score=-4.0)
    toggle = Candidate(source.replace("total += x", "total = x"), 3, "", {"operator"}, score=-1.5)
    other = Candidate(source.replace("len(xs)", "len(x)"), 4, "", {"operator"}, score=-1.0)
    unscored = Candidate(source.replace("/ len", "// len"), 4, "", {"model"})
    candidates = [insert, toggle, other, unscored]
    lift_trace_answers(candidates, func, "<tests> line 2: UnboundLocalError: cannot access local variable 'total'", "")
    assert toggle.score > insert.score > other.score == -1.0 and toggle.score - insert.score == pytest.approx(2.5)  # their own order kept
    assert insert.score == pytest.approx(-1.0 + 1.0)  # the lowest answer one margin over the best other
    unscored_answer = Candidate(source.replace("    for", "    total = 0.0\n    for"), 2, "", {"placed"})
    lift_trace_answers([unscored_answer, other], func, "UnboundLocalError: cannot access local variable 'total'", "")
    assert other.score < unscored_answer.score < other.score + 1.0  # just above the rest
    before = [c.score for c in candidates]
    lift_trace_answers(candidates, func, "<tests> line 2: NameError: name 'total_count' is not defined", "")  # not read here
    typo = extract_functions(source.replace("len(xs)", "lenn(xs)"))[0][0]
    assert lift_trace_answers(candidates, typo, "<tests> line 2: NameError: name 'lenn' is not defined", None) == ""  # no module: unknown
    lift_trace_answers(candidates, func, "<tests> line 2: assert average([1]) == 1", "")
    assert [c.score for c in candidates] == before


def test_a_name_error_on_a_misspelt_name_lifts_the_fixes_that_spell_it_right():
    from codemend.data.corpus import extract_functions
    from codemend.inference.repair import lift_trace_answers, trace_note
    source = "def mean(xs):\n    total = sum(xs)\n    return total / lenn(xs)\n"
    func = extract_functions(source)[0][0]
    renamed = Candidate(source.replace("lenn(", "len("), 3, "", {"operator"}, score=-6.0)
    other = Candidate(source.replace("sum(xs)", "sum(xs[1:])"), 2, "", {"operator"}, score=-1.0)
    assert lift_trace_answers([renamed, other], func, "<tests> line 2: NameError: name 'lenn' is not defined", "") == "lenn"
    assert renamed.score == pytest.approx(other.score + 1.0)
    assert trace_note("lenn", func.code, "", 1) == ("the tests fail reading `lenn`, which nothing binds (misspelt?): the fixes that "
                                                   "stop reading it rank first")


@pytest.mark.sandbox
def test_a_misspelt_name_is_fixed_by_its_bound_spelling_not_by_a_value_bound_to_it():
    # `smalest = 1` came first, and passed the user's one test by chance (spread([4, 1, 9]) is 8 either way).
    source = "def spread(values):\n    smallest = min(values)\n    largest = max(values)\n    return largest - smalest\n"
    tests = Tests(test_code="assert spread([4, 1, 9]) == 8\nassert spread([2, 5]) == 3\n")
    result = repair(source, debugger=None, tests=tests, wide=0)
    best = result.suggestions[0]
    assert best.validation == "plausible" and best.operator == "rename_misspelt"
    assert best.patched_source == source.replace("- smalest", "- smallest")
    assert any("`smalest`, which nothing binds (misspelt?)" in note for note in result.notes)


@pytest.mark.sandbox
def test_a_standard_module_the_file_does_not_import_is_imported_first():
    # QA: `store.py` without `import json` got three unrelated edits first, and no word of the NameError.
    source = '"""A store."""\nimport os\n\n\ndef dump(data):\n    jsn = dict(data)\n    return json.dumps(jsn, sort_keys=True)\n'
    tests = Tests(test_code="assert dump({'b': 1, 'a': 2}) == '{\"a\": 2, \"b\": 1}'\n")
    result = repair(source, debugger=None, tests=tests, wide=0)
    best = result.suggestions[0]
    assert best.validation == "plausible" and best.operator == "add_import" and best.function == "dump" and best.line == 3
    assert best.patched_source == source.replace("import os\n", "import os\nimport json\n")
    assert ("the tests fail reading `json`, which the standard library has and this file does not import: `import json` ranks first"
            in result.notes)
    plain = repair(source, debugger=None, tests=tests, wide=0, use_operators=False)
    assert not any(s.operator == "add_import" for s in plain.suggestions)
    # Without a fix that answers it, the NameError is still said (QA: nothing told a deleted `words = ...` apart).
    assert "the tests fail reading `json`, which has no value where it is read (a NameError or UnboundLocalError)" in plain.notes


@pytest.mark.sandbox
def test_a_misspelt_method_is_written_as_the_class_s_and_ranked_first():
    source = ("class Queue:\n    def __init__(self):\n        self.items = []\n\n    def enqueue(self, x):\n        self.items.append(x)\n"
              "        return self\n\n    def fill(self, xs):\n        for x in xs:\n            self.enqeue(x)\n        return len(self.items)\n")
    result = repair(source, debugger=None, tests=Tests(test_code="assert Queue().fill([1, 2]) == 2\n"), wide=0)
    best = result.suggestions[0]
    assert best.validation == "plausible" and best.patched_source == source.replace("self.enqeue(x)", "self.enqueue(x)")
    assert any("the attribute `enqeue`, which the object does not have (misspelt?)" in note for note in result.notes)


@pytest.mark.sandbox
def test_a_closure_s_unbound_name_is_said_once_and_bound_where_the_closure_is_made():
    source = ("def make_scaler(factor):\n    def scale(values):\n        return [v * factor if v * factor < limit else limit for v in values]\n\n"
              "    return scale\n")
    tests = Tests(test_code="assert make_scaler(2)([0, 60]) == [0, 1]\n")
    result = repair(source, debugger=None, tests=tests, wide=0)
    assert [note for note in result.notes if "`limit`" in note] == [
        "the tests fail reading `limit` before any value is bound to it: the fixes that bind it rank first"]  # not once per function
    best = result.suggestions[0]
    assert best.validation == "plausible" and best.operator == "bind_unbound" and "limit = 1" in best.patched_source


@pytest.mark.sandbox
def test_the_wide_space_is_tried_by_tests_only_when_no_ranked_candidate_passes():
    """`ordered = items` needs `sorted(items)`: no usual edit fixes it, the wide space does."""
    source = "def smallest_two(items):\n    ordered = items\n    return ordered[:2]\n"
    tests = Tests(test_code="assert smallest_two([3, 1, 2]) == [1, 2]\nassert smallest_two([]) == []\n")
    assert not any(s.validation == "plausible" for s in repair(source, debugger=None, tests=tests, wide=0).suggestions)
    result = repair(source, debugger=None, tests=tests)
    best = result.suggestions[0]
    assert best.validation == "plausible" and "ordered = sorted(items)" in best.patched_source
    assert best.origin == "wide" and best.operator == "wrap_in_any_call" and "wide_search" in result.seconds
    ranked = [s for s in result.suggestions if s.origin != "wide"]
    assert best.score < min(s.score for s in ranked)  # under every ranked candidate: only the tests put it first
    header = as_text([best, ranked[0]], color=False, top=2).splitlines()
    assert "(not ranked, plausible, from wide (wrap_in_any_call))" in header[0]  # its score is only an order
    assert f"(score {ranked[0].score:.3f}, " in next(line for line in header if line.startswith("#2 "))
    assert not any(s.origin == "wide" and s.validation != "plausible" for s in result.suggestions)  # failing ones are not shown
    # Out of time after the first round of runs (2 workers x 2): the search stops and says so.
    hurried = repair(source, debugger=None, tests=Tests(test_code="assert smallest_two([3, 1, 2]) == 42\n"), wide_seconds=1e-9)
    assert any(note.startswith("the wide search stopped after 4 of") for note in hurried.notes)
    # A ranked candidate that passes ends the search before the wide space is tried.
    assert "wide_search" not in repair(SOURCE, debugger=None, tests=Tests(test_code=TESTS)).seconds


@pytest.mark.sandbox
def test_a_wrong_constant_between_functions_is_fixed_when_no_fix_of_the_functions_passes():
    """`DAY = HOUR / 24` runs at import, for every test, so Ochiai never ranks it: the top-level code is tried
    after the functions' fixes, before the wide space."""
    source = ('"""Time."""\nimport math\n__all__ = ["days"]\nHOUR = 3600\nDAY = HOUR / 24\n\n\n'
              'def days(seconds):\n    return math.floor(seconds / DAY)\n\n\ndef hours(seconds):\n    return seconds // HOUR\n')
    tests = Tests(test_code="assert days(86400) == 1\nassert days(3 * 86400 + 5) == 3\nassert hours(7200) == 2\n")
    result = repair(source + "\n\nLIMIT = 7\n", debugger=None, tests=tests)
    best = result.suggestions[0]
    assert best.validation == "plausible" and "DAY = HOUR * 24" in best.patched_source
    assert best.function == "<module> lines 3-5" and best.line == 5 and "top_level_validation" in result.seconds
    looked_at = [report.function for report in result.functions]
    assert "<module> lines 3-5" in looked_at and "<module> lines 16-16" not in looked_at  # no function reads LIMIT
    assert "wide_search" not in result.seconds  # found before the wide space is tried
    assert any(note.startswith("the fix found is in top-level code (<module> lines 3-5)") for note in result.notes)
    # A fix of a function that passes ends the search before the top-level code is looked at; so does --function.
    fixed_elsewhere = source.replace("DAY = HOUR / 24", "DAY = HOUR * 24").replace("seconds // HOUR", "seconds % HOUR")
    assert "top_level_validation" not in repair(fixed_elsewhere, debugger=None, tests=tests).seconds
    assert "top_level_validation" not in repair(source, debugger=None, tests=tests, function="days").seconds
    # Nor when the tests hang on the original: each edit could cost the whole time limit (eval reads `top_level` too).
    hanging = Tests(test_code="while days(0) == 0:\n    pass\n", limits=dataclasses.replace(tests.limits, wall_s=1.0))
    hung = repair(source, debugger=None, tests=hanging, max_validate=0)
    assert hung.baseline.status == "timeout" and hung.top_level is None
    assert repair(source, debugger=None, tests=tests, max_validate=0).top_level is not None
    # `HOUR + 24` is no injection's bug: the wide space reaches it at the top-level code's lines too.
    added = repair(source.replace("HOUR / 24", "HOUR + 24"), debugger=None, tests=tests).suggestions[0]
    assert added.validation == "plausible" and "DAY = HOUR * 24" in added.patched_source
    assert (added.function, added.origin, added.operator) == ("<module> lines 3-5", "wide", "other_arithmetic_operator")
    padded = repair(source.replace("HOUR = 3600\n", "PORT = 8080\nHOUR = 3600\n"), debugger=None, tests=tests, wide=0)
    assert padded.suggestions[0].validation == "plausible" and padded.suggestions[0].line == 6
    top_level = [s for s in padded.suggestions if s.function == "<module> lines 3-6"]
    assert any(s.validation == "failing" for s in top_level)  # shown like the functions' failing ones; the wide search skips them
    assert {s.line for s in top_level} <= {5, 6}  # HOUR's and DAY's lines: no function reads PORT
    # A class's constant likewise.
    in_class = "class Retry:\n    TIMES = 2\n\n    def left(self, done):\n        return self.TIMES - done\n"
    fixed = repair(in_class, debugger=None, tests=Tests(test_code="assert Retry().left(1) == 2\nassert Retry().left(3) == 0\n")).suggestions[0]
    assert fixed.validation == "plausible" and fixed.function == "Retry lines 2-2" and "    TIMES = 3\n" in fixed.patched_source


@pytest.mark.sandbox
def test_a_test_that_writes_outside_the_copy_is_said_to_fail_for_that(tmp_path):
    from codemend.inference.repair import SANDBOX_WRITES

    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "mod.py").write_text("def positive(x):\n    return x < 0\n")
    outside = tmp_path / "outside.log"
    (tmp_path / "proj" / "test_mod.py").write_text(f"from mod import positive\n\n\ndef test_log():\n    open({str(outside)!r}, 'a').write('x')\n\n\n"
                                                   "def test_positive():\n    assert positive(3)\n")
    command = f"{sys.executable} -m pytest -q -p no:cacheprovider test_mod.py"
    result = repair((tmp_path / "proj" / "mod.py").read_text(), debugger=None, wide=0,
                    tests=Tests(command=command, tree=str(tmp_path / "proj"), target="mod.py"))
    from codemend.inference.repair import refused_write
    from codemend.sandbox import RunResult

    said = lambda out, isolation="ro-root,uid=2001": refused_write(RunResult("failed", 1, out, "", 0.1, isolation=isolation))  # noqa: E731
    assert said("PermissionError: [Errno 13] Permission denied: '/home/me/out.log'") and said("[Errno 30] Read-only file system: '/x'")
    assert not said("PermissionError: [Errno 13] Permission denied: 'locked.txt'")  # the project's own file, in the copy
    assert not said("[Errno 30] Read-only file system: '/x'", isolation="fs-not-hardened")  # no sandbox refusal to blame
    # Said exactly when the sandbox refused the write (read-only mounts, or a user of its own: both here).
    assert (SANDBOX_WRITES in result.notes) == (not outside.exists()) and ("ro-root" not in result.baseline.isolation or not outside.exists())
    assert any(s.validation == "plausible" and "x > 0" in s.patched_source for s in result.suggestions)  # judged without test_log


def test_a_test_command_naming_paths_above_the_current_folder_is_refused_before_any_run(tmp_path, monkeypatch):
    from codemend.inference.fix import make_tests

    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "cache.py").write_text("def f():\n    return 1\n")
    monkeypatch.chdir(tmp_path / "store")  # the tests sit beside it, in ../tests: the copy of store/ has none
    with pytest.raises(CodemendError, match=r"--test_cmd names \.\./tests/test_cache\.py, outside the current folder .*project's top"):
        make_tests(Path("cache.py"), "python -m pytest -q ../tests/test_cache.py", 10.0)
    with pytest.raises(CodemendError, match=r"names \.\./src,"):
        make_tests(Path("cache.py"), "PYTHONPATH=lib:../src python -m pytest -q tests", 10.0)
    for fine in ("python -m pytest -q tests/../tests", f"{sys.executable} -m pytest -q", "python -m pytest -k 'not slow'",
                 "python -m pytest --ignore=../build tests", "python -m pytest 't.py::test_x[k=../v]'", "PYTHONPATH=/opt/lib:src pytest"):
        assert make_tests(Path("cache.py"), fine, 10.0).command == fine  # options, test ids and absolute paths are not the copy's
    from codemend.config import command_problems

    (problem,) = command_problems("python -m pytest -q ../tests")  # the CLI says it with its other configuration problems
    assert problem.startswith("--test_cmd names ../tests, outside the current folder") and problem.endswith("with paths relative to it")
    # An absolute path to the project or above it: the tests would import the originals, never the candidate (QA).
    store = tmp_path / "store"
    for wrong in (f"PYTHONPATH={tmp_path} python -m pytest -q tests", f"python -m pytest {store}"):
        with pytest.raises(CodemendError, match=r"which holds all of .*the tests would read the originals"):
            make_tests(Path("cache.py"), wrong, 10.0)
    for fine in (f"TMPDIR={tmp_path} python -m pytest -q tests", f"python -m pytest --junitxml {tmp_path}/report.xml tests",
                 f"PYTHONPATH={store}/src python -m pytest -q {store}/tests"):  # temporary files, an output, the copy's own paths
        assert make_tests(Path("cache.py"), fine, 10.0)


def test_a_wide_search_with_no_edit_left_to_try_says_so_and_runs_nothing(caplog):
    from codemend.inference.repair import RepairResult, wide_search
    from codemend.sandbox import Limits

    from codemend.inference.localize import LineRanking
    from codemend.inference.repair import FunctionReport, wide_suggestions

    source = "def f(xs):\n    return len(xs) - 1\n"
    (func,) = select_functions(source, "t.py")
    report = FunctionReport(func.name, func.start_line, LineRanking([(2, 1.0), (1, 0.5)]), [], func)
    tried = wide_suggestions(source, "t.py", [report], set())  # every edit there, already run and failing (seen with --line)
    result = RepairResult([dataclasses.replace(s, validation="failing") for s in tried], [report])
    with caplog.at_level(logging.INFO, logger="codemend.inference.repair"):
        wide_search(source, "t.py", result, Tests(test_code="assert False\n"), Limits(wall_s=5.0), 10, 60.0, 1)
    assert tried and "holds no edit not tried yet" in caplog.text and "trying up to" not in caplog.text and not result.notes


@pytest.mark.sandbox
def test_a_field_the_method_never_reads_comes_back_from_the_class_by_test():
    source = ("class Cache:\n    def __init__(self, capacity):\n        self.capacity = capacity\n        self._data = {}\n\n"
              "    def put(self, key, value):\n        if len(self._data) >= self.capacity:\n            self._data.pop(next(iter(self._data)))\n"
              "        self._data[key] = value\n\n    def get(self, key):\n        return self.capacity[key]\n")
    tests = Tests(test_code="c = Cache(2)\nc.put('a', 1)\nassert c.get('a') == 1\n")
    result = repair(source, debugger=None, tests=tests, function="get")
    best = result.suggestions[0]
    assert best.validation == "plausible" and best.operator == "other_field" and "return self._data[key]" in best.patched_source


@pytest.mark.sandbox
def test_a_module_level_counter_the_function_made_local_gets_its_global_statement_by_test():
    source = ('SEEN = 0\n\n\ndef visit(name):\n    """Count a visit and greet."""\n    SEEN += 1\n    return f"hello {name} #{SEEN}"\n')
    tests = Tests(test_code="assert visit('a') == 'hello a #1'\nassert visit('b') == 'hello b #2'\n")
    result = repair(source, debugger=None, tests=tests, function="visit")
    best = result.suggestions[0]
    assert best.validation == "plausible" and best.operator == "declare_global"
    assert '"""Count a visit and greet."""\n    global SEEN\n    SEEN += 1\n' in best.patched_source


def test_the_wide_search_tries_mistake_templates_at_every_line_before_the_wide_templates():
    """A statement order no localization points at (line 8 of 9, ranked last) is still among the first edits tried."""
    from codemend.inference.localize import LineRanking
    from codemend.inference.repair import WIDE_LINES, FunctionReport, wide_suggestions

    source = ("def insert(trie, word):\n    node = trie\n    for char in word:\n        node = node.setdefault(char, {})\n"
              "    total = len(word)\n    if total > 99:\n        raise ValueError(word)\n    node['end'] = True\n"
              "    if node.get('end'):\n        return False\n    return True\n")
    (func,) = select_functions(source, "t.py")
    ranking = LineRanking([(line, 1.0 / line) for line in range(1, 8)])  # line 8 is not even ranked
    report = FunctionReport(func.name, func.start_line, ranking, [], func)
    tried = wide_suggestions(source, "t.py", [report], set(), limit=30)
    swapped = source.replace("    node['end'] = True\n    if node.get('end'):\n        return False\n",
                             "    if node.get('end'):\n        return False\n    node['end'] = True\n")
    names = [s.operator for s in tried]
    assert swapped in [s.patched_source for s in tried] and WIDE_LINES < 8
    assert names.index("wrap_in_any_call") > max(i for i, name in enumerate(names) if name == "swap_statements")
    # Each tier has a budget of its own: the mistakes' edits never crowd the wide templates' out.
    from codemend.data.operators import MISTAKE_TEMPLATES

    few = [s.operator for s in wide_suggestions(source, "t.py", [report], set(), limit=4)]
    assert len(few) == 8 and sum(name in MISTAKE_TEMPLATES for name in few) == 4


@pytest.mark.sandbox
def test_failures_that_do_not_repeat_are_flaky_and_nothing_is_validated_against_them(tmp_path):
    # A flaky failure and no bug: every candidate "passed" the tests by chance, the first one plausible.
    # This test fails without a tracer and passes under coverage's: a failure that one run shows and the next does not.
    (tmp_path / "stats.py").write_text(SOURCE)
    (tmp_path / "test_flaky.py").write_text("import sys\n\n\ndef test_traced():\n    assert sys.gettrace() is not None\n")
    command = f"{sys.executable} -m pytest -q -p no:cacheprovider test_flaky.py"
    result = repair(SOURCE, debugger=None, tests=Tests(command=command, tree=str(tmp_path), target="stats.py"))
    assert result.baseline.status == "failed"
    assert result.notes == ["the tests that failed on the original code (test_flaky.py::test_traced) passed when run again under coverage: "
                            "they are flaky, not a bug to fix here; suggestions are not validated"]
    assert result.suggestions and all(s.validation == "not validated" for s in result.suggestions)



@pytest.mark.sandbox
def test_a_test_command_that_fails_without_a_word_is_said_to_judge_by_its_exit_status_alone(tmp_path):
    (tmp_path / "stats.py").write_text(SOURCE)
    result = repair(SOURCE, debugger=None, tests=Tests(command="false", tree=str(tmp_path), target="stats.py"), wide=0)
    assert result.baseline.status == "failed"
    assert any(note.startswith("the test command failed on the original code without printing anything (exit status 1)")
               for note in result.notes)
    assert all(s.validation == "failing" for s in result.suggestions)

def test_a_passing_run_counts_only_when_it_reports_as_many_tests_as_the_original_ran():
    from codemend.sandbox import RunResult
    from codemend.testcov import tests_ran, unfinished

    def run(stdout="", stderr="", status="passed"):
        return RunResult(status, 0 if status == "passed" else 1, stdout, stderr, 0.1)

    pytest_cmd, unittest_cmd = "python -m pytest -q tests", "python -m unittest discover tests"
    assert tests_ran(pytest_cmd, run("..F\nFAILED t.py::a - x\n1 failed, 2 passed, 1 skipped, 1 warning in 0.05s\n")) == 3
    assert tests_ran(pytest_cmd, run("1 failed, 1 passed, 1 error in 1.20s\n")) == 2  # a teardown's error is no third test
    assert tests_ran(pytest_cmd, run("3 passed in 0.20s\nclosing the pool\n")) == 3  # printed after pytest's report
    assert tests_ran(pytest_cmd, run("no tests ran in 0.01s\n")) == 0
    assert tests_ran(pytest_cmd, run("..\n")) is None  # os._exit(0) in the middle: dots, no count line
    # pytest 9's subtests: a failed one counts as failed and its test as passed; 4 tests here, as when all pass (QA: slugify)
    subtests = ("SUBFAILED(i=0) t.py::T::test_a - AssertionError: 0 != 1\nSUBFAILED(i=2) t.py::T::test_a - AssertionError\n"
                "FAILED t.py::T::test_c - AssertionError: 1 != 2\n3 failed, 3 passed, 3 subtests passed in 0.59s\n")
    assert tests_ran(pytest_cmd, run(subtests, status="failed")) == 4 == tests_ran(pytest_cmd, run("4 passed, 5 subtests passed in 0.5s\n"))
    assert tests_ran(unittest_cmd, run(stderr="..s\n----\nRan 3 tests in 0.001s\n\nOK (skipped=1)\n")) == 2
    assert unfinished(pytest_cmd, run("..\n")).startswith("the tests exited with status 0 but never reported how many ran")
    assert unfinished(pytest_cmd, run("2 passed in 0.1s\n"), at_least=3) == "2 test(s) ran, fewer than the 3 that ran on the original code"
    assert unfinished(pytest_cmd, run("3 passed in 0.1s\n"), at_least=3) == ""
    assert unfinished(unittest_cmd, run(stderr="OK\n")).startswith("the tests exited with status 0")
    assert unfinished("make test", run("")) == ""  # a command that reports no count is judged by its exit status
    assert unfinished(pytest_cmd, run("", status="failed")) == ""
    assert unfinished(pytest_cmd, run("..\n"), at_least=None) == ""  # the original's run reported no count either


@pytest.mark.sandbox
def test_a_fix_that_ends_the_test_run_with_status_0_is_not_plausible(tmp_path):
    """`if a < 100: os._exit(0)` stops pytest at its first test with exit status 0: it was the first plausible fix,
    and --apply wrote it."""
    source = "import os\n\n\ndef add(a, b):\n    if a > 100:\n        os._exit(0)\n    return a - b\n"
    (tmp_path / "mod.py").write_text(source)
    (tmp_path / "test_mod.py").write_text("from mod import add\n\n\ndef test_small():\n    assert add(1, 2) == 3\n\n\n"
                                          "def test_zero():\n    assert add(0, 0) == 0\n")
    tests = Tests(command=f"{sys.executable} -m pytest -q -p no:cacheprovider test_mod.py", tree=str(tmp_path), target="mod.py")
    result = repair(source, debugger=None, tests=tests, wide=0, max_validate=60)
    by_edit = {s.patched_source: s for s in result.suggestions}
    exits = by_edit[source.replace("a > 100", "a < 100")]
    assert exits.validation == "error" and "never reported how many ran" in exits.detail
    assert result.suggestions[0].validation == "plausible" and "return a + b" in result.suggestions[0].patched_source


def test_not_repeated_names_the_failures_the_coverage_run_did_not_see():
    from codemend.inference.repair import not_repeated
    from codemend.testcov import TestCoverage

    coverage = [TestCoverage("t::a", True, frozenset()), TestCoverage("t::b", False, frozenset()), TestCoverage("t::c", True, frozenset())]
    assert not_repeated({"t::a", "t::b"}, coverage) == {"t::a"}
    assert not_repeated(None, coverage) == set() and not_repeated({"t::a"}, []) == set()


@pytest.mark.sandbox
def test_tests_that_pass_on_the_original_are_reported(tmp_path):
    result = repair(FIXED, debugger=None, tests=Tests(test_code=TESTS))
    assert result.notes and "nothing to validate" in result.notes[0]
    assert all(s.validation == "not validated" for s in result.suggestions)


@pytest.mark.sandbox
@pytest.mark.parametrize("command, says", [
    ("no-such-program-codemend -q", "cannot run 'no-such-program-codemend': No such file or directory; the command runs from the root of a copy"),
    (f"{sys.executable} -m pytest -q -p no:cacheprovider test_missing.py", "pytest tested nothing, exit status 4: ERROR: file or directory not found: test_missing.py"),
    (f"{sys.executable} -m pytest -q -p no:cacheprovider test_empty.py", "pytest tested nothing, exit status 5"),
    (f"{sys.executable} -m pytest -q -p no:cacheprovider --no-such-flag-codemend test_empty.py",
     "pytest tested nothing, exit status 4: python -m pytest: error: unrecognized arguments: --no-such-flag-codemend"),
    (f"{sys.executable} -m pytest -q -p no:cacheprovider test_broken.py",
     "pytest could not collect test_broken.py (ModuleNotFoundError: No module named 'no_such_module_codemend'): no fix can pass"),
    (f"{Path(sys.executable).parent / 'pytest'} -q -p no:cacheprovider tests/test_pkg.py",  # bare pytest: no root on sys.path
     "No module named 'pkg'): no fix can pass before that is fixed; pkg is in the project: `python -m pytest` puts the project root on sys.path"),
    (f"{sys.executable} -m pytest -q -p no:cacheprovider old/test_old.py",  # a conftest for another pytest: boltons 24.1 on pytest 9
     "pytest stopped before running any test, exit status 1: Argument(s) {'path'} are declared in the hookimpl but can not be found"),
], ids=["no-such-program", "no-such-test-file", "no-tests", "unknown-flag", "uncollectable-test-file", "own-package-not-on-the-path", "pytest-crashed"])
def test_a_test_command_that_tests_nothing_is_said_and_nothing_is_validated_against_it(tmp_path, monkeypatch, command, says):
    # Validating against it would fail every candidate, then try the wide space for a minute.
    monkeypatch.delenv("PYTHONPATH", raising=False)
    (tmp_path / "stats.py").write_text(SOURCE)
    (tmp_path / "test_empty.py").write_text("VALUE = 1\n")
    (tmp_path / "test_broken.py").write_text("import no_such_module_codemend\nfrom stats import Stats\n\ndef test_it():\n    assert Stats()\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_pkg.py").write_text("import pkg\n\ndef test_it():\n    assert pkg\n")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "conftest.py").write_text("def pytest_ignore_collect(path, config):\n    return False\n")
    (tmp_path / "old" / "test_old.py").write_text("from stats import Stats\n\ndef test_it():\n    assert Stats().max_index([3, 9, 2]) == 1\n")
    result = repair(SOURCE, debugger=None, tests=Tests(command=command, tree=str(tmp_path), target="stats.py"))
    assert len(result.notes) == 1 and says in result.notes[0] and result.notes[0].endswith("suggestions are not validated")
    assert result.suggestions and all(s.validation == "not validated" for s in result.suggestions)
    assert "validation" not in result.seconds and "wide_search" not in result.seconds


@pytest.mark.sandbox
def test_a_unittest_command_that_tests_nothing_is_said_and_a_working_one_validates(tmp_path):
    (tmp_path / "stats.py").write_text(SOURCE)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_stats.py").write_text("import unittest\nfrom stats import Stats\n\n\nclass T(unittest.TestCase):\n"
                                                      "    def test_max(self):\n        self.assertEqual(Stats().max_index([3, 9, 2]), 1)\n")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "test_other.py").write_text("import no_such_module_codemend\n")

    def notes(command: str) -> list[str]:
        return repair(SOURCE, debugger=None, tests=Tests(command=f"{sys.executable} -m unittest {command}", tree=str(tmp_path),
                                                          target="stats.py"), max_validate=20, wide=0).notes

    # tests/ has no __init__.py: with -t . it is not importable as a package
    assert notes("discover -s tests -t .")[0].startswith("the tests did not run on the original code (unittest stopped before "
                                                         "running any test, exit status 1: ImportError: Start directory is not importable")
    assert notes("discover -s other")[0].startswith("the tests did not run on the original code (unittest could not import its tests: "
                                                     "ModuleNotFoundError: No module named 'no_such_module_codemend')")
    assert notes("discover -s tests") == []  # it runs and fails: the fix validates


@pytest.mark.sandbox
def test_a_test_program_that_cannot_import_what_it_tests_is_said(tmp_path):
    # `python tests/test_x.py` puts tests/ first on the import path: every candidate failed as the original
    # did, then the wide space ran, with no note.
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "stats.py").write_text(SOURCE)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_stats.py").write_text("from pkg.stats import Stats\nassert Stats().max_index([3, 9, 2]) == 1\n")

    def notes(command: str, target: str = "pkg/stats.py") -> list[str]:
        return repair(SOURCE, debugger=None, tests=Tests(command=command, tree=str(tmp_path), target=target), max_validate=20, wide=0).notes

    (note, *_) = notes(f"{sys.executable} tests/test_stats.py")
    assert note.startswith("the tests did not run on the original code (it could not import what it tests: ModuleNotFoundError: "
                           "No module named 'pkg'; `python DIR/FILE.py` puts DIR, not the project's root, first on the import path")
    assert not any("could not import" in n for n in notes(f"{sys.executable} -m tests.test_stats"))  # it runs and fails: it judges
    # The file being fixed failing to import is the bug's doing: a fix may end it.
    (tmp_path / "pkg" / "stats.py").write_text("import no_such_module_codemend\n" + SOURCE)
    assert not any("could not import" in n for n in notes(f"{sys.executable} -m tests.test_stats"))


@pytest.mark.sandbox
def test_a_failed_import_names_the_shell_s_pythonpath_the_tests_do_not_get(tmp_path, monkeypatch):
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "__init__.py").write_text(SOURCE)
    (tmp_path / "test_pkg.py").write_text("from pkg import Stats\n\ndef test_it():\n    assert Stats().max_index([3, 9, 2]) == 1\n")
    command = f"{sys.executable} -m pytest -q -p no:cacheprovider test_pkg.py"
    monkeypatch.setenv("PYTHONPATH", "src")
    result = repair(SOURCE, debugger=None, tests=Tests(command=command, tree=str(tmp_path), target="src/pkg/__init__.py"))
    assert result.notes[0].endswith(f'; your shell\'s PYTHONPATH=src is not passed to the tests (they run in a clean environment): '
                                    f'put it in the command, --test_cmd "PYTHONPATH=src {command}"')
    result = repair(SOURCE, debugger=None, tests=Tests(command="PYTHONPATH=src " + command, tree=str(tmp_path), target="src/pkg/__init__.py"),
                    max_validate=20, wide=0)
    assert not result.notes and result.suggestions[0].validation == "plausible"


@pytest.mark.sandbox
def test_a_file_no_failing_test_runs_is_said_and_not_validated(tmp_path):
    (tmp_path / "stats.py").write_text(FIXED)
    (tmp_path / "util.py").write_text("def double(x):\n    return x + 2\n")
    (tmp_path / "test_both.py").write_text("from stats import Stats\nfrom util import double\n\n"
                                           "def test_stats():\n    assert Stats().max_index([3, 9, 2]) == 1\n\n"
                                           "def test_double():\n    assert double(3) == 6\n")
    command = f"{sys.executable} -m pytest -q -p no:cacheprovider test_both.py"
    result = repair(FIXED, debugger=None, tests=Tests(command=command, tree=str(tmp_path), target="stats.py"))
    assert result.notes == ["no test that fails on the original code (test_both.py::test_double) runs Stats.max_index (per-test coverage): "
                            "the bug they see is elsewhere; give the project's folder (`codemend fix DIR --test_cmd ...`) to look where "
                            "they run; its suggestions are not validated"]
    assert all(s.validation == "not validated" for s in result.suggestions) and "validation" not in result.seconds
    result = repair((tmp_path / "util.py").read_text(), debugger=None, tests=Tests(command=command, tree=str(tmp_path), target="util.py"))
    assert not result.notes and result.suggestions[0].validation == "plausible"


@pytest.mark.sandbox
def test_a_collection_error_in_the_file_being_fixed_is_validated_against(tmp_path):
    # Importing stats.py fails because of its bug: a fix ends the collection error, so validation goes on.
    source = SOURCE + "\nFIRST = Stats().max_index([3, 9, 2])\nassert FIRST == 1\n"
    (tmp_path / "stats.py").write_text(source)
    (tmp_path / "test_stats.py").write_text("from stats import FIRST\n\ndef test_first():\n    assert FIRST == 1\n")
    command = f"{sys.executable} -m pytest -q -p no:cacheprovider test_stats.py"
    result = repair(source, debugger=None, tests=Tests(command=command, tree=str(tmp_path), target="stats.py"), max_validate=20, wide=0)
    assert result.baseline.returncode == 2 and not result.notes
    assert result.suggestions[0].validation == "plausible" and "items[i] > items[best]" in result.suggestions[0].patched_source


@dataclasses.dataclass
class BaselineWaitsForCoverage(Tests):
    """Tests whose run on the original code starts only once the coverage run has begun: sequential code
    would wait 10 s and record that it did."""

    coverage_began: object = None
    waited: list = dataclasses.field(default_factory=list)

    def run(self, module_text, limits=None, command=""):
        if not self.waited:
            self.waited.append(self.coverage_began.wait(timeout=10))
        return super().run(module_text, limits, command)


@pytest.mark.sandbox
@pytest.mark.parametrize("fixed", [False, True])
def test_the_coverage_run_goes_beside_the_baseline_and_is_cancelled_when_not_needed(tmp_path, monkeypatch, fixed):
    import importlib
    import threading

    repair_module = importlib.import_module("codemend.inference.repair")  # the package's `repair` is the function
    began, cancelled = threading.Event(), []
    measure = repair_module.file_coverage

    def coverage_watched(text, tests, cancel=None):
        began.set()
        if fixed:  # the baseline passes: nothing needs the coverage, whose run is then cancelled
            cancelled.append(cancel.wait(timeout=30))
            return []
        return measure(text, tests, cancel)

    monkeypatch.setattr(repair_module, "file_coverage", coverage_watched)
    source = FIXED if fixed else SOURCE
    (tmp_path / "stats.py").write_text(source)
    (tmp_path / "test_stats.py").write_text("from stats import Stats\n\ndef test_max():\n    assert Stats().max_index([3, 9, 2]) == 1\n")
    tests = BaselineWaitsForCoverage(command=f"{sys.executable} -m pytest -q -p no:cacheprovider test_stats.py", tree=str(tmp_path),
                                     target="stats.py", coverage_began=began)
    result = repair(source, debugger=None, tests=tests, max_validate=20, wide=0)
    assert tests.waited == [True], "the baseline ran before the coverage run began"
    if fixed:
        assert result.baseline.status == "passed" and cancelled == [True] and not result.coverage
    else:
        assert [(c.name, c.passed) for c in result.coverage] == [("test_stats.py::test_max", False)]
        assert result.suggestions[0].validation == "plausible" and "items[i] > items[best]" in result.suggestions[0].patched_source


@pytest.mark.sandbox
def test_a_coverage_run_that_gave_nothing_is_said_in_the_notes_not_only_the_log(tmp_path, monkeypatch):
    import importlib

    repair_module = importlib.import_module("codemend.inference.repair")

    def no_coverage(*args, **kwargs):  # as pytest-cov's collector made it before the driver turned it off
        raise ValueError("no coverage came back from `pytest`: INTERNALERROR> AssertionError: Expected current collector")

    monkeypatch.setattr(repair_module, "coverage_for_command", no_coverage)
    (tmp_path / "stats.py").write_text(SOURCE)
    (tmp_path / "test_stats.py").write_text("from stats import Stats\n\ndef test_max():\n    assert Stats().max_index([3, 9, 2]) == 1\n")
    tests = Tests(command=f"{sys.executable} -m pytest -q -p no:cacheprovider test_stats.py", tree=str(tmp_path), target="stats.py")
    result = repair(SOURCE, debugger=None, tests=tests, max_validate=20, wide=0)
    assert result.coverage == [] and repair_module.NO_COVERAGE in result.notes
    assert result.suggestions[0].validation == "plausible"  # still validated; only the ranking lacked the coverage


@pytest.mark.sandbox
def test_an_unrelated_failure_that_runs_first_does_not_hide_the_fix_under_x(tmp_path):
    # QA (isodate): with -x, pytest stopped at an unrelated failing test before the bug's; the true fix read "failing",
    # with no note. Every test's verdict is read now, whatever -x or --maxfail the command or addopts give.
    (tmp_path / "stats.py").write_text(SOURCE)
    (tmp_path / "test_aaa_unrelated.py").write_text("def test_unrelated():\n    assert 1 + 1 == 3\n")
    (tmp_path / "test_stats.py").write_text("from stats import Stats\n\ndef test_max():\n    assert Stats().max_index([3, 9, 2]) == 1\n")
    tests = Tests(command=f"{sys.executable} -m pytest -q -x -p no:cacheprovider .", tree=str(tmp_path), target="stats.py")
    result = repair(SOURCE, debugger=None, tests=tests, max_validate=20, wide=0)
    assert result.failing == {"test_aaa_unrelated.py::test_unrelated", "test_stats.py::test_max"}
    first = result.suggestions[0]
    assert first.validation == "plausible" and "items[i] > items[best]" in first.patched_source
    assert first.still_failing == ["test_aaa_unrelated.py::test_unrelated"]


@pytest.mark.slow  # ~10 s: a baseline run that hangs to its limit (CI's 10 minutes)
@pytest.mark.sandbox
def test_a_test_that_hangs_without_running_the_file_is_left_out_of_the_runs_that_judge_fixes(tmp_path):
    # QA (isodate): an unrelated test that hung made every candidate's run hang, the true fix's too ("timeout").
    from codemend.sandbox import Limits

    (tmp_path / "stats.py").write_text(SOURCE)
    (tmp_path / "test_stats.py").write_text("from stats import Stats\n\ndef test_max():\n    assert Stats().max_index([3, 9, 2]) == 1\n")
    (tmp_path / "test_zz_hang.py").write_text("import time\n\nimport stats\n\n\ndef test_hang():\n    time.sleep(1000)\n")
    tests = Tests(command=f"{sys.executable} -m pytest -q -p no:cacheprovider .", tree=str(tmp_path), target="stats.py",
                  limits=Limits(wall_s=5.0))
    result = repair(SOURCE, debugger=None, tests=tests, max_validate=20, wide=0)
    assert result.notes[0] == ("the tests that hung on the original code (test_zz_hang.py::test_hang) never ran a line of <memory>: the runs "
                               "that judge a fix leave them out (--deselect), and a fix is judged by the other tests")
    assert result.baseline.status == "failed" and result.failing == {"test_stats.py::test_max"}
    first = result.suggestions[0]
    assert first.validation == "plausible" and "items[i] > items[best]" in first.patched_source


def test_only_a_hang_that_ran_no_line_of_the_file_in_the_test_is_left_out(tmp_path):
    from codemend.inference.repair import without_hangs_elsewhere
    from codemend.testcov import STOPPED, TestCoverage, deselected_command

    tests = Tests(command=f"{sys.executable} -m pytest -q -p no:cacheprovider .", tree=str(tmp_path), target="stats.py")
    # A hang in the file itself (lines of it ran in the test, not only at import) is the bug's: the tests are kept.
    spins = TestCoverage("t.py::test_spin", False, frozenset({1, 11, 12}), STOPPED + " 1 s", imported=frozenset({1}))
    assert without_hangs_elsewhere(tests, [spins]) is None
    assert without_hangs_elsewhere(tests, [dataclasses.replace(spins, lines=frozenset({1}))]) is not None  # import only

    # --deselect takes node-id prefixes: leaving out test_parse would leave out test_parse_date, which may be the bug's.
    hang, other = (TestCoverage("t.py::test_parse", False, frozenset(), STOPPED + " 1 s"),
                   TestCoverage("t.py::test_parse_date", False, frozenset({2})))
    assert without_hangs_elsewhere(tests, [hang, other]) is None
    assert "--deselect t.py::test_parse" in without_hangs_elsewhere(tests, [hang, dataclasses.replace(other, name="t.py::test_date")]).command
    assert deselected_command("A=1 pytest -q tests", ["tests/t.py::test_b", "tests/t.py::test_a"]) == (
        "A=1 pytest -q tests --deselect tests/t.py::test_a --deselect tests/t.py::test_b")
    assert deselected_command("python -m unittest -q", ["t.py::T::test_a"]) == "" == deselected_command("python t.py", ["t.py"])


@pytest.mark.sandbox
def test_a_conftest_that_the_file_being_fixed_stops_is_validated_against(tmp_path):
    # pytest exits with status 4 ("tested nothing") when a conftest cannot be imported: here because of the bug.
    source = SOURCE + "\nFIRST = Stats().max_index([3, 9, 2])\nassert FIRST == 1\n"
    (tmp_path / "stats.py").write_text(source)
    (tmp_path / "conftest.py").write_text("import stats\n")
    (tmp_path / "test_stats.py").write_text("from stats import FIRST\n\ndef test_first():\n    assert FIRST == 1\n")
    command = f"{sys.executable} -m pytest -q -p no:cacheprovider test_stats.py"
    result = repair(source, debugger=None, tests=Tests(command=command, tree=str(tmp_path), target="stats.py"), max_validate=20, wide=0)
    assert result.baseline.returncode == 4 and not result.notes
    assert result.suggestions[0].validation == "plausible" and "items[i] > items[best]" in result.suggestions[0].patched_source
    assert names_file("/tmp/copy/stats.py:3: in <module>", "stats.py") and not names_file("mystats.py:3", "stats.py")


@pytest.mark.sandbox
def test_hanging_tests_are_contained():
    from codemend.sandbox import Limits

    result = repair(SOURCE, debugger=None, tests=Tests(test_code="while True:\n    pass\n", limits=Limits(wall_s=1.0)), max_validate=2)
    assert result.baseline.status == "timeout"
    assert {s.validation for s in result.suggestions[:2]} == {"timeout"}
    assert any(note.startswith("the tests did not finish on the original code (wall-clock limit") for note in result.notes)


def test_after_a_hanging_original_candidates_get_the_time_the_tests_took_under_coverage():
    from codemend.inference.repair import _hung_limits
    from codemend.sandbox import Limits
    from codemend.testcov import TestCoverage

    limits = Limits(wall_s=60.0)
    hung = TestCoverage("t.py::test_spin", False, frozenset({2}), "TimeoutError: test still running after 12 s", 12.0)
    timed = [TestCoverage(f"t.py::test_{k}", True, frozenset({1}), "", 0.5) for k in range(4)]
    assert _hung_limits(limits, [hung, *timed]).wall_s == pytest.approx(3 * (5.0 + 2.0 / 2))  # start-up + their time without coverage
    assert _hung_limits(limits, timed) == limits  # nothing hung under coverage: no estimate of a fixed run
    assert _hung_limits(limits, [hung, TestCoverage("t.py", False, frozenset(), "collection error: x")]) == limits  # untimed
    assert _hung_limits(Limits(wall_s=10.0), [hung, *timed]).wall_s == 10.0  # never above --timeout


def test_a_test_stopped_under_coverage_that_passes_on_the_original_is_slow_not_failing():
    from codemend.inference.repair import slow_not_failing
    from codemend.testcov import TestCoverage

    slow = TestCoverage("t.py::test_slow", False, frozenset({1, 2}), "TimeoutError: test still running after 12 s", 12.0)
    hung = dataclasses.replace(slow, name="t.py::test_hung")
    failed = TestCoverage("t.py::test_bad", False, frozenset({3}), "AssertionError", 0.1)
    kept = slow_not_failing([slow, hung, failed], {"t.py::test_hung", "t.py::test_bad"})
    assert [(t.name, t.passed) for t in kept] == [("t.py::test_slow", True), ("t.py::test_hung", False), ("t.py::test_bad", False)]
    assert kept[0].lines == slow.lines and not kept[0].error
    assert slow_not_failing([slow], None) == [slow]  # the failing tests unknown: nothing to tell slow from hung


@pytest.mark.slow
@pytest.mark.sandbox
def test_a_bug_that_makes_a_pytest_test_hang_is_localized_and_fixed_without_a_limit_per_candidate(tmp_path):
    # boltons' backoff_iter with `i += 1` written `i -= 1`: the baseline hung for --timeout, the coverage run
    # was killed with no lines of the hanging test, and every candidate that still hung cost 60 s.
    (tmp_path / "mod.py").write_text("def spin(n):\n    while n != 0:\n        n -= 2\n    return n\n\n\ndef one():\n    return 1\n")
    (tmp_path / "test_mod.py").write_text("from mod import one, spin\n\n\ndef test_spin():\n    assert spin(3) == 0\n\n\n"
                                          "def test_one():\n    assert one() == 1\n")
    command = f"{sys.executable} -m pytest -q -p no:cacheprovider test_mod.py"
    from codemend.sandbox import Limits

    tests = Tests(command=command, tree=str(tmp_path), target="mod.py", limits=Limits(wall_s=40.0))
    result = repair((tmp_path / "mod.py").read_text(), debugger=None, tests=tests, wide=0)
    assert result.baseline.status == "timeout"
    assert [(c.name, c.stopped) for c in result.coverage] == [("test_mod.py::test_spin", True), ("test_mod.py::test_one", False)]
    best = result.suggestions[0]
    assert best.validation == "plausible" and best.line in (2, 3), [(s.line, s.validation) for s in result.suggestions[:5]]
    assert any("candidates that still hang are marked timeout after 15 s, and validation starts no runs after 120 s" in note
               for note in result.notes), result.notes  # three --timeout limits: eight rounds of 15 s candidates fit, not three


# boltons' backoff_iter with `i += 1` written `i -= 1`: the tests that hang run `backoff` (their lines
# only), the passing ones the generator's loop too, so Ochiai put `backoff` first.
BACKOFF = """def backoff(start, stop, count):
    if stop < start:
        raise ValueError("stop < start")
    return list(backoff_iter(start, stop, count))


def backoff_iter(start, stop, count):
    cur, i = start, 0
    while count == "repeat" or i < count:
        yield cur
        i -= 1
        cur = min(cur * 2, stop)
"""
BACKOFF_TESTS = """from itertools import islice
assert list(islice(backoff_iter(1, 8, "repeat"), 3)) == [1, 2, 4]
assert list(islice(backoff_iter(3, 5, "repeat"), 2)) == [3, 5]
assert backoff(1, 8, 4) == [1, 2, 4, 8]
"""


@pytest.mark.slow  # ~10 s: baseline runs that hang to their limit (CI's 10 minutes)
@pytest.mark.sandbox
def test_a_hang_is_looked_for_first_in_the_loop_the_tests_were_stopped_in():
    from codemend.sandbox import Limits

    result = repair(BACKOFF, debugger=None, tests=Tests(test_code=BACKOFF_TESTS, limits=Limits(wall_s=2.0)), wide=0)
    assert result.baseline.status == "timeout" and result.coverage[-1].stopped
    assert "the tests that hung were stopped in the loop at lines 9-12: its lines are looked at first" in result.notes
    # Before, every candidate validated was in `backoff` and validation stopped after 8 of 60, the fix unreached.
    best = result.suggestions[0]
    assert (best.function, best.line, best.validation) == ("backoff_iter", 11, "plausible"), [(s.line, s.validation) for s in result.suggestions[:5]]


@pytest.mark.sandbox
def test_after_a_hanging_original_validation_stops_after_a_few_limits():
    from codemend.inference.repair import HUNG_VALIDATION_LIMITS
    from codemend.sandbox import Limits

    limits = Limits(wall_s=0.5)
    result = repair(SOURCE, debugger=None, tests=Tests(test_code="while True:\n    pass\n", limits=limits), max_validate=40)
    validated = [s for s in result.suggestions if s.validation != "not validated"]
    assert {s.validation for s in validated} == {"timeout"}
    # 2 workers, 4 candidates a chunk (2 limits), no chunk started after HUNG_VALIDATION_LIMITS limits
    assert len(validated) <= 4 * (HUNG_VALIDATION_LIMITS // 2 + 1) < len(result.suggestions)
    assert f"validation stopped after {len(validated)} of {len(result.suggestions)} candidates, as the original code hung" in result.notes


def test_model_candidates_come_from_the_checkpoint(tiny_model):
    from codemend.inference.debugger import Debugger

    debugger = Debugger.load(tiny_model)
    result = repair(SOURCE, debugger=debugger, n=3)
    assert result.functions and result.suggestions
    assert all(s.score <= 0 for s in result.suggestions)  # every candidate scored by the model
    assert "model" in result.functions[0].ranking.signals or not any("model" in s.origin for s in result.suggestions)


def test_beams_that_only_add_unreachable_code_are_dropped(tiny_model, monkeypatch):
    import codemend.inference.debugger as debugger_module
    from codemend.training.generation import Generation

    code = "def add(a, b):\n    return a - b\n"
    beams = ["insert 3\n    a, b = a + b", "replace 2\n    return a + b", "insert 2\n    a = b", "replace 2\n    return a +"]
    monkeypatch.setattr(debugger_module, "generate_from", lambda *args, **kwargs: [Generation(t, -1.0, True) for t in beams])
    proposed = debugger_module.Debugger.load(tiny_model).propose(code, n=4)
    # Dead code after the return, and code that does not parse, never reach validation or the user.
    assert [c.target for c in proposed] == ["replace 2\n    return a + b", "insert 2\n    a = b"]


def test_a_fix_only_a_beam_proposes_ranks_lower_by_the_beam_penalty(tiny_model, monkeypatch):
    import codemend.inference.debugger as debugger_module
    from codemend.inference.repair import BEAM_PENALTY, repair_function
    from codemend.training.generation import Generation

    code = "def add(a, b):\n    return a - b\n"
    monkeypatch.setattr(debugger_module, "generate_from", lambda *args, **kwargs: [Generation("replace 2\n    return b - a - 1", -0.1, True)])
    debugger = debugger_module.Debugger.load(tiny_model)
    (func,) = select_functions(code, "add.py")
    report = repair_function(func, debugger, sbfl={}, n=1)
    (beam,) = [c for c in report.candidates if c.origin == {"model"}]
    # The same fix scored as if the operators had proposed it: the beam ranks exactly BEAM_PENALTY lower.
    alone = Candidate(beam.patched, beam.line, beam.target, {"operator"})
    debugger.score(code, [alone])
    assert BEAM_PENALTY > 0 and beam.score == pytest.approx(alone.score - BEAM_PENALTY, abs=1e-4)
    assert all(c.score > -math.inf for c in report.candidates if c.origin != {"model"})


def test_the_model_writes_fixes_at_the_most_suspicious_line_and_binds_names_read_before_any_binding(causal_model, tiny_model, monkeypatch):
    import codemend.inference.debugger as debugger_module
    from codemend.inference.repair import PLACED_BEAMS, PLACED_LINES, repair_function
    from codemend.training.generation import Generation

    fixed = "def total_of(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total\n"
    code = fixed.replace("    total = 0\n", "")
    asked = []

    def beams(model, tokenizer, prompt, arch, max_new_tokens, num_beams=1, num_return=1, prefix=""):
        asked.append((prefix, num_beams))
        if prefix.endswith("total ="):
            return [Generation(" 0", -0.3, True), Generation(" total", -0.9, True)]
        return [Generation("\n    return (total", -0.5, True)] if prefix else [Generation("delete 4", -0.4, True)]

    monkeypatch.setattr(debugger_module, "generate_from", beams)
    (func,) = select_functions(code, "t.py")
    report = repair_function(func, debugger_module.Debugger.load(causal_model), sbfl={}, n=2, module=code)
    placed = {prefix for prefix, width in asked if prefix and width == PLACED_BEAMS}
    assert ("", 2) in asked and len([p for p in placed if p.startswith("replace ")]) == PLACED_LINES
    assert {p for p in placed if not p.startswith("replace ")} == {"insert 3\n        total =", "insert 2\n    total ="}
    by_code = {c.patched: c for c in report.candidates}
    # Each place's beams become candidates; the binding before the loop is the fix (the `bind_unbound` template has it too).
    assert by_code[fixed].origin == {"placed", "operator"} and by_code[fixed].target == "insert 2\n    total = 0" and by_code[fixed].line == 2
    assert by_code[fixed.replace("total = 0", "total = 1")].origin == {"operator"}  # the template's other value
    in_loop = code.replace("        total +=", "        total = 0\n        total +=")
    assert by_code[in_loop].origin == {"placed"}  # the template never puts it in the loop that adds to it; the model may
    assert not any("(total" in c.patched for c in report.candidates)  # outputs that do not parse are dropped
    asked.clear()
    assert debugger_module.Debugger.load(tiny_model).propose_at(code, ["replace 2"]) == [] and asked == []  # seq2seq: no forced beginnings


def test_beams_ranked_past_the_validation_budget_are_validated_all_the_same():
    from codemend.inference.repair import Suggestion, beam_only, to_validate

    ranked = [Suggestion("f.py", "f", 1, -i, "", "", "", origin=origin)
              for i, origin in enumerate(["operator", "model", "operator", "model+operator", "model", "operator", "placed", "model+placed"])]
    assert [s.score for s in to_validate(ranked, 3)] == [0, -1, -2, -4, -6, -7]  # a beam's fix that operators also give ranks as theirs
    assert to_validate(ranked, 10) == ranked and to_validate(ranked, 0) == [ranked[i] for i in (1, 4, 6, 7)]
    # One test of "only beams propose it", for candidates' origin sets and suggestions' strings alike.
    assert beam_only({"placed"}) and beam_only({"model", "placed"}) and beam_only("model+placed") and beam_only("model")
    assert not beam_only({"placed", "operator"}) and not beam_only("model+operator") and not beam_only(set()) and not beam_only("wide")


def test_unreachable_statements_counts_what_follows_a_return_raise_continue_or_break():
    from codemend.inference.debugger import unreachable_statements

    assert unreachable_statements("def f(x):\n    return x\n") == 0
    assert unreachable_statements("def f(x):\n    return x\n    x += 1\n    print(x)\n") == 2
    assert unreachable_statements("for x in y:\n    if x:\n        break\n        f()\n    else:\n        continue\n") == 1
    assert unreachable_statements("try:\n    raise E\n    g()\nfinally:\n    h()\n") == 1
    assert unreachable_statements("def f(:\n") == -1


def test_same_program_reads_spacing_and_comments_as_the_same_and_survives_deep_expressions():
    from codemend.inference.debugger import same_program

    assert same_program("x = a+b  # sum\n", "x = (a + b)\n") and not same_program("x = a + b\n", "x = a - b\n")
    deep = "x = " + " + ".join(["1"] * 3000) + "\n"  # ast.dump raised RecursionError (review)
    assert same_program(deep, deep) and not same_program(deep, deep.replace("1 + 1", "1 - 1", 1))


def test_ignored_parameters_counts_arguments_set_to_a_constant_before_anything_reads_them(tiny_model):
    from codemend.inference.debugger import Debugger, ignored_parameters

    ratio = "def ratio(a, b):\n    return b / a\n"
    assert ignored_parameters(ratio) == 0
    assert ignored_parameters("def ratio(a, b):\n    a, b = 10, 20\n    return b / a\n") == 2
    assert ignored_parameters("def f(n, *rest, key=None):\n    n = -1\n    key = 'k'\n    return n, key\n") == 2
    assert ignored_parameters("def f(x):\n    y = x\n    x = 0\n    return y + x\n") == 0  # read first
    assert ignored_parameters("def f(x=None):\n    if x is None:\n        x = []\n    return x\n") == 0  # only sometimes
    assert ignored_parameters("def f(x):\n    x = g()\n    return x\n") == 0  # not a constant
    assert ignored_parameters("def f(:\n") == 0
    # The model's fix that hard-codes a test's arguments is not a candidate (QA: it was plausible, ranked first and applied).
    debugger = Debugger.load(str(tiny_model))
    kept = debugger._applied(ratio, [("insert 2\n    a, b = 10, 20", -1.0), ("replace 2\n    return a / b", -2.0)])
    assert [c.patched for c in kept] == ["def ratio(a, b):\n    return a / b\n"]
    # Nor is one that changes only spacing or a comment: it ranked 7th on builtin:operator, above the true fix.
    spacing = [("replace 2\n    return b /  a", -0.5), ("replace 2\n    return b / a  # why", -0.6), ("replace 2\n    return (b / a)", -0.7)]
    assert debugger._applied(ratio, spacing) == []


def test_localize_gives_the_ranking_repair_shows(tiny_model):
    """QA: `localize` read the model's beams alone and put the bug 4th where `repair`, `fix` and `explain` put it 1st."""
    from codemend.inference import localize
    from codemend.inference.debugger import Debugger

    debugger = Debugger.load(tiny_model)
    located = localize(SOURCE, debugger=debugger, function="max_index")
    (report,) = repair(SOURCE, debugger=debugger, function="max_index", max_validate=0).functions
    assert [(name, ranking.ranked) for name, ranking in located] == [(report.function, report.ranking.ranked)]


def test_wrong_api_arguments_name_the_parameter(tiny_model):
    from codemend.inference.debugger import Debugger

    for kwargs, error, words in (({"text": SOURCE.encode()}, TypeError, "not bytes"), ({"text": None}, TypeError, "source"),
                                 ({"debugger": str(tiny_model)}, TypeError, "Debugger.load"), ({"n": 2.5}, TypeError, "n:"),
                                 ({"n": -5}, ValueError, "n=-5"), ({"line": "19"}, TypeError, "line"), ({"function": 3}, TypeError, "function")):
        with pytest.raises(error, match=re.escape(words)):
            repair(**{"text": SOURCE, "debugger": None, **kwargs})
    assert repair(SOURCE, debugger=None, function="max_index", n=-1, max_validate=0).functions  # -1: decided from the tests
    with pytest.raises(CodemendError, match="not both"):  # it said that command= needs tree=
        Tests(test_code="assert 1", command="pytest")
    with pytest.raises(CodemendError, match="not a folder"):
        Tests(command="pytest", tree="/no/such/project", target="m.py")


@pytest.mark.sandbox
def test_test_code_that_does_not_parse_is_said_and_nothing_is_validated():
    """QA: every candidate was validated against test code with a syntax error (57 s), all of them `error`."""
    result = repair(SOURCE, debugger=None, function="max_index", tests=Tests(test_code="assert max_index([3, 9, 2] == 1\n"))
    assert any("the test code does not parse" in note and "<tests> line 1" in note for note in result.notes)
    assert result.suggestions and all(s.validation == "not validated" for s in result.suggestions)


@pytest.mark.sandbox
def test_with_tests_the_model_ranks_within_the_lines_coverage_points_at(tiny_model):
    from codemend.inference.debugger import Debugger

    result = repair(SOURCE, debugger=Debugger.load(tiny_model), tests=Tests(test_code=TESTS), n=0, max_validate=0)
    (report,) = result.functions
    assert "sbfl" in report.ranking.signals
    # Scores are log p(line) + the model's mean log-probability of the fix (<= 0): never above log p(line),
    # which is factored_scores of a certain fix (score 0) at the same line.
    from codemend.inference.localize import factored_scores

    lines = [min(s.line - report.start_line + 1, report.func.code.count("\n")) for s in result.suggestions]
    bounds = factored_scores([0.0] * len(lines), lines, dict(report.ranking.ranked))
    assert all(s.score <= bound + 1e-9 for s, bound in zip(result.suggestions, bounds))
    assert report.ranking.signals["sbfl"].get(result.suggestions[0].line - report.start_line + 1, 0.0) > 0


@pytest.mark.sandbox
def test_a_pytest_commands_trace_names_the_failing_test_as_training_data_does(tmp_path):
    (tmp_path / "stats.py").write_text(SOURCE)
    name = "test_the_index_of_the_largest_item_is_returned_even_when_the_id_is_wider_than_a_terminal"
    (tmp_path / "test_stats.py").write_text(f"from stats import Stats\n\ndef {name}():\n" + "".join(f"    {line}\n" for line in TESTS.splitlines()))
    tests = Tests(command=f"{sys.executable} -m pytest -q -p no:cacheprovider test_stats.py", tree=str(tmp_path), target="stats.py")
    failed = tests.run(SOURCE)
    assert failed.status == "failed"
    # Not the run's summary ("1 failed in 0.1s"): the test id and its error, as `codemend data build --repo`
    # writes them, error included although the id alone is wider than pytest's default 80 columns.
    assert tests.trace(failed).startswith(f"test_stats.py::{name}: assert ")
    benchmark = Tests(test_code=TESTS)  # test code: its failing line stands for the test id, in the same form
    assert benchmark.trace(benchmark.run(SOURCE)) == "<tests> line 2: assert s.max_index([3, 9, 2]) == 1"


@pytest.mark.sandbox
def test_a_run_with_many_long_failures_keeps_pytests_summary(tmp_path):
    """pytest prints its FAILED lines last, after every traceback: 150 failures printed ~200 KB, the
    sandbox kept the first 64 KB, and the failing tests were unknown (no focused runs, no other-bug rule)."""
    (tmp_path / "stats.py").write_text(SOURCE)
    (tmp_path / "test_stats.py").write_text(
        "import pytest\nfrom stats import Stats\n\n@pytest.mark.parametrize('n', range(150))\n"
        "def test_max_index(n):\n    assert Stats().max_index([3, 9, 2]) == 1, 'why ' * 300\n")
    tests = Tests(command=f"{sys.executable} -m pytest -q -p no:cacheprovider test_stats.py", tree=str(tmp_path), target="stats.py")
    failed = tests.run(SOURCE)
    assert len(failed.stdout.encode()) > 4 * 65536 and not failed.cut
    assert failed_tests(failed.stdout) == {f"test_stats.py::test_max_index[{n}]" for n in range(150)}
    assert failed.detail.startswith("exit status 1: 150 failed")
    assert tests.trace(failed).startswith("test_stats.py::test_max_index[0]: AssertionError: why why")


@pytest.mark.sandbox
@pytest.mark.parametrize("use_trace", [True, False])
def test_the_tests_first_failure_reaches_a_model_trained_with_traces(tiny_model, use_trace):
    from codemend.inference.debugger import Debugger

    debugger = Debugger.load(tiny_model)
    debugger.spec = dataclasses.replace(debugger.spec, include_trace=True)
    sources = []
    original = debugger.source
    debugger.source = lambda code, context="", trace="": sources.append(original(code, context, trace)) or sources[-1]
    repair(SOURCE, debugger=debugger, tests=Tests(test_code=TESTS), n=2, max_validate=0, use_trace=use_trace)
    assert sources  # the model read the function
    # The baseline's first failure is the tests' first assert, read in pytest's trace form; the ablation leaves it out.
    assert all(("### error:\n<tests> line 2: assert s.max_index([3, 9, 2]) == 1" in s) == use_trace for s in sources)


def test_beams_by_default_only_where_tests_check_them():
    assert model_beams(None, has_tests=False) == 0
    assert model_beams(None, has_tests=True) == BEAMS_WITH_TESTS == 10
    assert model_beams(3, has_tests=False) == 3 and model_beams(0, has_tests=True) == 0


@pytest.mark.sandbox
def test_fix_asks_the_model_for_beams_only_with_tests_unless_n_is_given(tiny_model):
    from codemend.inference.debugger import Debugger

    debugger = Debugger.load(tiny_model)
    asked = []
    original = debugger.propose
    debugger.propose = lambda code, context, trace, n: asked.append(n) or original(code, context, trace, n)
    repair(SOURCE, debugger=debugger)
    repair(SOURCE, debugger=debugger, n=2)
    repair(SOURCE, debugger=debugger, tests=Tests(test_code=TESTS), max_validate=0, wide=0)
    assert asked == [2, BEAMS_WITH_TESTS]  # the first call, without tests, asked for no beams
    # Tests that pass on the original cannot sort the beams out: as without tests, none are asked for.
    repair(FIXED, debugger=debugger, tests=Tests(test_code=TESTS))
    assert asked == [2, BEAMS_WITH_TESTS]


def test_fix_n_minus_one_leaves_the_beams_to_repair():
    from codemend.config import FixConfig, load_config

    default = load_config(FixConfig, overrides={}, check_paths=False).n
    assert model_beams(default, has_tests=False) == 0 and model_beams(default, has_tests=True) == BEAMS_WITH_TESTS
    assert model_beams(load_config(FixConfig, overrides={"n": 4}, check_paths=False).n, has_tests=True) == 4


@pytest.mark.sandbox
def test_a_model_still_loading_is_awaited_after_the_tests_ran(tiny_model):
    from codemend.inference.fix import load_in_background

    order = []

    class RecordedTests(Tests):
        def run(self, module_text, limits=None):
            order.append("tests")
            return super().run(module_text, limits)

    class Loading(concurrent.futures.Future):
        def result(self, timeout=None):
            order.append("model")
            return super().result(timeout)

    loading = Loading()
    loading.set_result(load_in_background(str(tiny_model)).result(timeout=120))
    result = repair(SOURCE, debugger=loading, tests=RecordedTests(test_code=TESTS), n=2, max_validate=0)
    assert order[:2] == ["tests", "model"]  # the baseline ran while the model could still load
    assert "model_load" in result.seconds and result.functions
    assert all(s.score <= 0 for s in result.suggestions)  # the loaded model scored them
    with pytest.raises(CodemendError, match="does not exist"):  # checked at once, not after the tests
        load_in_background(str(tiny_model) + "-missing")


@pytest.mark.sandbox
def test_cli_fix_with_test_command_then_apply_with_backup(tmp_path, monkeypatch, capsys):
    (tmp_path / "stats.py").write_text(SOURCE)
    (tmp_path / "test_stats.py").write_text("from stats import Stats\n\ndef test_max():\n" + "".join(f"    {line}\n" for line in TESTS.splitlines()))
    monkeypatch.chdir(tmp_path)
    args = ["fix", "stats.py", "--model", "none", "--test_cmd", f"{sys.executable} -m pytest -q -p no:cacheprovider test_stats.py", "--color", "never"]
    assert main(args + ["--format", "json", "--apply"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["suggestions"][0]["validation"] == "plausible"
    assert (tmp_path / "stats.py").read_text() == FIXED
    assert (tmp_path / "stats.py.codemend.bak").read_text() == SOURCE
    # What --apply did is in the JSON, for tools that do not read the messages.
    assert payload["applied"] == [{"file": "stats.py", "applied": True, "line": payload["suggestions"][0]["line"],
                                   "validation": "plausible", "backup": "stats.py.codemend.bak"}]
    assert payload["tests_after"]["status"] == "passed" and payload["tests_after"]["command"] == args[-3]
    assert main(args + ["--format", "json", "--apply"]) == 1  # fixed now: the suggestions fail the passing tests
    payload = json.loads(capsys.readouterr().out)
    (refused,) = payload["applied"]
    assert refused["applied"] is False and payload["tests_after"] is None
    assert "refusing to apply a fix that is not validated; the tests pass on the original code" in refused["reason"]
    assert (tmp_path / "stats.py").read_text() == FIXED and not (tmp_path / "stats.py.codemend.bak.1").exists()
    assert main(args + ["--format", "json"]) == 0 and "applied" not in json.loads(capsys.readouterr().out)


def test_a_page_break_between_definitions_shifts_no_line_and_survives_apply(tmp_path, monkeypatch, capsys):
    # A form feed line (Emacs' page break) is whitespace to Python and tree-sitter; str.splitlines ends a line there.
    (tmp_path / "stats.py").write_text("\x0c\n" + SOURCE)
    (tmp_path / "test_stats.py").write_text("from stats import Stats\n\ndef test_max():\n" + "".join(f"    {line}\n" for line in TESTS.splitlines()))
    monkeypatch.chdir(tmp_path)
    args = ["fix", "stats.py", "--model", "none", "--test_cmd", f"{sys.executable} -m pytest -q -p no:cacheprovider test_stats.py"]
    assert main(args + ["--format", "json", "--apply"]) == 0
    best = json.loads(capsys.readouterr().out)["suggestions"][0]
    bug_line = next(k for k, (a, b) in enumerate(zip(SOURCE.splitlines(), FIXED.splitlines()), start=2) if a != b)
    assert best["validation"] == "plausible" and best["line"] == bug_line
    assert f"@@ -{bug_line - 3}," in best["diff"]  # 3 lines of context before the bug's
    assert (tmp_path / "stats.py").read_text() == "\x0c\n" + FIXED


@pytest.mark.sandbox
def test_cli_fix_with_a_model_and_a_test_command(tmp_path, monkeypatch, capsys, tiny_model):
    # The model loads in a thread while the baseline and coverage runs go (load_in_background).
    (tmp_path / "stats.py").write_text(SOURCE)
    (tmp_path / "test_stats.py").write_text("from stats import Stats\n\ndef test_max():\n" + "".join(f"    {line}\n" for line in TESTS.splitlines()))
    monkeypatch.chdir(tmp_path)
    args = ["fix", "stats.py", "--model", str(tiny_model), "-n", "2", "--format", "json",
            "--test_cmd", f"{sys.executable} -m pytest -q -p no:cacheprovider test_stats.py"]
    assert main(args) == 0
    (best, *_) = json.loads(capsys.readouterr().out)["suggestions"]
    assert best["validation"] == "plausible" and best["patched_source"] == FIXED
    assert (tmp_path / "stats.py").read_text() == SOURCE


def test_nothing_is_written_without_apply(tmp_path, monkeypatch, capsys):
    (tmp_path / "stats.py").write_text(SOURCE)
    monkeypatch.chdir(tmp_path)
    assert main(["fix", "stats.py", "--model", "none", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert len(payload["suggestions"]) == 3  # --top, as for text and SARIF
    assert any("with no model (--model none) and no tests to run, nothing ranks the suggestions" in note for note in payload["notes"])
    assert main(["fix", "stats.py", "--model", "none", "--format", "json", "--top", "1"]) == 0
    assert len(json.loads(capsys.readouterr().out)["suggestions"]) == 1
    assert (tmp_path / "stats.py").read_text() == SOURCE and sorted(p.name for p in tmp_path.iterdir()) == ["stats.py"]


def test_apply_refuses_unvalidated_and_changed_files(tmp_path):
    path = tmp_path / "s.py"
    path.write_text(SOURCE)
    text, digest = read_source(path)
    (func,) = select_functions(text, str(path))
    suggestion = to_suggestion(text, str(path), func, Candidate(func.code.replace("<", ">"), 4, "", {"operator"}))
    from codemend.inference.repair import RepairResult
    from codemend.sandbox import RunResult

    report = FileReport(str(path), text, digest, RepairResult([suggestion], []))
    with pytest.raises(CodemendError, match="not validated; give --test_cmd so it can be validated, or pass --force"):
        apply_fix(report, suggestion)
    # With a test command the advice is not to give one: it says why the tests could not judge the fix.
    report.result.baseline = RunResult("passed", 0, "", "", 0.1)
    with pytest.raises(CodemendError, match="not validated; the tests pass on the original code, so they cannot tell a fix"):
        apply_fix(report, suggestion)
    report.result.baseline = RunResult("failed", 1, "", "", 0.1)
    with pytest.raises(CodemendError, match="not validated; the tests could not judge it \\(the notes above say why\\)"):
        apply_fix(report, suggestion)
    path.write_text(SOURCE + "\n# edited meanwhile\n")
    with pytest.raises(CodemendError, match="changed since it was read"):
        apply_fix(report, suggestion, force=True)
    assert path.read_text().endswith("# edited meanwhile\n") and not (tmp_path / "s.py.codemend.bak").exists()


def test_apply_through_a_link_keeps_every_backup_private_and_says_when_one_cannot_be_written(tmp_path):
    real, link = tmp_path / "real" / "s.py", tmp_path / "s.py"
    real.parent.mkdir()
    real.write_text(SOURCE)
    real.chmod(0o600)
    link.symlink_to(real)

    def apply_once(force_text: str) -> Path:
        text, digest = read_source(link)
        (func,) = select_functions(text, str(link))
        suggestion = to_suggestion(text, str(link), func, Candidate(func.code.replace("<", force_text, 1), 4, "", {"operator"}))
        return apply_fix(FileReport(str(link), text, digest, None), suggestion, force=True)

    first = apply_once(">")
    assert link.is_symlink() and real.read_text() == SOURCE.replace("<", ">", 1)  # the file the link names got the fix
    assert first == tmp_path / "s.py.codemend.bak" and first.read_text() == SOURCE and first.stat().st_mode & 0o777 == 0o600
    second = apply_once(">=")
    assert second == tmp_path / "s.py.codemend.bak.1" and second.read_text() == SOURCE.replace("<", ">", 1)
    assert first.read_text() == SOURCE  # the original's only copy is kept
    long = tmp_path / ("x" * 245 + ".py")  # its backup's name is longer than a file name may be: said, nothing written
    long.write_text(SOURCE)
    text, digest = read_source(long)
    (func,) = select_functions(text, str(long))
    suggestion = to_suggestion(text, str(long), func, Candidate(func.code.replace("<", ">", 1), 4, "", {"operator"}))
    with pytest.raises(CodemendError, match="could not write its backup .*; nothing written"):
        apply_fix(FileReport(str(long), text, digest, None), suggestion, force=True)
    assert long.read_text() == SOURCE


def test_sarif_output_is_valid_2_1_0_with_a_fix():
    (func,) = select_functions(SOURCE, "s.py")
    suggestion = to_suggestion(SOURCE, "s.py", func, Candidate(func.code.replace("items[i] < items", "items[i] > items"), 4, "", {"operator"}))
    sarif = json.loads(as_sarif([("s.py", SOURCE, [suggestion])]))
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    (result,) = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    (replacement,) = result["fixes"][0]["artifactChanges"][0]["replacements"]
    assert replacement["deletedRegion"] == {"startLine": 8, "startColumn": 1, "endLine": 9, "endColumn": 1}
    assert replacement["insertedContent"]["text"] == "            if items[i] > items[best]:\n"
    assert sarif["runs"][0]["columnKind"] == "unicodeCodePoints"
    from codemend.inference.formats import artifact_uri

    assert artifact_uri("dir with space/m é.py") == "dir%20with%20space/m%20%C3%A9.py"
    assert artifact_uri("/tmp/a b.py") == "file:///tmp/a%20b.py"


def test_sarif_names_files_from_the_repository_top_as_the_diffs_do_and_carries_the_notes(tmp_path, monkeypatch):
    # Run from a subfolder, the uri was cwd-relative ("mod.py") while the diff said a/src/pkg/mod.py: code scanning
    # would place the result at the wrong path (QA).
    (tmp_path / ".git").mkdir()
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "src" / "pkg")
    (func,) = select_functions(SOURCE, "mod.py")
    suggestion = to_suggestion(SOURCE, "mod.py", func, Candidate(func.code.replace("items[i] < items", "items[i] > items"), 4, "", {"operator"}))
    assert suggestion.diff.startswith("--- a/src/pkg/mod.py\n")
    elsewhere = tmp_path.parent / "other.py"
    (run,) = json.loads(as_sarif([("mod.py", SOURCE, [suggestion]), (str(elsewhere), SOURCE, [suggestion])], ["a note"]))["runs"]
    first, second = (result["locations"][0]["physicalLocation"]["artifactLocation"] for result in run["results"])
    assert first == {"uri": "src/pkg/mod.py", "uriBaseId": "%SRCROOT%"} and second == {"uri": elsewhere.resolve().as_uri()}
    assert run["results"][0]["fixes"][0]["artifactChanges"][0]["artifactLocation"] == first
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": tmp_path.resolve().as_uri() + "/"}}
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": [{"level": "note", "message": {"text": "a note"}}]}]


def apply_sarif(text: str, replacements: list[dict]) -> str:
    """The replacements applied as SARIF 2.1.0 says: 1-based lines and columns (code points), the end column
    the first character after the region."""
    starts = [0]
    for line in text.split("\n")[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    for r in sorted(replacements, key=lambda r: (r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]), reverse=True):
        region = r["deletedRegion"]
        start, end = offset(region["startLine"], region["startColumn"]), offset(region["endLine"], region["endColumn"])
        assert 1 <= region["startLine"] <= region["endLine"] <= text.count("\n") + (not text.endswith("\n"))  # within the file
        text = text[:start] + r["insertedContent"]["text"] + text[end:]
    return text


@pytest.mark.parametrize("buggy, fixed", [
    ("def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n", "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n    return out\n"),
    ("def f(x):\n    y = x\n    return x - 1\n", "def f(x):\n    y = x\n    return x + 1\n"),
    ("def f(x):\n    return x - 1\n    print(x)\n", "def f(x):\n    return x - 1\n"),
    ("def f(x):\r\n    y = x\r\n    return x - 1\r\n", "def f(x):\r\n    y = x\r\n    return x + 1\r\n"),
    ("def f(x):\n    return x - 1", "def f(x):\n    return x + 1"),
])
def test_sarif_changes_at_the_end_of_a_file_stay_inside_it_and_give_the_fixed_text(buggy, fixed):
    (func,) = select_functions(buggy, "s.py")
    suggestion = to_suggestion(buggy, "s.py", func, Candidate(func.code, 2, "", {"operator"}))
    suggestion = dataclasses.replace(suggestion, patched_source=fixed)
    (result,) = json.loads(as_sarif([("s.py", buggy, [suggestion])]))["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] <= buggy.count("\n") + 1
    assert apply_sarif(buggy, result["fixes"][0]["artifactChanges"][0]["replacements"]) == fixed


def test_sarif_fix_of_several_bugs_has_a_replacement_for_each_and_applying_them_gives_its_text():
    two = SOURCE.replace("best = 0", "best = 1")  # line 6, and line 8's `<`
    (func,) = select_functions(two, "s.py")
    suggestion = to_suggestion(two, "s.py", func, Candidate(func.code.replace("best = 1", "best = 0").replace("] < items", "] > items"), 2, "", {"operator"}))
    (result,) = json.loads(as_sarif([("s.py", two, [suggestion])]))["runs"][0]["results"]
    replacements = result["fixes"][0]["artifactChanges"][0]["replacements"]
    assert [(r["deletedRegion"]["startLine"], r["deletedRegion"]["endLine"]) for r in replacements] == [(6, 7), (8, 9)]
    assert apply_sarif(two, replacements) == FIXED


def test_changed_since_selects_touched_functions(tmp_path, tmp_path_factory, git_commit_all):
    (tmp_path / "m.py").write_text("def a(x):\n    return x + 1\n\n\ndef b(x):\n    return x * 2\n")
    git_commit_all(tmp_path)
    (tmp_path / "m.py").write_text("def a(x):\n    return x + 1\n\n\ndef b(x):\n    return x * 3\n")
    assert changed_functions((tmp_path / "m.py").read_text(), tmp_path / "m.py", "HEAD") == ["b"]
    (tmp_path / "new.py").write_text("def c(x):\n    return x - 1\n\n\ndef d(x):\n    return x\n")  # not added to git yet
    assert changed_functions((tmp_path / "new.py").read_text(), tmp_path / "new.py", "HEAD") == ["c", "d"]
    with pytest.raises(CodemendError, match="--changed_since nope"):
        changed_functions("", tmp_path / "m.py", "nope")
    plain = tmp_path_factory.mktemp("plain")  # beside tmp_path, which is now a checkout
    (plain / "m.py").write_text("def a(x):\n    return x\n")
    with pytest.raises(CodemendError, match="m.py is not in a git checkout; drop --changed_since"):
        changed_functions("", plain / "m.py", "HEAD")


@pytest.mark.sandbox
def test_changed_since_on_one_file_runs_the_tests_on_the_original_once_for_all_its_functions(tmp_path, monkeypatch, git_commit_all):
    # The review's catch: each changed function's repair ran the baseline and coverage again.
    import importlib

    fix_module, given = importlib.import_module("codemend.inference.fix"), []
    real_repair = fix_module.repair
    monkeypatch.setattr(fix_module, "repair", lambda *args, **kwargs: given.append((kwargs["function"], kwargs["baseline"] is not None,
                                                                                     kwargs["coverage"] is not None)) or real_repair(*args, **kwargs))
    (tmp_path / "test_m.py").write_text("from m import a, b\n\n\ndef test_a():\n    assert a(1) == 2\n\n\ndef test_b():\n    assert b(1) == 2\n")
    (tmp_path / "m.py").write_text("def a(x):\n    return x + 1\n\n\ndef b(x):\n    return x * 2\n")
    git_commit_all(tmp_path)
    (tmp_path / "m.py").write_text("def a(x):\n    return x - 1\n\n\ndef b(x):\n    return x * 3\n")
    monkeypatch.chdir(tmp_path)
    fix_path("m.py", None, test_cmd=f"{sys.executable} -m pytest -q -p no:cacheprovider test_m.py", changed_since="HEAD", wide=0)
    assert given == [("a", False, False), ("b", True, True)]


@pytest.mark.sandbox
def test_a_folder_run_does_not_tell_the_user_to_give_the_folder(tmp_path, monkeypatch, git_commit_all):
    # QA (toolz): --changed_since on a folder said of a changed function no failing test runs "give the project's folder".
    files = {"pkg/__init__.py": "", "pkg/m.py": "def a(x):\n    return x + 1\n\n\ndef b(x):\n    return x * 2\n",
             "pkg/other.py": "def c(x):\n    return x\n",
             "tests/test_m.py": "from pkg.m import a, b\nfrom pkg.other import c\n\n\ndef test_a():\n    assert a(1) == 2\n\n\n"
                                "def test_b():\n    assert b(0) == 0\n\n\ndef test_c():\n    assert c(1) == 1\n"}
    _project(tmp_path, monkeypatch, files)
    git_commit_all(tmp_path)
    (tmp_path / "pkg/m.py").write_text("def a(x):\n    return x - 1\n\n\ndef b(y):\n    return y * 2\n")
    reports = fix_path("pkg", None, test_cmd=f"{sys.executable} -m pytest -q -p no:cacheprovider tests", changed_since="HEAD", wide=0)
    (report,) = [r for r in reports if r.result.suggestions]
    assert report.result.suggestions[0].function == "a" and report.result.suggestions[0].validation == "plausible"
    (note,) = [note for note in report.result.notes if note.startswith("no test that fails")]
    assert note.endswith("runs b (per-test coverage): the bug they see is elsewhere; its suggestions are not validated"), note


def test_changed_since_reads_plain_hunks_whatever_git_is_configured_to_show_and_follows_renames(tmp_path, git_commit_all):
    import subprocess

    two = "def a(x):\n    return x + 1\n\n\ndef b(x):\n    return x * 2\n"
    (tmp_path / "m.py").write_text(two)
    git_commit_all(tmp_path)
    subprocess.run(["git", "-C", str(tmp_path), "config", "color.ui", "always"], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "config", "diff.external", "/bin/true"], check=True)
    (tmp_path / "m.py").write_text(two.replace("x * 2", "x * 3"))
    assert changed_functions((tmp_path / "m.py").read_text(), tmp_path / "m.py", "HEAD") == ["b"]  # was: none (colour codes)
    # A file moved since REV (staged, then committed) is compared with its old path: only b changed.
    (tmp_path / "pkg").mkdir()
    subprocess.run(["git", "-C", str(tmp_path), "mv", "m.py", "pkg/moved.py"], check=True)
    moved = tmp_path / "pkg" / "moved.py"
    assert changed_functions(moved.read_text(), moved, "HEAD") == ["b"]  # was: a and b
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(tmp_path)]
    subprocess.run(git + ["commit", "-qam", "move"], check=True)
    assert changed_functions(moved.read_text(), moved, "HEAD~1") == ["b"]
    assert changed_functions(moved.read_text(), moved, "HEAD") == []



def test_a_folder_run_with_changed_since_asks_git_for_renames_once(tmp_path, monkeypatch, git_commit_all, caplog):
    # Rename detection runs over the whole repository; asked once per file, a folder of 300 files asked 300 times.
    from codemend.inference import fix as fix_module

    for name in ("a.py", "b.py", "c.py", "sub/d.py", "sub/e.py", "tests/test_x.py", "tests/test_y.py"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("def f(x):\n    return x + 1\n")
    git_commit_all(tmp_path)
    (tmp_path / "b.py").write_text("def f(x):\n    return x + 2\n")
    (tmp_path / "tests" / "test_y.py").write_text("def f(x):\n    return x + 3\n")
    (tmp_path / "sub" / "new.py").write_text("def g(x):\n    return x\n")  # untracked: all of it new
    asked, real = [], fix_module._renames
    monkeypatch.setattr(fix_module, "_renames", lambda top, rev: asked.append(rev) or real(top, rev))
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.INFO, logger="codemend"):
        reports = fix_path(".", None, changed_since="HEAD")
    assert [Path(r.path).as_posix() for r in reports[:2]] == ["b.py", "sub/new.py"] and asked == ["HEAD"]
    (note,) = reports[2].result.notes  # the changed test file alone (QA: every test file of the folder was named)
    assert note.startswith("1 test file(s) not repaired") and note.endswith(": tests/test_y.py")
    # The progress counts the changed files, not every file of the folder.
    assert [r.getMessage() for r in caplog.records if r.getMessage().startswith("[")] == ["[1/2] b.py", "[2/2] sub/new.py"]
    assert changed_files([Path("a.py"), Path("b.py"), Path("sub/new.py")], "HEAD") == [Path("b.py"), Path("sub/new.py")]


def test_bad_files_and_names_fail_clearly(tmp_path):
    with pytest.raises(CodemendError, match="no such file"):
        read_source(tmp_path / "missing.py")
    (tmp_path / "empty.py").write_text("  \n")
    with pytest.raises(CodemendError, match="empty: nothing to fix"):
        read_source(tmp_path / "empty.py")
    (tmp_path / "bin.py").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CodemendError, match="not UTF-8"):
        read_source(tmp_path / "bin.py")
    with pytest.raises(CodemendError, match="did you mean Stats.max_index"):
        check_functions(SOURCE, "s.py", "max_indx", 0)
    many = "".join(f"def f{k}(x):\n    return x + {k}\n\n\n" for k in range(12))
    with pytest.raises(CodemendError, match=r"; it has: f0, f1, .*, f9 and 2 more$"):
        check_functions(many, "m.py", "zzz", 0)
    with pytest.raises(CodemendError, match="does not parse .*line 1"):
        check_functions("def broken(:\n    return\n", "b.py", "", 0)
    with pytest.raises(CodemendError, match="--line 2: no function"):
        check_functions(SOURCE, "s.py", "", 2)
    two = SOURCE + "\n\ndef other():\n    return 1\n"
    with pytest.raises(CodemendError, match=r"--line 13 is not in --function max_index \(its lines: 5-10\)"):
        check_functions(two, "s.py", "max_index", 13)
    check_functions(two, "s.py", "max_index", 7)


def test_a_syntax_error_outside_the_functions_looked_at_is_said():
    source = "def add(a, b)\n    return a - b\n\n\ndef ok(x):\n    return x < 0\n"
    result = repair(source, debugger=None, path="m.py")
    assert [r.function for r in result.functions] == ["ok"]
    assert said(result) == ["the file does not parse: a syntax error near line 1; the code holding it is not looked at "
                            "(fix it first: no suggestion here fixes it, and tests fail on it)"]
    assert said(repair(SOURCE, debugger=None, path="s.py")) == []


def test_a_nested_function_s_fixes_are_suggested_once():
    # `inner` is repaired on its own and as part of `outer`: the same patched file, shown once.
    source = "def outer(xs):\n    def inner(x):\n        return x - 1\n    return [inner(x) for x in xs]\n"
    result = repair(source, debugger=None)
    assert [r.function for r in result.functions] == ["outer", "inner"]
    patched = [s.patched_source for s in result.suggestions]
    assert len(patched) == len(set(patched)) and any("return x + 1" in p for p in patched)


def test_a_folder_run_with_function_looks_only_at_the_files_that_have_it(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "stats.py").write_text(SOURCE)
    (tmp_path / "pkg" / "other.py").write_text("def helper(x):\n    y = x + 1\n    return y\n")
    (report,) = fix_path(tmp_path / "pkg", None, function="max_index")  # no note per file lacking it (QA: one each)
    assert Path(report.path).name == "stats.py" and report.result.suggestions
    assert not any("no such function" in note for note in report.result.notes)
    (said,) = fix_path(tmp_path / "pkg", None, function="nope")
    assert said.result.notes == [f"--function nope: none of the 2 Python file(s) under {tmp_path / 'pkg'} has it: nothing was looked at"]


def test_a_folder_run_skips_files_it_cannot_fix_and_says_why(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")  # empty, as most are: nothing to say
    (tmp_path / "pkg" / "consts.py").write_text("LIMIT = 3\n")  # no function: nothing to say
    (tmp_path / "pkg" / "stats.py").write_text(SOURCE)
    (tmp_path / "pkg" / "latin.py").write_bytes(b"# caf\xe9\ndef f():\n    return 1\n")
    (tmp_path / "pkg" / "broken.py").write_text("def f(:\n    return\n")
    reports = {Path(r.path).name: r for r in fix_path(tmp_path / "pkg", None)}
    assert sorted(reports) == ["broken.py", "latin.py", "stats.py"]
    assert reports["broken.py"].result.notes == ["skipped: it does not parse (first syntax error near line 1)"]
    assert reports["latin.py"].result.notes[0].startswith("skipped: not UTF-8 text")
    assert reports["stats.py"].result.suggestions and not reports["broken.py"].result.suggestions
    with pytest.raises(CodemendError, match="is empty: nothing to fix"):
        fix_path(tmp_path / "pkg" / "__init__.py", None)  # named alone, it is still an error


@pytest.mark.sandbox
def test_a_folder_run_names_the_files_of_top_level_code_it_left_when_the_tests_still_fail(tmp_path, monkeypatch):
    files = {"pkg/__init__.py": "__all__ = ['DAY']\n", "pkg/_version.py": "__version__ = '1.0'\n",  # metadata: never named
             "pkg/consts.py": "MINUTE = 60\nHOUR = MINUTE * 60\nDAY = HOUR * 25\n",
             "pkg/util.py": "def twice(x):\n    return x * 2\n",
             "tests/test_consts.py": "from pkg.consts import DAY\n\n\ndef test_day():\n    assert DAY == 86400\n"}
    _project(tmp_path, monkeypatch, files)
    command = f"{sys.executable} -m pytest -q -p no:cacheprovider tests"
    notes = [note for report in fix_path("pkg", None, test_cmd=command, wide=0) for note in report.result.notes]
    assert ("1 file(s) with top-level code only (no function) not looked at: a folder run repairs functions; give one alone to "
            "repair its top-level code (codemend fix pkg/consts.py ...): pkg/consts.py") in notes
    # Tests that pass, or no tests and suggestions elsewhere: nothing to say about them.
    (tmp_path / "pkg" / "consts.py").write_text("MINUTE = 60\nHOUR = MINUTE * 60\nDAY = HOUR * 24\n")
    for test_cmd in (command, ""):
        assert not any("top-level code only" in note for report in fix_path("pkg", None, test_cmd=test_cmd, wide=0) for note in report.result.notes)
    (tmp_path / "pkg" / "util.py").unlink()  # no tests and nothing suggested at all: say where the code was
    assert any("top-level code only" in note for report in fix_path("pkg", None) for note in report.result.notes)


@pytest.mark.parametrize("command", ["fix", "explain"])
def test_what_is_wrong_with_the_file_is_said_before_the_model_loads(command, tmp_path, capsys):
    # The model folder does not exist: reaching it would be another error, after ~1-2 s of loading.
    (tmp_path / "empty.py").write_text("\n")
    (tmp_path / "s.py").write_text(SOURCE)
    missing_model = str(tmp_path / "no-model")
    assert main([command, str(tmp_path / "empty.py"), "--model", missing_model]) == 1
    assert "empty.py is empty: nothing to fix" in capsys.readouterr().err
    assert main([command, str(tmp_path / "s.py"), "--function", "nope", "--model", missing_model]) == 1
    err = capsys.readouterr().err
    assert "--function nope: no such function" in err and "no-model" not in err


def test_bad_fix_options_are_named_together(tmp_path, capsys):
    (tmp_path / "s.py").write_text(SOURCE)
    assert main(["-q", "fix", str(tmp_path / "s.py"), "--model", "none", "--wide", "-1", "--wide_seconds", "0", "--top", "0",
                 "--workers", "-1"]) == 2
    err = capsys.readouterr().err
    assert "--wide -1: must be >= 0" in err and "--wide_seconds 0.0: must be positive" in err and "--top 0: must be 1 or more" in err
    assert "--n" not in err  # the flag at fault is named, not --n beside it
    assert "--workers -1: must be 0 (one per usable CPU core) or more" in err
    assert main(["-q", "fix", str(tmp_path / "s.py"), "--model", "none", "--plausible", "0"]) == 2
    assert "--plausible 0: must be 1 or more" in capsys.readouterr().err


def test_candidates_are_validated_as_many_at_a_time_as_workers_says(tmp_path, monkeypatch):
    # Two at a time, whatever the machine, left a laptop's other cores idle through a minute of test runs.
    import threading
    import time

    from codemend.inference import fix as fix_module
    from codemend.inference.fix import default_workers
    from codemend.inference.repair import Suggestion, validate
    from codemend.sandbox import Limits, RunResult

    class SlowTests:  # the part of repair.Tests that validate uses
        test_code, running, most, lock = "", 0, 0, threading.Lock()

        def __init__(self, workers):
            self.workers = workers

        def judge(self, text, limits=None, allowed=()):
            with self.lock:
                self.running += 1
                self.most = max(self.most, self.running)
            time.sleep(0.05)
            with self.lock:
                self.running -= 1
            return RunResult(status="failed", returncode=1, stdout="", stderr="", duration_s=0.05, detail="exit status 1")

        def failed(self, result):
            return None

    for workers in (1, 3):
        tests = SlowTests(workers)
        assert validate([Suggestion("m.py", "f", 1, 0.0, "", str(k), "") for k in range(6)], tests, Limits()) == 6  # all ran
        assert tests.most == workers
    assert 1 <= default_workers() <= 8
    made = []
    real = fix_module.make_tests
    monkeypatch.setattr(fix_module, "make_tests", lambda *args: made.append(args[3:]) or real(*args))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.py").write_text(SOURCE)
    (tmp_path / "test_s.py").write_text("from s import Stats\n\ndef test_max():\n    assert Stats().max_index([3, 9, 2]) == 1\n")
    assert main(["-q", "fix", "s.py", "--model", "none", "--test_cmd", f"{sys.executable} -m pytest -q -p no:cacheprovider",
                 "--workers", "3", "--wide", "0"]) == 0
    assert made == [(3,)]


TWO_BUGS = {
    "pkg/__init__.py": "",
    "pkg/stats.py": "def mean(xs):\n    if not xs:\n        raise ValueError('empty')\n    return sum(xs) / len(xs)\n\n\n"
                    "def maximum(xs):\n    best = xs[0]\n    for x in xs[1:]:\n        if x < best:\n            best = x\n    return best\n",
    "pkg/text.py": "def shout(word):\n    return word.lower() + '!'\n\n\ndef count_words(text):\n    return len(text.split())\n",
    "tests/test_all.py": "from pkg.stats import mean, maximum\nfrom pkg.text import shout, count_words\n\n\n"
                         "def test_mean():\n    assert mean([1, 2, 3]) == 2\n\n\ndef test_maximum():\n    assert maximum([3, 9, 4]) == 9\n\n\n"
                         "def test_shout():\n    assert shout('hi') == 'HI!'\n\n\ndef test_count():\n    assert count_words('a b  c') == 3\n",
}



def _project(root: Path, monkeypatch, files: dict[str, str]) -> None:
    """Write `files` (relative path: text) under `root` and make it the current folder: the project root `fix` runs from."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    monkeypatch.chdir(root)

UNITTEST_ALL = (  # TWO_BUGS' tests as a unittest suite
    "import unittest\n\nfrom pkg.stats import mean, maximum\nfrom pkg.text import shout, count_words\n\n\nclass T(unittest.TestCase):\n"
    "    def test_mean(self):\n        self.assertEqual(mean([1, 2, 3]), 2)\n\n    def test_maximum(self):\n        self.assertEqual(maximum([3, 9, 4]), 9)\n\n"
    "    def test_shout(self):\n        self.assertEqual(shout('hi'), 'HI!')\n\n    def test_count(self):\n        self.assertEqual(count_words('a b  c'), 3)\n")


@pytest.mark.sandbox
@pytest.mark.parametrize("runner", ["pytest", "unittest"])
def test_two_bugs_in_two_files_are_each_fixed_and_applied(tmp_path, monkeypatch, capsys, runner):
    # Each file's fix leaves the other file's test failing: judged by the tests that run its function, both pass.
    if runner == "pytest":
        _project(tmp_path, monkeypatch, TWO_BUGS)
        command = f"{sys.executable} -m pytest -q -p no:cacheprovider tests"
        shout_id = "tests/test_all.py::test_shout"
    else:  # unittest's reports name the failing tests ("test_all.T.test_shout", from discover's start folder)
        _project(tmp_path, monkeypatch, {**TWO_BUGS, "tests/test_all.py": UNITTEST_ALL})
        command = f"{sys.executable} -m unittest discover -s tests"
        shout_id = "tests/test_all.py::T::test_shout"
    assert main(["fix", "pkg", "--model", "none", "--test_cmd", command, "--format", "json", "--wide", "0", "--apply"]) == 0
    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    assert f"the tests pass now: {command}" in captured.err  # checked once on the project as the fixes left it
    assert [(s["function"], s["validation"]) for s in payload["suggestions"][:2]] == [("maximum", "plausible"), ("shout", "plausible")]
    assert f"never run it and fail as before ({shout_id})" in payload["suggestions"][0]["detail"]
    assert any(f"without running maximum ({shout_id})" in note for note in payload["notes"])
    assert not any("count_words" in note or "mean" in note for note in payload["notes"])  # no failing test runs them
    assert subprocess.run(command.split(), cwd=tmp_path, capture_output=True).returncode == 0
    assert (tmp_path / "pkg/stats.py.codemend.bak").read_text() == TWO_BUGS["pkg/stats.py"]


@pytest.mark.slow  # ~15 s: the original project hangs to its limit (CI's 10 minutes)
@pytest.mark.sandbox
def test_a_folder_run_leaves_a_hang_elsewhere_out_with_one_baseline_for_all_its_files(tmp_path, monkeypatch, capsys):
    # Each file's repair ran the tests leaving the hung one out again on the same original project.
    import importlib

    repair_module = importlib.import_module("codemend.inference.repair")

    _project(tmp_path, monkeypatch, {**TWO_BUGS, "tests/test_zz_hang.py": "import time\n\nimport pkg.stats\n\n\ndef test_hang():\n    time.sleep(1000)\n"})
    originals, apart_runs, real_run = {TWO_BUGS["pkg/stats.py"], TWO_BUGS["pkg/text.py"]}, [], repair_module.Tests.run
    monkeypatch.setattr(repair_module.Tests, "run", lambda self, text, *args, **kwargs: (  # a baseline: the command as it is
        apart_runs.append(self.target) if "--deselect" in self.command and text in originals and len(args) < 2 and "command" not in kwargs
        else None) or real_run(self, text, *args, **kwargs))
    reports = fix_path("pkg", None, test_cmd=f"{sys.executable} -m pytest -q -p no:cacheprovider tests", timeout_s=5, wide=0)
    fixed = {Path(r.path).name: r for r in reports if r.result.suggestions and r.result.suggestions[0].validation == "plausible"}
    assert set(fixed) == {"stats.py", "text.py"} and len(apart_runs) == 1
    assert sum(r.result.seconds.get("baseline_tests", 0.0) for r in fixed.values()) > 0.3  # that run (a pytest process) is timed
    for report in fixed.values():
        assert any(note.startswith("the tests that hung on the original code (tests/test_zz_hang.py::test_hang) never ran a line of")
                   for note in report.result.notes)
        assert report.result.judged_by.endswith("tests --deselect tests/test_zz_hang.py::test_hang")
    # --apply checks the project as the fixes were judged: the whole command would hang again and say only "timeout"
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    command = f"{sys.executable} -m pytest -q -p no:cacheprovider tests"
    assert main(["fix", "pkg", "--model", "none", "--test_cmd", command, "--timeout", "5", "--wide", "0", "--apply", "--format", "json"]) == 0
    after = json.loads(capsys.readouterr().out)["tests_after"]
    assert after["status"] == "passed" and after["command"] == f"{command} --deselect tests/test_zz_hang.py::test_hang"


def test_each_function_of_a_file_starts_from_what_the_first_ones_repair_measured(tmp_path):
    # --changed_since repairs a file function by function: the later ones reuse the first's baseline and coverage,
    # and, where it left out tests that hung elsewhere, its command too (not the whole one with the other's baseline).
    from codemend.inference.fix import SharedRuns
    from codemend.inference.repair import RepairResult
    from codemend.sandbox import RunResult
    from codemend.testcov import TestCoverage

    file = tmp_path / "m.py"
    tests = Tests(command="pytest -q tests", tree=str(tmp_path), target="m.py")
    failed, covered = RunResult("failed", 1, "", "", 0.5), [TestCoverage("tests/t.py::test_a", False, frozenset({2}))]
    shared = SharedRuns([file])
    assert shared.judging(tests, "", file) == (tests, None, None, "")  # the first function's repair measures them
    shared.remember(tests, RepairResult([], [], baseline=failed, coverage=covered))
    assert shared.judging(tests, "", file) == (tests, failed, covered, "")
    apart = SharedRuns([file])
    apart.remember(tests, RepairResult([], [], baseline=failed, coverage=covered, judged_by="pytest -q tests --deselect tests/t.py::test_h"))
    judged, baseline, coverage, note = apart.judging(tests, "", file)
    assert judged.command == "pytest -q tests --deselect tests/t.py::test_h" and (baseline, coverage, note) == (failed, covered, "")
    assert apart.baseline is None  # the whole command's baseline is not the one that passed with the hung tests left out


@pytest.mark.sandbox
def test_a_fix_is_never_judged_without_a_failing_test_that_runs_its_function(tmp_path):
    # Both tests run maximum: a fix that mends one and breaks nothing else is still failing.
    source = TWO_BUGS["pkg/stats.py"]
    (tmp_path / "stats.py").write_text(source)
    (tmp_path / "test_s.py").write_text("from stats import maximum\n\ndef test_a():\n    assert maximum([3, 9, 4]) == 9\n\n"
                                        "def test_b():\n    assert maximum([1]) == 2\n")
    tests = Tests(command=f"{sys.executable} -m pytest -q -p no:cacheprovider test_s.py", tree=str(tmp_path), target="stats.py")
    result = repair(source, debugger=None, function="maximum", tests=tests, max_validate=20, wide=0)
    assert not result.notes and result.suggestions and all(s.validation == "failing" for s in result.suggestions)
    assert (tmp_path / "stats.py").read_text() == source


def test_a_folder_run_applies_what_passed_and_names_what_it_refused(tmp_path, monkeypatch, capsys):
    from codemend.cli import _apply_best
    from codemend.inference.repair import RepairResult

    reports = []
    for name, validation in (("a.py", "failing"), ("b.py", "plausible")):
        path = tmp_path / name
        path.write_text(SOURCE)
        text, digest = read_source(path)
        (func,) = select_functions(text, str(path))
        suggestion = to_suggestion(text, str(path), func, Candidate(func.code.replace("<", ">"), 4, "", {"operator"}))
        suggestion.validation, suggestion.detail = validation, "exit status 1: 1 failed" if validation == "failing" else ""
        reports.append(FileReport(str(path), text, digest, RepairResult([suggestion], [])))
    refused, applied = _apply_best(reports, force=False)
    err = capsys.readouterr().err
    assert "not applied: " + refused["reason"] in err and "1 file(s) left as they were: " + str(tmp_path / "a.py") in err
    assert "refusing to apply a fix the tests reject: no suggestion passed them (the best one is failing: exit status 1: 1 failed)" in err
    assert refused["applied"] is False and applied == {"file": str(tmp_path / "b.py"), "applied": True, "line": 8,
                                                       "validation": "plausible", "backup": str(tmp_path / "b.py.codemend.bak")}
    assert (tmp_path / "a.py").read_text() == SOURCE and (tmp_path / "b.py").read_text() == FIXED
    (alone,) = _apply_best(reports[:1], force=False)  # one file: an error, as before
    assert "codemend: error: " + str(tmp_path / "a.py") + ": refusing to apply a fix the tests reject" in capsys.readouterr().err
    assert alone == refused


def test_a_fix_is_plausible_despite_failures_only_when_pytest_lists_them_all_and_none_runs_its_function():
    from codemend.inference.repair import verdict
    from codemend.sandbox import RunResult

    def run(stdout, status="failed"):
        return RunResult(status=status, returncode=int(status == "failed"), stdout=stdout, stderr="", duration_s=0.1, detail="exit status 1")

    as_pytest = Tests(command="python -m pytest -q", tree=".")  # how the runs are read
    listed = "=== short test summary info ===\nFAILED t.py::other - boom\n1 failed, 3 passed in 0.1s\n"
    assert verdict(run(listed), "f", {"t.py::other"}, as_pytest)[0] == "plausible"
    assert verdict(run(listed), "f", {"t.py::other"}, as_pytest)[2] == ["t.py::other"]  # what is left for another fix
    assert verdict(run(listed), "f", set(), as_pytest) == ("failing", "exit status 1", [])  # nothing known to be another bug's
    assert verdict(run(listed.replace("other", "mine")), "f", {"t.py::other"}, as_pytest)[0] == "failing"
    assert verdict(run(listed.replace("1 failed", "2 failed")), "f", {"t.py::other"}, as_pytest)[0] == "failing"  # one not listed
    assert verdict(run("", "passed"), "f", {"t.py::other"}, as_pytest) == ("plausible", "exit status 1", [])
    assert verdict(run(listed, "timeout"), "f", {"t.py::other"}, as_pytest)[0] == "timeout"


def test_a_fix_left_with_another_bugs_failures_ends_validation_only_when_no_function_runs_every_failure():
    # more-itertools' sliced with an off-by-one start: one of its four failing tests also runs the nested
    # ret, whose `!=` flipped to `==` passes it; ranked first, it stopped validation before the real fix.
    from codemend.inference.repair import Suggestion, best_first, validate
    from codemend.sandbox import Limits, RunResult

    class Tests:  # the part of repair.Tests that validate uses, judging by the patched text
        test_code, workers = "", 2

        def judge(self, text, limits=None, allowed=()):
            if text in ("full", "partial"):
                listed = "FAILED t.py::other - boom\n1 failed, 3 passed in 0.1s\n" if text == "partial" else ""
                return RunResult(status="failed" if listed else "passed", returncode=int(bool(listed)), stdout=listed,
                                 stderr="", duration_s=0.1, detail="exit status 1" if listed else "")
            return RunResult(status="failed", returncode=1, stdout="FAILED t.py::mine - boom\nFAILED t.py::other - boom\n"
                             "2 failed, 2 passed in 0.1s\n", stderr="", duration_s=0.1, detail="exit status 1")

        def failed(self, result):
            return failed_tests(result.stdout)

    def ranked():
        texts = ["partial", "a", "b", "c", "d", "full", "e", "f", "g"]
        return [Suggestion("m.py", "ret" if t == "partial" else "sliced", 1, -k, "", t, "") for k, t in enumerate(texts)]

    unreached = {"ret": {"t.py::other"}}
    first = ranked()
    assert validate(first, Tests(), Limits(), enough=1, unreached=unreached) == 4  # the partial fix answered
    assert first[0].validation == "plausible" and first[5].validation == "not validated"
    second = ranked()
    assert validate(second, Tests(), Limits(), enough=1, unreached=unreached, partial_is_enough=False) == 8  # two chunks of 4
    assert second[5].validation == "plausible" and second[8].validation == "not validated"
    assert [s.patched_source for s in sorted(second, key=best_first)[:2]] == ["full", "partial"]  # despite its score


def test_a_fix_that_fails_only_tests_that_never_run_its_function_is_run_again():
    # boltons' test_iter_find_files strips its folder with str.lstrip and fails when the sandbox's random
    # folder name holds an "f": the fix of backoff_iter was "failing" in 2 of 4 runs.
    from codemend.inference.repair import Suggestion, unrelated_passing, validate
    from codemend.sandbox import Limits, RunResult
    from codemend.testcov import TestCoverage

    class Tests:  # the part of repair.Tests that validate uses; each text's runs in turn, the last repeated
        test_code, workers = "", 1
        outcomes = {"flaky once": ["t.py::unrelated", ""], "flaky twice": ["t.py::unrelated", "t.py::unrelated"],
                    "breaks mine": ["t.py::unrelated t.py::mine", ""], "fails other bug": ["t.py::other", ""]}

        def __init__(self):
            self.runs = []

        def judge(self, text, limits=None, allowed=()):
            failing = self.outcomes[text][sum(ran == text for ran in self.runs)].split()
            self.runs.append(text)
            listed = "".join(f"FAILED {name} - boom\n" for name in failing) + (f"{len(failing)} failed, 3 passed in 0.1s\n" if failing else "")
            return RunResult(status="failed" if failing else "passed", returncode=int(bool(failing)), stdout=listed,
                             stderr="", duration_s=0.1, detail=f"exit status {int(bool(failing))}")

        def failed(self, result):
            return failed_tests(result.stdout)

    func = select_functions("def f(x):\n    y = x + 1\n    return y\n", "m.py")[0]
    report = dataclasses.replace(repair("def f(x):\n    y = x + 1\n    return y\n", debugger=None).functions[0], func=func)
    coverage = [TestCoverage("t.py::unrelated", True, frozenset({1})),  # the `def` line only: imported, never run
                TestCoverage("t.py::mine", True, frozenset({1, 2, 3})), TestCoverage("t.py::other", False, frozenset({1}))]
    unrelated = unrelated_passing(coverage, [report])
    assert unrelated == {"f": {"t.py::unrelated"}}
    tests = Tests()
    suggestions = [Suggestion("m.py", "f", 2, 0.0, "", text, "") for text in Tests.outcomes]
    validate(suggestions, tests, Limits(), unreached={"f": {"t.py::other"}}, unrelated=unrelated)
    assert [s.validation for s in suggestions] == ["plausible", "failing", "failing", "plausible"]
    assert suggestions[0].detail.startswith("run twice: t.py::unrelated failed the first run, though it passes on the original code "
                                            "without running f")
    assert tests.runs.count("flaky twice") == 2 and suggestions[1].detail.startswith("run twice")
    assert tests.runs.count("breaks mine") == 1 and tests.runs.count("fails other bug") == 1  # a test it runs failed; another bug's
    validate(suggestions[:1], tests := Tests(), Limits())  # without coverage, nothing is known to be unrelated: one run
    assert tests.runs == ["flaky once"] and suggestions[0].validation == "failing"


SLICED = '''from itertools import count, takewhile


def sliced(seq, n, strict=False):
    iterator = takewhile(len, (seq[i : i + n] for i in count(1, n)))
    if strict:

        def ret():
            for piece in iterator:
                if len(piece) != n:
                    raise ValueError("seq is not divisible by n.")
                yield piece

        return iter(ret())
    return iterator
'''
SLICED_TESTS = ('import pytest\n\nfrom sl import sliced\n\n\ndef test_odd():\n    assert list(sliced("ABCDEFGHI", 4)) == ["ABCD", "EFGH", "I"]\n\n\n'
                'def test_even():\n    assert list(sliced("ABCDEFGHI", 3)) == ["ABC", "DEF", "GHI"]\n\n\n'
                'def test_odd_and_strict():\n    with pytest.raises(ValueError):\n        list(sliced("ABCDEFGHI", 4, strict=True))\n')


@pytest.mark.sandbox
def test_one_fix_may_explain_every_failure_only_where_one_function_runs_them_all(tmp_path, monkeypatch):
    from codemend.inference.fix import make_tests
    from codemend.inference.repair import FunctionReport, file_coverage, one_cause_possible

    def judged(files: dict[str, str], target: str) -> bool:
        _project(tmp_path, monkeypatch, files)
        tests = make_tests(tmp_path / target, f"{sys.executable} -m pytest -q -p no:cacheprovider", 60.0)
        source = files[target]
        reports = [FunctionReport(f.name, f.start_line, None, [], f) for f in select_functions(source, target)]
        return one_cause_possible(tests.failed(tests.run(source)), file_coverage(source, tests), reports)

    assert judged({"sl.py": SLICED, "test_sl.py": SLICED_TESTS}, "sl.py")  # sliced runs all three failures; ret one
    assert not judged({name: TWO_BUGS[name] for name in ("pkg/__init__.py", "pkg/stats.py", "tests/test_all.py")}
                      | {"tests/test_all.py": TWO_BUGS["tests/test_all.py"].split("from pkg.text")[0] + "\n\n"
                         "def test_mean():\n    assert mean([1, 2, 3]) == 2\n\n\ndef test_maximum():\n    assert maximum([3, 9, 4]) == 9\n"},
                      "pkg/stats.py")  # mean and maximum each run one of the two failures


@pytest.mark.slow  # ~11 s: two fix runs validating down the ranking (CI's 10 minutes)
@pytest.mark.sandbox
def test_validation_goes_on_past_the_first_plausible_fix_when_asked_for_alternatives(tmp_path, monkeypatch):
    """One test that many edits pass: the first plausible fix ends validation unless --plausible asks for
    more, so that a user can see the alternatives the tests cannot tell apart."""
    (tmp_path / "clamp.py").write_text("def clamp(x, lo, hi):\n    if x < lo:\n        return lo\n    if x < hi:\n        return hi\n    return x\n")
    (tmp_path / "test_clamp.py").write_text("from clamp import clamp\n\n\ndef test_inside():\n    assert clamp(5, 0, 10) == 5\n")
    monkeypatch.chdir(tmp_path)
    command = f"{sys.executable} -m pytest -q -p no:cacheprovider test_clamp.py"
    found = {}
    for plausible in (1, 4):
        (report,) = fix_path("clamp.py", None, test_cmd=command, wide=0, workers=1, plausible=plausible)
        found[plausible] = [s.patched_source for s in report.result.suggestions if s.validation == "plausible"]
    assert len(found[1]) == 1 and len(found[4]) >= 4  # validated two at a time (one worker): a chunk may hold one more
    assert found[4][0] == found[1][0] and "if x > hi:" in found[1][0]


@pytest.mark.sandbox
def test_the_fix_that_passes_every_test_comes_before_one_judged_without_another_bugs_failures(tmp_path, monkeypatch):
    (tmp_path / "sl.py").write_text(SLICED)
    (tmp_path / "test_sl.py").write_text(SLICED_TESTS)
    monkeypatch.chdir(tmp_path)
    (report,) = fix_path("sl.py", None, test_cmd=f"{sys.executable} -m pytest -q -p no:cacheprovider test_sl.py", wide=0)
    plausible = [s for s in report.result.suggestions if s.validation == "plausible"]
    assert plausible[0].function == "sliced" and "count(0, n)" in plausible[0].patched_source and not plausible[0].still_failing
    assert [bool(s.still_failing) for s in plausible] == sorted(bool(s.still_failing) for s in plausible)  # full passes first


@pytest.mark.sandbox
def test_a_folder_run_runs_the_tests_once_measures_coverage_once_and_skips_files_no_failing_test_runs(tmp_path, monkeypatch):
    import importlib

    from codemend.inference.repair import Tests as RepairTests

    fix, repair_module = (importlib.import_module(f"codemend.inference.{name}") for name in ("fix", "repair"))  # the package re-exports functions of these names

    files = {**TWO_BUGS, "pkg/extra.py": "def twice(x):\n    y = x * 2\n    return y\n"}
    _project(tmp_path, monkeypatch, files)
    originals, runs, measured = set(files.values()), [], []
    real_run, real_one, real_many = RepairTests.run, repair_module.file_coverage, fix.coverage_for_files
    monkeypatch.setattr(RepairTests, "run", lambda self, text, limits=None, command="": runs.append((text in originals, command))
                        or real_run(self, text, limits, command))
    monkeypatch.setattr(repair_module, "FOCUS_FROM_S", 0.0)  # a suite this small runs whole: focus it anyway
    monkeypatch.setattr(repair_module, "file_coverage", lambda text, tests: measured.append([tests.target]) or real_one(text, tests))
    monkeypatch.setattr(fix, "coverage_for_files", lambda tree, command, targets, **kw: measured.append(targets) or real_many(tree, command, targets, **kw))
    reports = fix_path("pkg", None, test_cmd=f"{sys.executable} -m pytest -q -p no:cacheprovider tests", wide=0)
    assert [Path(r.path).name for r in reports if r.result.suggestions] == ["stats.py", "text.py"]
    assert reports[-1].path == "pkg" and reports[-1].result.notes == [
        "1 file(s) not repaired: no failing test runs their functions (per-test coverage): pkg/extra.py"]
    assert runs.count((True, "")) == 1 and len(runs) > 1  # one baseline of the whole command, then candidates
    assert [command.split()[-2:] for original, command in runs if original and command] == 2 * [  # each repaired file's check
        ["tests/test_all.py::test_maximum", "tests/test_all.py::test_shout"]]
    assert all(r.result.baseline is reports[0].result.baseline for r in reports if r.result.suggestions)
    assert measured == [["pkg/__init__.py", "pkg/extra.py", "pkg/stats.py", "pkg/text.py"]]  # one run for every file
    assert [(s.function, s.validation) for r in reports for s in r.result.suggestions if s.validation == "plausible"] == [
        ("maximum", "plausible"), ("shout", "plausible")]


@pytest.mark.sandbox
def test_tests_that_pass_on_a_folder_are_said_before_its_files_are_ranked_and_once(tmp_path, monkeypatch, capsys, caplog):
    # cachetools' folder: the note came once per file, after 6 minutes of ranking every function without tests.
    fixed = {**TWO_BUGS, "pkg/stats.py": TWO_BUGS["pkg/stats.py"].replace("if x < best:", "if x > best:"),
             "pkg/text.py": TWO_BUGS["pkg/text.py"].replace("lower()", "upper()")}
    _project(tmp_path, monkeypatch, fixed)
    with caplog.at_level(logging.INFO):
        assert main(["fix", "pkg", "--model", "none", "--test_cmd", f"{sys.executable} -m pytest -q -p no:cacheprovider tests", "--wide", "0"]) == 0
    said = [r.getMessage() for r in caplog.records]
    warned = [i for i, message in enumerate(said) if "nothing to validate" in message]
    ranked = [i for i, message in enumerate(said) if re.search(r"\[1/\d\]|: ranking", message)]
    assert len(warned) == 1 and "each of the 3 files is ranked without tests" in said[warned[0]] and warned[0] < min(ranked, default=99)
    notes = [line for line in capsys.readouterr().err.splitlines() if "nothing to validate" in line]
    assert notes == ["note: 2 files (pkg/stats.py, pkg/text.py): the tests pass on the original code: there is nothing to validate fixes against"]


def test_pytests_report_is_read_through_terminal_colours():
    from codemend.testcov import first_failure, pytest_tally

    coloured = ("\x1b[31mFAILED\x1b[0m tests/test_a.py::\x1b[1mtest_b\x1b[0m - assert 0 == 1\n"
                "\x1b[31m\x1b[1m1 failed\x1b[0m, \x1b[32m140 passed\x1b[0m\x1b[31m in 1.56s\x1b[0m\n")
    assert pytest_tally(coloured) == {"failed": 1, "passed": 140}
    assert first_failure(coloured) == ("tests/test_a.py::test_b", "assert 0 == 1")


@pytest.mark.sandbox
def test_a_fix_that_makes_failing_subtests_pass_is_plausible(tmp_path, monkeypatch):
    """pytest counts each failed subtest as a failure and its test as passed: the original's run counted more tests
    than the fixed code's, and the true fix was an error, "fewer tests ran" (python-slugify, QA)."""
    (tmp_path / "stats.py").write_text(SOURCE)
    (tmp_path / "test_stats.py").write_text(
        "import unittest\n\nfrom stats import Stats\n\n\nclass T(unittest.TestCase):\n    def test_max(self):\n"
        "        for items, best in [([3, 9, 2], 1), ([5], 0), ([1, 2, 7], 2), ([9, 1], 0)]:\n"
        "            with self.subTest(items=items):\n                self.assertEqual(Stats().max_index(items), best)\n")
    monkeypatch.chdir(tmp_path)
    (report,) = fix_path("stats.py", None, test_cmd=f"{sys.executable} -m pytest -q -p no:cacheprovider test_stats.py", wide=0)
    first = report.result.suggestions[0]
    assert (first.validation, first.patched_source) == ("plausible", FIXED), first.detail


@pytest.mark.sandbox
@pytest.mark.parametrize("options, ini", [("-qq -rN", ""), ("-v", "[pytest]\naddopts = -qq -rN\n"), ("--color=yes", ""),
                                          ("", "[pytest]\naddopts = --color=yes\n")])
def test_the_failing_tests_are_known_whatever_report_the_options_ask_for(tmp_path, options, ini):
    """-qq hides pytest's count line and -rN its FAILED lines (from the command or the project's addopts), and
    --color=yes put colour codes in both (python-slugify's addopts, QA): the failing tests were unknown, so no
    failing-tests-first runs and no rule for another bug's failures, and a passing fix read as a run cut short."""
    from codemend.testcov import reporting_command

    (tmp_path / "stats.py").write_text(SOURCE)
    (tmp_path / "test_stats.py").write_text("from stats import Stats\n\ndef test_max():\n" + "".join(f"    {line}\n" for line in TESTS.splitlines())
                                            + "\ndef test_ok():\n    assert Stats() is not None\n")
    (tmp_path / "pytest.ini").write_text(ini)
    command = f"{sys.executable} -m pytest {options} -p no:cacheprovider test_stats.py"
    tests = Tests(command=command, tree=str(tmp_path), target="stats.py")
    failed = tests.run(SOURCE)
    assert failed.status == "failed" and tests.failed(failed) == {"test_stats.py::test_max"}
    assert tests.trace(failed).startswith("test_stats.py::test_max: assert ")
    assert tests.judge(FIXED).status == "passed"  # its count line read
    assert reporting_command(command) == f"{command} --verbosity=-1 -rfE --color=no --maxfail=0"
    for other in ("python -m unittest -q", "python run_tests.py", "make test"):
        assert reporting_command(other) == other  # their reports are read otherwise, or not at all


@pytest.mark.sandbox
def test_candidates_run_the_failing_tests_first_and_the_whole_command_only_when_those_pass(tmp_path, monkeypatch):
    from codemend.inference.fix import make_tests
    from codemend.inference.repair import focus_on_failures

    source = TWO_BUGS["pkg/stats.py"]  # maximum's `<`
    fixed = source.replace("if x < best:", "if x > best:")
    (tmp_path / "stats.py").write_text(source)
    (tmp_path / "test_stats.py").write_text("import stats\n\n\ndef test_mean():\n    assert stats.mean([1, 2, 3]) == 2\n\n\n"
                                            "def test_maximum():\n    assert stats.maximum([3, 9, 4]) == 9\n")
    monkeypatch.chdir(tmp_path)
    tests = make_tests(tmp_path / "stats.py", f"{sys.executable} -m pytest -q -p no:cacheprovider test_stats.py", 60.0)
    focused = focus_on_failures(tests, tests.failed(tests.run(source)), source, tests.limits)
    assert focused.focus_command.endswith("-p no:cacheprovider test_stats.py::test_maximum")
    still = focused.judge(source)
    assert still.status == "failed" and "1 failed in" in still.detail and still.detail.endswith("(of the tests that failed on the original code)")
    breaks_mean = focused.judge(fixed.replace("sum(xs) / len(xs)", "sum(xs) * len(xs)"))  # passes test_maximum: the whole run says
    assert breaks_mean.status == "failed" and "1 failed, 1 passed" in breaks_mean.detail and "original code" not in breaks_mean.detail
    assert focused.judge(fixed).status == "passed"
    assert focused.judge(source, allowed={"test_stats.py::test_maximum"}).status == "failed"  # another bug's: the whole run judges
    (report,) = fix_path("stats.py", None, test_cmd=tests.command, wide=0)
    assert report.result.suggestions[0].validation == "plausible" and report.result.suggestions[0].patched_source == fixed
    from codemend.inference.repair import FOCUS_FROM_S

    # A suite of 0.1 s runs whole: focusing would only add a run (on a loaded machine it may take longer, and focus).
    assert ("focus_check" in report.result.seconds) == (report.result.baseline.duration_s >= FOCUS_FROM_S)


@pytest.mark.sandbox
def test_failing_tests_that_pass_on_their_own_keep_the_whole_command(tmp_path, monkeypatch):
    from codemend.inference.fix import make_tests
    from codemend.inference.repair import focus_on_failures

    source = "SEEN = []\n\n\ndef remember(x):\n    SEEN.append(x)\n    return len(SEEN)\n"
    (tmp_path / "log.py").write_text(source)
    (tmp_path / "test_log.py").write_text("import log\n\n\ndef test_a():\n    assert log.remember(1) == 1\n\n\n"
                                          "def test_b():\n    assert log.remember(2) == 1\n")  # fails only after test_a
    monkeypatch.chdir(tmp_path)
    tests = make_tests(tmp_path / "log.py", f"{sys.executable} -m pytest -q -p no:cacheprovider test_log.py", 60.0)
    baseline = tests.run(source)
    assert baseline.status == "failed"
    assert focus_on_failures(tests, tests.failed(baseline), source, tests.limits).focus_command == ""


@pytest.mark.sandbox
def test_a_folder_repairs_the_most_suspicious_file_first_and_stops_when_its_fix_passes_them_all(tmp_path, monkeypatch, caplog):
    # more-itertools' ilen (in more.py) off by a factor: recipes.py, first by name, cost minutes before more.py.
    files = {"pkg/__init__.py": "", "pkg/api.py": "from pkg.core import double\n\n\ndef quad(x):\n    y = double(x)\n    return double(y)\n",
             "pkg/core.py": "def double(x):\n    y = x * 3\n    return y\n",
             "tests/test_pkg.py": "from pkg.api import quad\nfrom pkg.core import double\n\n\ndef test_double():\n    assert double(4) == 8\n\n\n"
                                  "def test_quad():\n    assert quad(1) == 4\n"}
    _project(tmp_path, monkeypatch, files)
    with caplog.at_level(logging.INFO, logger="codemend.inference.fix"):
        reports = fix_path("pkg", None, test_cmd=f"{sys.executable} -m pytest -q -p no:cacheprovider tests", wide=0)
    assert [Path(r.path).name for r in reports if r.result.suggestions] == ["core.py"]
    said = [record.getMessage() for record in caplog.records]
    assert any(message.startswith("the tests ran on the original project in ") for message in said)
    assert any(message.startswith("pkg/core.py: ") and "validation " in message for message in said)  # where its time went
    best = reports[0].result.suggestions[0]
    assert best.validation == "plausible" and "x * 2" in best.patched_source and not best.still_failing
    assert reports[-1].result.notes == ["1 file(s) not repaired: the plausible fixes above pass every failing test that runs their functions: pkg/api.py"]


@pytest.mark.sandbox
def test_a_module_whose_doctests_fail_is_code_to_repair_not_a_test_file(tmp_path, monkeypatch):
    code = ('def clamp(x, lo, hi):\n    """\n    >>> clamp(5, 0, 3)\n    3\n    """\n    if x < lo:\n        return lo\n'
            '    if x < hi:\n        return hi\n    return x\n')
    _project(tmp_path, monkeypatch, {"pkg/__init__.py": "", "pkg/calc.py": code, "pkg/other.py": 'def one():\n    """\n    >>> one()\n    1\n    """\n    return 1\n'})
    reports = fix_path("pkg", None, test_cmd=f"{sys.executable} -m pytest -q -p no:cacheprovider --doctest-modules pkg", wide=0)
    best = reports[0].result.suggestions[0]
    assert best.file == "pkg/calc.py" and best.validation == "plausible" and "if x > hi:" in best.patched_source
    assert not any("test file" in note for r in reports for note in r.result.notes)


@pytest.mark.sandbox
def test_a_unittest_suite_is_measured_test_by_test_through_pytest_runs_its_failing_tests_first_and_tests_run_as_one_say_so(
        tmp_path, monkeypatch):
    import importlib

    from codemend.inference.fix import single_test_hint
    from codemend.inference.repair import Tests as RepairTests

    monkeypatch.setattr(importlib.import_module("codemend.inference.repair"), "FOCUS_FROM_S", 0.0)  # as for a suite of seconds
    commands = []
    real_run = RepairTests.run
    monkeypatch.setattr(RepairTests, "run", lambda self, text, limits=None, command="": commands.append(command or self.command)
                        or real_run(self, text, limits, command))
    (tmp_path / "stats.py").write_text(TWO_BUGS["pkg/stats.py"])  # maximum's `<`
    (tmp_path / "test_stats.py").write_text("import unittest\n\nfrom stats import maximum, mean\n\n\nclass T(unittest.TestCase):\n"
                                            "    def test_maximum(self):\n        self.assertEqual(maximum([3, 9, 4]), 9)\n\n"
                                            "    def test_mean(self):\n        self.assertEqual(mean([1, 3]), 2)\n")
    monkeypatch.chdir(tmp_path)
    command = f"{sys.executable} -m unittest test_stats"
    (report,) = fix_path("stats.py", None, test_cmd=command, wide=0)
    best = report.result.suggestions[0]
    assert best.validation == "plausible" and "if x > best:" in best.patched_source
    focused = f"{command} -k test_stats.T.test_maximum"
    assert commands[:2] == [command, focused] and commands.count(command) >= 2  # the check, then candidates: a passing one runs whole
    assert report.result.seconds.get("focus_check") is not None and report.result.notes == []
    assert main(["explain", "stats.py", "--model", "none", "--test_cmd", command, "--wide", "0",
                 "--out", str(tmp_path / "page.html")]) == 0  # one report for one file, as explain expects
    assert "maximum" in (tmp_path / "page.html").read_text()
    assert report.result.coverage and report.result.coverage[0].name == "test_stats.py::T::test_maximum"  # one by one
    assert single_test_hint("python run_checks.py").startswith("the tests run as one (`python run_checks.py`): coverage cannot")
    assert single_test_hint("python -m unittest -k maximum").startswith("the tests run as one for coverage (unittest")  # -k: not mapped
    assert single_test_hint("python -m pytest -q tests") == single_test_hint("make test") == single_test_hint("") == ""
    assert single_test_hint(command) == ""


def test_unittests_failing_tests_are_read_from_its_reports_when_they_account_for_its_count(tmp_path):
    from codemend.sandbox import RunResult
    from codemend.testcov import failing_tests, focused_command, unittest_failed_tests

    report = ("ERROR: test_b (pkg.test_x.T.test_b)\n------\nTraceback (most recent call last):\n  FAIL: not a header\n"
              "FAIL: test_a (pkg.test_x.T.test_a) (i=1)\nFAIL: test_a (pkg.test_x.T.test_a) (i=2)\n"
              "ERROR: setUpClass (pkg.test_y.U)\n\nRan 9 tests in 0.01s\n\nFAILED (failures=2, errors=2, skipped=1)\n")
    assert unittest_failed_tests(report) == {"pkg.test_x.T.test_b", "pkg.test_x.T.test_a", "pkg.test_y.U.setUpClass"}
    assert unittest_failed_tests(report.replace("failures=2", "failures=3")) is None  # a report missing: unknown
    assert unittest_failed_tests("FAIL: test_a (pkg.test_x.T)\nFAILED (failures=1)\n") == {"pkg.test_x.T.test_a"}  # Python < 3.11
    assert unittest_failed_tests("Ran 3 tests\n\nOK\n") is None
    # As pytest's ids, those of per-test coverage: from the project's root, or from discover's start folder.
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "test_x.py").write_text("")
    run = RunResult("failed", 1, "", "FAIL: test_a (pkg.test_x.T.test_a)\nFAIL: test_b (test_x.T.test_b)\nFAILED (failures=2)\n", 0.1)
    assert failing_tests("python -m unittest discover -s pkg", run, tmp_path) == {"pkg/test_x.py::T::test_a", "pkg/test_x.py::T::test_b"}
    assert failing_tests("python -m unittest", run, tmp_path) is None  # test_x is no module of the root: unknown
    assert failing_tests("python -m pytest", run, tmp_path) is None  # pytest's summary is on stdout
    assert failing_tests("python -m unittest", RunResult("failed", 1, "", report, 0.1), tmp_path) is None  # setUpClass: no test
    # The first failure, as a model trained with traces reads it: a chained exception's last, a long message's first line.
    chained = ("E\n======================================================================\nERROR: test_b (pkg.test_x.T.test_b)\n"
               "----------------------------------------------------------------------\nTraceback (most recent call last):\n"
               "  File \"pkg/test_x.py\", line 7, in test_b\n    {}['k']\nKeyError: 'k'\n\n"
               "During handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n"
               "  File \"pkg/test_x.py\", line 9, in test_b\n    raise ValueError('bad key')\nValueError: bad key\n\n"
               "======================================================================\nFAIL: test_a (pkg.test_x.T.test_a)\n"
               "----------------------------------------------------------------------\nTraceback (most recent call last):\n"
               "  File \"pkg/test_x.py\", line 4, in test_a\n    self.assertEqual([1, 3], [1, 4])\n"
               "AssertionError: Lists differ: [1, 3] != [1, 4]\n\nFirst differing element 1:\n3\n4\n\n"
               "----------------------------------------------------------------------\nRan 2 tests in 0.001s\n\nFAILED (failures=1, errors=1)\n")
    tests = Tests(command="python -m unittest", tree=str(tmp_path))
    assert tests.trace(RunResult("failed", 1, "", chained, 0.1)) == "pkg/test_x.py::T::test_b: ValueError: bad key"
    second = chained[chained.index("=====\nFAIL") + 5:]
    assert tests.trace(RunResult("failed", 1, "", second, 0.1)) == "pkg/test_x.py::T::test_a: AssertionError: Lists differ: [1, 3] != [1, 4]"
    tree = Path(".")
    assert focused_command("X=1 python -m unittest discover -s tests", {"tests/t.py::T::b", "tests/t.py::T::a"}, tree) == (
        "X=1 python -m unittest discover -s tests -k t.T.a -k t.T.b")
    assert focused_command("python -m unittest -k slow", {"t.py::T::a"}, tree) == focused_command("python -m unittest", set(), tree) == ""


def test_a_folders_files_are_repaired_in_order_of_their_most_suspicious_line_then_of_failures_entering_them():
    # QA (toolz, two bugs in two files): the package's shared machinery, which most tests run, passing or
    # failing, was entered by the most failing tests and went first: 383 s of searches before either bug's file.
    from codemend.inference.fix import SharedRuns

    files = [Path(name) for name in ("a.py", "b.py", "c.py", "d.py", "e.py")]
    shared = SharedRuns(files)
    shared.entering = {Path("a.py"): {"t1"}, Path("b.py"): {"t1"}, Path("c.py"): {"t1", "t2"}, Path("e.py"): {"t1", "t2"}}
    shared.suspicion = {Path("a.py"): 0.4, Path("b.py"): 0.9, Path("c.py"): 0.1, Path("e.py"): 0.4}
    assert shared.in_order(files) == [Path("b.py"), Path("e.py"), Path("a.py"), Path("c.py"), Path("d.py")]


@pytest.mark.sandbox
def test_in_a_folder_the_file_whose_loop_a_hanging_test_spun_in_comes_first(tmp_path, monkeypatch):
    # backoff (a.py) and backoff_iter (b.py) in two files: the hanging test runs both, and Ochiai alone put
    # a.py first (only the hanging test runs its lines; a passing one runs b.py's loop too).
    from codemend.inference.fix import SharedRuns, make_tests

    (tmp_path / "a.py").write_text("from b import ticks\n\n\ndef all_ticks(n):\n    return list(ticks(n))\n")
    (tmp_path / "b.py").write_text("def ticks(n):\n    i = 0\n    while i < n:\n        if i >= 0:\n            yield i\n        i -= 1\n")
    (tmp_path / "test_ab.py").write_text("from itertools import islice\n\nfrom a import all_ticks\nfrom b import ticks\n\n\n"
                                         "def test_ticks():\n    assert list(islice(ticks(3), 1)) == [0]\n\n\n"
                                         "def test_all_ticks():\n    assert all_ticks(2) == [0, 1]\n")
    monkeypatch.chdir(tmp_path)
    files = [Path("a.py"), Path("b.py")]
    shared = SharedRuns(files)
    shared.measure(make_tests(Path("a.py"), f"{sys.executable} -m pytest -q -p no:cacheprovider test_ab.py", 5.0), Path("a.py").read_text())
    assert shared.baseline.status == "timeout" and shared.entering == {Path("a.py"): {"test_ab.py::test_all_ticks"},
                                                                       Path("b.py"): {"test_ab.py::test_all_ticks"}}
    assert shared.suspicion[Path("b.py")] > 1 >= shared.suspicion[Path("a.py")]  # its loop before any Ochiai score
    assert shared.in_order(files) == [Path("b.py"), Path("a.py")]


@pytest.mark.sandbox
@pytest.mark.parametrize("fixed", [False, True])
def test_a_folder_runs_its_files_coverage_beside_the_baseline_and_cancels_it_when_not_needed(tmp_path, monkeypatch, fixed):
    import threading

    import codemend.inference.fix as fix_module
    from codemend.inference.fix import SharedRuns

    began, cancelled = threading.Event(), []
    measure = fix_module.coverage_for_files

    def coverage_watched(*args, cancel=None, **kwargs):
        began.set()
        if fixed:  # the baseline passes: the coverage run is cancelled
            cancelled.append(cancel.wait(timeout=30))
            return {}
        return measure(*args, cancel=cancel, **kwargs)

    monkeypatch.setattr(fix_module, "coverage_for_files", coverage_watched)
    (tmp_path / "stats.py").write_text(FIXED if fixed else SOURCE)
    (tmp_path / "other.py").write_text("def one():\n    return 1\n")
    (tmp_path / "test_stats.py").write_text("from stats import Stats\n\ndef test_max():\n    assert Stats().max_index([3, 9, 2]) == 1\n")
    files = [tmp_path / "stats.py", tmp_path / "other.py"]
    tests = BaselineWaitsForCoverage(command=f"{sys.executable} -m pytest -q -p no:cacheprovider test_stats.py", tree=str(tmp_path),
                                     target="stats.py", coverage_began=began)
    shared = SharedRuns(files)
    shared.measure(tests, (tmp_path / "stats.py").read_text())
    assert tests.waited == [True], "the baseline ran before the coverage run began"
    if fixed:
        assert shared.baseline.status == "passed" and cancelled == [True] and not shared.coverage
    else:
        assert shared.baseline.status == "failed" and shared.entering == {tmp_path / "stats.py": {"test_stats.py::test_max"}}


def test_a_folders_test_files_are_told_apart_by_name_and_folder_unless_every_file_is_one(tmp_path):
    from codemend.inference.fix import test_files_of

    names = ["pkg/core.py", "pkg/testing_utils.py", "pkg/tests/helpers.py", "pkg/tests/test_core.py", "conftest.py",
             "tests.py", "core_test.py", "test/data.py", "attest.py"]
    found = test_files_of([tmp_path / name for name in names], tmp_path)
    assert sorted(str(file.relative_to(tmp_path)) for file in found) == [
        "conftest.py", "core_test.py", "pkg/tests/helpers.py", "pkg/tests/test_core.py", "test/data.py", "tests.py"]
    only_tests = [tmp_path / "tests" / "test_a.py", tmp_path / "tests" / "helpers.py"]
    assert test_files_of(only_tests, tmp_path / "tests") == set()  # `codemend fix tests/`: the user asks about them


@pytest.mark.sandbox
def test_a_folder_run_never_edits_the_tests_that_judge_its_fixes(tmp_path, monkeypatch, capsys):
    # Run on the project root, the failing test's own function was repaired too: flipping its assert "passed".
    files = {name: TWO_BUGS[name] for name in ("pkg/__init__.py", "pkg/stats.py")}
    files["tests/test_all.py"] = "from pkg.stats import maximum\n\n\ndef test_maximum():\n    assert maximum([3, 9, 4]) == 9\n"
    files["check_stats.py"] = "from pkg.stats import maximum\n\n\ndef test_maximum_again():\n    assert maximum([1, 5]) == 5\n"
    _project(tmp_path, monkeypatch, files)
    command = f"{sys.executable} -m pytest -q -p no:cacheprovider tests check_stats.py"
    reports = fix_path(".", None, test_cmd=command, wide=0)
    repaired = {Path(r.path).name for r in reports if r.result.suggestions}
    assert repaired == {"stats.py"}, repaired  # not test_all.py (its name) nor check_stats.py (pytest ran tests in it)
    assert reports[0].result.suggestions[0].validation == "plausible"
    (note,) = [note for r in reports for note in r.result.notes if "test file" in note]
    assert note == ("2 test file(s) not repaired (a fix must not edit the tests that judge it; give a test file's own path to repair it): "
                    "check_stats.py, tests/test_all.py")
    assert main(["fix", ".", "--model", "none", "--top", "50", "--format", "json"]) == 0  # without tests: by name only
    payload = json.loads(capsys.readouterr().out)
    assert {Path(s["file"]).name for s in payload["suggestions"]} == {"stats.py", "check_stats.py"}
    assert any("1 test file(s) not repaired (they hold tests;" in note for note in payload["notes"])


@pytest.mark.slow  # ~13 s: a folder run whose tests start a Python of their own (CI's 10 minutes)
@pytest.mark.sandbox
def test_tests_that_run_the_code_in_a_child_process_leave_every_file_to_validation(tmp_path, monkeypatch):
    # coverage.py does not follow child processes: seeing no file entered, fix skips none.
    files = {"pkg/__init__.py": "", "pkg/stats.py": TWO_BUGS["pkg/stats.py"], "pkg/extra.py": "def twice(x):\n    y = x * 2\n    return y\n",
             "tests/test_cli.py": "import subprocess, sys\n\n\ndef test_maximum_in_a_child():\n    subprocess.run([sys.executable, '-c', "
                                  "'from pkg.stats import maximum; assert maximum([3, 9, 4]) == 9'], check=True)\n"}
    _project(tmp_path, monkeypatch, files)
    reports = fix_path("pkg", None, test_cmd=f"{sys.executable} -m pytest -q -p no:cacheprovider tests", wide=0)
    assert [Path(r.path).name for r in reports if r.result.suggestions] == ["extra.py", "stats.py"]
    assert not any("not repaired" in note for r in reports for note in r.result.notes)
    (best,) = [s for r in reports for s in r.result.suggestions if s.validation == "plausible"]
    assert best.function == "maximum" and "if x > best:" in best.patched_source


@pytest.mark.sandbox
def test_apply_says_when_the_tests_still_fail_for_another_bug_in_the_same_file(tmp_path, monkeypatch, capsys):
    source = TWO_BUGS["pkg/stats.py"].replace("return sum(xs) / len(xs)", "return 0.5")  # no edit mends this; and maximum's `<`
    (tmp_path / "stats.py").write_text(source)
    (tmp_path / "test_stats.py").write_text("from stats import mean, maximum\n\n\ndef test_mean():\n    assert mean([1, 2, 3]) == 2\n\n\n"
                                            "def test_maximum():\n    assert maximum([3, 9, 4]) == 9\n")
    monkeypatch.chdir(tmp_path)
    command = f"{sys.executable} -m pytest -q -p no:cacheprovider test_stats.py"
    assert main(["fix", "stats.py", "--model", "none", "--test_cmd", command, "--wide", "0", "--apply", "--color", "never"]) == 0
    err = capsys.readouterr().err
    assert "applied the plausible fix to stats.py" in err
    assert "the tests still fail (failed: " in err and "run codemend fix again for what is left" in err
    assert (tmp_path / "stats.py").read_text() != source and (tmp_path / "stats.py.codemend.bak").read_text() == source


@pytest.mark.sandbox
def test_a_project_on_the_pythons_path_from_outside_is_validated_on_the_copy(tmp_path, monkeypatch):
    # pip install -e puts src/ on sys.path from outside (a .pth file; here an absolute PYTHONPATH): run in a
    # copy, the tests imported the original files and every candidate failed like the bug itself.
    project = tmp_path / "proj"
    (project / "src" / "calc").mkdir(parents=True)
    (project / "tests").mkdir()
    (project / "src" / "calc" / "__init__.py").write_text("def add(a, b):\n    total = a - b\n    return total\n")
    (project / "tests" / "test_calc.py").write_text("from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n")
    monkeypatch.chdir(project)
    command = f"PYTHONPATH={project / 'src'} {sys.executable} -m pytest -q -p no:cacheprovider tests"
    (report,) = fix_path("src/calc/__init__.py", None, test_cmd=command, wide=0)
    best = report.result.suggestions[0]
    assert best.validation == "plausible" and "total = a + b" in best.patched_source, report.result.notes
    assert report.result.coverage  # the coverage run saw the copy's file too
    assert (project / "src" / "calc" / "__init__.py").read_text().count("a - b") == 1  # untouched


@pytest.mark.slow  # ~11 s: two repairs and an --apply, each validated (CI's 10 minutes)
@pytest.mark.sandbox
def test_two_bugs_in_one_file_come_as_one_suggestion_that_fixes_both(tmp_path, monkeypatch, capsys):
    source = TWO_BUGS["pkg/stats.py"].replace("return sum(xs) / len(xs)", "return sum(xs) * len(xs)")  # and maximum's `<`
    (tmp_path / "stats.py").write_text(source)
    (tmp_path / "test_stats.py").write_text("from stats import mean, maximum\n\n\ndef test_mean():\n    assert mean([1, 2, 3]) == 2\n\n\n"
                                            "def test_maximum():\n    assert maximum([3, 9, 4]) == 9\n")
    monkeypatch.chdir(tmp_path)
    command = f"{sys.executable} -m pytest -q -p no:cacheprovider test_stats.py"
    import importlib

    fix_module, repairs = importlib.import_module("codemend.inference.fix"), []
    real_repair = fix_module.repair
    monkeypatch.setattr(fix_module, "repair", lambda *args, **kwargs: repairs.append(real_repair(*args, **kwargs)) or repairs[-1])
    (report,) = fix_path("stats.py", None, test_cmd=command, wide=0)
    best = report.result.suggestions[0]
    assert best.validation == "plausible" and best.detail == "2 fixes together: the tests pass" and not best.still_failing
    # The file's time by stage counts the repair of the fixed file too (its summary left most of a 3-fix run out).
    assert len(repairs) == 2 and all(math.isclose(report.result.seconds[stage], sum(r.seconds.get(stage, 0.0) for r in repairs))
                                     for stage in repairs[1].seconds)
    assert set(best.function.split(", ")) == {"mean", "maximum"}
    assert "sum(xs) / len(xs)" in best.patched_source and "if x > best:" in best.patched_source
    assert best.diff.count("\n-") == 2 and (tmp_path / "stats.py").read_text() == source
    assert main(["fix", "stats.py", "--model", "none", "--test_cmd", command, "--wide", "0", "--apply", "--color", "never"]) == 0
    captured = capsys.readouterr()
    assert f"the tests pass now: {command}" in captured.err
    assert captured.out.startswith("#1 stats.py:") and ": suspected bugs in " in captured.out.splitlines()[0]


def test_without_first_replays_the_later_fixes_on_the_original():
    from codemend.inference.fix import without_first

    text = "a\nb\nc\nd\ne\nf\ng\n"
    first = text.replace("b\n", "B\n")
    assert without_first(text, first, first.replace("f\n", "F\nF2\n")) == text.replace("f\n", "F\nF2\n")  # a line becomes two
    assert without_first(text, first, first.replace("e\n", "")) == text.replace("e\n", "")  # a line deleted
    assert without_first(text, first, "z\n" + first + "h\n") == "z\n" + text + "h\n"  # inserted at both ends
    assert without_first(text, first, first.replace("c\n", "C\n")) is None  # beside the first fix's line: it cannot be told apart
    assert without_first(text, first, first.replace("B\n", "BB\n")) is None  # the first fix's own line
    grown = text.replace("d\n", "d\nX\nY\n")  # a first fix that adds lines: the later ones' line numbers moved
    assert without_first(text, grown, grown.replace("a\n", "A\n").replace("g\n", "G\n")) == text.replace("a\n", "A\n").replace("g\n", "G\n")
    shrunk = text.replace("c\n", "")
    assert without_first(text, shrunk, shrunk.replace("b\nd\n", "B\nD\n")) is None  # around the line it deleted


def test_a_first_fix_the_second_makes_unneeded_is_left_out():
    # A first "plausible" fix can mask the second bug for the tests that run both functions; once the
    # second bug is fixed, the first edit is noise in the diff the user applies.
    from codemend.inference.fix import mend_further
    from codemend.inference.repair import RepairResult, Suggestion
    from codemend.testcov import TestCoverage

    text = "def f(x):\n    y = x + 1\n    return y\n\n\ndef g(x):\n    z = x * 2\n    return z\n"
    first = text.replace("x + 1\n", "x - 1\n    y += 0\n")  # the masking edit, a line longer
    final = first.replace("x * 2", "x * 3")
    coverage = [TestCoverage("t.py::test_g", False, frozenset({7, 8}))]
    result = RepairResult([Suggestion("m.py", "f", 2, -1.0, "", first, "", "plausible", still_failing=["t.py::test_g"])], [],
                          coverage=coverage)
    again = lambda source: RepairResult([Suggestion("m.py", "g", 8, -2.0, "", final, "", "plausible")], [])  # noqa: E731
    judged = []

    def passes(source, allowed):
        judged.append((source, allowed))
        return "x + 1" in source  # the original f: the tests do not need the first edit

    best = mend_further(text, "m.py", result, again, passes)
    assert judged == [(text.replace("x * 2", "x * 3"), set())]
    assert (best.function, best.line, best.patched_source) == ("g", 7, text.replace("x * 2", "x * 3"))
    assert best.detail.startswith("without the fix of f found first") and best.diff.count("\n-") == 1
    kept = mend_further(text, "m.py", result, again, lambda source, allowed: False)  # the first edit is needed: both, together
    assert (kept.function, kept.patched_source, kept.detail) == ("f, g", final, "2 fixes together: the tests pass")
    assert kept.operator == ""  # neither fix names an operator: no "(, )" after its origin


def test_a_long_file_says_which_function_the_model_is_ranking(tiny_model, caplog):
    # About a second per function with the shipped model: a 136-function module ran 3 minutes in silence.
    from codemend.inference.debugger import Debugger
    from codemend.inference.repair import PROGRESS_FROM

    source = "".join(f"def f{i}(x):\n    y = x + {i}\n    return y\n\n\n" for i in range(PROGRESS_FROM))
    with caplog.at_level("INFO", logger="codemend.inference.repair"):
        repair(source, debugger=Debugger.load(tiny_model), path="long.py", n=0)
    assert [r.getMessage() for r in caplog.records if "long.py: [" in r.getMessage()][-1] == f"long.py: [{PROGRESS_FROM}/{PROGRESS_FROM}] f{PROGRESS_FROM - 1}"


@pytest.mark.sandbox
def test_a_file_in_its_declared_encoding_is_validated_and_written_back_in_it(tmp_path, monkeypatch, capsysbinary):
    # PEP 263: Python reads this file as latin-1; so must the copy the tests run on, and so is it written back.
    source = '# -*- coding: latin-1 -*-\ndef greet(name):\n    prefix = "caf\xe9 "\n    return prefix - name\n'
    (tmp_path / "g.py").write_bytes(source.encode("latin-1"))
    (tmp_path / "test_g.py").write_text('from g import greet\n\n\ndef test_greet():\n    assert greet("x") == "caf\\xe9 x"\n')
    monkeypatch.chdir(tmp_path)
    assert read_source(tmp_path / "g.py")[0] == source
    command = f"{sys.executable} -m pytest -q -p no:cacheprovider test_g.py"
    assert main(["fix", "g.py", "--model", "none", "--test_cmd", command, "--wide", "0", "--apply", "--color", "never"]) == 0
    diff, err = capsysbinary.readouterr()
    assert f"the tests pass now: {command}".encode() in err
    # Its diff is printed in its own encoding, as git prints it, so that `git apply` and `patch` take it (QA: it was UTF-8).
    assert ' prefix = "caf\xe9 "\n'.encode("latin-1") in diff and "caf\xe9".encode("utf-8") not in diff
    assert (tmp_path / "g.py").read_bytes() == source.replace("prefix - name", "prefix + name").encode("latin-1")
    assert (tmp_path / "g.py.codemend.bak").read_bytes() == source.encode("latin-1")
    (tmp_path / "bad.py").write_bytes(b"# coding: latin-1\nx = 1\n" + "é".encode("utf-8")[:1] + b"\x00")
    with pytest.raises(CodemendError, match="not UTF-8|not valid"):
        read_source(tmp_path / "bad.py")


@pytest.mark.sandbox
def test_changed_since_on_a_folder_speaks_only_of_the_changed_files(tmp_path, monkeypatch, git_commit_all, capsys):
    files = {**TWO_BUGS, "pkg/extra.py": "def twice(x):\n    y = x * 2\n    return y\n", "pkg/consts.py": "LIMIT = 3\n"}  # unchanged: not named
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text.replace("x < best", "x > best").replace("lower()", "upper()"))  # committed fixed
    git_commit_all(tmp_path)
    (tmp_path / "pkg/stats.py").write_text(TWO_BUGS["pkg/stats.py"])  # the bug comes in
    monkeypatch.chdir(tmp_path)
    reports = fix_path("pkg", None, test_cmd=f"{sys.executable} -m pytest -q -p no:cacheprovider tests", changed_since="HEAD", wide=0)
    assert [Path(r.path).name for r in reports] == ["stats.py"]  # no note about the files nothing changed in
    assert reports[0].result.suggestions[0].validation == "plausible"
    git_commit_all(tmp_path)  # nothing changed since: said, not "no applicable fix found"
    (report,) = fix_path("pkg", None, changed_since="HEAD")
    assert report.path == "pkg" and report.result.notes == [
        "no function or module-level code changed since HEAD (git diff HEAD): nothing was looked at"]
    capsys.readouterr()
    assert main(["fix", "pkg", "--model", "none", "--changed_since", "HEAD", "--color", "never"]) == 0
    out, err = capsys.readouterr()  # that note alone: not "no fix found", nor how suggestions would be ordered
    assert out == "pkg: nothing looked at (the notes above say why)\n" and err.count("note:") == 1 and "nothing was looked at" in err


def test_a_suggestion_diff_compares_only_the_changed_lines_and_numbers_them_as_the_file_does():
    import difflib

    text = "".join(f"line_{k} = {k}\n" for k in range(1, 301))
    whole = lambda a, b: "".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True), "a/m.py", "b/m.py"))  # noqa: E731
    edits = [text.replace("line_150 = 150\n", "line_150 = 151\n"),  # one line in the middle
             text.replace("line_1 = 1\n", "line_1 = 0\n"),  # the first line: no context before it
             text.replace("line_300 = 300\n", "line_300 = 0\n"),  # the last: none after it
             text + "line_301 = 301\n",  # appended
             text.replace("line_40 = 40\n", "").replace("line_200 = 200\n", "x = 1\ny = 2\n"),  # two hunks, a line fewer
             text.replace("line_10 = 10\nline_11 = 11\nline_12 = 12\n", "")]  # deleted lines
    for patched in edits:
        assert file_diff(text, patched, "m.py") == whole(text, patched)
    assert file_diff(text, text, "m.py") == ""
    # A last line without a newline stays on its own line in the diff (difflib alone would join it to the next),
    # marked as patch and git mark it.
    assert file_diff("a = 1\nb = 2", "a = 1\nb = 3", "m.py").endswith(
        "@@ -1,2 +1,2 @@\n a = 1\n-b = 2\n\\ No newline at end of file\n+b = 3\n\\ No newline at end of file\n")


def test_merging_a_large_space_compares_only_the_lines_another_source_edits_and_suggestions_are_bounded():
    from codemend.inference.candidates import COMPARED_WHOLE, merge, operator_candidates
    from codemend.inference.repair import SUGGESTIONS_PER_FUNCTION, suggested

    code = "def f(a):\n    b = 0\n" + "".join(f"    b += a * {k}\n" for k in range(3, 40)) + "    return b\n"
    space = operator_candidates(code, None)
    assert len(space) > COMPARED_WHOLE
    beam = Candidate(code.replace("a * 3\n", "a*3 + 0\n").replace("a*3 + 0", "a  *  4"), 3, "", {"model"})  # = an inverse, spaced apart
    merged = merge([[beam], space])
    assert len(merged) == len(space)  # the beam is the space's `a * 4` at line 3, merged into it
    assert merged[0] is beam and "operator" in beam.origin
    assert merge([space]) == space  # one source: nothing to compare
    ranked = [Candidate(code, 1, "", {"operator"}) for _ in range(SUGGESTIONS_PER_FUNCTION + 50)]
    ranked[-1] = Candidate(code, 1, "", {"model"})  # a beam's fix ranked last is still validated (to_validate)
    assert suggested(ranked, 60) == ranked[:SUGGESTIONS_PER_FUNCTION] + ranked[-1:]
    assert suggested(ranked, 240) == ranked[:240] + ranked[-1:]  # --validate_top above it: as many as validation reads


def test_a_function_longer_than_the_model_reads_is_ranked_without_it_and_the_note_says_why(causal_model, tiny_model):
    # Past a decoder-only model's positions its scores are noise: such a function is ranked as with
    # --model none and the note says so; a function that fits is still scored by the model, and a
    # seq2seq model (no positions to run out of) reads any length.
    from codemend.inference.debugger import Debugger
    from codemend.inference.explain import token_surprise_for
    from codemend.inference.repair import repair

    debugger = Debugger.load(causal_model)
    short = "def f(a, b):\n    return a - b\n"
    long = "def g(a):\n    b = 0\n" + "".join(f"    b += a * {k}\n" for k in range(300)) + "    return b\n"
    positions = debugger.model.config.max_position_embeddings
    assert debugger.too_long(short) == "" and f"the model reads {positions:,} positions" in debugger.too_long(long)
    text = short + "\n\n" + long
    result = repair(text, debugger=debugger, n=0, path="m.py")
    assert set(token_surprise_for(debugger, "m.py", text, result)) == {"f"}  # explain's heat map: no noise for g
    assert [note for note in result.notes if "ranked without the model" in note] == [f"g is ranked without the model, as with --model none: {debugger.too_long(long)}"]
    by_function = {report.function: report for report in result.functions}
    assert by_function["g"].note and not by_function["f"].note
    alone = repair(long, debugger=None, n=0).functions[0]
    assert [(c.patched, c.score) for c in by_function["g"].candidates] == [(c.patched, c.score) for c in alone.candidates]
    assert any(c.score < 0 for c in by_function["f"].candidates)  # the model's log-likelihoods
    assert Debugger.load(tiny_model).too_long(long) == ""


def test_a_function_with_a_form_feed_inside_is_named_not_passed_over_in_silence():
    # str.splitlines ends a line at a form feed and Python does not: such a function is left out (its
    # lines would be numbered two ways), and fix says so, by name, instead of "no such function".
    from codemend.data.corpus import odd_line_break_functions

    source = "def f(a, b):\n    x = a - b\n\x0c\n    return x\n\x0c\n\nclass C:\n    def g(self, a):\n        return a + 1\n\n    def h(self):\n        '\x0b'\n"
    assert odd_line_break_functions(source) == [("f", 1), ("C.h", 11)]
    assert odd_line_break_functions(SOURCE) == []
    result = repair(source, debugger=None, path="m.py")
    assert [r.function for r in result.functions] == ["C.g"]
    assert said(result) == ["f (line 1), C.h (line 11) not looked at: a form feed or another character that str.splitlines ends a line "
                            "at and Python does not is inside (their lines would be numbered two ways)"]
    assert said(repair(source, debugger=None, path="m.py", function="g")) == []
    with pytest.raises(CodemendError, match="--function h: it holds a form feed"):
        check_functions(source, "m.py", "h", 0)


def test_a_function_whose_body_no_failing_test_runs_takes_no_share_of_the_suspicion():
    # Every def line runs at import, for the failing tests too: counted, it gave a function no test
    # enters a place among the suspicious ones and a third of fix's validation, past the true fix.
    from codemend.inference.repair import _function_share, suspicious_functions

    source = "def f(a):\n    return a - 1\n\n\ndef g(b):\n    return b * 2\n\n\ndef h(c):\n    return c\n"
    f, g, h = select_functions(source, "m.py")
    sbfl = {1: 0.7, 2: 1.0, 5: 0.7, 9: 0.7}  # the def lines, and f's body, which the failing test runs
    assert suspicious_functions([f, g, h], sbfl) == [f]
    assert _function_share(f, sbfl) == 1.0 and _function_share(g, sbfl) == _function_share(h, sbfl) == 0.0
    assert suspicious_functions([g, h], {1: 0.7, 5: 0.7}) == [g, h]  # no body runs: every function is looked at


def test_functions_every_failing_test_enters_are_looked_at_past_the_three_most_suspicious():
    # A constructor every test runs ranks under the methods only the failing test calls, though the
    # failing test runs it too: `self.owner = balance` was never looked at.
    from codemend.inference.repair import ENTERED_BY_ALL, suspicious_functions
    from codemend.inference.sbfl import ochiai
    from codemend.testcov import TestCoverage

    source = "".join(f"def f{k}(a):\n    return a + {k}\n\n\n" for k in range(7))
    functions = select_functions(source, "m.py")
    body = {k: 4 * k + 2 for k in range(7)}  # f{k}'s body line
    failing = TestCoverage("fails", False, frozenset(body.values()) - {body[6]})
    passing = [TestCoverage(f"passes{k}", True, frozenset({body[k]})) for k in (3, 4, 5, 6)]
    sbfl = ochiai([failing, *passing])
    chosen = [f.name for f in suspicious_functions(functions, sbfl, coverage=[failing, *passing])]
    assert chosen[:3] == ["f0", "f1", "f2"] and chosen[3:] == ["f3", "f4"][:ENTERED_BY_ALL]  # f5 too, past the cap; not f6
    assert [f.name for f in suspicious_functions(functions, sbfl)] == ["f0", "f1", "f2"]  # no per-test coverage given
    killed = TestCoverage("hung", False, frozenset(), "stopped")  # a killed run's test: no lines, so no say in who is entered
    assert [f.name for f in suspicious_functions(functions, sbfl, coverage=[failing, killed, *passing])] == chosen
    # A function one of the failing tests does not enter is no single cause of both failures.
    other = TestCoverage("fails too", False, frozenset({body[0], body[1], body[2], body[4]}))
    tests = [failing, other, *passing]
    assert [f.name for f in suspicious_functions(functions, ochiai(tests), coverage=tests)] == ["f0", "f1", "f2", "f4"]


def test_only_the_augmented_to_plain_direction_is_a_top_level_fix():
    from codemend.inference.repair import augments

    code = "TENS += [1, 2]\nLIMIT = 3\nFLAG = a != b\n"
    assert not augments(code, Candidate(code.replace("TENS +=", "TENS ="), 1, "", {"operator"}, operator="toggle_augmented_assignment"))
    assert augments(code, Candidate(code.replace("LIMIT =", "LIMIT -="), 2, "", {"operator"}, operator="toggle_augmented_assignment"))
    assert augments(code, Candidate(code.replace("LIMIT =", "LIMIT **="), 2, "", {"operator"}, operator="toggle_augmented_assignment"))
    assert not augments(code, Candidate(code.replace("!=", "=="), 3, "", {"operator"}, operator="swap_comparison"))


def test_a_function_defined_inside_another_is_ranked_on_its_own_lines_and_the_other_on_the_rest():
    # A decorator and its wrapper took two of the three places on the wrapper's lines, which every failing
    # test runs, past the four decorated functions that each held a bug.
    from codemend.inference.repair import suspicious_functions

    source = ("def logged(func):\n    calls = []\n\n    def wrapper(*args):\n        calls.append(args)\n        return func(*args)\n\n"
              "    return wrapper\n\n\ndef add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a + b\n")
    logged, wrapper, add, mul = select_functions(source, "m.py")
    assert (wrapper.start_line, wrapper.end_line) == (4, 6)
    sbfl = {2: 0.45, 5: 1.0, 6: 1.0, 8: 0.45, 12: 0.5, 16: 0.5}
    assert suspicious_functions([logged, wrapper, add, mul], sbfl) == [wrapper, add, mul]
    assert suspicious_functions([logged, add], sbfl) == [logged, add]  # the wrapper not looked at on its own: its lines are logged's
    # The wrapper's `def` line (its defaults) runs as logged's own.
    assert suspicious_functions([logged, wrapper, add], {4: 0.9, 5: 0.6, 6: 0.6, 12: 0.7}) == [logged, add, wrapper]


def test_a_body_that_shares_the_signatures_last_line_is_entered_only_by_a_test_that_ran_it():
    from codemend.data.corpus import body_lines, enters, header_line
    from codemend.testcov import TestCoverage

    source = "def f(a): return a - 1\n\n\ndef two(a,\n        b=[]): return a\n\n\ndef g(x):\n    return x\n"
    f, two, g = select_functions(source, "m.py")
    assert [(sorted(body_lines(h)), header_line(h)) for h in (f, two, g)] == [([1], 1), ([5], 5), ([9], 0)]
    at_import = frozenset({1, 4, 5, 8})
    other = TestCoverage("t", False, at_import | {9}, "", imported=at_import)
    assert [enters(other, h) for h in (f, two, g)] == [False, False, True]


@pytest.mark.sandbox
def test_a_one_line_functions_fix_is_judged_without_a_failure_whose_test_never_calls_it(tmp_path, monkeypatch):
    # `def add(a, b): return a - b`: its one line is its `def`, which runs at import for every test; counted
    # as a call, test_first's failure (another bug's) made add's true fix "failing".
    (tmp_path / "ops.py").write_text("def add(a, b): return a - b\n\n\ndef first(values):\n    return values[1]\n")
    (tmp_path / "test_ops.py").write_text("from ops import add, first\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n"
                                          "def test_first():\n    assert first([4, 5]) == 4\n")
    monkeypatch.chdir(tmp_path)
    (report,) = fix_path("ops.py", None, test_cmd=f"{sys.executable} -m pytest -q -p no:cacheprovider test_ops.py", wide=0)
    (alone,) = [s for s in report.result.suggestions if s.function == "add" and "return a + b" in s.patched_source]
    assert (alone.validation, alone.still_failing) == ("plausible", ["test_ops.py::test_first"])
    assert report.result.suggestions[0].validation == "plausible" and "values[0]" in report.result.suggestions[0].patched_source


def test_the_api_says_why_a_repair_found_nothing_to_look_at():
    # The Python API returned an empty result and no note for empty or unparsable source, or a missing function.
    assert repair("", debugger=None).notes == ["<memory>: no function or module-level code to look at"]
    broken = repair("def broken(:\n    return\n", debugger=None)
    assert broken.notes == ["<memory>: no function or module-level code to look at; it does not parse (first syntax error near line 1), so look there"]
    (note,) = repair(SOURCE, debugger=None, function="max_indx").notes
    assert note.startswith("--function max_indx: no such function in <memory>; did you mean Stats.max_index")
    # Suggestions nothing ranks (no model, no tests) are said to be in no order (QA: scores of 0 and no word).
    assert repair(SOURCE, debugger=None).notes == [UNRANKED]
    assert UNRANKED not in repair(SOURCE, debugger=None, tests=Tests(test_code="s = Stats()\n")).notes  # tests were given


def test_tests_built_from_the_api_say_what_they_are_missing():
    with pytest.raises(CodemendError, match=r"Tests\(command=...\) needs tree= .* and target="):
        Tests(command="pytest -q")
    with pytest.raises(CodemendError, match=r"Tests\(command=...\) needs target= \(the repaired file's path inside tree=\)"):
        Tests(command="pytest -q", tree=".").run("x = 1\n")
    with pytest.raises(CodemendError, match="test_code= .* or command= .*, not both"):
        Tests(test_code="assert True", command="pytest", tree=".", target="m.py")


def test_top_counts_over_all_files_in_sarif_as_in_text_and_json_and_json_reports_errors(tmp_path, monkeypatch, capsys):
    (tmp_path / "pkg").mkdir()
    for name in ("a.py", "b.py"):
        (tmp_path / "pkg" / name).write_text(SOURCE)
    monkeypatch.chdir(tmp_path)
    assert main(["-q", "fix", "pkg", "--model", "none", "--format", "sarif", "--top", "2"]) == 0
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    assert len(run["results"]) == 2  # it was 2 per file
    assert main(["-q", "fix", "pkg", "--model", "none", "--format", "json", "--top", "2"]) == 0
    assert len(json.loads(capsys.readouterr().out)["suggestions"]) == 2
    # An error still gives a JSON document on stdout, for tools that read only that.
    assert main(["-q", "fix", "pkg/missing.py", "--model", "none", "--format", "json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out) == {"error": "pkg/missing.py: no such file or folder", "notes": [], "suggestions": []}
    assert "codemend: error: pkg/missing.py: no such file or folder" in err
    # ... and a valid SARIF log that says the run failed, where `> out.sarif` used to leave an empty file (QA).
    assert main(["-q", "fix", "pkg/missing.py", "--model", "none", "--format", "sarif"]) == 1
    (failed,) = json.loads(capsys.readouterr().out)["runs"]
    assert failed["results"] == [] and failed["invocations"] == [{"executionSuccessful": False, "toolExecutionNotifications": [
        {"level": "error", "message": {"text": "pkg/missing.py: no such file or folder"}}]}]


def test_a_line_outside_a_functions_body_looks_at_the_whole_function_and_says_so():
    # --line on a def line (or the docstring) pinned the candidates to a line none can be on: "no applicable fix found".
    from codemend.data.corpus import body_lines

    (func,) = select_functions(SOURCE, "s.py", "max_index")
    result = repair(SOURCE, debugger=None, path="s.py", line=func.start_line)
    assert result.suggestions and any("if items[i] > items[best]:" in s.patched_source for s in result.suggestions)
    assert said(result) == [f"--line {func.start_line} is not in Stats.max_index's body (its def line, signature or docstring, "
                            "never edited): the whole function is looked at"]
    body = min(body_lines(func))
    assert all(s.line == body for s in repair(SOURCE, debugger=None, path="s.py", line=body).suggestions)  # a body line still pins


def test_a_note_says_why_the_suggestions_shown_are_out_of_score_order():
    # Two fixes together (their scores summed) passed every test and came first, above a fix with a better
    # score, and nothing said why.
    from codemend.inference.formats import order_note
    from codemend.inference.repair import Suggestion, best_first

    both = Suggestion("m.py", "f, g", 2, -6.0, "", "both", "", "plausible")
    alone = Suggestion("m.py", "f", 2, -2.0, "", "alone", "", "plausible", still_failing=["t.py::test_g"])
    worse = Suggestion("m.py", "g", 7, -9.0, "", "worse", "", "failing")
    ordered = sorted([worse, alone, both], key=best_first)
    assert ordered == [both, alone, worse]
    assert order_note(ordered, 10).startswith("suggestions are in order of what the tests said, then of score")
    assert order_note(ordered, 1) == ""  # one shown: no order to explain
    assert order_note([alone, worse], 10) == order_note([], 10) == ""


def test_changed_since_reads_file_names_that_are_not_utf8(tmp_path, monkeypatch, git_commit_all):
    # A name git prints in other bytes anywhere in the checkout ended the run in a UnicodeDecodeError (review).
    (tmp_path / "a.py").write_text("def f(x):\n    return x + 1\n")
    (tmp_path / "b.py").write_text("def f(x):\n    return x + 1\n")
    git_commit_all(tmp_path)
    (tmp_path / "b.py").write_text("def f(x):\n    return x + 2\n")
    with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt"), "wb") as handle:  # untracked, named in latin-1
        handle.write(b"x\n")
    monkeypatch.chdir(tmp_path)
    assert changed_files([Path("a.py"), Path("b.py")], "HEAD") == [Path("b.py")]
