"""Per-test line coverage measured with coverage.py inside the sandbox.

Shared by fault localization (codemend.inference.sbfl) and by the data pipeline (keeping only
injected bugs that tests catch), so it imports nothing of ours but the sandbox.

    from codemend.inference.sbfl import coverage_for_benchmark, coverage_for_command, ochiai, rank_lines
    coverages = coverage_for_benchmark(module_code, test_code)        # one TestCoverage per assert
    coverages = coverage_for_command("repo", "pytest -q tests/test_x.py", "pkg/x.py")  # one per test id
    rank_lines(ochiai(coverages))[:3]   # [(line, suspiciousness), ...], most suspicious first

Tests: `pytest tests/inference/test_sbfl.py`.

Everything that runs code goes through `codemend.sandbox`. Inside it a driver script measures
the target file with coverage.py (one dynamic context per test) and streams one record per test
to stdout behind a random token; the code under test has its stdout sent to stderr, so nothing it
prints can be mistaken for a record. Streaming means a run killed at the wall clock still gives
the tests that finished, plus the one in progress as a failure.
"""

from __future__ import annotations

import ast
import functools
import json
import logging
import re
import secrets
import shlex
import sys
import threading
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from codemend.sandbox import WALL_CLOCK_DETAIL, Limits, RunResult, ask_python, command_python, run_command, run_python, split_assignments

logger = logging.getLogger(__name__)

COVERAGE_OUTPUT_BYTES = 16 * 1024 * 1024
"""Captured stdout for coverage runs: per-test line lists of a large suite need more than the default."""
COMMAND_OUTPUT_BYTES = 1024 * 1024
"""Captured output of a test command's run: its summary comes last (pytest: one FAILED line per failing
test, ~100 bytes), and the other-bug rule and the focused runs read it whole (`failed_tests`)."""
COVERAGE_SLOWDOWN = 2.0
"""Line tracing slows Python code down; the sandbox wall clock is scaled by this (plus start-up)."""
BENCHMARK_STARTUP_S = 2.0
RETRY_SCALE = 2.0
"""A benchmark coverage run that ran slow (`_ran_slow`) runs once more with this much more time."""
ALARM_GRACE_S = 1.0
"""How long past its own limit a test may have been running when its run was killed and still count as slow, not
as a hang the alarm could not stop (a loop in C, code that swallows or disarms the alarm)."""
# Files measured by one coverage run: every test's record lists the lines of each (the import's at least),
# so a run over hundreds of files could outgrow COVERAGE_OUTPUT_BYTES; coverage_for_files runs batches.
FILES_PER_RUN = 20
# A pytest test still running after this share of the command's time limit (with coverage's slowdown) is
# stopped by the coverage run with a TimeoutError: a test the bug makes hang then counts as failing with the
# lines it ran, and the tests after it still run (killed, the run kept no lines of it and none of the rest).
PER_TEST_SHARE = 0.1
STOPPED = "TimeoutError: test still running after"  # the error of a test stopped there (the drivers' Alarm)
COMMAND_STARTUP_S = 5.0  # pytest start-up and collection on top of the interpreter and coverage.py
BENCHMARK_FILE = "candidate.py"
"""Name of the module under test inside the sandbox; it shows up in error messages."""


@dataclass(frozen=True)
class TestCoverage:
    """What one test did to the target file."""

    __test__ = False  # not a pytest test class, despite the name

    name: str
    passed: bool
    lines: frozenset[int]
    """Executed lines of the target file, 1-based, in that file's numbering."""
    error: str = ""
    """First line of the failure (exception type and message); "" when passed."""
    seconds: float | None = field(default=None, compare=False)
    """How long the test took under coverage (pytest commands' tests; None where not measured); a timing, not part of what the test did."""
    raised_at: tuple[int, ...] = ()
    """Where the test's exception was raised: the target file's lines on its stack, outermost first (() when it
    passed, or failed with no line of the target file on the stack, as a test's own assertion does)."""
    imported: frozenset[int] = frozenset()
    """The lines of `lines` that ran before the test and not in it: at import (pytest imports while it
    collects, before any test) or in the benchmark's setup statements. Every test shares them."""

    def enters(self, body: Collection[int], headers: Collection[int] = ()) -> bool:
        """Whether the test ran a line of `body` (a function's `corpus.body_lines`, or several functions'
        together). Lines that ran before it count (`imported`: a decorator's body, a function `CONST =
        compute()` calls), but for `headers`, body lines that are also a signature's (`def add(a, b): return
        a - b`, `corpus.header_line`): at import such a line runs as the `def` itself, whether or not anything
        calls the function, so it counts only when the test ran it (a one-line function defined inside
        another that the test runs still counts as entered)."""
        ran = self.lines.intersection(body)
        return any(line not in headers or line not in self.imported for line in ran)

    @property
    def stopped(self) -> bool:
        """Whether the coverage run stopped the test at its per-test limit (PER_TEST_SHARE): it hung."""
        return self.error.startswith(STOPPED)

    @property
    def hung_at(self) -> tuple[int, ...]:
        """Where a test the run stopped (`stopped`) was: `raised_at` of the alarm's TimeoutError; () for others."""
        return self.raised_at if self.stopped else ()


# ----------------------------------------------------------------------------- the sandboxed drivers

# Shared by both drivers. CONFIG is defined above this text (a literal, or from sys.argv).
_DRIVER_COMMON = r'''
import builtins, os, re, signal, sys, time, types
import coverage

_OUT = os.dup(1)
os.dup2(2, 1)  # the code under test prints to stderr: stdout carries only our records


def emit(**record):
    data = (CONFIG["token"] + json.dumps(record) + "\n").encode("utf-8", "replace")
    while data:
        data = data[os.write(_OUT, data):]


class Tracker:
    """One coverage.py session on the target files (the first is the target); `lines(context)` pauses
    it to read the target's lines of a context, `lines_in(context)` every file's."""

    def __init__(self, *targets):
        self.targets = [os.path.realpath(target) for target in targets]
        self.measured = {}
        self.cov = coverage.Coverage(data_file=None, config_file=False, include=self.targets, branch=False)
        self.cov.set_option("run:disable_warnings", ["no-data-collected", "module-not-imported",
                                                     "module-not-measured", "already-imported"])
        self.cov.start()

    def switch(self, context):
        self.cov.switch_context(context)

    def lines(self, context):
        return self.lines_in(context)[0]

    def lines_in(self, context):
        self.cov.stop()
        try:
            data = self.cov.get_data()
            if any(self.measured.get(target) is None for target in self.targets):
                files = {os.path.realpath(f): f for f in data.measured_files()}  # one query for all the files
                self.measured = {target: self.measured.get(target) or files.get(target) for target in self.targets}
            data.set_query_contexts(["^" + re.escape(context) + "$"])
            found = [sorted(data.lines(self.measured[t]) or []) if self.measured[t] else [] for t in self.targets]
            data.set_query_contexts(None)
            return found
        finally:
            self.cov.start()

    def close(self):
        self.cov.stop()


class Alarm:
    """SIGALRM while a test (a pytest test's phase) runs, repeating in case the code swallows the first
    TimeoutError; left unarmed where something else handles SIGALRM already (pytest-timeout, the tests themselves)."""

    MESSAGE = "test still running after"  # STOPPED

    def __init__(self, seconds):
        self.seconds, self.armed = seconds, False

    def fire(self, signum, frame):
        if self.armed:
            raise TimeoutError(f"{self.MESSAGE} {self.seconds:g} s")

    def arm(self):
        if self.seconds and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None):
            signal.signal(signal.SIGALRM, self.fire)
            self.armed = True
            signal.setitimer(signal.ITIMER_REAL, self.seconds, 0.25)

    def disarm(self):
        if self.armed:
            self.armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)

    def __enter__(self):
        self.arm()

    def __exit__(self, *exc_info):
        self.disarm()


def frames_in(exc, paths):
    """(real path, line) of each frame of the exception's traceback in one of the files `paths`, outermost first."""
    tb = exc.__traceback__
    while tb is not None:
        path = os.path.realpath(tb.tb_frame.f_code.co_filename)
        if path in paths:
            yield path, tb.tb_lineno
        tb = tb.tb_next


def stacks_in(exc, targets):
    """Lines of each of the `targets` files in the exception's traceback, outermost first, each in its own line
    numbers, from one walk of it (a folder's run measures up to FILES_PER_RUN files, and every failing test raises)."""
    stacks = {target: [] for target in targets}
    for path, line in frames_in(exc, stacks):
        stacks[path].append(line)
    return [stacks[target] for target in targets]


def target_stack(exc, target):
    """Lines of the target file in the exception's traceback, outermost first."""
    return stacks_in(exc, [target])[0]


def innermost_line(exc, shown):
    """(shown name, line) of the innermost frame in the exception's traceback that lies in one of the files
    `shown` maps (real path -> the name to show: a folder's run measures several); None if none does."""
    if isinstance(exc, SyntaxError) and exc.filename and os.path.realpath(exc.filename) in shown and exc.lineno:
        return shown[os.path.realpath(exc.filename)], exc.lineno
    frames = list(frames_in(exc, shown))
    return (shown[frames[-1][0]], frames[-1][1]) if frames else None


def describe(exc, shown):
    """The exception's type and first line of message, and where it came up in the measured files `shown`."""
    try:
        text = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        message = text.strip().splitlines()[0][:300] if text.strip() else ""
    except BaseException:
        message = "<unprintable>"
    head = type(exc).__name__ + (": " + message if message else "")
    where = innermost_line(exc, shown)
    return head + (f" ({where[0]} line {where[1]})" if where else "")
'''

