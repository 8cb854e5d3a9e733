"""Per-test line coverage measured with coverage.py inside the sandbox (for fault localization and
for keeping only the injected bugs that tests catch).

    coverages = coverage_for_benchmark(module_code, test_code)      # each top-level assert a test
    coverages = coverage_for_command(tree, "pytest -q tests", "pkg/mod.py")

coverage.py runs inside the sandboxed child with one dynamic context per test; a driver prints
the result behind a per-run token on stdout. Imports only the sandbox, so both the data pipeline
and inference use it.
"""

from __future__ import annotations

import json
import secrets
import shlex
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

from codemend.sandbox import Limits, run_command, run_python

COVERAGE_OUTPUT_BYTES = 8 * 1024 * 1024  # per-test line lists of a big test suite


@dataclass(frozen=True)
class TestCoverage:
    __test__ = False  # not a pytest class

    name: str
    passed: bool
    lines: frozenset[int]  # executed lines of the target file, 1-based
    error: str = ""  # first line of the failure, "" when passed


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
    gets COVERAGE_SLOWDOWN x that plus start-up. ValueError when `test_code` does not parse or no
    coverage comes back at all.
    """
    plan = plan_benchmark_tests(test_code)
    base = limits or Limits()
    run_limits = _coverage_limits(base, BENCHMARK_STARTUP_S)
    token = _new_token()
    config = {"token": token, "per_test_s": base.wall_s, "plan": plan,
              "module_file": BENCHMARK_FILE, "tests_file": "tests_source.py"}
    result = run_python(_benchmark_driver(config), limits=run_limits,
                        files={BENCHMARK_FILE: module_code, "tests_source.py": test_code})
    records = _read_records(result, token, run_limits, "the benchmark tests")
    tests = _finish(records, result, "the benchmark tests")
    logger.debug("benchmark coverage: %d test(s) in %.2f s", len(tests), result.duration_s)
    return tests


# ----------------------------------------------------------------------------- test commands


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


def parse_test_command(command: str) -> TestCommand:
    """Split "pytest ARGS", "python[3] -m pytest ARGS", "python FILE ARGS" or "python -m MODULE ARGS".

    Leading `NAME=value` assignments become environment variables. ValueError for anything else
    (shell syntax, make, tox, ...): per-test coverage needs pytest.
    """
    argv = shlex.split(command)
    env = {}
    while argv and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", argv[0]):
        name, value = argv.pop(0).split("=", 1)
        env[name] = value
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
) -> list[TestCoverage]:
    """Per-test coverage of `target_file` (relative to `tree`) under a test command, in a sandboxed copy.

    pytest commands give one TestCoverage per test id ("tests/test_x.py::test_a"); skipped and
    xfailed tests are left out, a collection error is a failing test named after its file.
    `python FILE ...` / `python -m MODULE ...` give one test, the whole command (passed iff it
    exits 0). The command runs with this interpreter (sys.executable), whatever `python` it names.
    `tree` is never modified; `overlay` files are written over the copy. ValueError for other
    commands, for pytest usage errors, and when no coverage comes back.
    """
    tree = Path(tree)
    overlay = dict(overlay or {})
    parsed = parse_test_command(command)
    target = _relative_target(tree, target_file, overlay)
    run_limits = _coverage_limits(limits or Limits(wall_s=60.0), COMMAND_STARTUP_S)
    token = _new_token()
    config = {"token": token, "kind": parsed.kind, "args": list(parsed.args), "program": parsed.program,
              "env": dict(parsed.env), "target": target, "name": command}
    argv = [sys.executable, "-c", _command_driver(), json.dumps(config)]
    result = run_command(argv, tree=tree, limits=run_limits, overlay=overlay)
    records = _read_records(result, token, run_limits, f"`{command}`")
    exit_code = (records.done or {}).get("exit_code")
    if parsed.kind.startswith("pytest") and exit_code in (3, 4):  # internal error, usage error
        raise ValueError(f"pytest could not run `{command}` (exit {exit_code}): {result.stderr[-500:].strip()}")
    tests = _finish(records, result, f"`{command}`")
    if not tests:
        logger.warning("`%s` ran no tests: no coverage to localize with", command)
    logger.debug("command coverage: %d test(s) in %.2f s", len(tests), result.duration_s)
    return tests
