"""A long docstring is read as its first KEEP lines, and every line, fix and score comes back in the original's numbering."""

from __future__ import annotations

import dataclasses

from codemend.data.corpus import extract_functions
from codemend.inference.debugger import Candidate
from codemend.inference.docstrings import ELIDE_FROM, KEEP, elide
from codemend.inference.localize import LineRanking

DOC = "".join(f"    line {k} of the docs, with \"quotes\" and a \\\\ backslash\n" for k in range(ELIDE_FROM))
FIXED = f'def clamp(x, low, high):\n    """\n    Clamp x into [low, high].\n\n{DOC}    """\n    if x < low:\n        return low\n    return min(x, high)\n'
BUGGY = FIXED.replace("if x < low:", "if x > low:")
DOC_FIRST, DOC_LAST = 2, ELIDE_FROM + 5  # the docstring's lines in the function
LAST = DOC_FIRST + KEEP  # the cut docstring's last line: `...` and the closing quotes


def _func(code: str, start: int = 1):
    (func,) = extract_functions("\n" * (start - 1) + code, "clamp.py")[0]
    return func


def test_a_long_docstring_is_cut_to_its_first_lines_and_its_lines_map_both_ways():
    func = _func(BUGGY, start=11)
    view = elide(func)
    lines = view.func.code.splitlines()
    assert lines[:LAST - 1] == func.code.splitlines()[:LAST - 1] and lines[LAST - 1 :] == ['    ..."""', "    if x > low:", "        return low", "    return min(x, high)"]
    assert view.removed == DOC_LAST - LAST and view.func.end_line == func.end_line - view.removed
    assert [view.to_original(line) for line in (1, 2, LAST - 1, LAST + 1, LAST + 3)] == [1, 2, LAST - 1, DOC_LAST + 1, DOC_LAST + 3]
    assert [view.to_view(line) for line in (1, LAST - 1, LAST, DOC_LAST, DOC_LAST + 1)] == [1, LAST - 1, None, None, LAST + 1]
    # Ochiai's file lines: the function's move with it, the cut docstring's go, the rest of the file stays.
    scores = {11: 0.1, 10 + LAST: 0.2, 10 + DOC_LAST + 1: 0.9, 10 + DOC_LAST + 3: 0.5, 200: 0.3}
    assert view.file_scores_to_view(scores) == {11: 0.1, 10 + LAST + 1: 0.9, 10 + LAST + 3: 0.5, 200: 0.3}


def test_a_fix_of_the_cut_function_is_the_same_fix_of_the_original_renumbered():
    view = elide(_func(BUGGY))
    patched = view.func.code.replace("if x > low:", "if x < low:")
    fix = view.restore_candidate(Candidate(patched, LAST + 1, f"replace {LAST + 1}\n    if x < low:", {"operator"}, "swap_comparison", -0.5))
    assert fix.patched == FIXED and fix.line == DOC_LAST + 1 and fix.target == f"replace {DOC_LAST + 1}\n    if x < low:"
    assert fix.origin == {"operator"} and fix.score == -0.5
    inserted = view.func.code.replace("    return min", "    x = float(x)\n    return min")
    assert view.restore_candidate(Candidate(inserted, LAST + 3, f"insert {LAST + 3}\n    x = float(x)", {"model"})).target == f"insert {DOC_LAST + 3}\n    x = float(x)"
    # A whole-function output is the restored function; an edit of the docstring the model read has nowhere to go.
    assert view.restore_candidate(Candidate(patched, LAST + 1, patched.rstrip("\n"), {"model"})).target == FIXED.rstrip("\n")
    edited_doc = view.func.code.replace("Clamp x", "Clamp y")
    assert view.restore_candidate(Candidate(edited_doc, 3, "replace 3", {"operator"})) is None
    assert view.restore_candidate(Candidate(view.func.code.replace('..."""', '..."""  '), LAST, "replace", {"operator"})) is None


def test_a_report_of_the_cut_function_is_a_report_of_the_original():
    from codemend.inference.repair import FunctionReport

    func = _func(BUGGY, start=5)
    view = elide(func)
    patched = view.func.code.replace("if x > low:", "if x < low:")
    ranking = LineRanking([(LAST + 1, 0.9), (1, 0.2)], {"sbfl": {LAST + 1: 1.0}, "model": {LAST + 1: 0.7, LAST + 2: 0.1}})
    report = view.restore_report(FunctionReport("clamp", 5, ranking, [Candidate(patched, LAST + 1, f"replace {LAST + 1}\n    if x < low:")], view.func))
    assert report.func is func and report.start_line == 5 and [c.patched for c in report.candidates] == [FIXED]
    assert report.ranking.ranked == [(DOC_LAST + 1, 0.9), (1, 0.2)]
    assert report.ranking.signals == {"sbfl": {DOC_LAST + 1: 1.0}, "model": {DOC_LAST + 1: 0.7, DOC_LAST + 2: 0.1}}


def test_short_docstrings_module_code_a_line_asked_for_inside_the_docstring_and_code_after_it_are_left_alone():
    func = _func(BUGGY)
    assert elide(func, keep_line=LAST) is None and elide(func, keep_line=LAST - 1) is not None
    assert elide(dataclasses.replace(func, module_level=True)) is None
    short = FIXED.replace(DOC, "    Only a few lines.\n")
    assert elide(_func(short)) is None
    no_doc = "def f(x):\n    x = 1\n" + "    x += 1\n" * 30 + "    return x\n"
    assert elide(_func(no_doc)) is None
    # A statement after the closing quotes on the same line would be cut with the docstring.
    after = BUGGY.replace('    """\n    if x > low', '    """; x = 0\n    if x > low')
    assert elide(_func(after)) is None


def test_repair_reads_the_cut_function_and_suggests_fixes_of_the_whole_file(tiny_model):
    from codemend.inference.debugger import Debugger
    from codemend.inference.repair import repair

    text = "import math\n\n\n" + BUGGY
    debugger = Debugger.load(tiny_model)
    result = repair(text, debugger=debugger, path="clamp.py", n=0)
    assert f"line {KEEP - 4} of the docs" in debugger._last_prompt.source and f"line {KEEP - 3} of the docs" not in debugger._last_prompt.source
    by_text = {s.patched_source: s for s in result.suggestions}
    fix = by_text["import math\n\n\n" + FIXED]
    assert fix.line == 3 + DOC_LAST + 1 and fix.model_output == f"replace {DOC_LAST + 1}\n    if x < low:"
    # Every suggestion keeps the docstring whole, and the ranking names the file's lines.
    assert all(DOC in s.patched_source for s in result.suggestions)
    (report,) = result.functions
    assert {line for line, _ in report.ranking.ranked} == set(range(1, DOC_LAST + 4)) - set(range(LAST + 1, DOC_LAST + 1))