_BENCHMARK_MAIN = r'''
import ast

TARGET = os.path.realpath(CONFIG["module_file"])


def run(context, code):
    """Run `code` in the shared namespace under `context`: (error or "", lines it executed, `target_stack`)."""
    tracker.switch(context)
    error, stack = "", []
    try:
        with alarm:
            exec(code(), namespace)
    except BaseException as exc:
        error, stack = describe(exc, {TARGET: CONFIG["module_file"]}), target_stack(exc, TARGET)
    return error, set(tracker.lines(context)), stack


def run_tests(plan, shared):
    """Test records carry the lines the test ran; a "shared" record, the lines every later test shares
    (import, setup statements)."""
    statements = ast.parse(test_code).body
    setup_error, setup_stack = "", []
    emit(event="shared", lines=sorted(shared))
    for index, (statement, (kind, name)) in enumerate(zip(statements, plan)):
        if setup_error:
            if kind == "test":  # the setup's exception is each later test's: where it came from too
                emit(event="test", name=name, passed=False, error=setup_error, lines=[], raised_at=setup_stack)
            continue
        emit(event="begin", name=name, at=time.time())
        compiled = lambda: compile(ast.Module([statement], type_ignores=[]), "<tests>", "exec")
        error, lines, stack = run(name, compiled)
        if kind == "test":
            emit(event="test", name=name, passed=not error, error=error, lines=sorted(lines), raised_at=stack)
            continue
        if lines - shared:
            shared |= lines
            emit(event="shared", lines=sorted(shared))
        if error and not any(later == "test" for later, _ in plan[index + 1:]):
            emit(event="test", name=name, passed=False, error=error, lines=sorted(lines), raised_at=stack)
            return
        emit(event="end", name=name)
        if error:
            setup_error, setup_stack = f"{error} [in {name}]", stack


with open(CONFIG["module_file"], encoding="utf-8") as handle:
    module_code = handle.read()
with open(CONFIG["tests_file"], encoding="utf-8") as handle:
    test_code = handle.read()
# As in sandbox.run_tests: a fresh __main__ module (pickle and dataclasses need it in sys.modules).
module = types.ModuleType("__main__")
module.__dict__["__builtins__"] = builtins
sys.modules["__main__"] = module
namespace = module.__dict__
builtins_before = dict(vars(builtins))
alarm = Alarm(CONFIG["per_test_s"])
tracker = Tracker(TARGET)
emit(event="begin", name="import", at=time.time())
import_error, import_lines, import_stack = run("import", lambda: compile(module_code, TARGET, "exec"))
for name_ in [name_ for name_ in vars(builtins) if name_ not in builtins_before]:
    delattr(builtins, name_)  # as sandbox.run_tests does: the tests see clean builtins
for name_, value_ in builtins_before.items():
    setattr(builtins, name_, value_)
if import_error:
    emit(event="test", name="import", passed=False, error=import_error, lines=sorted(import_lines), raised_at=import_stack)
else:
    emit(event="end", name="import")
    run_tests(CONFIG["plan"], import_lines)
tracker.close()
emit(event="done")
'''

