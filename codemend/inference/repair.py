"""Localize, repair and validate: the pipeline behind `codemend fix` and the benchmark runner.

    from codemend.inference import Debugger, Tests, repair
    result = repair(source, debugger=Debugger.load("runs/model"), tests=Tests(test_code="assert f(2) == 3"))
    best = result.suggestions[0]          # plausible fixes first, then by model score

Per function: the model proposes fixes (beam search); localization combines where those point,
Ochiai over per-test coverage (with tests) and per-line surprise (causal models); the inverse of
the bug operators adds candidates at the most suspicious lines; the model scores every candidate;
with tests, candidates run in the sandbox and the ones that pass come first.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import functools
import logging
import math
import os
import re
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Collection, Iterator, Mapping, Sequence

from codemend.config import VALIDATION_BUDGET, WIDE_BUDGET, WIDE_SECONDS
from codemend.data.corpus import (MODULE_CODE, Function, body_lines, enters, extract_functions, header_line, module_chunks, module_code,
                                   odd_line_break_functions, replace_function, text_without, top_level_runs)
from codemend.data.operators import MISTAKE_TEMPLATES, candidate_fixes, class_fields
from codemend.data.parsing import first_error_line, parse
from codemend.errors import CodemendError
from codemend.inference import places
from codemend.inference.candidates import (ATTRIBUTE_TEMPLATE, attribute_candidates, binding_candidates, merge, normal_key,
                                          operator_candidates, rename_candidates)
from codemend.inference.debugger import Candidate, Debugger
from codemend.inference.docstrings import elide
from codemend.inference.localize import LineRanking, combine, factored_scores, model_signal
from codemend.inference.sbfl import coverage_for_benchmark, coverage_for_command, line_suspicion
from codemend.sandbox import BackgroundRun, Limits, RunResult, SandboxPool, never_started, run_command, run_tests, scaled_timeout
from codemend.task import source_lines, unified_diff
from codemend.testcov import (COMMAND_STARTUP_S, COVERAGE_SLOWDOWN, TestCoverage, collection_errors, command_limits, deselected_command,
                              failing_tests, failure_trace, finished, first_failing, focused_command, reporting_command, sandbox_failure_trace,
                              tests_ran)

logger = logging.getLogger(__name__)

PROGRESS_FROM = 10  # functions in a file from which `repair` logs each one it ranks (a minute or more in all)
# A function's ranked candidates made into suggestions (each holds the whole patched file and its diff), beyond
# those validation reads (--validate_top) and the beams' fixes it tries past them: a function of thousands of
# candidates held thousands of copies of its file (a 1,400-line function: killed at 24 GB).
SUGGESTIONS_PER_FUNCTION = 200
MAX_SCORED = 64  # above this many inverse-operator candidates, only the most suspicious lines' are scored
BEAMS_WITH_TESTS = 10  # beams per function when tests validate them (see model_beams)
# Where the model is asked for a fix besides its own beams (placed_proposals): at the line ranked first
# (on builtin:dev, beams placed at the first 3 made 2 more bugs plausible, both at the first) and at
# each binding place (3 more: deleted lines). PLACED_BEAMS beams each.
PLACED_LINES = 1
PLACED_BEAMS = 3
# Subtracted from the ranking score of a fix only a beam proposes. A beam is the model's own likeliest
# edit, so its likelihood is high by construction, and wrong beams outranked true fixes in the
# inverse-operator space. With tests (development set builtin:dev, 168 bugs): plausible@1 30.4% with
# no penalty, 38.7% at 1, 41.7% from 2 to 5 (3: the middle), 41.7% with beams last; plausible@10 63.1%,
# 65.5% at 3; the first 60, which `fix` validates, find a plausible fix for 123 bugs with 0 or 3.
# Without tests (validation, 114 stdlib bugs): top-1 36.8% with no penalty, 47.4% from 3 on, 46.5% with
# no beams.
BEAM_PENALTY = 3.0
# The same for a fix only placed beams propose (Debugger.propose_at). They are there for their reach: on
# builtin:dev, plausible@1 / @10 were those without them from a penalty of 4 up (3: one item fewer in the
# first 10; 0: 8 fewer first), and validation reaches them past the budget all the same (to_validate).
PLACED_PENALTY = 5.0
# After the tests hung on the original code, validation starts no more runs after this many --timeout
# limits: a candidate that still hangs costs its limit (the whole --timeout where the tests' own time is
# unknown, else `_hung_limits`' few seconds, so more candidates fit), and ranked 60 of them could take
# half an hour; a fix that ends the hang passes in the tests' own time.
HUNG_VALIDATION_LIMITS = 3
TESTS_PASS = "the tests pass on the original code: there is nothing to validate fixes against"


@dataclass
class Tests:
    """How a candidate is checked: benchmark-style `test_code`, or a `command` run in a copy of `tree`."""

    __test__ = False  # not a pytest test class, despite the name

    test_code: str = ""  # executed after the (patched) module in its namespace; fails by raising
    command: str = ""  # e.g. "pytest -q tests/test_x.py", run from the root of a copy of `tree`
    tree: str = ""  # project root copied for `command`
    target: str = ""  # the repaired file, relative to `tree`
    limits: Limits = field(default_factory=lambda: Limits(wall_s=10.0))
    import_roots: tuple[str, ...] = ()  # folders of `tree` whose copies go first on PYTHONPATH (sandbox.import_roots)
    encoding: str = "utf-8"  # the target's own (a PEP 263 coding line): the copy's file is written in it
    focus_command: str = ""  # `command` running only the tests that fail on the original code (`focus_on_failures`)
    workers: int = 2  # candidates validated at a time (`validate`)
    ran_on_original: int | None = 0  # the tests `command` reported running on the original code: a fix's run must report
    # as many (None: that run reported no count, and a fix's is not asked for one)

    def __post_init__(self) -> None:
        if self.test_code and self.command:
            raise CodemendError("Tests takes test_code= (benchmark-style asserts) or command= (a project's tests), not both")
        if self.command and not self.tree:
            raise CodemendError("Tests(command=...) needs tree= (the project folder the command runs in, copied for each run) and "
                                "target= (the repaired file's path inside it)")
        if self.command and not Path(self.tree).is_dir():
            raise CodemendError(f"Tests(tree={self.tree!r}): not a folder; give the project folder the command runs in")

    def run(self, module_text: str, limits: Limits | None = None, command: str = "") -> RunResult:
        limits = limits or self.limits
        if self.test_code:
            return run_tests(module_text, self.test_code, limits=limits)
        return run_command(reporting_command(command or self.command), tree=Path(self.tree), limits=command_limits(limits), overlay=self.overlay(module_text),
                           import_roots=self.import_roots)

    def judge(self, module_text: str, limits: Limits | None = None, allowed: Collection[str] = ()) -> RunResult:
        """The run that judges a candidate. With a `focus_command`, the tests that failed on the original
        code run first, and the whole command only when none of them fails but the `allowed` (another
        bug's, `verdict`): most candidates fail those, in a fraction of a large suite's time."""
        if not self.focus_command:
            return self.finished(self.run(module_text, limits))
        first = self.run(module_text, limits, self.focus_command)
        failed = self.failed(first) if first.status == "failed" else None
        if first.status == "passed" or (failed and failed <= set(allowed)):
            return self.finished(self.run(module_text, limits))
        return replace(first, detail=f"{first.detail} (of the tests that failed on the original code)")

    def finished(self, result: RunResult) -> RunResult:
        """`result`, as an error when its exit status 0 does not show the tests pass (`testcov.finished`): a
        candidate that ends the process early (`os._exit(0)`) or makes tests skip was plausible, and --apply wrote it."""
        return finished(self.command, result, self.ran_on_original) if self.command else result

    def failed(self, result: RunResult) -> set[str] | None:
        """The tests `result` (a run of `command`) reports failing, as pytest's ids, when its report lists
        them all (`testcov.failing_tests`: pytest's summary, or unittest's FAIL/ERROR reports); None for test code."""
        return failing_tests(self.command, result, Path(self.tree)) if self.command else None

    def overlay(self, module_text: str) -> dict[str, str | bytes]:
        """The target written over the project's copy, in the target's own encoding."""
        if not self.target:  # it was the sandbox's "file path must be relative and non-empty, got ''"
            raise CodemendError("Tests(command=...) needs target= (the repaired file's path inside tree=) to run a candidate")
        return {self.target: module_text if self.encoding == "utf-8" else module_text.encode(self.encoding)}

    def trace(self, failed: RunResult) -> str:
        """The failure a model trained with traces reads: for a pytest command, the first failing test
        and its error from pytest's short summary, as in validated training data (`failure_trace`); for
        unittest, its first failing test and exception in the same form; for test code, its failing
        line and error likewise; otherwise the run's first failure line."""
        if not self.command:
            return sandbox_failure_trace(failed.detail)
        failure = first_failing(self.command, failed, Path(self.tree))
        return failure_trace(*failure) if failure else failed.detail


@dataclass
class Suggestion:
    file: str
    function: str
    line: int  # suspected line, 1-based in the file
    score: float  # what ranks it (higher first), comparable within one run only: the model's mean log-probability of
    # the fix, for the 8 best plus weight x how much more natural the function reads fixed (Debugger.score: so it
    # can be above 0), less BEAM_PENALTY for a fix only a beam proposes; with tests, plus log p(function) + log
    # p(line) (localize.factored_scores); without a model, the line's suspicion
    diff: str  # unified diff against the whole file
    patched_source: str = field(repr=False)  # the whole file with the fix applied (not in repr: a file long)
    model_output: str  # what the model writes for this fix
    validation: str = "not validated"  # plausible / failing / error / timeout / memory / crash / not validated
    origin: str = "model"  # its sources "+"-joined: model (a beam), placed (a beam at a chosen place, Debugger.propose_at),
    # operator, or wide (the wide space, tried by tests only)
    operator: str = ""
    detail: str = ""
    still_failing: list[str] = field(default_factory=list)  # a plausible fix's tests that fail for another bug (see verdict)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class FunctionReport:
    function: str
    start_line: int
    ranking: LineRanking
    candidates: list[Candidate]
    func: Function | None = field(default=None, repr=False)  # the function itself, for the wide search
    note: str = ""  # what the user should know about how it was ranked


@dataclass
class RepairResult:
    suggestions: list[Suggestion]
    functions: list[FunctionReport]
    baseline: RunResult | None = None  # the tests on the unchanged code
    coverage: list[TestCoverage] = field(default_factory=list)  # their per-test coverage of the file, when measured
    failing: set[str] | None = None  # the tests that fail there, when the run lists them all (`Tests.failed`): read once
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # where the time went, by stage
    # The command fixes were judged by when the tests hung in tests that ran no line of the file and it leaves them
    # out (`without_hangs_elsewhere`): `baseline` and `coverage` are then that command's.
    judged_by: str = ""
    # The file's top-level candidates, ranked when called (`top_level_suggestions`): tried when no fix of its functions
    # passes the tests. Set when the tests fail or error on the file (not when they hang: each edit could cost the time
    # limit), the file has functions, and neither --function nor --line narrows the search.
    top_level: Callable[[], list[Suggestion]] | None = field(default=None, repr=False, compare=False)


class Stopwatch:
    """Adds the time spent in `with watch("stage"):` blocks to `seconds[stage]`."""

    def __init__(self, seconds: dict[str, float]):
        self.seconds = seconds

    @contextlib.contextmanager
    def __call__(self, stage: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started


# ----------------------------------------------------------------------------- per function


def _sbfl_lines(func: Function, file_scores: dict[int, float]) -> dict[int, float]:
    """File-line Ochiai scores mapped to the function's own 1-based numbering."""
    return {line - func.start_line + 1: score for line, score in file_scores.items()
            if func.start_line <= line <= func.end_line}


def _function_share(func: Function, file_scores: dict[int, float]) -> float:
    """The function's most suspicious body line relative to the file's: how likely the bug is in it at all."""
    top = max(file_scores.values(), default=0.0)
    return body_suspicion(func, file_scores) / top if top > 0 else 1.0


def body_suspicion(func: Function, file_scores: dict[int, float]) -> float:
    """The most suspicious line of the function's body (`corpus.body_lines`): its `def` line runs at import
    for every test, failing ones too, and gave a function no test enters a share of the suspicion (a
    third of `fix`'s validation went to one such function, past the true fix in another)."""
    return max((file_scores.get(line, 0.0) for line in body_lines(func)), default=0.0)


def localize_function(func: Function, model_candidates: list[Candidate], debugger: Debugger | None,
                      sbfl: dict[int, float], watch: Stopwatch) -> LineRanking:
    signals = {}
    if model_candidates:
        signals["model"] = model_signal(model_candidates)
    if sbfl:
        signals["sbfl"] = _sbfl_lines(func, sbfl)
    if debugger is not None:
        with watch("naturalness"):
            surprise = debugger.line_surprise(func.code, func.context)
        # The `def` line's surprise stays in, though no ranked candidate edits it: it is the most surprising line of
        # 159 of the 258 operator items, and leaving it out (the body's surprise then scaled by its own maximum)
        # moved 12 of their top lines with tests, 4 to the bug and 8 away (docs/measured.md, "naturalness on the body's lines")
        if surprise:
            signals["naturalness"] = surprise
    return combine(signals, last_line(func))


def scored_space(func: Function, found: list[Candidate], debugger: Debugger, sbfl: dict[int, float],
                 watch: Stopwatch | None = None, top_lines: int = 3) -> list[Candidate]:
    """The candidates the model scores: all of them, or, above MAX_SCORED, those on the lines that coverage
    and the model's own surprise point at (a long function's space, p90 ~130, would take seconds to read)."""
    if len(found) <= MAX_SCORED:
        return found
    ranking = localize_function(func, [], debugger, sbfl, watch or Stopwatch({}))
    return on_suspicious_lines(found, ranking, 2 * top_lines, last=last_line(func))


def last_line(func: Function) -> int:
    """The function's last line, which a line inserted past its end (a final `return`) belongs to."""
    return func.code.count("\n") or 1


def on_suspicious_lines(found: list[Candidate], ranking: LineRanking, min_lines: int, budget: int = MAX_SCORED,
                        last: int | None = None) -> list[Candidate]:
    """The candidates on the `min_lines` most suspicious lines, then on the next most suspicious lines
    while fewer than `budget` are kept: the lines ranked first may hold no candidate at all (a comment,
    a blank line), which left 3 of 100 held-out test functions with nothing to suggest. Candidates past
    the `last` line (a final `return`, a handful) are always kept: no ranking holds a line past the end,
    and a long function's missing final `return` was never scored."""
    per_line = collections.Counter(c.line for c in found)
    keep = set(ranking.top(min_lines))
    kept = sum(per_line[line] for line in keep)
    for line, _ in ranking.ranked:
        if kept >= budget:
            break
        if line not in keep and per_line[line]:
            keep.add(line)
            kept += per_line[line]
    return [c for c in found if c.line in keep or (last is not None and c.line > last)]


def placed_proposals(func: Function, proposed: list[Candidate], debugger: Debugger, sbfl: dict[int, float], trace: str,
                     module: str | None, watch: Stopwatch, line: int = 0) -> list[Candidate]:
    """The model's fixes at the places `places` names: `line` (in the function, when given) or else each of
    the PLACED_LINES lines the beams, the tests' coverage and the model's surprise find most suspicious,
    replaced; and a binding of each name read before any binding, inserted."""
    lines = [line] if line else localize_function(func, proposed, debugger, sbfl, watch).top(PLACED_LINES)[:PLACED_LINES]
    if module is not None and func.module_level:  # its globals are those bound outside it, not its own
        module = text_without(module, func)
    prefixes = places.line_prefixes(lines) + places.binding_prefixes(func.code, module, func.start_line)
    return debugger.propose_at(func.code, prefixes, func.context, trace, PLACED_BEAMS)


def repair_function(func: Function, debugger: Debugger | None, *, sbfl: dict[int, float], trace: str = "",
                    n: int = 10, line: int = 0, use_operators: bool = True, top_lines: int = 3,
                    watch: Stopwatch | None = None, placed: bool = True, module: str | None = None) -> FunctionReport:
    """Candidates for one function, scored by the model and ordered best first. With beams (`n` > 0) and
    `placed`, the model also writes fixes at the places `placed_proposals` picks (`module`: the text
    of the module holding `func`, for its globals). The model reads a long docstring as its first
    lines (`docstrings.elide`); the report is of `func` as it is."""
    if line and line not in body_lines(func):  # no candidate is ever there: "no applicable fix found" said nothing
        report = repair_function(func, debugger, sbfl=sbfl, trace=trace, n=n, line=0, use_operators=use_operators,
                                 top_lines=top_lines, watch=watch, placed=placed, module=module)
        unpinned = f"--line {line} is not in {func.name}'s body (its def line, signature or docstring, never edited): the whole function is looked at"
        report.note = "; ".join(filter(None, [unpinned, report.note]))
        return report
    view = elide(func, line and line - func.start_line + 1) if debugger is not None else None
    read = view.func if view is not None else func
    if debugger is not None and (why := debugger.too_long(read.code, read.context, trace)):
        report = _repair_function(func, None, sbfl=sbfl, trace=trace, n=n, line=line, use_operators=use_operators,
                                  top_lines=top_lines, watch=watch, placed=placed, module=module)
        report.note = "; ".join(filter(None, [f"{func.name} is ranked without the model, as with --model none: {why}", report.note]))
        return report
    if view is None:
        return _repair_function(func, debugger, sbfl=sbfl, trace=trace, n=n, line=line, use_operators=use_operators,
                                top_lines=top_lines, watch=watch, placed=placed, module=module)
    line = line and func.start_line - 1 + view.to_view(line - func.start_line + 1)
    report = _repair_function(view.func, debugger, sbfl=view.file_scores_to_view(sbfl), trace=trace, n=n, line=line,
                              use_operators=use_operators, top_lines=top_lines, watch=watch, placed=placed, module=module)
    return view.restore_report(report)


def _repair_function(func: Function, debugger: Debugger | None, *, sbfl: dict[int, float], trace: str, n: int, line: int,
                     use_operators: bool, top_lines: int, watch: Stopwatch | None, placed: bool, module: str | None) -> FunctionReport:
    watch = watch or Stopwatch({})
    with watch("generation"):
        proposed = debugger.propose(func.code, func.context, trace, n) if debugger and n > 0 else []
        at_places = []
        if debugger and n > 0 and placed:
            at_places = placed_proposals(func, proposed, debugger, sbfl, trace, module, watch, line and line - func.start_line + 1)
        # `DAY = 86400` written into the function that reads a wrong module-level DAY: it passes and fixes nothing;
        # `taken + 1` for `take + 1` reads a name nothing binds: a NameError wherever it runs
        proposed, at_places = ([c for c in group if not places.shadowed_globals(func.code, c.patched, module)
                                and not places.new_unbound_reads(func.code, c.patched, module, func.start_line)]
                               for group in (proposed, at_places))
    if line:
        lines = [line - func.start_line + 1]
    elif debugger is not None:
        lines = None  # the model scores the whole space (median ~25 candidates): cheap next to a wrong guess
    else:
        pre = localize_function(func, [], None, sbfl, watch)
        lines = pre.top(top_lines) if pre.signals else None
    with watch("operator_candidates"):
        found = operator_candidates(func.code, debugger, lines) if use_operators else []
    if debugger is not None and lines is None:
        found = scored_space(func, found, debugger, sbfl, watch, top_lines)
    attribute_fixes = places.attribute_fixes(func.code, trace, module) if use_operators and not func.module_level else []
    if use_operators and not func.module_level:  # a handful, and only where a name is read unbound: always scored
        found += binding_candidates(func.code, debugger, module, func.start_line)
        found += rename_candidates(func.code, debugger, module, func.start_line)
        found += attribute_candidates(func.code, debugger, attribute_fixes)
    candidates = merge([proposed, found, at_places])  # a placed fix another source has keeps that one's text
    # Fixes only placed are scored and localized apart from the rest: among them they took places in the
    # full reading and the naturalness shortlist (Debugger.score), and placed at lines already ranked first
    # they would rank those higher still; with the rest, they cost 6 of 70 dev bugs their first plausible
    # fix, even ranked last.
    rest = [c for c in candidates if c.origin != {"placed"}]
    if debugger is not None and candidates:
        with watch("ranking"):
            for group in (rest, [c for c in candidates if c.origin == {"placed"}]):
                debugger.score(func.code, [c for c in group if c.target], func.context, trace)
    # Localize from every scored candidate (beams and operator inverses alike), not the beams alone.
    ranking = localize_function(func, rest if debugger is not None else [], debugger, sbfl, watch)
    if debugger is None:
        # No model: the more suspicious the edited line, the likelier the fix (ties keep operator order).
        line_score = dict(ranking.ranked)
        for candidate in candidates:
            candidate.score = line_score.get(candidate.line, 0.0)
    elif "sbfl" in ranking.signals:
        # The failing tests weigh each line, the model each fix there (see factored_scores).
        last = last_line(func)
        factored = factored_scores([c.score for c in candidates], [min(c.line, last) for c in candidates], dict(ranking.ranked),
                                   prior=_function_share(func, sbfl))
        for candidate, value in zip(candidates, factored):
            candidate.score = value
    if debugger is not None:
        for candidate in candidates:
            if beam_only(candidate.origin):
                candidate.score -= BEAM_PENALTY if "model" in candidate.origin else PLACED_PENALTY
    lifted = lift_trace_answers(candidates, func, trace, module)
    renamed = lift_attribute_answers(candidates, attribute_fixes, trace)
    candidates.sort(key=lambda c: -c.score)
    # Not naming the function: a closure's name is read in it and in the function around it, and one note says it.
    note = trace_note(lifted, func.code, module, func.start_line) if lifted else ""
    if renamed:
        note = "; ".join(filter(None, [note, f"the tests fail reading the attribute `{renamed}`, which the object does not have (misspelt?): "
                                             f"the fixes that name one a letter or two away rank first"]))
    return FunctionReport(func.name, func.start_line, ranking, candidates, func, note)


def lift_attribute_answers(candidates: list[Candidate], fixes: list[str], trace: str) -> str:
    """Put the candidates that are one of `fixes` (`places.attribute_fixes`, made from the tests' AttributeError,
    whichever source kept them) above the others, as `lift_trace_answers` does for a NameError; the attribute,
    or "" when none was lifted."""
    offered = {normal_key(patched) for patched in fixes}
    answers = {id(c) for c in candidates if c.operator == ATTRIBUTE_TEMPLATE or (offered and normal_key(c.patched) in offered)}
    return places.attribute_in_trace(trace) if lift_above(candidates, answers) else ""


def trace_note(name: str, code: str, module: str | None, line: int) -> str:
    """What `lift_trace_answers` did for `name`, said as the report's note: a typo is not "before any value is bound"."""
    if places.misspelt(code, name, places.known_names(module, line)):
        return f"the tests fail reading `{name}`, which nothing binds (misspelt?): the fixes that stop reading it rank first"
    return f"the tests fail reading `{name}` before any value is bound to it: the fixes that bind it rank first"


# How far above the rest the fixes that answer the tests' NameError go (`lift_trace_answers`): a margin, so
# their order among themselves is the model's and any of them comes before every other candidate.
TRACE_LIFT_MARGIN = 1.0


def lift_trace_answers(candidates: list[Candidate], func: Function, trace: str, module: str | None) -> str:
    """When the tests fail with a NameError or UnboundLocalError on a name `func` reads as a deleted binding
    leaves it (`places.missing_binding`: not a function only called, not an `os` whose import is gone) or
    as a typo does (`places.misspelt`: bound nowhere, a letter or two from a bound name), put the candidates
    that bind it (or no longer read it unbound) above all others (`lift_above`): no other edit can get past
    that error. On builtin:dev, the deleted `result = []` and its kind ranked 14th to 69th, below edits of
    the lines that read the name, every one of which still raised it. The name lifted for, or ""."""
    name = places.unbound_in_trace(trace)
    known = places.known_names(module, func.start_line) if name else None
    if not name or not (places.missing_binding(func.code, name, known) or places.misspelt(func.code, name, known)):
        return ""
    answers = {id(c) for c in candidates if not places.reads_unbound(c.patched, name, known)}
    return name if lift_above(candidates, answers) else ""


def lift_above(candidates: list[Candidate], answers: set[int]) -> bool:
    """Raise the candidates whose `id` is in `answers` TRACE_LIFT_MARGIN above the best other one, keeping their
    order among themselves; unscored ones go just above the others, below the scored ones. False (nothing
    moved) when there are no answers or nothing else."""
    others = [c.score for c in candidates if id(c) not in answers and math.isfinite(c.score)]
    lifted = [c for c in candidates if id(c) in answers]
    if not (others and lifted):
        return False
    floor = max(others) + TRACE_LIFT_MARGIN
    scored = [c.score for c in lifted if math.isfinite(c.score)]
    lift = max(floor - min(scored), 0.0) if scored else 0.0
    for candidate in lifted:
        candidate.score = candidate.score + lift if math.isfinite(candidate.score) else floor - TRACE_LIFT_MARGIN / 2
    return True


# ----------------------------------------------------------------------------- whole file


def suggested(ranked: list[Candidate], max_validate: int) -> list[Candidate]:
    """The candidates of one function worth a suggestion: the first SUGGESTIONS_PER_FUNCTION (at least the
    `max_validate` validation may read), and the beams' and placed fixes past them (`to_validate` tries them).
    The file's first N suggestions are among its functions' first N, so nothing ranked is lost."""
    keep = max(SUGGESTIONS_PER_FUNCTION, max_validate)
    return ranked[:keep] + [c for c in ranked[keep:] if beam_only(c.origin)]


def distinct(suggestions: list[Suggestion], functions: Sequence[Function] = ()) -> list[Suggestion]:
    """The first of each set of suggestions that patch the file into the same text: a nested function is
    repaired as itself and as part of the function around it, by the same edits. Each is named for the
    innermost of `functions` whose body holds its line, whichever of the two ranked it higher (QA: an edit
    inside `scale` said "suspected bug in make_scaler" where the outer one ranked it first). (Each
    function's own candidates are already merged after normalisation; normalising whole files here took
    13 s for the 3,859 suggestions of json/decoder.py without a model.)"""
    kept: dict[str, Suggestion] = {}
    for suggestion in suggestions:
        kept.setdefault(suggestion.patched_source, suggestion)
    bodies = [(func.name, body_lines(func), func.end_line - func.start_line) for func in functions if not func.module_level]
    return [_named_innermost(suggestion, bodies) for suggestion in kept.values()]


def _named_innermost(suggestion: Suggestion, bodies: list[tuple[str, frozenset[int], int]]) -> Suggestion:
    holding = [(span, name) for name, lines, span in bodies if suggestion.line in lines]
    if len(holding) < 2 or suggestion.function not in {name for _, name in holding}:
        return suggestion
    return replace(suggestion, function=min(holding)[1])


DIFF_CONTEXT = 3  # lines of context around a change in a suggestion's diff (difflib's and git's default)


def file_diff(text: str, patched: str, path: str) -> str:
    """The unified diff of the whole file `text` to `patched`, as a suggestion shows it.

    Only the lines from the first to the last changed one, with their context, are compared, their
    hunks numbered as the file's lines (`task.unified_diff`): a whole file's run makes a suggestion of
    every candidate of every function, and diffing the whole file each time took 9.3 s of an 80 s run
    on tabulate's 2,700-line module (3,106 suggestions; 1.6 s this way, the same diffs; docs/measured.md)."""
    old, new = source_lines(text), source_lines(patched)
    same = min(len(old), len(new))
    head = next((k for k in range(same) if old[k] != new[k]), same)
    tail = next((k for k in range(same - head) if old[-1 - k] != new[-1 - k]), same - head)
    start, cut = max(0, head - DIFF_CONTEXT), max(0, tail - DIFF_CONTEXT)
    return unified_diff("".join(old[start : len(old) - cut]), "".join(new[start : len(new) - cut]), path, first_line=start + 1)


def to_suggestion(text: str, path: str, func: Function, candidate: Candidate) -> Suggestion:
    patched = replace_function(text, func, candidate.patched)
    diff = file_diff(text, patched, path)
    status = {"passed": "plausible", "failed": "failing"}.get(candidate.status, candidate.status)
    return Suggestion(path, func.name, func.start_line + candidate.line - 1, candidate.score, diff, patched,
                      candidate.target, status, "+".join(sorted(candidate.origin)), candidate.operator, candidate.detail)


def in_rank_order(total: int, run: Callable[[int, int], int], chunk: int, *, first: int = 0, enough: int = 0,
                  seconds: float = 0.0) -> int:
    """Validate ranked candidates [0, total) in order: `run(start, stop)` validates that slice and
    returns how many of it pass. The first `first` run together (plausible@k reads them all), then
    `chunk` at a time until `enough` have passed (0: all run), starting no more after `seconds` (0: no
    limit). Returns how many ran. `fix` and the benchmark both validate through this one loop.
    """
    ran = passed = 0
    deadline = time.monotonic() + seconds if seconds > 0 else float("inf")
    while ran < total:
        stop = min(total, first if ran < first else ran + chunk)
        passed += run(ran, stop)
        ran = stop
        if ran >= first and ((enough and passed >= enough) or time.monotonic() > deadline):
            break
    return ran


def beam_only(origin: set[str] | str) -> bool:
    """Whether only the model's beams (free or placed) propose a fix: a Candidate's origin set, or a
    Suggestion's "+"-joined string."""
    origins = set(origin.split("+")) if isinstance(origin, str) else origin
    return bool(origins) and origins <= {"model", "placed"}


def best_first(suggestion: Suggestion) -> tuple[bool, bool, float]:
    """Sort key of validated suggestions: plausible fixes first, those that pass every test before those
    judged without another bug's failing tests (`verdict`), then by score."""
    return suggestion.validation != "plausible", bool(suggestion.still_failing), -suggestion.score


def answers(suggestion: Suggestion, partial_is_enough: bool) -> bool:
    """Whether a validated suggestion ends the search for a fix: plausible, and passing every test unless
    fixes judged without another bug's failures count (`one_cause_possible` says when they cannot)."""
    return suggestion.validation == "plausible" and (partial_is_enough or not suggestion.still_failing)


def to_validate(suggestions: list[Suggestion], budget: int) -> list[Suggestion]:
    """The first `budget` ranked suggestions, then the fixes only beams propose that rank past them:
    BEAM_PENALTY ranks a beam lower, and with tests a beam is there for its reach (fixes no template
    holds), so it is validated all the same (at most one run per beam)."""
    return suggestions[:budget] + [s for s in suggestions[budget:] if beam_only(s.origin)]


def validate(suggestions: list[Suggestion], tests: Tests, limits: Limits, enough: int = 0,
             seconds: float = 0.0, unreached: Mapping[str, set[str]] | None = None, partial_is_enough: bool = True,
             unrelated: Mapping[str, set[str]] | None = None) -> int:
    """Run the tests on suggestions in rank order, `tests.workers` at a time, in the sandbox.

    Stops once `enough` plausible fixes are found (0: validate all), or starts no more runs after
    `seconds` (0: no limit); returns how many ran. `unreached`: per function, the tests that fail on
    the original code without running it (`unreached_failures`), which a fix there is judged without;
    such a fix counts towards `enough` only when `partial_is_enough` (`answers`). `unrelated`: per
    function, the tests that pass on the original code without running it (`unrelated_passing`): a fix
    that fails only those (and `unreached`) runs once more (`judge_twice_if_flaky`).
    """
    workers = tests.workers
    pool = SandboxPool(workers=workers, limits=limits) if tests.test_code else None
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=workers)

    def judged(suggestion: Suggestion) -> tuple[RunResult, str]:
        allowed = (unreached or {}).get(suggestion.function, set())
        return judge_twice_if_flaky(suggestion, tests, limits, allowed, (unrelated or {}).get(suggestion.function, set()))

    def run(start: int, stop: int) -> int:
        chunk = suggestions[start:stop]
        if pool is not None:
            results = [(result, "") for result in pool.map_tests([(s.patched_source, tests.test_code) for s in chunk])]
        else:
            results = list(executor.map(judged, chunk))
        for suggestion, (result, flaky) in zip(chunk, results):
            suggestion.validation, suggestion.detail, suggestion.still_failing = verdict(
                result, suggestion.function, (unreached or {}).get(suggestion.function, set()), tests)
            if flaky:
                suggestion.detail = "; ".join(part for part in (flaky, suggestion.detail) if part)
        return sum(answers(suggestion, partial_is_enough) for suggestion in chunk)

    try:
        return in_rank_order(len(suggestions), run, 2 * workers, enough=enough, seconds=seconds)
    finally:
        executor.shutdown()
        if pool is not None:
            pool.close()


def judge_twice_if_flaky(suggestion: Suggestion, tests: Tests, limits: Limits, allowed: set[str],
                         unrelated: set[str]) -> tuple[RunResult, str]:
    """`tests.judge` of the suggestion, and when the only tests that fail are `allowed` (another bug's) or
    `unrelated` (they pass on the original code and never run the function: an edit of it cannot fail
    them, short of a subprocess, which coverage does not follow), at least one of them unrelated, the
    second run's result instead, with what the first said. A flaky test then costs a run, not the fix:
    boltons' test_iter_find_files strips its folder's path with `str.lstrip`, so it fails whenever the
    sandbox's random folder name holds an "f", and the fix of backoff_iter was "failing" in 2 of 4 runs."""
    first = tests.judge(suggestion.patched_source, limits, allowed)
    failed = tests.failed(first) if first.status == "failed" and unrelated else None
    flaky = (failed or set()) & unrelated
    if not flaky or not failed <= unrelated | allowed:
        return first, ""
    logger.info("%s: %s failed without running %s; running the fix once more", suggestion.file, some(flaky), suggestion.function)
    they = "it passes" if len(flaky) == 1 else "they pass"
    return (tests.judge(suggestion.patched_source, limits, allowed),
            f"run twice: {some(flaky)} failed the first run, though {they} on the original code without running {suggestion.function}")


def unrelated_passing(coverage: list[TestCoverage], functions: list[FunctionReport]) -> dict[str, set[str]]:
    """Per function: the tests that pass on the original code (under coverage) and never enter its body
    (`judge_twice_if_flaky`). Empty without per-test coverage."""
    passed = [test for test in coverage if test.passed]
    return {report.function: {test.name for test in passed if not enters(test, report.func, body)}
            for report in functions if report.func is not None and (body := body_lines(report.func))}


def verdict(result: RunResult, function: str, unreached: set[str], tests: Tests) -> tuple[str, str, list[str]]:
    """(validation, detail, tests still failing) of a fix in `function`: plausible when the tests pass, or
    when the only tests that fail are among `unreached` (they failed on the original code and never ran
    `function`, so no edit of it can change them: another bug's), as `tests` reads a run (`Tests.failed`)."""
    failed = tests.failed(result) if result.status == "failed" and unreached else None
    if failed and failed <= unreached:
        return "plausible", (f"passes every test that runs {function}; {len(failed)} other failing test(s) never run it "
                             f"and fail as before ({some(failed)})"), sorted(failed)
    return {"passed": "plausible", "failed": "failing"}.get(result.status, result.status), result.detail, []


def some(names: Collection[str], shown: int = 2) -> str:
    """The first `shown` of `names` in order, then "..." when there are more."""
    return ", ".join(sorted(names)[:shown]) + (", ..." if len(names) > shown else "")


def failing_elsewhere(result: RepairResult, functions: list[Function]) -> str:
    """A note when no test that fails on the original code runs a line of `functions` while coverage sees
    other tests run them (it sees nothing of code run in child processes): no edit here can make those
    tests pass, so validating would only spend their runs (a folder run skips such files)."""
    if not (result.failing and result.coverage and functions):
        return ""
    # `enters` for any of them, asked of one set: a folder's file has hundreds of functions, a suite thousands of tests
    plain = frozenset().union(*(body_lines(func) - {header_line(func)} for func in functions))
    headers = {header_line(func) for func in functions} - plain  # a nested one-liner's line is its encloser's body too
    bodies = plain | headers
    runs_one = [test.enters(bodies, headers) for test in result.coverage]
    if any(runs for test, runs in zip(result.coverage, runs_one) if test.name in result.failing) or not any(runs_one):
        return ""
    what, whose = (functions[0].name, "its") if len(functions) == 1 else ("its functions", "their")
    return (f"no test that fails on the original code ({some(result.failing)}) runs {what} (per-test coverage): the bug they see is "
            f"elsewhere{FOLDER_HINT}; {whose} suggestions are not validated")


# Said of a file given alone: a folder run (`fix.fix_path`) has looked at the other files already, and leaves it out.
FOLDER_HINT = "; give the project's folder (`codemend fix DIR --test_cmd ...`) to look where they run"


def unreached_failures(failing: set[str] | None, coverage: list[TestCoverage], functions: list[FunctionReport]) -> dict[str, set[str]]:
    """Per function: the `failing` tests (on the original code: `Tests.failed`) whose coverage never enters
    its body (another bug's failures: a project rarely has just one). Empty without per-test coverage or
    a complete list of the failures (`failing` None); no entry for a function no failing test runs: no
    edit of it can fix anything."""
    tests = {test.name: test for test in coverage}
    unreached = {}
    for report in functions:
        body = body_lines(report.func) if report.func else frozenset()
        names = {name for name in failing or () if name in tests and body and not enters(tests[name], report.func, body)}
        if names and names != failing:
            unreached[report.function] = names
    return unreached


def one_cause_possible(failing: set[str] | None, coverage: list[TestCoverage], functions: list[FunctionReport]) -> bool:
    """Whether every test that fails on the original code runs the body of one of `functions`: then one
    fix there may explain every failure, and a fix that leaves some failing as another bug's is no
    reason to stop looking (in more-itertools, `sliced`'s off-by-one start fails four tests; one of them
    also runs the nested `ret`, whose `!=` flipped to `==` passes it). False without per-test coverage
    or the list of tests `failing` on the original code (`Tests.failed`)."""
    if not failing or not coverage:
        return False
    tests = {test.name: test for test in coverage}
    if not failing <= tests.keys():
        return False
    return any(all(enters(tests[name], report.func, body) for name in failing)
               for report in functions if report.func and (body := body_lines(report.func)))


WIDE_LINES = 5  # the most suspicious lines per function the wide space is tried at


def wide_suggestions(text: str, path: str, reports: list[FunctionReport], tried: set[str], floor: float = 0.0,
                     limit: int = WIDE_BUDGET) -> list[Suggestion]:
    """Edits of the wide repair space (`candidate_fixes(wide=True)`, which holds the usual one): first the
    mistake templates (`MISTAKE_TEMPLATES` and, in a method, `own_field`: about one edit per line) at every line of each function, then
    every edit at each function's WIDE_LINES most suspicious lines; each tier in line order (the best line
    of every function first, then the second, ...) and up to `limit` edits of its own, so the mistakes'
    edits never crowd the wide templates' out. `tried`: `normal_key`s of the patched files already
    validated, left out (and added to).

    They are not scored by the model (dozens per line); their scores sit under `floor` (the lowest
    ranked score) in that order, and only tests decide whether one is shown.
    """
    found: list[Suggestion] = []
    functions = [report for report in reports if report.func is not None]
    fields = [() if report.func.module_level else class_fields(text, report.func.start_line) for report in functions]
    module = tuple(sorted(places.module_names(text) or ()))  # the file is parsed once, not per function
    names = [module if not report.func.module_level and not report.func.indent else () for report in functions]
    tiers = [([_all_lines(report) for report in functions], {*MISTAKE_TEMPLATES, "own_field", "declare_global"}),
             ([report.ranking.top(WIDE_LINES)[:WIDE_LINES] for report in functions], None)]
    for lines, only in tiers:
        found += _wide_tier(text, path, functions, lines, only, tried, floor - 1.0 - 1e-3 * len(found), limit, fields, names)
    return found


def _wide_tier(text: str, path: str, functions: list[FunctionReport], lines: list[list[int]], only: Collection[str] | None,
               tried: set[str], top: float, limit: int, fields: list[tuple[str, ...]],
               names: list[tuple[str, ...]]) -> list[Suggestion]:
    """Up to `limit` edits of `only` (None: all) at each function's `lines`, scored down from `top`
    (`fields`: each function's class's, for `other_field`; `names`: a top-level function's module's, for
    `declare_global`)."""
    found: list[Suggestion] = []
    for rank in range(max((len(order) for order in lines), default=0)):
        for report, order, own, module in zip(functions, lines, fields, names):
            if rank >= len(order):
                continue
            for patched, operator in candidate_fixes(report.func.code, lines=[order[rank]], wide=True, only=only, fields=own,
                                                     globals_=module):
                # Keyed before the diff is made: most of a line's edits repeat one already tried.
                key = normal_key(replace_function(text, report.func, patched))
                if key in tried:
                    continue
                tried.add(key)
                candidate = Candidate(patched, order[rank], "", {"wide"}, operator=operator, score=top - 1e-3 * len(found))
                found.append(to_suggestion(text, path, report.func, candidate))
                if len(found) >= limit:
                    return found
    return found


def _all_lines(report: FunctionReport) -> list[int]:
    """Every line of the function, the ranked ones first in their order."""
    ranked = [line for line, _ in report.ranking.ranked]
    seen = set(ranked)
    return ranked + [line for line in range(1, len(report.func.code.splitlines()) + 1) if line not in seen]


def select_functions(text: str, path: str, function: str = "", line: int = 0, extracted: list[Function] | None = None) -> list[Function]:
    """The functions of `text` to repair: all, those named `function`, or the innermost holding `line`.
    Module-level code (`module_chunks_of`: named MODULE_CODE, or `<module> lines A-B` for each chunk of a
    long one) stands in for a function in a file that has none (a script), and where `line` is outside
    every function; `function` MODULE_CODE names every chunk. `extracted`: `text`'s functions, when the
    caller has them (`corpus.extract_functions`)."""
    functions = extracted if extracted is not None else extract_functions(text, path)[0]
    if not functions:
        functions = module_chunks_of(text, path)
    if function:
        functions = [f for f in functions if names(function, f.name) or (function == MODULE_CODE and f.module_level)]
        functions = functions or _module_code_named(text, path, function)
    if line:
        holding = [f for f in functions if f.start_line <= line <= f.end_line][-1:]  # innermost
        functions = holding or ([] if function else [f for f in module_chunks_of(text, path, line) if f.start_line <= line][-1:]
                                or class_statements(text, path, line))
    return functions


def names(function: str, qualified: str) -> bool:
    """Whether --function `function` names the function `qualified` ("Class.method"): in full, or by its own name."""
    return function in (qualified, qualified.rsplit(".", 1)[-1])


def passed_over(text: str, function: str = "") -> str:
    """The functions (all, or those named `function`) that extraction leaves out of `text` for an odd line
    break inside them, named with their lines ("" when none)."""
    found = [(name, at) for name, at in odd_line_break_functions(text) if not function or names(function, name)]
    return ", ".join(f"{name} (line {at})" for name, at in found)


def _module_code_named(text: str, path: str, name: str) -> list[Function]:
    """The module-level code of a file with functions that `name` ("<module> lines 8-20") names, or a class's
    statements between its methods ("Retry lines 25-26"): what `fix --changed_since` asks for by name."""
    found = re.fullmatch(re.escape(MODULE_CODE) + r" lines (\d+)-\d+", name)
    if found:
        return [f for f in module_chunks_of(text, path, int(found[1])) if f.name == name]
    found = re.fullmatch(r"\w+ lines (\d+)-\d+", name)
    return [f for f in class_statements(text, path, int(found[1])) if f.name == name] if found else []


def class_statements(text: str, path: str, line: int) -> list[Function]:
    """The chunk of a top-level class's statements between its methods (`corpus.top_level_runs`) that holds `line`."""
    return [chunk for chunk in _class_chunks(text, path) if chunk.start_line <= line <= chunk.end_line]


@functools.lru_cache(maxsize=8)
def _class_chunks(text: str, path: str) -> tuple[Function, ...]:
    """Every chunk of the classes' statements between methods: `changed_functions` asks line by line, the file is read once."""
    return tuple(chunk for run in top_level_runs(text, path) if not run.name.startswith(MODULE_CODE) for chunk in module_chunks(run))


def module_chunks_of(text: str, path: str, line: int = 0) -> list[Function]:
    """The module-level code `corpus.module_code` finds (all of a file without functions, or the run
    holding `line`), in chunks the model reads one at a time (`corpus.module_chunks`)."""
    code = module_code(text, path, line)
    return module_chunks(code) if code is not None else []


def nested_lines(func: Function, functions: list[Function]) -> set[int]:
    """The body lines (`corpus.body_lines`) of the other `functions` defined inside `func` (a decorator's
    wrapper); their `def` lines run as `func`'s own."""
    return {line for other in functions if other is not func and not other.module_level
            and func.start_line < other.start_line and other.end_line <= func.end_line
            for line in body_lines(other)}


ENTERED_BY_ALL = 2  # functions past the `keep` most suspicious that every failing test enters, looked at too


def suspicious_functions(functions: list[Function], sbfl: dict[int, float], keep: int = 3,
                         coverage: Sequence[TestCoverage] = ()) -> list[Function]:
    """With coverage, only the functions holding the most suspicious lines are worth the model's time; a
    function defined inside another is ranked on its own lines, and the other on the rest (a decorator
    and its wrapper took two of the three places on the wrapper's lines alone). Past those `keep`, up to
    ENTERED_BY_ALL more functions (not top-level code, which every test runs at import) that every failing test
    enters (`coverage`: per test, Ochiai's own): a constructor or a method
    every test calls, which Ochiai ranks low because the passing tests run it too (`self.owner = balance`
    in `__init__`, caught by one assertion, was never looked at: three other methods ranked first)."""
    if not sbfl:
        return functions
    best = {}
    for f in functions:
        nested = nested_lines(f, functions)
        best[f.name] = body_suspicion(f, {line: score for line, score in sbfl.items() if line not in nested} if nested else sbfl)
    ranked = sorted((f for f in functions if best[f.name] > 0), key=lambda f: -best[f.name])
    failed = [test for test in coverage if not test.passed and test.lines]  # a killed test's empty record says nothing
    entered = [f for f in ranked[keep:] if failed and not f.module_level and all(enters(test, f) for test in failed)]
    return ranked[:keep] + entered[:ENTERED_BY_ALL] or functions


def functions_of(text: str, path: str) -> tuple[list, int]:
    """The file's functions and, when it has none, the line of its first syntax error (0: it parses)."""
    from codemend.data.corpus import extract_functions

    functions, _ = extract_functions(text, path)
    return functions, 0 if functions else (first_error_line(parse(text)) or 0)


def selection_problem(text: str, path: str, function: str, line: int) -> str:
    """Why `function` and `line` select nothing to look at in `text` ("" when they select something), saying
    where the file stops parsing: `fix` fails with it, `repair` notes it."""
    functions, error_line = functions_of(text, path)

    def selected(name: str = "", at: int = 0) -> list:
        return select_functions(text, path, name, at, extracted=functions)  # the file is read once, not once per check

    if not functions and not selected():  # a script's top-level code stands in for a function
        where = f"; it does not parse (first syntax error near line {error_line}), so look there" if error_line else ""
        return f"{path}: no function or module-level code to look at{where}"
    if function and not selected(function):
        import difflib

        if passed_over(text, function):
            return (f"--function {function}: it holds a form feed or another character that str.splitlines ends a line at "
                    f"and Python does not, and codemend does not look at such functions yet (their lines would be "
                    f"numbered two ways); move that character out of it, or look at another function of {path}")

        close = difflib.get_close_matches(function, [f.name for f in functions], n=3)
        more = f" and {len(functions) - 10} more" if len(functions) > 10 else ""
        hint = f"; did you mean {', '.join(close)}?" if close else f"; it has: {', '.join(f.name for f in functions[:10])}{more}"
        return f"--function {function}: no such function in {path}{hint}"
    if line and not selected(at=line):
        if line > (lines := len(source_lines(text))):  # as Python numbers them: no form feed ends one
            return f"--line {line} is past the end of {path} ({lines} lines)"
        return f"--line {line}: no function or module-level statement of {path} contains that line"
    if function and line and not selected(function, line):
        spans = ", ".join(f"{f.start_line}-{f.end_line}" for f in selected(function))
        return f"--line {line} is not in --function {function} (its lines: {spans}); drop one of them or make them agree"
    return ""


def model_beams(n: int | None, has_tests: bool) -> int:
    """Beams a repair asks of the model: `n` when given (>= 0); for None or -1 (`fix -n -1`, its default),
    BEAMS_WITH_TESTS with tests that can judge a fix (`has_tests`) and none without.

    Without tests nothing checks a beam, and a beam is the model's own likeliest edit, so a wrong one
    outranks the true fix among the candidates (shipped model, 150 validation bugs: top-1 exact 27.3%
    with 10 beams, 42.7% without; docs/measured.md). With tests, beams add reach and validation sorts them.
    """
    if n is not None and n >= 0:
        return n
    return BEAMS_WITH_TESTS if has_tests else 0


UNRANKED = ("with no model (--model none) and no tests to run, nothing ranks the suggestions (every score is 0): their order is "
            "the repair space's; give a model, or tests to validate them")


def check_arguments(text: Any, debugger: Any, *, n: Any, line: Any, function: Any) -> None:
    """A TypeError or ValueError naming the parameter, for an API caller's wrong argument, before it fails deep inside."""
    if isinstance(text, (bytes, bytearray)):
        raise TypeError("source: give text (str), not bytes: decode it first, e.g. path.read_text(encoding='utf-8')")
    if not isinstance(text, str):
        raise TypeError(f"source: expected the module's text (str), got {type(text).__name__}")
    if debugger is not None and not isinstance(debugger, (Debugger, concurrent.futures.Future)):
        raise TypeError(f"debugger: expected a Debugger (Debugger.load(path)) or None, got {type(debugger).__name__}"
                        + (": load it first, Debugger.load(...)" if isinstance(debugger, (str, os.PathLike)) else ""))
    if n is not None and (not isinstance(n, int) or isinstance(n, bool)):
        raise TypeError(f"n: expected an int (beams per function) or None, got {type(n).__name__}")
    if n is not None and n < -1:
        raise ValueError(f"n={n}: beams per function must be >= 0 (or None / -1: decided from the tests)")
    if not isinstance(line, int) or isinstance(line, bool):
        raise TypeError(f"line: expected a 1-based line number (int), or 0 for none; got {line!r}")
    if line < 0:
        raise ValueError(f"line={line}: expected a 1-based line number, or 0 for none")
    if not isinstance(function, str):
        raise TypeError(f"function: expected a name (str), got {type(function).__name__}")


def repair(text: str, *, debugger: Debugger | concurrent.futures.Future | None, path: str = "<memory>", function: str = "", line: int = 0,
           tests: Tests | None = None, n: int | None = None, use_operators: bool = True, top_lines: int = 3,
           max_validate: int = VALIDATION_BUDGET, enough_plausible: int = 3, use_sbfl: bool = True,
           baseline: RunResult | None = None, use_trace: bool = True, wide: int = WIDE_BUDGET,
           wide_seconds: float = WIDE_SECONDS, coverage: list[TestCoverage] | None = None) -> RepairResult:
    """Ranked suggestions for `text` (one module); plausible ones first when tests are given.

    With tests, the first `max_validate` ranked suggestions are validated, then the fixes only beams
    propose ranked past them (`to_validate`); when none passes, up to `wide` edits
    of the wide repair space (`wide_suggestions`) are tried by the tests for at most `wide_seconds`,
    and those that pass are added.

    `debugger` may still be loading (a Future, see `fix.load_in_background`): it is waited for after
    the tests' baseline and coverage runs, which it overlaps. `baseline`: the tests' run on `text`,
    when the caller has already run them (not run again); `coverage`: the tests' per-test coverage of
    `text`, likewise (`fix` measures a folder's files in one run). `use_trace`: give a model trained with
    traces the tests' first failure as input (False for the traces ablation). `n`: beams per
    function (`model_beams` decides when None or -1, from whether the tests can judge a fix: not when
    they pass on, or never ran, the original code).
    """
    check_arguments(text, debugger, n=n, line=line, function=function)
    tests_given = tests is not None
    result = RepairResult([], [])
    watch = Stopwatch(result.seconds)
    functions = select_functions(text, path, function, line)
    passed = passed_over(text, function)
    if not functions and not (function and passed):  # an API caller is told why nothing came back
        result.notes.append(selection_problem(text, path, function, line) or "nothing to look at")
    if passed and not line:
        result.notes.append(f"{passed} not looked at: a form feed or another character that str.splitlines ends a line at "
                            f"and Python does not is inside (their lines would be numbered two ways)")
    if functions and (error_line := first_error_line(parse(text))):
        result.notes.append(f"the file does not parse: a syntax error near line {error_line}; the code holding it is not looked at "
                            f"(fix it first: no suggestion here fixes it, and tests fail on it)")
    limits, trace, sbfl = (tests.limits if tests else None), "", {}
    if tests:
        tests, limits, trace, sbfl = measure_original(text, path, tests, result, watch, baseline=baseline, coverage=coverage,
                                                      use_sbfl=use_sbfl, use_trace=use_trace, validating=max_validate > 0)
        if tests and (elsewhere := failing_elsewhere(result, functions)):
            result.notes.append(elsewhere)
            tests = None
    n = model_beams(n, tests is not None and result.baseline.status != "passed")
    if isinstance(debugger, concurrent.futures.Future):
        with watch("model_load"):
            debugger = debugger.result()
    chosen_functions = suspicious_functions(functions, sbfl, coverage=result.coverage)
    for k, func in enumerate(chosen_functions, start=1):
        if len(chosen_functions) >= PROGRESS_FROM and debugger is not None:
            logger.info("%s: [%d/%d] %s", path, k, len(chosen_functions), func.name)  # about a second each: say where it is
        report = repair_function(func, debugger, sbfl=sbfl, trace=trace, n=n, line=line,
                                 use_operators=use_operators, top_lines=top_lines, watch=watch, module=text)
        result.functions.append(report)
        if report.note and report.note not in result.notes:
            result.notes.append(report.note)
        result.suggestions.extend(to_suggestion(text, path, func, c) for c in suggested(report.candidates, max_validate))
    if use_operators and (imports := import_suggestions(text, path, trace, chosen_functions, result.suggestions)):
        result.suggestions.extend(imports[0])
        result.notes.append(imports[1])
    if ((unbound := places.unbound_in_trace(trace)) and re.search(rf"\b{unbound}\b", text)  # not in a file that never names it
            and not any(f"`{unbound}`" in note for note in result.notes)):
        # QA: a deleted `words = text.split()` (no template binds it) said nothing of the tests' NameError
        result.notes.append(f"the tests fail reading `{unbound}`, which has no value where it is read (a NameError or UnboundLocalError)")
    result.suggestions = distinct(sorted(result.suggestions, key=lambda s: -s.score), chosen_functions)
    if debugger is None and not tests_given and result.suggestions:
        result.notes.append(UNRANKED)
    if tests and tests_fail(result.baseline) and not (function or line or any(f.module_level for f in functions)):
        result.top_level = functools.partial(top_level_suggestions, text, path, result, debugger, readers=chosen_functions, sbfl=sbfl,
                                             trace=trace, n=n, use_operators=use_operators, top_lines=top_lines, watch=watch)
    if tests and result.baseline.status != "passed" and max_validate > 0:
        validate_ranked(text, path, result, tests, limits, max_validate, enough_plausible, wide, wide_seconds, watch,
                        top_level=result.top_level)
    return result


def import_suggestions(text: str, path: str, trace: str, functions: list[Function],
                       ranked: list[Suggestion]) -> tuple[list[Suggestion], str] | None:
    """When the tests fail with a NameError on a name of the standard library that `text` reads and does not
    import (`json`, `Counter`), the import added (`places.import_fixes`), above every `ranked` suggestion (no
    edit of a function gets past that error), and the note that says so; None otherwise. QA: a `store.py`
    without `import json` got three unrelated edits and no word of the NameError. Each is named for the first
    of `functions` that reads the name."""
    name = places.unbound_in_trace(trace)  # an UnboundLocalError's name is bound in the file: `import_fixes` gives none
    fixes = places.import_fixes(text, name) if name else []
    if not fixes:
        return None
    reader = next((func.name for func in functions if name in places.free_names(func.code)), "")
    top = max((s.score for s in ranked if math.isfinite(s.score)), default=0.0) + TRACE_LIFT_MARGIN
    found = [Suggestion(path, reader, line, top - k * 1e-3, file_diff(text, patched, path), patched, f"insert {line}\n{statement}",
                        origin="operator", operator="add_import") for k, (patched, line, statement) in enumerate(fixes)]
    said = " or ".join(f"`{statement}`" for _, _, statement in fixes)
    return found, f"the tests fail reading `{name}`, which the standard library has and this file does not import: {said} ranks first"


TOP_LEVEL_BUDGET = 20  # ranked candidates of a file's top-level code validated when no fix of its functions passes; as many wide edits


def top_level_suggestions(text: str, path: str, result: RepairResult, debugger: Debugger | None, *, readers: list[Function],
                          sbfl: dict[int, float], trace: str, n: int, use_operators: bool, top_lines: int,
                          watch: Stopwatch) -> list[Suggestion]:
    """Candidates in the file's top-level code between its definitions (`corpus.top_level_runs`: a wrong constant,
    `DAY = HOUR / 24`) on the statements that bind a name the functions repaired (`readers`: those the failing tests
    run) read (`places.binding_lines`): the best TOP_LEVEL_BUDGET of the ranked space (each run ranked like a
    function and added to `result.functions`), then as many edits of the wide space there (`HOUR + 24`), less the
    suggestions `result` holds already. Top-level lines run at import, for every test, so Ochiai never puts them
    first: they are looked at when the functions' fixes all fail. The ranking's time is the `top_level` stage."""
    read = set().union(*(places.free_names(func.code) for func in readers))
    ranking: dict[str, float] = {}
    found, sites = [], []
    for chunk in (chunk for run in top_level_runs(text, path) for chunk in module_chunks(run)):
        if not (lines := places.binding_lines(chunk.code, read)):
            continue
        report = repair_function(chunk, debugger, sbfl=sbfl, trace=trace, n=n, use_operators=use_operators,
                                 top_lines=top_lines, watch=Stopwatch(ranking), module=text)
        result.functions.append(report)
        sites.append((report, sorted(lines)))
        kept = [c for c in report.candidates if c.line in lines and not augments(chunk.code, c)]
        found += [to_suggestion(text, path, chunk, candidate) for candidate in kept[:TOP_LEVEL_BUDGET]]
    watch.seconds["top_level"] = watch.seconds.get("top_level", 0.0) + sum(ranking.values())
    known = {s.patched_source for s in result.suggestions}
    ranked = [s for s in distinct(sorted(found, key=lambda s: -s.score)) if s.patched_source not in known][:TOP_LEVEL_BUDGET]
    tried = {normal_key(s.patched_source) for s in [*result.suggestions, *ranked]}
    floor = min((s.score for s in [*result.suggestions, *ranked]), default=0.0) - 1.0
    wide = _wide_tier(text, path, [report for report, _ in sites], [lines for _, lines in sites], None, tried, floor,
                      TOP_LEVEL_BUDGET, [()] * len(sites), [()] * len(sites)) if sites else []
    return ranked + wide


AUGMENTED_OPERATOR = re.compile(r"(?:\*\*|//|>>|<<|[-+*/%@&|^])=")


def augments(code: str, candidate: Candidate) -> bool:
    """Whether `candidate` turns a plain assignment of top-level `code` into an augmented one: `X = 1` -> `X += 1`
    on a name's first binding only fails at import. The other way, `TENS += [...]` -> `TENS = [...]`, is a fix."""
    if candidate.operator != "toggle_augmented_assignment":
        return False
    before, after = (text.splitlines()[candidate.line - 1] for text in (code, candidate.patched))
    return len(AUGMENTED_OPERATOR.findall(after)) > len(AUGMENTED_OPERATOR.findall(before))


def measure_original(text: str, path: str, tests: Tests, result: RepairResult, watch: Stopwatch, *, baseline: RunResult | None,
                     coverage: list[TestCoverage] | None, use_sbfl: bool, use_trace: bool,
                     validating: bool) -> tuple[Tests | None, Limits, str, dict[int, float]]:
    """The tests' runs on the original code that `repair` starts from (`baseline`, `coverage`: already
    measured by the caller): the baseline, into `result`, and, when the tests fail or hang, their per-test
    coverage (begun beside the baseline, `coverage_source`). Returns the tests to validate with (None,
    with a note, when they cannot judge a fix), the candidates' limits, the failure a model reads, and
    Ochiai's line scores."""
    limits, trace, sbfl = tests.limits, "", {}
    with coverage_source(text, tests, coverage, beside=baseline is None and use_sbfl and bool(tests.command)) as measure:
        with watch("baseline_tests"):
            result.baseline = baseline if baseline is not None else tests.run(text)
        unusable = unusable_baseline(tests, result.baseline)
        if result.baseline.status == "passed":
            result.notes.append(TESTS_PASS)
            if baseline is None:  # now, not after the ranking: it may take minutes and validate nothing
                logger.warning("%s: %s; the suggestions will be the model's alone", path, TESTS_PASS)
            return tests, limits, trace, sbfl
        if unusable:
            result.notes.append(f"the tests did not run on the original code ({unusable}): suggestions are not validated"
                                + dropped_path_hint(tests.command, result.baseline))
            return None, limits, trace, sbfl
        trace = tests.trace(result.baseline) if use_trace else ""
        limits = _scaled_limits(tests.limits, result.baseline)
        result.failing = tests.failed(result.baseline) if result.baseline.status == "failed" else None
        if tests.command:
            tests = replace(tests, ran_on_original=tests_ran(tests.command, result.baseline))
        if tests.command and refused_write(result.baseline):
            result.notes.append(SANDBOX_WRITES)
        if tests.command and result.baseline.status == "failed" and not (result.baseline.stdout + result.baseline.stderr).strip():
            result.notes.append(f"the test command failed on the original code without printing anything (exit status "
                                f"{result.baseline.returncode}): a fix is judged by its exit status alone, and nothing tells "
                                f"which tests fail; check that it runs the tests (`--test_cmd false` would fail every fix)")
        if result.baseline.duration_s >= FOCUS_FROM_S:
            with watch("focus_check"):
                tests = focus_on_failures(tests, result.failing, text, limits)
        with watch("sbfl"):
            measured = measure() if use_sbfl else []
            # Said where the tests ran (and failed or hung) but their coverage did not come back: a warning on stderr
            # alone was missed (QA: pytest-cov, a 31-minute run). A command that could not even collect them has none.
            if isinstance(measured, NoCoverage) and (result.baseline.returncode == 1 or result.baseline.status == "timeout"):
                result.notes.append(NO_COVERAGE)
            result.coverage = slow_not_failing(measured, result.failing)
            unrepeated = not_repeated(result.failing, result.coverage)
            if unrepeated and unrepeated == result.failing:
                result.notes.append(f"the tests that failed on the original code ({some(unrepeated)}) passed when run again under coverage: "
                                    "they are flaky, not a bug to fix here; suggestions are not validated")
                return None, limits, trace, sbfl
            if unrepeated:
                result.notes.append(f"{some(unrepeated)} failed on the original code but passed when run again under coverage: flaky")
            sbfl, loops = line_suspicion(result.coverage, text)
            if loops:
                where = " and ".join(f"lines {start}-{end}" for start, end in loops)
                result.notes.append(f"the tests that hung were stopped in the loop at {where}: its lines are looked at first")
    if result.baseline.status == "timeout" and (apart := without_hangs_elsewhere(tests, result.coverage)):
        # Every candidate's run would hang with them, the true fix's too (QA: isodate, all "timeout").
        result.notes.append(hangs_elsewhere_note(result.coverage, path))
        result.judged_by = apart.command
        return measure_original(text, path, apart, result, watch, baseline=None, coverage=[t for t in result.coverage if not t.stopped],
                                use_sbfl=use_sbfl, use_trace=use_trace, validating=validating)
    if result.baseline.status == "timeout":
        limits = _hung_limits(limits, result.coverage)
        note = (f"the tests did not finish on the original code ({result.baseline.detail}): a fix that ends the hang passes, "
                f"candidates that still hang are marked timeout after {limits.wall_s:.0f} s")
        if validating:
            note += f", and validation starts no runs after {HUNG_VALIDATION_LIMITS * tests.limits.wall_s:.0f} s (--timeout sets both)"
            logger.warning("%s: %s", path, note)  # now, not with the results: validating what still hangs takes minutes
        result.notes.append(note)
    return tests, limits, trace, sbfl


def without_hangs_elsewhere(tests: Tests, coverage: list[TestCoverage]) -> Tests | None:
    """After the original code hung: `tests` leaving out the tests that hung (`TestCoverage.stopped`), when none of them
    ran a line of the file in the test itself (a hang elsewhere) and the command is pytest's; else None."""
    hung = [test for test in coverage if test.stopped]
    if not hung or any(test.lines - test.imported for test in hung):
        return None
    names = [test.name for test in hung]
    if any(test.name.startswith(tuple(names)) for test in coverage if not test.stopped):
        return None  # --deselect takes node-id prefixes: test_parse would take test_parse_date with it
    command = deselected_command(tests.command, names)
    return replace(tests, command=command) if command else None


def hangs_elsewhere_note(coverage: list[TestCoverage], path: str) -> str:
    hung = [test.name for test in coverage if test.stopped]
    return (f"the tests that hung on the original code ({some(hung)}) never ran a line of {path}: the runs that "
            f"judge a fix leave them out (--deselect), and a fix is judged by the other tests")


def tests_fail(baseline: RunResult) -> bool:
    """The tests ran to an end on the original code and failed: the top-level step and the wide search are worth
    their runs (not after a hang or a crash, where each of hundreds of edits could cost the time limit)."""
    return baseline.status in ("failed", "error")


def validate_ranked(text: str, path: str, result: RepairResult, tests: Tests, limits: Limits, max_validate: int, enough: int,
                    wide: int, wide_seconds: float, watch: Stopwatch,
                    top_level: Callable[[], list[Suggestion]] | None = None) -> None:
    """Validate `result`'s ranked suggestions (`repair` says how), then, while none answers, those of the
    file's `top_level` code (`top_level_suggestions`) and the wide space; plausible fixes first, and a note
    for each function whose plausible fix is judged without another bug's failing tests."""
    hung = result.baseline.status == "timeout"
    unreached = unreached_failures(result.failing, result.coverage, result.functions) if tests.command else {}
    unrelated = unrelated_passing(result.coverage, result.functions) if tests.command else {}
    partial_is_enough = not (unreached and one_cause_possible(result.failing, result.coverage, result.functions))
    with watch("validation"):
        chosen = to_validate(result.suggestions, max_validate)
        ran = validate(chosen, tests, limits, enough=enough, seconds=HUNG_VALIDATION_LIMITS * tests.limits.wall_s if hung else 0.0,
                       unreached=unreached, partial_is_enough=partial_is_enough, unrelated=unrelated)
    if hung and ran < len(chosen) and not any(s.validation == "plausible" for s in chosen):
        result.notes.append(f"validation stopped after {ran} of {len(chosen)} candidates, as the original code hung")
    if top_level is not None and tests_fail(result.baseline) and not any(answers(s, partial_is_enough) for s in result.suggestions):
        more = top_level()  # its ranking's time is its own stage, `top_level`
        if more:
            logger.info("%s: no fix of its functions passes the tests; trying %d candidate(s) in its top-level code", path, len(more))
            with watch("top_level_validation"):
                validate(more, tests, limits, enough=enough, unreached=unreached, partial_is_enough=partial_is_enough)
            result.suggestions += [s for s in more if s.validation != "not validated"]  # the wide search skips what they tried
            if fixed := next((s for s in more if answers(s, partial_is_enough)), None):
                result.notes.append(f"the fix found is in top-level code ({fixed.function}), which may change what other code reads; "
                                    "the functions' wide search was not tried (--function NAME looks at one function alone)")
    if wide > 0 and tests_fail(result.baseline) and not any(answers(s, partial_is_enough) for s in result.suggestions):
        with watch("wide_search"):
            wide_search(text, path, result, tests, limits, wide, wide_seconds, enough, unreached, partial_is_enough, unrelated)
    result.suggestions.sort(key=best_first)
    for name, failing in unreached.items():  # said where a plausible fix relies on it
        if any(s.function == name and s.still_failing for s in result.suggestions):
            result.notes.append(f"{len(failing)} test(s) fail on the original code without running {name} ({some(failing)}): "
                                f"fixes in {name} are judged by the other tests")


# OSError's words for an absolute path the sandbox refuses: a read-only mount, or a folder its own user may not write.
REFUSED_WRITE = re.compile(r"\[Errno (?:30\] Read-only file system|13\] Permission denied): '/")
SANDBOX_WRITES = ("a test met \"Read-only file system\" or \"Permission denied\" on the original code: tests run as another user in a "
                  "copy of the project, where they may write only inside it (and its temporary folder); a test that writes elsewhere "
                  "fails there for every candidate too")


def refused_write(baseline: RunResult) -> bool:
    """Whether the original code's run met one of the sandbox's own refusals (`REFUSED_WRITE`): only where
    it ran with read-only mounts or a user of its own (`RunResult.isolation`)."""
    isolation = baseline.isolation.split(",")
    return ("ro-root" in isolation or any(item.startswith("uid=") for item in isolation)) and bool(
        REFUSED_WRITE.search(baseline.stdout + baseline.stderr))


# A suite that runs in less is mostly pytest's start-up: running its failing tests alone saves little
# per candidate, and checking that they fail alone costs a run.
FOCUS_FROM_S = 1.0


def focus_on_failures(tests: Tests, failing: set[str] | None, text: str, limits: Limits) -> Tests:
    """`tests` that judge a candidate by the tests failing on the original code first (`Tests.judge`),
    when the command, given just those (pytest's ids, or unittest's -k filters), fails them all and no
    others on the original code (checked here in one run: ids relative to another rootdir, or tests that
    fail only beside others, keep the whole command)."""
    command = focused_command(tests.command, failing, Path(tests.tree)) if failing and tests.command else ""
    if not command:
        return tests
    check = tests.run(text, limits, command)
    if check.status != "failed" or tests.failed(check) != failing:
        logger.info("the failing tests alone did not fail as in the whole run (%s): every candidate runs the whole command",
                    check.detail or check.status)
        return tests
    return replace(tests, focus_command=command)


# pytest's exit statuses for runs that tested nothing: a usage error (a test file that does not exist), no tests collected.
PYTEST_TESTED_NOTHING = (4, 5)
PYTEST_INTERRUPTED = 2  # a collection error (among others) stops the run before any test


def _test_code_problem(test_code: str) -> str:
    """Why `test_code` cannot run whatever the module holds ("" when it can): it does not compile."""
    try:
        compile(test_code, "<tests>", "exec")
    except SyntaxError as err:
        return f"the test code does not parse: {err.msg} at <tests> line {err.lineno}"
    except ValueError as err:  # a NUL byte
        return f"the test code cannot be compiled: {err}"
    return ""


def unusable_baseline(tests: Tests, baseline: RunResult) -> str:
    """Why the tests' run on the original code cannot judge a fix ("" when it can): the command never
    started, pytest tested nothing or stopped before running any test, or could not collect a test file
    (unless importing the file being fixed stopped it: a fix may end that). Validating against it would
    fail every candidate (and then try the wide space for a minute) instead of saying what is wrong."""
    if tests.test_code and (broken := _test_code_problem(tests.test_code)):
        return broken
    if never_started(baseline):
        where = "; the command runs from the root of a copy of the project: give paths valid there, or absolute ones" if tests.command else ""
        return baseline.detail + where
    if tests.command and "unittest" in tests.command and "pytest" not in tests.command and baseline.status == "failed":
        return _unittest_unusable(baseline, tests.target)
    if tests.command and "pytest" not in tests.command and baseline.status == "failed":
        return _import_failed(baseline, tests.target)
    if not (tests.command and "pytest" in tests.command) or baseline.status != "failed":
        return ""
    if baseline.returncode == PYTEST_INTERRUPTED:
        return _collection_error(collection_errors(baseline.stdout), tests.target, tests.tree)
    if names_file(baseline.stdout + baseline.stderr, tests.target):
        return ""  # importing the file being fixed stopped pytest (a conftest imports it): a fix may end that
    said = [line.strip() for line in baseline.stderr.splitlines() if line.strip()]  # pytest's usage errors and crashes go there
    # argparse's "pytest: error: unrecognized arguments: --x", else pytest's own "ERROR: ...": not the rootdir line after them
    said = ([line for line in said if re.match(r"\S.*: error: ", line)] or
            [line for line in said if line.startswith("ERROR: ") and not line.startswith("ERROR: usage:")] or said)[-1:]
    if baseline.returncode in PYTEST_TESTED_NOTHING:
        return "pytest tested nothing, " + (f"exit status {baseline.returncode}: {said[-1]}" if said else baseline.detail)
    if not baseline.stdout.strip() and "no:terminal" not in tests.command:  # a session prints its count line (REPORT_OPTIONS): none began
        return f"pytest stopped before running any test, exit status {baseline.returncode}" + (f": {said[-1]}" if said else "")
    return ""


def _unittest_unusable(baseline: RunResult, target: str) -> str:
    """Why a unittest run judges nothing: it stopped before running a test (no "Ran N tests" line: a start
    folder that is not importable), ran none, or could not import its test modules (unless importing the
    file being fixed failed: a fix may end that)."""
    output = baseline.stdout + "\n" + baseline.stderr
    if names_file(output, target):
        return ""
    ran = re.search(r"^Ran (\d+) tests? in ", output, flags=re.M)
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    said = [line for line in lines if re.match(r"\w*(Error|Exception)\b", line)][-1:] or lines[-1:]
    if ran is None:
        return f"unittest stopped before running any test, exit status {baseline.returncode}" + (f": {said[0]}" if said else "")
    if ran.group(1) == "0":
        return "unittest ran no test"
    if re.search(r"^ERROR: .*(_FailedTest|ModuleImportFailure)|^ImportError: Failed to import test module", output, flags=re.M) and \
            not re.search(r"^(FAIL|ERROR): (?!.*_FailedTest)", output, flags=re.M):
        return f"unittest could not import its tests: {said[0] if said else 'an import failed'}"
    return ""


def _import_failed(baseline: RunResult, target: str) -> str:
    """Why a plain program (`python tests/test_x.py`) judges nothing: it could not import what it tests, and
    not because of the file being fixed (every candidate failed the same way, then the wide space ran)."""
    output = baseline.stdout + "\n" + baseline.stderr
    failed = re.findall(r"^((?:ModuleNotFoundError|ImportError): .*)$", output, flags=re.M)
    if not failed or names_file(output, target):
        return ""
    return (f"it could not import what it tests: {failed[-1]}; `python DIR/FILE.py` puts DIR, not the project's root, first on the "
            "import path: run `python -m pytest FILE` or `python -m MODULE` from the root instead")


def dropped_path_hint(command: str, baseline: RunResult) -> str:
    """The tests run without the caller's environment: an import that failed while the shell's PYTHONPATH
    is set (and the command sets none) most likely needed it."""
    shell = os.environ.get("PYTHONPATH", "")
    output = baseline.stdout + baseline.stderr + baseline.detail
    if not shell or "PYTHONPATH=" in command or not re.search(r"ModuleNotFoundError|ImportError", output):
        return ""
    return (f"; your shell's PYTHONPATH={shell} is not passed to the tests (they run in a clean environment): "
            f"put it in the command, --test_cmd \"PYTHONPATH={shell} {command}\"")


def names_file(text: str, target: str) -> bool:
    """Whether a traceback in `text` names the file `target` (relative, as in `Tests.target`; or inside an
    absolute path): `stats.py` in `/tmp/x/stats.py:3` or `stats.py:3`, not in `mystats.py`."""
    return bool(target) and re.search(rf"(?<![\w.-]){re.escape(target)}\b", text) is not None


def _collection_error(errors: dict[str, str], target: str, tree: str = "") -> str:
    """Why test files that pytest could not collect make validation pointless ("" when none, or when the
    file being fixed is in one's traceback: importing it failed, and a fix may end that)."""
    if not errors or any(names_file(text, target) for text in errors.values()):
        return ""
    file, text = next(iter(errors.items()))
    raised = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
    missing = re.search(r"No module named '([\w.]+)'", raised[-1]) if raised else None
    top = missing and missing[1].split(".")[0]
    # Bare `pytest` does not put the project root on sys.path (`python -m pytest` does): the project's own package is then missing.
    hint = (f"; {top} is in the project: `python -m pytest` puts the project root on sys.path"
            if top and tree and ((Path(tree) / top).is_dir() or (Path(tree) / f"{top}.py").is_file()) else "")
    return f"pytest could not collect {file}" + (f" ({raised[-1]})" if raised else "") + f": no fix can pass before that is fixed{hint}"


def wide_search(text: str, path: str, result: RepairResult, tests: Tests, limits: Limits, budget: int, seconds: float, enough: int,
                unreached: Mapping[str, set[str]] | None = None, partial_is_enough: bool = True,
                unrelated: Mapping[str, set[str]] | None = None) -> None:
    """Try the wide space's edits (`wide_suggestions`) by tests; add those that pass to `result`."""
    floor = min((s.score for s in result.suggestions), default=0.0)
    tried = {normal_key(s.patched_source) for s in result.suggestions if s.validation != "not validated"}
    more = wide_suggestions(text, path, result.functions, tried, floor, limit=budget)
    if not more:  # every edit at the lines looked at was tried already (`--line`: one line's)
        logger.info("%s: no ranked candidate passes the tests, and the wide space holds no edit not tried yet there", path)
        return
    logger.info("%s: no ranked candidate passes the tests; trying up to %d edits of the wide space for at most %.0f s "
                "(--wide 0 skips this)", path, len(more), seconds)
    ran = validate(more, tests, limits, enough=enough, seconds=seconds, unreached=unreached, partial_is_enough=partial_is_enough,
                   unrelated=unrelated)
    result.suggestions += [s for s in more if s.validation == "plausible"]
    if ran < len(more) and not any(s.validation == "plausible" for s in more):
        result.notes.append(f"the wide search stopped after {ran} of {len(more)} edits ({seconds:.0f} s; --wide_seconds)")


def _scaled_limits(limits: Limits, baseline: RunResult) -> Limits:
    """Scale the wall clock from the original code's own run: a slow machine should not turn a
    correct fix into a timeout, and a hanging original must not set the limit."""
    if baseline.status in ("passed", "failed", "error"):
        from dataclasses import replace

        return replace(limits, wall_s=min(limits.wall_s, scaled_timeout(baseline.duration_s, factor=3.0, floor_s=2.0)))
    return limits


def slow_not_failing(coverage: list[TestCoverage], failing: set[str] | None) -> list[TestCoverage]:
    """`coverage` with the tests the coverage run stopped (`TestCoverage.stopped`) that passed on the
    original code (not among `failing`, a complete list) counted as passing: they are slow, not hung,
    and as failing tests they would point Ochiai at the lines they ran."""
    if failing is None:
        return coverage
    return [replace(test, passed=True, error="") if test.stopped and test.name not in failing else test for test in coverage]


def not_repeated(failing: set[str] | None, coverage: list[TestCoverage]) -> set[str]:
    """The `failing` tests (on the original code, a complete list) that passed in the coverage run, a
    second run of the same command: a failure that does not repeat is a flaky test's, and a candidate
    "passes" it by chance (boltons without a bug fails test_iter_find_files now and then)."""
    passed = {test.name for test in coverage if test.passed}
    return (failing or set()) & passed


def _hung_limits(limits: Limits, coverage: list[TestCoverage]) -> Limits:
    """After the original code hung: a wall clock for candidates from the time the tests took under
    coverage, where the run stopped those that hung (`TestCoverage.stopped`) and timed the rest. A fix
    runs them all in about that time; one that still hangs then costs seconds, not the whole --timeout
    (boltons with a loop that never ends: 60 s per candidate)."""
    if not any(test.stopped for test in coverage) or any(test.seconds is None for test in coverage):
        return limits  # nothing stopped, or tests not timed (a killed run, a collection error, a `python FILE` command)
    expected = COMMAND_STARTUP_S + sum(test.seconds for test in coverage if not test.stopped) / COVERAGE_SLOWDOWN
    return replace(limits, wall_s=min(limits.wall_s, scaled_timeout(expected, factor=3.0, floor_s=2.0)))


@contextlib.contextmanager
def coverage_source(text: str, tests: Tests, coverage: list[TestCoverage] | None, beside: bool) -> Iterator[Callable[[], list[TestCoverage]]]:
    """What gives `repair` the per-test coverage of `text`: `coverage` when the caller measured it, else a
    run started now, `beside` the baseline run (a process each: on two cores the coverage no longer
    waits for the baseline, nor for a hanging one's whole --timeout; cancelled on leaving the block when
    the baseline showed it is not needed), else a run started when asked."""
    if coverage is not None:
        yield lambda: coverage
    elif not beside:
        yield lambda: file_coverage(text, tests)
    else:
        with BackgroundRun(lambda cancel: file_coverage(text, tests, cancel)) as run:
            yield run.result


class NoCoverage(list):
    """The empty coverage of a run that gave none, with why (`file_coverage`): said in the run's notes too."""

    def __init__(self, why: str):
        super().__init__()
        self.why = why


def file_coverage(text: str, tests: Tests, cancel: threading.Event | None = None) -> list[TestCoverage]:
    """Per-test coverage of the file (a NoCoverage when unavailable)."""
    try:
        if tests.test_code:
            return coverage_for_benchmark(text, tests.test_code, limits=tests.limits)
        return coverage_for_command(tests.tree, tests.command, tests.target, overlay=tests.overlay(text), limits=tests.limits,
                                    import_roots=tests.import_roots, cancel=cancel)
    except ValueError as err:
        logger.warning("no per-test coverage (%s); localizing without it", err)
        return NoCoverage(str(err))


NO_COVERAGE = ("the tests' per-test coverage could not be measured (the log says why): lines are ranked without it, "
               "which is slower and less sure")