_COMMAND_MAIN = r'''
TARGET = os.path.realpath(CONFIG["target"])
ALSO = [os.path.realpath(path) for path in CONFIG.get("also", [])]  # more files measured in the same run
SHOWN = dict(zip([TARGET, *ALSO], [CONFIG["target"], *CONFIG.get("also", [])]))  # the names errors give them


OUTSIDE = "<outside tests>"
# pytest's cacheprovider plugin's options (the last two take a value), left out of the coverage run:
# --lf would measure only the tests that failed last, and Ochiai needs the passing ones too.
CACHE_OPTIONS = {"--lf", "--last-failed", "--ff", "--failed-first", "--nf", "--new-first", "--sw", "--stepwise",
                 "--sw-skip", "--stepwise-skip", "--sw-reset", "--stepwise-reset", "--cache-show", "--cache-clear",
                 "--lfnf", "--last-failed-no-failures"}


def without_cache_options(args):
    kept, words = [], iter(args)
    for arg in words:
        if arg in ("--lfnf", "--last-failed-no-failures"):
            next(words, None)
        elif arg.split("=")[0] not in CACHE_OPTIONS:
            kept.append(arg)
    return kept


def set_sys_path():
    """sys.path as the user's own command would have it (this driver runs as `python -c`)."""
    first = {"pytest": [], "pytest-module": [""], "module": [""],
             "script": [os.path.dirname(os.path.abspath(CONFIG["program"]))]}[CONFIG["kind"]]
    roots = [os.path.abspath(p) for p in CONFIG.get("import_roots", [])]  # the copy's own, before any original
    extra = [os.path.abspath(p) for p in CONFIG["env"].get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:] = first + roots + extra + sys.path


def crash_message(report):
    """pytest's one-line summary of a failure; for collection errors the final `E   ...` line."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    raised = [line[1:].strip() for line in lines if line.startswith("E ")]
    return (raised[-1] if raised else lines[0] if lines else "failed")[:300]


class PerTestCoverage:
    """pytest plugin: one coverage context per test id, one record per finished test."""

    def __init__(self):
        self.shared, self.errors, self.skipped, self.raised = [set() for _ in range(1 + len(ALSO))], {}, set(), {}
        self.stacks = {}  # (nodeid, phase) -> `stacks_in` TARGET and ALSO, of the exception that phase raised
        self.failed_in = {}  # nodeid -> the phase whose failure is the test's error (the first that failed)
        self.collect_errors, self.reported, self.started = [], False, time.perf_counter()
        tracker.switch(OUTSIDE)

    def pytest_collectreport(self, report):
        if report.failed:
            self.collect_errors.append((report.nodeid or "<collection>", "collection error: " + crash_message(report)))

    def pytest_collection_finish(self, session):
        # Module-level lines ran at import time, on behalf of every test: said once, not in every test's record.
        self.shared = [set(lines) for lines in tracker.lines_in(OUTSIDE)]
        emit(event="shared", lines=sorted(self.shared[0]), also=[sorted(s) for s in self.shared[1:]])
        self.report_collect_errors()

    def report_collect_errors(self):
        if not self.reported:
            self.reported = True
            for name, error in self.collect_errors:
                emit(event="test", name=name, passed=False, error=error, lines=[], also=[[] for _ in self.shared[1:]])  # the shared lines, none its own

    def pytest_runtest_logstart(self, nodeid, location):
        emit(event="begin", name=nodeid)
        self.started = time.perf_counter()
        tracker.switch(nodeid)

    def pytest_runtest_makereport(self, item, call):
        # The exception itself: its type name and the innermost target line (pytest's summary has neither).
        if call.excinfo is not None:
            self.raised[(item.nodeid, call.when)] = describe(call.excinfo.value, SHOWN)
            self.stacks[(item.nodeid, call.when)] = stacks_in(call.excinfo.value, [TARGET, *ALSO])

    def pytest_runtest_logreport(self, report):
        if report.failed:
            prefix = "" if report.when == "call" else f"error in {report.when}: "
            message = self.raised.pop((report.nodeid, report.when), None) or crash_message(report)
            self.errors.setdefault(report.nodeid, prefix + message)
            self.failed_in.setdefault(report.nodeid, report.when)
        elif report.skipped:
            self.skipped.add(report.nodeid)  # skip and xfail: no verdict on the code

    def pytest_runtest_logfinish(self, nodeid, location):
        seconds = round(time.perf_counter() - self.started, 4)
        lines, *also = tracker.lines_in(nodeid)  # the test's own; the reader adds the shared ones
        tracker.switch(OUTSIDE)
        # The stack of the phase the error comes from: a test failing in its own assertion, then in a teardown
        # that raises in the target, has the assertion's error and no stack.
        phases = {when: self.stacks.pop((nodeid, when), None) for when in ("setup", "call", "teardown")}
        if nodeid in self.errors:
            raised_at, *also_raised = phases[self.failed_in.pop(nodeid)] or [[]]
            emit(event="test", name=nodeid, passed=False, error=self.errors[nodeid], lines=lines, also=also, seconds=seconds,
                 raised_at=raised_at, also_raised=also_raised)
        elif nodeid in self.skipped:
            emit(event="end", name=nodeid)
        else:
            emit(event="test", name=nodeid, passed=True, error="", lines=lines, also=also, seconds=seconds)


def alarm_plugin(hookimpl):
    """pytest plugin: each phase of a test (setup, call, teardown) runs under the alarm, so a test the bug makes
    hang fails with its lines and the run goes on. pytest's reports between them do not: a TimeoutError there is
    pytest's INTERNALERROR, and the whole run's coverage was lost (a slow boltons test failing just before its
    limit). A wrapper around the phase, not a disarm when its report is made: pytest 9's subtests make a report
    for each subtest in the middle of the call, and a later subtest that hung was not stopped."""

    @hookimpl(hookwrapper=True)  # the old-style wrapper: the user's pytest may predate `wrapper=True`
    def each_phase():
        alarm.arm()
        try:
            yield
        finally:
            alarm.disarm()

    return types.SimpleNamespace(pytest_runtest_setup=each_phase, pytest_runtest_call=each_phase,
                                 pytest_runtest_teardown=each_phase)


def pytest_cov_off(hookimpl):
    """pytest plugin: pytest-cov (--cov in a project's addopts: common) off, as its --no-cov would turn it off. Its
    collector started over this driver's, and coverage.py's stop asserted on the wrong one: no per-test coverage at
    all (QA: parse, a 3-minute fix in 31). Set on the options pytest-cov reads when it starts, not as a --no-cov
    argument, which pytest refuses where pytest-cov is installed but not loaded (`-p no:pytest_cov` in addopts)."""

    @hookimpl(hookwrapper=True)
    def pytest_load_initial_conftests(early_config):
        early_config.known_args_namespace.no_cov = True
        yield

    return types.SimpleNamespace(pytest_load_initial_conftests=pytest_load_initial_conftests)


def run_pytest():
    import importlib.util

    import pytest

    args = without_cache_options(CONFIG["args"])
    if "no:cacheprovider" not in args:
        args += ["-p", "no:cacheprovider"]  # the copy is thrown away; do not spend time on a cache
    if "no:xdist" not in args and importlib.util.find_spec("xdist") is not None:
        args += ["-n", "0"]  # pytest-xdist (-n in the command or its addopts) would run the tests in workers, unmeasured
    args += ["--maxfail=0"]  # every test measured: -x stopped the run at an unrelated test that failed first
    plugin = PerTestCoverage()
    exit_code = pytest.main(args, plugins=[plugin, alarm_plugin(pytest.hookimpl), pytest_cov_off(pytest.hookimpl)])
    plugin.report_collect_errors()
    return int(exit_code)


def run_program():
    import runpy

    name = CONFIG["name"]
    emit(event="begin", name=name)
    tracker.switch(name)
    sys.argv = [CONFIG["program"], *CONFIG["args"]]
    status, error, stacks = 0, "", [[]]
    try:
        if CONFIG["kind"] == "module":
            runpy.run_module(CONFIG["program"], run_name="__main__", alter_sys=True)
        else:
            runpy.run_path(CONFIG["program"], run_name="__main__")
    except SystemExit as exc:
        status = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
        error = "" if status == 0 else f"SystemExit({exc.code!r})"
    except BaseException as exc:
        status, error, stacks = 1, describe(exc, SHOWN), stacks_in(exc, [TARGET, *ALSO])
    lines, *also = tracker.lines_in(name)
    emit(event="test", name=name, passed=status == 0, error=error, lines=lines, also=also, raised_at=stacks[0], also_raised=stacks[1:])
    return status


os.environ.update(CONFIG["env"])
set_sys_path()
if CONFIG["kind"].startswith("pytest"):
    import pytest  # before measuring starts: its import is not the target's business
tracker = Tracker(TARGET, *ALSO)
alarm = Alarm(CONFIG.get("per_test_s", 0))
exit_code = run_pytest() if CONFIG["kind"].startswith("pytest") else run_program()
tracker.close()
emit(event="done", exit_code=exit_code)
'''


def _benchmark_driver(config: Mapping[str, Any]) -> str:
    return f"import json\nCONFIG = json.loads({json.dumps(config)!r})\n" + _DRIVER_COMMON + _BENCHMARK_MAIN


def _command_driver() -> str:
    # `python -c` puts "" (the tree) first on sys.path: a tree with its own json.py or coverage/
    # must not replace ours. set_sys_path() puts back what the user's command would have.
    unshadow = "import sys\nif sys.path and sys.path[0] == '':\n    del sys.path[0]\n"
    return unshadow + "import json\nCONFIG = json.loads(sys.argv[1])\n" + _DRIVER_COMMON + _COMMAND_MAIN


# ----------------------------------------------------------------------------- reading records back


@dataclass
class _Records:
    tests: list[TestCoverage] = field(default_factory=list)
    also: list[list[tuple[frozenset[int], frozenset[int], tuple[int, ...]]]] = field(default_factory=list)
    """Per test, (`lines`, `imported`, `raised_at`) of each further measured file (`coverage_for_files`)."""
    shared: list[frozenset[int]] = field(default_factory=list)
    """Per measured file, the lines every test from here on shares (the drivers' "shared" records)."""
    in_progress: str | None = None
    """A test that began and never reported: the run was killed (or exited) during it."""
    in_progress_at: float | None = None
    """When it began (`time.time()`; the benchmark driver's records only)."""
    done: dict[str, Any] | None = None


def _read_records(result: RunResult, token: str, limits: Limits, what: str) -> _Records:
    """Parse the driver's records; ValueError when the output was cut (the records would be partial)."""
    if "stdout" in result.cut:
        raise ValueError(
            f"coverage records of {what} exceeded {limits.max_output_bytes} bytes of output and were cut; "
            "pass limits with a larger max_output_bytes"
        )
    records = _Records()
    for line in result.stdout.splitlines():
        if not line.startswith(token):
            continue
        record = json.loads(line[len(token):])
        event = record.get("event")
        if event == "begin":
            records.in_progress, records.in_progress_at = record["name"], record.get("at")
        elif event == "end":
            records.in_progress = None
        elif event == "shared":
            records.shared = [frozenset(lines) for lines in [record["lines"], *record.get("also", [])]]
        elif event == "test":
            records.in_progress = None
            (lines, imported), *also = [_with_shared(records.shared, index, own)
                                        for index, own in enumerate([record["lines"], *record.get("also", [])])]
            records.tests.append(TestCoverage(record["name"], bool(record["passed"]), lines, record["error"],
                                              record.get("seconds"), tuple(record.get("raised_at", ())), imported))
            raised = record.get("also_raised", [])
            records.also.append([(*measured, tuple(raised[index]) if index < len(raised) else ()) for index, measured in enumerate(also)])
        elif event == "done":
            records.done = record
    return records


def _with_shared(shared: list[frozenset[int]], index: int, own: list[int]) -> tuple[frozenset[int], frozenset[int]]:
    """(`TestCoverage.lines`, `.imported`) of file `index` for a test that ran `own` itself."""
    before, ran = shared[index] if index < len(shared) else frozenset(), frozenset(own)
    if not before:
        return ran, before
    return before | ran, before if before.isdisjoint(ran) else before - ran  # one set for the tests that share it whole


def _finish(records: _Records, result: RunResult, what: str) -> list[TestCoverage]:
    """The tests that reported, plus the one a killed run was in (failed, no lines)."""
    if records.done is not None:
        return records.tests
    if records.in_progress is None and not records.tests:
        raise ValueError(f"no coverage came back from {what}: {result.status}: {result.detail}; "
                         f"stderr ends with: {result.stderr[-500:].strip()!r}")
    tests = list(records.tests)
    if records.in_progress is not None:
        tests.append(TestCoverage(records.in_progress, False, frozenset(), _stopped_because(result)))
    logger.warning("coverage run of %s stopped early (%s: %s); kept %d finished test(s)",
                   what, result.status, result.detail, len(records.tests))
    return tests


def _stopped_because(result: RunResult) -> str:
    if result.status in ("timeout", "memory", "crash"):
        return f"{result.status}: {result.detail}"
    # The process ended on its own in the middle of a test: os._exit or an exit from a thread.
    return f"the process exited (status {result.returncode}) during this test" + (f": {result.detail}" if result.detail else "")


def _coverage_limits(limits: Limits, startup_s: float) -> Limits:
    """The caller's limits, with room for tracing overhead and for the records on stdout."""
    return replace(
        _scaled(limits, COVERAGE_SLOWDOWN, startup_s),
        max_output_bytes=max(limits.max_output_bytes, COVERAGE_OUTPUT_BYTES),
        # the stdout file must be able to outgrow max_output_bytes, or a cut is a SIGXFSZ crash
        max_file_mb=max(limits.max_file_mb, 2 * COVERAGE_OUTPUT_BYTES // (1024 * 1024)),
    )


def command_limits(limits: Limits) -> Limits:
    """`limits` for a run of a user's test command: output up to COMMAND_OUTPUT_BYTES, the file that
    holds it allowed to grow past that (a cut output is cut in the middle, `Limits.max_output_bytes`)."""
    return replace(limits, max_output_bytes=max(limits.max_output_bytes, COMMAND_OUTPUT_BYTES),
                   max_file_mb=max(limits.max_file_mb, 4 * COMMAND_OUTPUT_BYTES // (1024 * 1024)))


def _new_token() -> str:
    return f"@@codemend-coverage-{secrets.token_hex(8)}@@"


# ----------------------------------------------------------------------------- benchmark format


def _contains_assert(node: ast.AST) -> bool:
    """An `assert` in this statement's own code (not inside a def, class or lambda it defines)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Assert):
            return True
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)) and _contains_assert(child):
            return True
    return False


def _is_test_statement(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Assert):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        return True  # check(candidate), unittest.main(), ...
    # `for x, y in cases: assert f(x) == y` is a test too: as setup its failure would fail nothing
    compound = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try)
    return isinstance(statement, compound) and _contains_assert(statement)


def plan_benchmark_tests(test_code: str) -> list[tuple[Literal["test", "setup"], str]]:
    """(kind, name) per top-level statement of `test_code`: asserts and calls are tests, the rest setup.

    Names are `test{k}@line{n}` (k counts tests from 1, n is the statement's first line) and
    `setup@line{n}`. ValueError when `test_code` does not parse.
    """
    try:
        statements = ast.parse(test_code).body
    except SyntaxError as err:
        raise ValueError(f"test code does not parse: {err.msg} (line {err.lineno})") from err
    plan: list[tuple[Literal["test", "setup"], str]] = []
    count = 0
    for statement in statements:
        if _is_test_statement(statement):
            count += 1
            plan.append(("test", f"test{count}@line{statement.lineno}"))
        else:
            plan.append(("setup", f"setup@line{statement.lineno}"))
    return plan


def coverage_for_benchmark(module_code: str, test_code: str, *, limits: Limits | None = None) -> list[TestCoverage]:
    """Per-test coverage of `module_code` under executable-benchmark tests.

    `test_code` runs after `module_code` in the same namespace. Each top-level assert (or call,
    or loop/if/with/try holding an assert) is one test, run even when an earlier one failed; the
    other statements are shared setup, and a failing setup fails every test after it with its
    error. Each test's lines include the module's import-time lines and the setup before it.
    A module that fails at import gives the single failing test "import".

    `limits.wall_s` is per test (a test still running then fails with TimeoutError); the whole run
    gets COVERAGE_SLOWDOWN x that plus start-up, and RETRY_SCALE x that in a second run when the first
    ran slow without hanging (`_ran_slow`). ValueError when `test_code` does not parse or no coverage comes back at all.
    """
    plan = plan_benchmark_tests(test_code)
    base = limits or Limits()
    token = _new_token()
    config = {"token": token, "per_test_s": base.wall_s, "plan": plan,
              "module_file": BENCHMARK_FILE, "tests_file": "tests_source.py"}
    driver, files = _benchmark_driver(config), {BENCHMARK_FILE: module_code, "tests_source.py": test_code}
    run_limits = _coverage_limits(base, BENCHMARK_STARTUP_S)
    result = run_python(driver, limits=run_limits, files=files)
    records = _read_records(result, token, run_limits, "the benchmark tests")
    if _ran_slow(result, records, base.wall_s, time.time()):
        result, records = _once_more(driver, files, token, _scaled(run_limits, RETRY_SCALE), (result, records))
    tests = _finish(records, result, "the benchmark tests")
    logger.debug("benchmark coverage: %d test(s) in %.2f s", len(tests), result.duration_s)
    return tests


def _ran_slow(result: RunResult, records: _Records, per_test_s: float, now: float) -> bool:
    """Whether a run went past its whole wall-clock limit (COVERAGE_SLOWDOWN x the per-test limit + start-up,
    whatever the number of tests) without a hang: no test stopped at its own limit, and none still running
    well past it when the run was killed (a hang the alarm could not stop). Such a run was cut short by its
    tests' number or the machine's load, and the lines it left out would rank by that."""
    if result.status != "timeout" or not result.detail.startswith(WALL_CLOCK_DETAIL) or any(test.stopped for test in records.tests):
        return False
    began = records.in_progress_at
    return records.in_progress is None or began is None or now - began <= per_test_s + ALARM_GRACE_S


def _once_more(driver: str, files: dict[str, str], token: str, limits: Limits,
               first: tuple[RunResult, _Records]) -> tuple[RunResult, _Records]:
    """The run again under `limits`; the first one's result stands when this one brings back fewer tests."""
    logger.info("coverage run of the benchmark tests ran slow (%s); running it once more with %g s", first[0].detail, limits.wall_s)
    result = run_python(driver, limits=limits, files=files)
    try:
        records = _read_records(result, token, limits, "the benchmark tests")
    except ValueError:  # its output cut: the first run's records are whole as far as they go
        return first
    return (result, records) if records.done is not None or len(records.tests) > len(first[1].tests) else first


def _scaled(limits: Limits, factor: float, plus_s: float = 0.0) -> Limits:
    """`limits` with its wall-clock and CPU-time limits x `factor`, + `plus_s`."""
    scale = lambda seconds: factor * seconds + plus_s  # noqa: E731
    return replace(limits, wall_s=scale(limits.wall_s), cpu_s=None if limits.cpu_s is None else scale(limits.cpu_s))


# ----------------------------------------------------------------------------- test commands


MAX_TRACE_CHARS = 400
# pytest 9 reports each failing subtest (unittest's subTest) as "SUBFAILED(params) ID", counted among the failed.
_FAILED_PREFIX = re.compile(r"^(?:FAILED|ERROR|SUBFAILED(?:\(.*?\))?) ")
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")  # a terminal's colour codes (SGR)
_SUBTEST_FAILED = re.compile(r"SUBFAIL(?:ED)?\b")  # a failed subtest's short-summary line (pytest 9; pytest-subtests: SUBFAIL)


def without_colour(text: str) -> str:
    """`text` without terminal colour codes: a project's `addopts = "--color=yes"` coloured pytest's count line
    (`\x1b[32m140 passed`), which then read as no count at all, and a passing fix as a run cut short (QA)."""
    return _COLOUR.sub("", text) if "\x1b[" in text else text


def summary_line(line: str) -> tuple[str, str] | None:
    """(test id, error) of a line of pytest's short summary ("FAILED tests/t.py::test_a[in side] - assert
    0 == 1"), None for other lines. An id runs to the first space outside its parameters' brackets:
    parametrize ids may hold spaces (`ids=["in side"]`), and an id cut at one was no test's."""
    line = without_colour(line).strip()
    prefix = _FAILED_PREFIX.match(line)
    if not prefix:
        return None
    rest, depth = line[prefix.end():], 0
    for k, char in enumerate(rest):
        depth += (char == "[") - (char == "]") if "::" in rest[:k] else 0
        if char == " " and depth <= 0:
            message = rest[k:]
            return (rest[:k], message[3:].strip()) if message.startswith(" - ") else None
    return (rest, "") if rest else None


def first_failure(stdout: str, allowed: set[str] | None = None) -> tuple[str, str] | None:
    """(test id, error line) of the first FAILED/ERROR line of pytest's short summary (pytest prints
    it by default; -rfE forces it), among the `allowed` ids when given."""
    for line in stdout.splitlines():
        found = summary_line(line)
        if found and (allowed is None or found[0] in allowed):
            return found
    return None


# pytest's count line (at --verbosity=-1, REPORT_OPTIONS): "1 failed, 3 passed, 1 warning in 0.05s", "no tests ran in 0.01s".
_PYTEST_TALLY = re.compile(r"\b(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?)\b")
_PYTEST_TIME = re.compile(r"\bin \d+(?:\.\d+)?s\b")


def pytest_tally(stdout: str) -> dict[str, int] | None:
    """pytest's count line as {kind: number} ("errors" read as `error`): the last line that reads as one, so that
    output printed after it (an atexit handler, a plugin) does not hide it; None when none does (the run ended
    before its report)."""
    for line in reversed(without_colour(stdout).splitlines()):
        if _PYTEST_TIME.search(line) and ((pairs := _PYTEST_TALLY.findall(line)) or "no tests ran" in line):
            return {("error" if kind.startswith("error") else kind): int(number) for number, kind in pairs}
    return None


# Put last on a pytest command whose report is read (`reporting_command`): its count line, which -qq hides,
# a short summary line for each failure and error, which -rN hides, without colours (`without_colour`), and
# every test's verdict, which -x and --maxfail cut short (an unrelated test failing first hid the one a fix
# made pass, and the true fix read "failing"); last, they win over the command's own options and addopts.
REPORT_OPTIONS = ("--verbosity=-1", "-rfE", "--color=no", "--maxfail=0")


def reporting_command(command: str) -> str:
    """`command` with REPORT_OPTIONS last when it runs pytest, so that `failed_tests` can read every run of
    it whatever verbosity and summary its options ask for; any other command as it is."""
    try:
        kind = parse_test_command(command).kind
    except ValueError:
        return command
    return " ".join([command, *REPORT_OPTIONS]) if kind.startswith("pytest") else command


def failed_tests(stdout: str) -> set[str] | None:
    """The ids of the tests a pytest run reports FAILED or ERROR in its short summary, or None unless
    those lines account for every failure and error its last line counts (a summary turned off with
    -rN, or output cut short, must not pass for "these and no others failed")."""
    lines = [found[0] for found in map(summary_line, stdout.splitlines()) if found]
    tally = pytest_tally(stdout) or {}
    return set(lines) if lines and len(lines) == tally.get("failed", 0) + tally.get("error", 0) else None


# unittest's report of each failing test (and each failing subtest): "FAIL: test_a (pkg.test_x.T.test_a) (i=1)";
# before Python 3.11 the parentheses hold the class only.
_UNITTEST_FAILED = re.compile(r"^(?:FAIL|ERROR): (\S+) \((\S+)\)(?: \(.*\))?$")
_UNITTEST_COUNTS = re.compile(r"^FAILED \((.*)\)$")


def unittest_failed_tests(output: str) -> set[str] | None:
    """The dotted ids (`pkg.test_x.T.test_a`) of the tests a `python -m unittest` run reports as FAIL or
    ERROR (on stderr), or None unless those reports account for every failure and error its last line
    counts ("FAILED (failures=2, errors=1)"), as `failed_tests` does for pytest."""
    ids, counted = [], None
    for line in output.splitlines():
        if match := _UNITTEST_FAILED.match(line):
            ids.append(_dotted_name(match))
        elif match := _UNITTEST_COUNTS.match(line.strip()):
            counts = dict(part.strip().split("=", 1) for part in match[1].split(",") if "=" in part)
            counted = sum(int(counts.get(key, 0)) for key in ("failures", "errors"))
    return set(ids) if ids and len(ids) == counted else None


def failing_tests(command: str, result: RunResult, tree: Path) -> set[str] | None:
    """The tests a run of the test `command` reports failing, as pytest's ids (those of per-test coverage),
    when its report lists them all: pytest's short summary (`failed_tests`) or, for `python -m unittest`,
    its FAIL/ERROR reports (`unittest_failed_tests`) with each dotted id as pytest names that test in
    `tree` (None when one is not a test method of a module there: a class's setUpClass, an import error)."""
    if not _is_unittest(command):
        return failed_tests(result.stdout)
    dotted = unittest_failed_tests(result.stderr)
    starts = _unittest_starts(command)
    ids = {name: _as_pytest_id(name, tree, starts) for name in dotted or ()}
    return set(ids.values()) if dotted is not None and all(ids.values()) else None


_UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in ", re.MULTILINE)
_UNITTEST_SKIPPED = re.compile(r"^(?:OK|FAILED) \(.*\bskipped=(\d+)", re.MULTILINE)


def counts_tests(command: str) -> bool:
    """Whether a run of `command` reports how many tests ran: pytest (at REPORT_OPTIONS' verbosity) or `python -m unittest`."""
    try:
        parsed = parse_test_command(command)
    except ValueError:
        return False
    return parsed.kind.startswith("pytest") or parsed.is_unittest


def tests_ran(command: str, result: RunResult) -> int | None:
    """How many tests a run of `command` (`counts_tests`) reports having run, passed or failed (not skipped,
    deselected or expected to fail, nor pytest's errors: a test whose teardown raises counts as passed and as an
    error, so the original's run of a buggy `close()` would count each test twice): pytest's count line
    (`pytest_tally`), unittest's last "Ran N tests" less its skips; None when the run printed no such count."""
    if _is_unittest(command):
        ran = _UNITTEST_RAN.findall(result.stderr)
        skipped = _UNITTEST_SKIPPED.findall(result.stderr)
        return int(ran[-1]) - (int(skipped[-1]) if skipped else 0) if ran else None
    stdout = without_colour(result.stdout)
    tally = pytest_tally(stdout)
    if tally is None:
        return None
    # A failed subtest counts as failed and its test as passed (pytest 9: "3 failed, 3 passed, 3 subtests passed" for
    # 4 tests, 2 of its failures subtests of one): each has a SUBFAILED line in the short summary (-rfE), left out here,
    # or the original's run of python-slugify counted 265 tests and the fixed code's 140, and its true fix an error (QA).
    subtests = sum(1 for line in stdout.splitlines() if _SUBTEST_FAILED.match(line))
    return sum(tally.get(kind, 0) for kind in ("passed", "failed", "xpassed")) - subtests


def unfinished(command: str, result: RunResult, at_least: int | None = 0) -> str:
    """Why a passing run of `command` does not show that the tests pass ("" when it does, or cannot tell): it
    reports no count of the tests it ran, so it ended before its report (code that calls `os._exit(0)` ends
    pytest with exit status 0 in the middle of its tests), or fewer than `at_least` (the original code's run).
    `at_least` None: the original's run reported no count either (a plugin's output, a hang), so nothing is said."""
    if result.status != "passed" or not counts_tests(command) or at_least is None:
        return ""
    ran = tests_ran(command, result)
    if ran is None:
        return "the tests exited with status 0 but never reported how many ran: the run ended early (does the code end the process?)"
    if ran < at_least:
        return f"{ran} test(s) ran, fewer than the {at_least} that ran on the original code"
    return ""


def finished(command: str, result: RunResult, at_least: int | None = 0) -> RunResult:
    """`result`, as an error when its exit status 0 does not show that the tests pass (`unfinished`): what `fix`
    judges a candidate by, and `--apply` the project after writing."""
    why = unfinished(command, result, at_least)
    return replace(result, status="error", detail=why) if why else result


def first_failing(command: str, result: RunResult, tree: Path) -> tuple[str, str] | None:
    """(test id, error line) of the first failing test a run of `command` reports: pytest's short
    summary (`first_failure`), or unittest's first FAIL/ERROR report and the exception its traceback
    ends with, its dotted id as pytest's where it maps (`failing_tests`)."""
    if not _is_unittest(command):
        return first_failure(result.stdout)
    lines = result.stderr.splitlines()
    for k, line in enumerate(lines):
        if match := _UNITTEST_FAILED.match(line):
            dotted = _dotted_name(match)
            return _as_pytest_id(dotted, tree, _unittest_starts(command)) or dotted, _unittest_error(lines[k + 1:])
    return None


def _dotted_name(header: re.Match) -> str:
    """The test's dotted name in a FAIL/ERROR header: the parentheses' (Python 3.11+), or the class's and the method's."""
    name, where = header.groups()
    return where if where.rsplit(".", 1)[-1] == name else f"{where}.{name}"


def _unittest_error(report: list[str]) -> str:
    """The exception line of the unittest report that `report` starts with: the first unindented line
    after its last traceback's header (frames are indented; a chained exception's traceback comes last,
    as pytest's summary shows it; a long assertion message's further lines come after it)."""
    end = next((k for k, line in enumerate(report) if line.startswith("=" * 10)), len(report))
    block = report[:end]
    headers = [k for k, line in enumerate(block) if line.startswith("Traceback (most recent call last)")]
    after = [line for line in block[headers[-1] + 1:] if line.strip() and not line.startswith(" ")] if headers else []
    return after[0].strip()[:300] if after else ""


def _unittest_starts(command: str) -> list[str]:
    """Where a unittest command's dotted names start: the root, and `discover`'s start folder (without
    -t its names are relative to it)."""
    args = parse_test_command(command).unittest_args
    found = _discover_arguments(args[1:]) if not args or args[0] == "discover" else None
    return ["", found[0]] if found else [""]


def _as_pytest_id(dotted: str, tree: Path, starts: list[str]) -> str:
    """unittest's dotted name of a test method as pytest's id in `tree`, from the first of `starts`
    (`_unittest_starts`) that holds its module; "" when none does."""
    for start in starts:
        test_id = _unittest_name_as_id(dotted, tree / start)
        if "::" in test_id:
            return str(Path(start) / test_id) if start else test_id
    return ""


def _is_unittest(command: str) -> bool:
    try:
        return parse_test_command(command).is_unittest
    except ValueError:
        return False


_COLLECTING = re.compile(r"^_+ ERROR collecting (?P<file>\S+) _+$")
_SECTION_END = re.compile(r"^(_+ .* _+|=+ .* =+)$")


def collection_errors(stdout: str) -> dict[str, str]:
    """The test files pytest could not collect, each with its error section ("ERROR collecting FILE"
    and the traceback under it, as pytest prints them by default); {} when there are none."""
    errors: dict[str, list[str]] = {}
    current = None
    for line in stdout.splitlines():
        match = _COLLECTING.match(line.strip())
        if match:
            current = errors.setdefault(match["file"], [])
        elif current is not None and _SECTION_END.match(line.strip()):
            current = None
        elif current is not None:
            current.append(line)
    return {file: "\n".join(lines) for file, lines in errors.items()}


def failure_trace(test_id: str, message: str) -> str:
    """The failing test as a model reads it (`### error:`), the same in training data and at repair time."""
    return (f"{test_id}: {message}" if message else test_id)[:MAX_TRACE_CHARS]


_SANDBOX_FAILURE = re.compile(r"^(?P<error>.+?) at (?P<where><(?:tests|candidate)> line \d+)(?:: (?P<source>.*))?$")


def sandbox_failure_trace(detail: str) -> str:
    """A sandboxed test code's failure (`sandbox.run_tests` detail: "AssertionError at <tests> line 3:
    assert f(1) == 2") in the form pytest traces take, the failing line standing for the test id:
    "<tests> line 3: assert f(1) == 2" for a bare assert, as pytest's summary gives it, and
    "<tests> line 3: ValueError: bad" for any other error."""
    match = _SANDBOX_FAILURE.match(detail)
    if not match:
        return detail[:MAX_TRACE_CHARS]
    error, source = match["error"], match["source"] or ""
    message = source if error == "AssertionError" and source.startswith("assert") else error
    return failure_trace(match["where"], message)


@dataclass(frozen=True)
class TestCommand:
    """A user's test command, understood well enough to run it under coverage.py."""

    __test__ = False

    kind: Literal["pytest", "pytest-module", "script", "module"]
    """pytest = `pytest ARGS`, pytest-module = `python -m pytest ARGS`, script = `python FILE ARGS`,
    module = `python -m MODULE ARGS` (the last two are one test: the whole command)."""
    args: tuple[str, ...]
    program: str = ""
    """The script path or module name (script and module kinds)."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Leading `NAME=value` assignments of the command."""

    @property
    def is_unittest(self) -> bool:
        """`python -m unittest ARGS`."""
        return self.kind == "module" and self.program == "unittest"

    @property
    def unittest_args(self) -> list[str]:
        """A unittest command's arguments without its flags (-v, -b, ...): names, or `discover` and its own."""
        return [arg for arg in self.args if arg not in UNITTEST_FLAGS]


def parse_test_command(command: str) -> TestCommand:
    """Split "pytest ARGS", "python[3] -m pytest ARGS", "python FILE ARGS" or "python -m MODULE ARGS".

    Leading `NAME=value` assignments become environment variables. ValueError for anything else
    (shell syntax, make, tox, ...): per-test coverage needs pytest.
    """
    env, argv = split_assignments(shlex.split(command))
    program = Path(argv[0]).name if argv else ""
    if program in ("pytest", "py.test"):
        return TestCommand("pytest", tuple(argv[1:]), env=env)
    if re.fullmatch(r"python(\d+(\.\d+)*)?", program):
        rest = argv[1:]
        if rest[:2] == ["-m", "pytest"]:
            return TestCommand("pytest-module", tuple(rest[2:]), env=env)
        if len(rest) >= 2 and rest[0] == "-m":
            return TestCommand("module", tuple(rest[2:]), program=rest[1], env=env)
        if rest and not rest[0].startswith("-"):
            return TestCommand("script", tuple(rest[1:]), program=rest[0], env=env)
    raise ValueError(
        f"per-test coverage needs pytest: use 'pytest ARGS' or 'python -m pytest ARGS' "
        f"('python FILE ...' and 'python -m MODULE ...' run as a single test); got {command!r}"
    )


# pytest's options (and common plugins') whose value is the next word: it is never a test path.
PYTEST_VALUE_OPTIONS = frozenset({
    "-k", "-m", "-p", "-c", "-o", "-W", "-r", "-n", "--rootdir", "--confcutdir", "--basetemp", "--deselect", "--ignore",
    "--ignore-glob", "--junitxml", "--junit-xml", "--log-file", "--log-level", "--log-cli-level", "--cov", "--cov-report",
    "--cov-config", "--maxfail", "--tb", "--durations", "--import-mode", "--override-ini", "--dist", "--timeout",
    "--capture", "--color", "--reruns", "--randomly-seed", "--pyargs",
})


def pytest_options(args: Sequence[str], tree: Path) -> list[str]:
    """A pytest command's arguments without those that name a file or folder of `tree` (or a test in one):
    what runs other tests with the user's options. An option's value stays, whatever it names."""
    kept, value_next = [], False
    for word in args:
        if not value_next and not word.startswith("-") and (tree / word.split("::")[0]).exists():
            continue
        kept.append(word)
        value_next = word in PYTEST_VALUE_OPTIONS
    return kept


def _command_line(env: Mapping[str, str], words: Sequence[str]) -> str:
    return shlex.join([f"{name}={value}" for name, value in env.items()] + list(words))


def focused_command(command: str, test_ids: Collection[str], tree: Path) -> str:
    """`command` running only `test_ids`: a pytest command's options and the ids (`pytest_options`), a
    `python -m unittest` command with a `-k module.Class.test` for each (unittest's own filter, a
    substring of its dotted names wherever discovery starts; `discover`'s folders and imports stay). ""
    for other commands, for ids that are not node ids (a `python FILE` command's one test is the
    command), and for a unittest command that already filters with -k (another -k would widen it)."""
    try:
        parsed = parse_test_command(command)
    except ValueError:
        return ""
    env, argv = split_assignments(shlex.split(command))
    if parsed.is_unittest:
        if not test_ids or any(arg.startswith("-k") for arg in parsed.args) or any("::" not in test_id for test_id in test_ids):
            return ""
        return _command_line(env, argv + [word for test_id in sorted(test_ids) for word in ("-k", _unittest_filter(test_id))])
    kind = parsed.kind
    if not kind.startswith("pytest") or not test_ids or any("::" not in test_id for test_id in test_ids):
        return ""
    start = 1 if kind == "pytest" else 3  # after "pytest", or "python -m pytest"
    return _command_line(env, argv[:start] + pytest_options(argv[start:], tree) + sorted(test_ids))


def deselected_command(command: str, test_ids: Collection[str]) -> str:
    """A pytest `command` that leaves `test_ids` out (`--deselect` each); "" for other commands and for ids that are
    not pytest's node ids."""
    try:
        kind = parse_test_command(command).kind
    except ValueError:
        return ""
    if not kind.startswith("pytest") or not test_ids or any("::" not in test_id for test_id in test_ids):
        return ""
    env, argv = split_assignments(shlex.split(command))
    return _command_line(env, argv + [word for test_id in sorted(test_ids) for word in ("--deselect", test_id)])


def _unittest_filter(test_id: str) -> str:
    """pytest's `tests/test_x.py::T::test_a` as a substring of unittest's dotted name for it, which starts
    wherever discovery's top folder is (`tests.test_x.T.test_a`, or `test_x.T.test_a`): `test_x.T.test_a`."""
    file, *names = test_id.split("::")
    return ".".join([Path(file).stem, *names])


UNITTEST_FLAGS = frozenset({"-v", "--verbose", "-q", "--quiet", "-b", "--buffer", "-f", "--failfast", "-c", "--catch", "--locals"})


def unittest_as_pytest(command: str, tree: Path) -> str:
    """The pytest command that runs the tests of a `python -m unittest` command one by one (pytest runs
    unittest suites), so that per-test coverage can tell them apart; "" for other commands and for
    unittest arguments it does not map (-k, a name that is not a module of `tree`). `discover`'s start
    folder and pattern become the path and `python_files`; names (`tests.test_x.T.test_a`) become ids."""
    try:
        parsed = parse_test_command(command)
    except ValueError:
        return ""
    if not parsed.is_unittest:
        return ""
    args = parsed.unittest_args
    if not args or args[0] == "discover":
        found = _discover_arguments(args[1:])
        if found is None:
            return ""
        start, pattern = found
        rest = [start, "-o", f"python_files={pattern}"]
    else:
        rest = [_unittest_name_as_id(name, tree) for name in args]
        if not all(rest):
            return ""
    env, argv = split_assignments(shlex.split(command))
    return _command_line(env, [argv[0], "-m", "pytest", "-q", "-p", "no:cacheprovider", *rest])


def _discover_arguments(args: list[str]) -> tuple[str, str] | None:
    """(start folder, pattern) of `unittest discover`'s arguments, None for options it does not map."""
    values, positional, words = {"start": ".", "pattern": "test*.py"}, [], iter(args)
    options = {"-s": "start", "--start-directory": "start", "-p": "pattern", "--pattern": "pattern", "-t": "", "--top-level-directory": ""}
    for word in words:
        if word in options:
            value = next(words, None)
            if value is None:
                return None
            if options[word]:
                values[options[word]] = value
        elif word.startswith("-"):
            return None
        else:
            positional.append(word)
    values.update(zip(("start", "pattern"), positional))
    return values["start"], values["pattern"]


def _unittest_name_as_id(name: str, tree: Path) -> str:
    """`tests.test_x.T.test_a` as pytest's `tests/test_x.py::T::test_a` (a file or package path as is); "" when no prefix is a module of `tree`."""
    if (tree / name).exists():
        return name
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        path = "/".join(parts[:k])
        if (tree / f"{path}.py").is_file():
            return "::".join([f"{path}.py", *parts[k:]])
        if k == len(parts) and (tree / path).is_dir():
            return path
    return ""


@functools.lru_cache(maxsize=16)
def measuring_python(command: str, tree: Path) -> str:
    """The Python that runs the coverage driver: the command's own when it has coverage.py 7 (and pytest,
    for a pytest command), so the tests import the packages they import for the user (a project's
    venv); else codemend's, which has both."""
    python = command_python(command, tree)
    if not python or python == sys.executable:
        return sys.executable
    needs = ["coverage", "pytest"] if parse_test_command(command).kind.startswith("pytest") else ["coverage"]
    # Prints what it lacks: the log named both where a project's venv had pytest and lacked only coverage.py (QA).
    check = (f"import importlib.util, sys\nlacks = [name for name in {needs!r} if importlib.util.find_spec(name) is None]\n"
             "if 'coverage' not in lacks:\n    import coverage\n    lacks += [] if coverage.version_info[0] >= 7 else ['coverage']\n"
             "print(' '.join(lacks)); sys.exit(1 if lacks else 0)")
    answer = ask_python(python, check, command, wall_s=60)
    usable = answer.status == "passed"
    if not usable:
        lacks = answer.stdout.split() if answer.status == "failed" else needs
        names = " and ".join({"coverage": "coverage.py 7", "pytest": "pytest"}[name] for name in lacks if name in needs) or "coverage.py 7"
        logger.info("per-test coverage runs with codemend's Python: %s lacks %s (install it there for coverage with the "
                    "project's own packages)", python, names)
    return python if usable else sys.executable


def _relative_target(tree: Path, target_file: str, overlay: Mapping[str, str]) -> str:
    path = Path(target_file)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(tree.resolve())
        except ValueError:
            raise ValueError(f"target_file {target_file} is not inside the tree {tree}") from None
    relative = path.as_posix()
    if not (tree / relative).is_file() and relative not in overlay:
        raise ValueError(f"target_file {relative!r} is neither a file in {tree} nor in the overlay")
    return relative


def coverage_for_command(
    tree: str | Path,
    command: str,
    target_file: str,
    *,
    overlay: Mapping[str, str] | None = None,
    limits: Limits | None = None,
    import_roots: Sequence[str] = (),
    cancel: threading.Event | None = None,
) -> list[TestCoverage]:
    """Per-test coverage of `target_file` under a test command (`coverage_for_files` of that one file)."""
    return coverage_for_files(tree, command, [target_file], overlay=overlay, limits=limits, import_roots=import_roots,
                              cancel=cancel)[target_file]


def coverage_for_files(
    tree: str | Path,
    command: str,
    target_files: Sequence[str],
    *,
    overlay: Mapping[str, str] | None = None,
    limits: Limits | None = None,
    import_roots: Sequence[str] = (),
    cancel: threading.Event | None = None,
) -> dict[str, list[TestCoverage]]:
    """Per-test coverage of each of `target_files` (relative to `tree`) under a test command, in one run
    per FILES_PER_RUN files in a sandboxed copy: {file: its TestCoverage list}, the same tests for every
    file. A test's error names the innermost line of a measured file its exception came up through.

    pytest commands give one TestCoverage per test id ("tests/test_x.py::test_a"); skipped and
    xfailed tests are left out, a collection error is a failing test named after its file.
    `python FILE ...` / `python -m MODULE ...` give one test, the whole command (passed iff it
    exits 0). The command runs with this interpreter (sys.executable), whatever `python` it names.
    `tree` is never modified; `overlay` files are written over the copy. ValueError for other
    commands, for pytest usage errors, and when no coverage comes back. `import_roots`: see
    `sandbox.import_roots`; `cancel`: see `sandbox.run_command`.
    """
    if len(target_files) > FILES_PER_RUN:
        batches = [target_files[i:i + FILES_PER_RUN] for i in range(0, len(target_files), FILES_PER_RUN)]
        return {name: tests for batch in batches for name, tests in
                coverage_for_files(tree, command, batch, overlay=overlay, limits=limits, import_roots=import_roots, cancel=cancel).items()}
    tree = Path(tree)
    overlay = dict(overlay or {})
    # Run as one, a unittest suite's coverage is one test that runs nearly everything: no localization.
    command = unittest_as_pytest(command, tree) or command
    parsed = parse_test_command(command)
    target, *also = [_relative_target(tree, target_file, overlay) for target_file in target_files]
    limits = limits or Limits(wall_s=60.0)
    run_limits = _coverage_limits(limits, COMMAND_STARTUP_S)
    token = _new_token()
    config = {"token": token, "kind": parsed.kind, "args": list(parsed.args), "program": parsed.program,
              "env": dict(parsed.env), "target": target, "also": also, "name": command, "import_roots": list(import_roots),
              "per_test_s": COVERAGE_SLOWDOWN * PER_TEST_SHARE * limits.wall_s}
    argv = [measuring_python(command, tree), "-c", _command_driver(), json.dumps(config)]
    result = run_command(argv, tree=tree, limits=run_limits, overlay=overlay, import_roots=import_roots, cancel=cancel)
    records = _read_records(result, token, run_limits, f"`{command}`")
    exit_code = (records.done or {}).get("exit_code")
    if parsed.kind.startswith("pytest") and exit_code in (3, 4):  # internal error, usage error
        raise ValueError(f"pytest could not run `{command}` (exit {exit_code}): {result.stderr[-500:].strip()}")
    tests = _finish(records, result, f"`{command}`")
    if not tests:
        logger.warning("`%s` ran no tests: no coverage to localize with", command)
    logger.debug("command coverage: %d test(s) of %d file(s) in %.2f s", len(tests), len(target_files), result.duration_s)
    by_file = {target_files[0]: tests}
    for index, name in enumerate(target_files[1:]):
        empty = (frozenset(), frozenset(), ())
        found = [more[index] if index < len(more) else empty for more in records.also] + [empty] * (len(tests) - len(records.also))
        # Each file's own lines and stack: the first file's stack read as another's lines pointed at lines the exception never saw.
        by_file[name] = [replace(test, lines=lines, imported=imported, raised_at=raised) for test, (lines, imported, raised) in zip(tests, found)]
    return by_file
