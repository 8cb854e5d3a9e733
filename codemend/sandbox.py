"""Run untrusted Python (candidate fixes and their tests) and untrusted test commands.

    from codemend.sandbox import Limits, SandboxPool, run_command, run_tests
    result = run_tests("def add(a, b):\n    return a + b\n", "assert add(1, 2) == 3\n",
                       limits=Limits(wall_s=2))
    result.status                       # "passed"
    with SandboxPool(workers=2) as pool:  # warm fork server: many short runs, same verdicts
        results = pool.map_tests([(module_code, test_code), ...])
    run_command(["python", "-m", "pytest", "-x", "-q"], tree=Path("repo"), overlay={"pkg/m.py": fixed})

Tests: `pytest tests/test_sandbox.py -m sandbox`. Throughput: `python bench/sandbox_throughput.py --n 200`.

Each run gets a fresh process in a fresh temporary directory (cwd, HOME and TMPDIR), its own
session/process group, closed stdin, a scrubbed environment, rlimits (CPU, address space,
processes, open files, file size, no core dumps) and a wall-clock limit, after which the whole
process group is SIGKILLed. When we are root (Linux) the child also gets:

* its own network namespace (`unshare --net`): no interface but its loopback, brought up (127.0.0.1 only);
* its own mount namespace in which every mount is read-only and nosuid except the run directory
  (so `/tmp`, `..` and the user's files cannot be written or deleted), a private `/dev/shm`, and
  no-new-privs (setuid binaries give nothing back);
* a dedicated, otherwise unused uid/gid drawn at random per run, no supplementary groups: 0600
  files are unreadable, RLIMIT_NPROC (counted per uid by the kernel) is this run's alone, it
  cannot signal our processes, and every process of that uid - even one that left the process
  group with setsid() - is killed when the run ends. An interpreter under a directory other users
  cannot enter (pyenv in /root) is made reachable by a tmpfs over that directory holding only a
  bind mount of the interpreter, in the child's namespace; no permission on disk changes.

`SandboxPool` servers set up the read-only mount namespace once, keep run directories on a
size-capped private tmpfs, and run as PID 1 of their own pid namespace, so `kill(-1)` after each
job removes every leftover process; each job is a fork that enters the same sandbox (session,
rlimits, uid, fresh directory, scrubbed environment) and runs the same harness as `run_tests`.

Not protected: world-readable files (the repository, /etc, other processes' command lines in a
fresh run) stay readable; a candidate written against this harness can forge a pass by finding
the secret in its own interpreter (frames, memory, or the harness's pipes, whose numbers it can
find) - every in-process exec harness shares this; a Unix socket bound to a path (a database's
in /run or /tmp) that the sandbox's user may write stays connectable: the network namespace
covers IP and abstract sockets, not files; model output
that games the tests themselves (an object whose __eq__ is always True, patched helpers other
than builtins/unittest) passes as it would anywhere; CPU, memory bandwidth and disk I/O are not
isolated from other runs; a fresh run's total disk writes are capped per file (RLIMIT_FSIZE),
not in sum. Without root it falls back to `unshare --map-root-user --net` if user namespaces
work, else an in-process socket guard, and the code runs as the caller's own user: it can read
and delete the caller's files and signal its processes. `RunResult.isolation` records what each
run actually got; `isolation_report()` summarises this machine. The module imports nothing from
codemend: the child loads the text of this very file that its parent imported (`_BOOT`, `_harness_copy`),
so the sandboxed side and the parent side cannot drift apart.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal, NoReturn

logger = logging.getLogger(__name__)

Status = Literal["passed", "failed", "error", "timeout", "memory", "crash"]

# Random uids come from this range, far above login users (1000+), container subuid ranges
# (100000+) and systemd's dynamic users, so "kill every process of this uid" hits only the run.
_UID_BASE = 2_000_000_000
_UID_SPAN = 1 << 24
_RUN_PREFIX = "codemend-sbx-"
_MODULE_FILE = "<candidate>"
_TESTS_FILE = "<tests>"
_PROGRAM_FILE = "<string>"
_SETUP_FAILED_EXIT = 125
# The harness's exit status when the code closed its result or secret fd: the run stays a crash, said as what it
# likely is (the code's own os._exit(121) reads the same: no record backs it).
_CLOSED_CHANNEL_EXIT = 121
_COMMAND_NOT_RUN_EXIT = 127
_MAX_RECORD_BYTES = 65536
# -I would also ignore PYTHONHASHSEED; with a fully scrubbed environment, -s (no user site) and -P
# (no script dir on sys.path) give the same isolation and keep str hashing identical between
# fresh runs and pool workers, so set-order-dependent tests get the same verdict on both paths.
_PYTHON_FLAGS: tuple[str, ...] = ("-s", "-P") if sys.version_info >= (3, 11) else ("-s",)
# The child runs `python -c _BOOT <a copy of this file> ...`: it loads this module by path because `-P`
# and the scrubbed environment keep codemend off its sys.path. The copy holds the text this process
# imported (`_harness_copy`): a child that read the file itself ran whatever version lay on disk, and an
# upgrade (or an edit) during a long evaluation set every later run's sandbox up with a mismatched spec.
_BOOT = (
    "import importlib.util, sys\n"
    "spec = importlib.util.spec_from_file_location('_codemend_sandbox_child', sys.argv[1])\n"
    "module = importlib.util.module_from_spec(spec)\n"
    "sys.modules[spec.name] = module\n"
    "spec.loader.exec_module(module)\n"
    "module._child_entry(sys.argv[2:])\n"
)


with open(__file__, encoding="utf-8") as _own:
    _HARNESS_SOURCE = _own.read()


def _harness_copy(folder: str) -> str:
    """The harness as this process imported it, written (private) into `folder`, which the run's clean-up removes."""
    return _write_private(os.path.join(folder, "codemend_sandbox_harness.py"), _HARNESS_SOURCE)


# How often a run given a `cancel` event looks at it (`run_command`): a cancelled run lingers that long at most.
CANCEL_POLL_S = 0.05


class RunCancelled(Exception):
    """A run stopped because another thread set its `cancel` event (it no longer needs the result)."""


class BackgroundRun:
    """`work(cancel)` (sandboxed runs given `cancel`) started in a thread beside the caller's own; leaving
    the `with` block cancels it unless it has ended, and waits for its processes to go. `result()` waits
    for it and returns (or raises) what it did."""

    def __init__(self, work: Callable[[threading.Event], Any]):
        import concurrent.futures

        self._cancel = threading.Event()
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="codemend-background-run")
        self._future = self._pool.submit(work, self._cancel)

    def result(self) -> Any:
        return self._future.result()

    def __enter__(self) -> BackgroundRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._cancel.set()
        self._pool.shutdown(wait=True)


@dataclass(frozen=True)
class Limits:
    """Resource limits for one sandboxed run."""

    wall_s: float = 10.0
    """Wall-clock limit in seconds, from process start to verdict."""
    cpu_s: float | None = None
    """RLIMIT_CPU in seconds; None = wall_s rounded up + 1, so single-threaded code always meets the
    wall clock first and the CPU limit is the backstop (threads burning several cores, or a child
    whose parent died and can no longer enforce the wall clock)."""
    memory_mb: int = 1024
    """RLIMIT_AS (address space) in MiB."""
    max_processes: int = 64
    """RLIMIT_NPROC: processes and threads of the run's uid."""
    max_open_files: int = 256
    """RLIMIT_NOFILE."""
    max_file_mb: int = 64
    """RLIMIT_FSIZE in MiB: the largest file a run can write (its captured output included)."""
    max_output_bytes: int = 65536
    """Captured stdout and stderr are each cut to this many bytes: the first quarter and the last three."""
    network: bool = False
    """Allow network access (no network namespace, no socket guard)."""

    def __post_init__(self) -> None:
        problems = []
        if not self.wall_s > 0:
            problems.append(f"wall_s must be > 0, got {self.wall_s}")
        if self.cpu_s is not None and not self.cpu_s > 0:
            problems.append(f"cpu_s must be > 0 or None, got {self.cpu_s}")
        if self.memory_mb < 32:
            problems.append(f"memory_mb must be >= 32 (the interpreter needs it), got {self.memory_mb}")
        if self.max_processes < 1:
            problems.append(f"max_processes must be >= 1, got {self.max_processes}")
        if self.max_open_files < 16:
            problems.append(f"max_open_files must be >= 16, got {self.max_open_files}")
        if self.max_file_mb < 1:
            problems.append(f"max_file_mb must be >= 1, got {self.max_file_mb}")
        if self.max_output_bytes < 0:
            problems.append(f"max_output_bytes must be >= 0, got {self.max_output_bytes}")
        if problems:
            raise ValueError("invalid Limits: " + "; ".join(problems))

    @property
    def effective_cpu_s(self) -> int:
        """The RLIMIT_CPU soft limit actually applied (whole seconds)."""
        import math

        if self.cpu_s is None:
            return math.ceil(self.wall_s) + 1
        return max(1, math.ceil(self.cpu_s))


@dataclass
class RunResult:
    status: Status
    returncode: int | None
    """Exit status; negative = killed by that signal; None when we killed it on timeout."""
    stdout: str
    stderr: str
    duration_s: float
    detail: str = ""
    """First failure line (e.g. "AssertionError at <tests> line 3: assert f(1) == 2") or the limit hit."""
    isolation: str = ""
    """What this run actually got, e.g. "netns,mount-ns,ro-root,no-new-privs,uid=2001234567"."""
    cut: tuple[str, ...] = ()
    """"stdout" and/or "stderr" when that output outgrew `Limits.max_output_bytes` and its middle was cut."""


# How a run's detail begins when the wall clock stopped it (a CPU-time kill is a "timeout" too, said otherwise).
WALL_CLOCK_DETAIL = "wall-clock limit of "
# How a run's detail begins when its code or command never ran (see never_started).
_NOT_STARTED = ("cannot run ", "command could not be started", "sandbox setup failed: ")


def never_started(result: RunResult) -> bool:
    """Whether the command (or the code) never ran: no such program, not executable, or no sandbox set up."""
    return result.status == "error" and result.detail.startswith(_NOT_STARTED)


def scaled_timeout(reference_runtime_s: float, factor: float = 2.0, floor_s: float = 1.0) -> float:
    """Wall-clock limit for a candidate: `factor` x the reference fix's measured runtime, >= floor_s."""
    if reference_runtime_s < 0:
        raise ValueError(f"reference_runtime_s must be >= 0, got {reference_runtime_s}")
    if factor < 1:
        raise ValueError(f"factor must be >= 1 (a correct fix needs at least the reference's time), got {factor}")
    return max(floor_s, factor * reference_runtime_s)


# --------------------------------------------------------------------------------------------
# What isolation this machine supports (decided once per process, in the parent).
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Policy:
    unshare: tuple[str, ...]
    """`unshare` plus `--map-root-user` when we are not root; empty when unshare is unusable."""
    netns: bool
    """`unshare --net` works: children get a network namespace without interfaces."""
    pidns: bool
    """`unshare --pid --fork --mount-proc` works: pool servers are PID 1 of their own namespace."""
    privileged: bool
    """We are root on Linux: harden the filesystem and run each child as a dedicated uid."""

    def fresh_prefix(self, network: bool) -> tuple[str, ...]:
        return (*self.unshare, "--net") if self.netns and not network else ()

    def pool_prefix(self, network: bool) -> tuple[str, ...]:
        flags = ("--net",) if self.netns and not network else ()
        if self.pidns:
            flags += ("--pid", "--fork", "--kill-child", "--mount-proc")
        return (*self.unshare, *flags) if flags else ()


@functools.lru_cache(maxsize=1)
def _policy() -> _Policy:
    import shutil

    privileged = sys.platform.startswith("linux") and os.geteuid() == 0
    unshare = shutil.which("unshare") if sys.platform.startswith("linux") else None
    base = () if unshare is None else (unshare,) if privileged else (unshare, "--map-root-user")
    policy = _Policy(
        unshare=base,
        netns=bool(base) and _works([*base, "--net", "true"]),
        pidns=bool(base) and _works([*base, "--pid", "--fork", "--kill-child", "--mount-proc", "true"]),
        privileged=privileged,
    )
    if not policy.netns:
        logger.warning("no network namespace available: falling back to an in-process socket guard")
    if not privileged:
        logger.warning("not root: sandboxed code runs as the current user and can read/delete its files")
    return policy


def _works(argv: list[str]) -> bool:
    import subprocess

    try:
        return subprocess.run(argv, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def network_isolation_available() -> bool:
    """Whether `unshare --net` (or, when not root, `unshare --map-root-user --net`) works here."""
    return _policy().netns


def isolation_report() -> dict[str, str]:
    """What the sandbox applies on this machine, measured by running one trivial child."""
    probe = run_python("pass", limits=Limits(wall_s=30))
    applied = set(probe.isolation.split(","))
    uid = next((item for item in applied if item.startswith("uid=")), None)
    return {
        "network": "network namespace (unshare --net)" if "netns" in applied
        else "in-process socket guard only" if "socket-guard" in applied else "none",
        "filesystem": "read-only mounts except the run directory" if "ro-root" in applied
        else "none beyond file permissions",
        "user": f"dedicated uid ({uid})" if uid else "same user as the caller",
        "raw": probe.isolation,
    }


# --------------------------------------------------------------------------------------------
# Parent side: fresh process per run.
# --------------------------------------------------------------------------------------------


@dataclass
class _Outcome:
    """What a finished child left behind, before it is turned into a verdict (`_classify`)."""

    returncode: int | None
    timed_out: bool
    records: str
    stdout: str
    stderr: str
    stdout_truncated: bool
    stderr_truncated: bool
    duration_s: float


def run_python(code: str, *, limits: Limits = Limits(), files: Mapping[str, str] | None = None) -> RunResult:
    """Run `code` as `__main__` in a fresh sandboxed interpreter whose cwd also holds `files`.

    passed = exit status 0; failed = AssertionError or SystemExit(nonzero); error = any other
    exception (SyntaxError included); plus timeout, memory and crash (signal, or a nonzero
    os._exit without a traceback).
    """
    return _run_fresh("python", limits, sources={"program": code}, files=files)


def run_tests(module_code: str, test_code: str, *, limits: Limits = Limits()) -> RunResult:
    """Executable-benchmark semantics: exec module_code, then test_code in the same namespace.

    passed only if the harness writes its per-run secret to the result pipe after test_code
    returned normally, so sys.exit(0) / os._exit(0) in the candidate, patched assertion helpers
    or fake "OK" output cannot pass. AssertionError (or SystemExit during the tests) = failed.
    """
    return _run_fresh("tests", limits, sources={"module": module_code, "tests": test_code})


def run_command(
    command: str | Sequence[str],
    *,
    tree: Path,
    limits: Limits = Limits(),
    overlay: Mapping[str, str] | None = None,
    import_roots: Sequence[str] = (),
    cancel: threading.Event | None = None,
) -> RunResult:
    """Run a test command in a throwaway copy of `tree` with `overlay` files written over it.

    exit 0 = passed, nonzero = failed, plus timeout/memory/crash. `tree` is never modified. Leading
    `NAME=value` words set environment variables, as in a shell (`PYTHONPATH=src pytest -q`).
    `import_roots`: folders of `tree` whose copies go first on PYTHONPATH (see `import_roots`).
    `cancel`: set by another thread, it kills the run within CANCEL_POLL_S and raises RunCancelled.
    """
    import shlex

    env, argv = split_assignments(shlex.split(command) if isinstance(command, str) else list(command))
    if not argv:
        raise ValueError("command is empty")
    if not Path(tree).is_dir():
        raise ValueError(f"tree {tree} is not a directory")
    program = _program_outside_copy(argv[0], Path(tree))
    # A program in the user's environment (a venv's python or pytest) must be reachable for the sandbox uid.
    expose = [str(Path(program).parent.parent)] if os.path.isabs(program) else []
    return _run_fresh("command", limits, argv=[program, *argv[1:]], tree=Path(tree), files=overlay, env=env,
                      import_roots=import_roots, expose=expose, cancel=cancel)


# Not copied into a run's copy of the tree (see _copy_tree): version control, bytecode, tools' caches and
# environments; besides these, any folder holding a pyvenv.cfg (a virtualenv by any name: venv/, env/,
# .tox/py311/), which can hold gigabytes (a torch venv: 1.9 GB in 43k files) and would be copied per candidate.
COPY_LEAVES_OUT = (".git", ".hg", ".svn", ".venv", "__pycache__", ".tox", ".nox", ".mypy_cache", ".ruff_cache")
# The sandbox's own folders, found in the tree when TMPDIR lies inside it (`fix .` in a home folder holding
# TMPDIR): copied, a run's folder held its own copy, and that copy another, until the path was too long.
_POOL_PREFIX = "codemend-pool-"


def left_out_of_copy(folder: str | Path) -> bool:
    """Whether a run's copy of the tree leaves `folder` out (COPY_LEAVES_OUT, or a virtualenv)."""
    name = Path(folder).name
    return name in COPY_LEAVES_OUT or name.startswith((_RUN_PREFIX, _POOL_PREFIX)) or os.path.isfile(os.path.join(folder, "pyvenv.cfg"))


def _program_outside_copy(program: str, tree: Path) -> str:
    """`program`, or its original's absolute path when it lies in a folder the copy leaves out: the
    project's own `.venv/bin/python` runs from the project, as the user's command means it to."""
    relative = Path(program)
    if relative.is_absolute() or len(relative.parts) < 2:
        return program
    original = tree.absolute() / relative  # not resolved: a venv's python is a link its venv is found through
    return str(original) if original.exists() and in_left_out_folder(tree.absolute(), relative.parts[:-1]) else program


def in_left_out_folder(root: Path, parts: Sequence[str]) -> bool:
    """Whether the folder `root`/`parts` lies in (or is) one that a run's copy leaves out (`left_out_of_copy`)."""
    return any(left_out_of_copy(root.joinpath(*parts[:k])) for k in range(1, len(parts) + 1))


def split_assignments(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    """({NAME: value} of the leading `NAME=value` words, the rest of `argv`)."""
    import re

    env = {}
    while argv and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", argv[0]):
        name, value = argv[0].split("=", 1)
        env[name], argv = value, argv[1:]
    return env, argv


def command_python(command: str, tree: Path) -> str | None:
    """The Python a test command runs, as the sandbox finds it: the `python` it names (a relative path is
    the project's), or the interpreter on the first line of the script it names (`pytest`); None when
    it runs no Python that way."""
    import shlex
    import shutil

    _, argv = split_assignments(shlex.split(command))
    if not argv:
        return None
    program = str(Path(tree).absolute() / argv[0]) if "/" in argv[0] and not os.path.isabs(argv[0]) else argv[0]
    found = shutil.which(program, path=_child_env("")["PATH"])
    if found and Path(found).name.startswith("python"):
        return found
    if found:
        with contextlib.suppress(OSError, UnicodeDecodeError), open(found, encoding="utf-8") as handle:
            first = handle.readline()
            if first.startswith("#!") and "python" in first:
                return first[2:].split()[0]
    return None


@functools.lru_cache(maxsize=16)
def import_roots(command: str, tree: Path) -> tuple[str, ...]:
    """Folders of `tree` (relative to it) on the sys.path that the command's Python (and codemend's, which
    runs the coverage) gets from outside the tree: an editable install's `src/` (a .pth file), an absolute
    PYTHONPATH. Run in a copy, the tests would import the original files from there and never run a
    candidate fix written in the copy; `run_command(import_roots=...)` puts the copies first. Each Python is
    asked in the sandbox (`ask_python`)."""
    tree = Path(tree).resolve()
    interpreters = {sys.executable, command_python(command, tree) or sys.executable}
    roots: list[str] = []
    for interpreter in sorted(interpreters):
        out = ask_python(interpreter, "import json, sys; print(json.dumps(sys.path))", command, wall_s=30)
        try:
            entries = json.loads(out.stdout) if out.status == "passed" else []
        except ValueError:
            continue
        for entry in entries:
            path = Path(entry).resolve() if entry and os.path.isabs(entry) else None
            if path is not None and (path == tree or tree in path.parents):
                relative = str(path.relative_to(tree))
                roots += [relative] if relative not in roots else []
    return tuple(roots)


def ask_python(interpreter: str, code: str, command: str, wall_s: float) -> RunResult:
    """Run `code` with `interpreter` in the sandbox, in an empty folder, with the test `command`'s `NAME=value`
    environment: a project's `bin/python`, or a `sitecustomize` on its PYTHONPATH, is the project's code, and
    asking it questions ran that as the caller."""
    import shlex
    import tempfile

    env, _ = split_assignments(shlex.split(command))
    with tempfile.TemporaryDirectory() as nowhere:  # not the tree: its folder must not be the current one
        return run_command([*(f"{name}={value}" for name, value in env.items()), interpreter, "-c", code], tree=Path(nowhere),
                           limits=Limits(wall_s=wall_s))


def _run_fresh(
    mode: str,
    limits: Limits,
    *,
    sources: Mapping[str, str] | None = None,
    files: Mapping[str, str] | None = None,
    argv: list[str] | None = None,
    tree: Path | None = None,
    env: Mapping[str, str] | None = None,
    import_roots: Sequence[str] = (),
    expose: Sequence[str] = (),
    cancel: threading.Event | None = None,
) -> RunResult:
    import secrets
    import shutil

    if cancel is not None and cancel.is_set():
        raise RunCancelled("cancelled before it started")
    policy = _policy()
    uid = _pick_uid() if policy.privileged else None
    run_dir, work = _make_run_dir(uid, name=Path(tree).resolve().name if tree is not None else "work")
    try:
        if tree is not None:
            _copy_tree(tree, work)
        _write_files(work, files or {})
        if uid is not None:
            _chown_tree(work, uid)
        # Without a dedicated uid RLIMIT_NPROC counts all our processes: the budget goes on top.
        nproc = limits.max_processes if uid is not None else _own_process_count() + limits.max_processes
        spec = _base_spec(mode, run_dir, work, uid, limits, policy, nproc)
        spec["env"].update(env or {})
        if tree is not None and "PATH" not in (env or {}):
            spec["env"]["PATH"] = path_in_copy(spec["env"]["PATH"], tree, work)
        spec["expose"] = [*spec["expose"], *(path for path in expose if os.path.exists(path))]
        if import_roots:
            own = spec["env"].get("PYTHONPATH")
            spec["env"]["PYTHONPATH"] = os.pathsep.join([os.path.join(work, root) for root in import_roots] + ([own] if own else []))
        spec["argv"] = argv
        spec["sources"] = _write_sources(run_dir, sources or {})
        token = secrets.token_hex(16)
        outcome = _launch(spec, token, limits, policy, cancel)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    return _to_result(mode, outcome, token, limits)


def _launch(spec: dict[str, Any], token: str, limits: Limits, policy: _Policy, cancel: threading.Event | None = None) -> _Outcome:
    import subprocess

    run_dir = spec["run_dir"]
    token_r = _token_pipe(token)
    result_r, result_w = os.pipe()
    spec = {**spec, "token_fd": token_r, "result_fd": result_w}
    spec_path = _write_private(os.path.join(run_dir, "spec.json"), json.dumps(spec))
    prefix = policy.fresh_prefix(limits.network)
    argv = [*prefix, sys.executable, *_PYTHON_FLAGS, "-c", _BOOT, _harness_copy(run_dir), "run", spec_path]
    out_path, err_path = os.path.join(run_dir, "stdout"), os.path.join(run_dir, "stderr")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.monotonic()
        try:
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, pass_fds=(token_r, result_w),
                start_new_session=True, env=spec["env"], cwd=spec["work"],
            )
        finally:
            os.close(token_r)
            os.close(result_w)
        try:
            timed_out, records = _wait_for_exit(proc.pid, result_r, start + limits.wall_s, cancel)
            if timed_out:
                _killpg(proc.pid)
            returncode = proc.wait()
            if timed_out and cancel is not None and cancel.is_set():
                raise RunCancelled(f"cancelled after {time.monotonic() - start:.1f} s")
        finally:
            _reap(proc.pid, spec["uid"])
            os.close(result_r)
        duration = time.monotonic() - start
    return _collect_outcome(run_dir, None if timed_out else returncode, timed_out, records, duration, limits)


def _collect_outcome(
    run_dir: str, returncode: int | None, timed_out: bool, records: bytes, duration: float, limits: Limits
) -> _Outcome:
    stdout, out_cut = _read_ends(os.path.join(run_dir, "stdout"), limits.max_output_bytes)
    stderr, err_cut = _read_ends(os.path.join(run_dir, "stderr"), limits.max_output_bytes)
    return _Outcome(
        returncode=returncode, timed_out=timed_out, records=records.decode("utf-8", "replace"),
        stdout=stdout, stderr=stderr, stdout_truncated=out_cut, stderr_truncated=err_cut, duration_s=duration,
    )


def _base_spec(
    mode: str, run_dir: str, work: str, uid: int | None, limits: Limits, policy: _Policy, nproc: int
) -> dict[str, Any]:
    """Everything the child needs to enter the sandbox; JSON-serialisable (it crosses a pipe)."""
    netns = policy.netns and not limits.network
    return {
        "mode": mode,
        "run_dir": run_dir,
        "work": work,
        "uid": uid,
        "limits": asdict(limits),
        "cpu_s": limits.effective_cpu_s,
        "nproc": nproc,
        "harden_fs": policy.privileged,
        "expose": list(_interpreter_paths()),
        "network_guard": not limits.network and not netns,
        "parent_netns": _netns_id(),
        "parent_pid": os.getpid(),
        "env": _child_env(work),
    }


def child_path() -> str:
    """The PATH a test command runs with: the caller's, so that `python` and `pytest` are the ones their shell
    runs (an activated virtualenv's: until 2026-12-07 they were codemend's own, which lacked the project's
    packages, and every candidate failed on an import), then codemend's interpreter's folder and the system's.
    Relative entries (`.`) are left out: in the copy they would run the project's files by a command's name."""
    caller = [entry for entry in os.environ.get("PATH", "").split(os.pathsep) if os.path.isabs(entry)]
    return os.pathsep.join(dict.fromkeys([*caller, os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"]))


def path_in_copy(path: str, tree: Path, work: str) -> str:
    """`path` (a PATH) with its folders inside `tree` moved into the run's copy `work`, as PYTHONPATH's import roots are
    (a project's `bin/` on PATH, direnv's `PATH_add bin`, would run the original's scripts, whatever a candidate
    changed); a folder the copy leaves out (a virtualenv's `bin/`) stays the original's."""
    root = Path(tree).resolve()
    entries = []
    for entry in path.split(os.pathsep):
        folder = Path(entry).resolve()
        inside = folder == root or root in folder.parents
        relative = folder.relative_to(root) if inside else None
        moved = relative is not None and not in_left_out_folder(root, relative.parts)
        entries.append(os.path.join(work, str(relative)) if moved else entry)
    return os.pathsep.join(entries)


def _child_env(work: str) -> dict[str, str]:
    return {
        "PATH": child_path(),
        "LANG": "C.UTF-8",
        "HOME": work,
        "TMPDIR": work,
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        # glibc reserves 64 MiB of address space per thread arena; without a cap a few threads
        # would trip RLIMIT_AS long before they use real memory.
        "MALLOC_ARENA_MAX": "2",
        # pytest cuts its short summary ("FAILED id - error") at the terminal width, dropping the error
        # of a long test id; the error is what a trace gives the model (`testcov.first_failure`).
        "COLUMNS": "1000",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


@functools.lru_cache(maxsize=1)
def _interpreter_paths() -> tuple[str, ...]:
    """Paths the sandbox uid must be able to traverse for the interpreter and its packages."""
    import sysconfig

    paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(sys.executable), sys.executable]
    paths += [p for p in sysconfig.get_paths().values() if p]
    resolved = [os.path.realpath(p) for p in paths]
    return tuple(dict.fromkeys(p for p in paths + resolved if os.path.exists(p)))


def _make_run_dir(uid: int | None, base: str | None = None, name: str = "work") -> tuple[str, str]:
    """A private run folder and, in it, `tree/NAME`: the folder the code runs in (a project's copy keeps its
    folder's name). pytest imports a test module of a package (a folder with `__init__.py`) as `NAME.test_x`
    from the folder above it, which Python must list: `tree/` holds nothing else, so it may be listed."""
    import tempfile

    run_dir = tempfile.mkdtemp(prefix=_RUN_PREFIX, dir=base)
    # The sandbox uid may pass through run_dir into work/, but not list it: the spec, the sources
    # and the captured output next to tree/ stay private to us.
    os.chmod(run_dir, 0o711)
    above = os.path.join(run_dir, "tree")
    os.mkdir(above)
    os.chmod(above, 0o755)
    work = os.path.join(above, name if name not in ("", ".", "..") and os.sep not in name else "work")
    os.mkdir(work, 0o700)
    if uid is not None:
        os.chown(work, uid, uid)
    return run_dir, work


def _copy_tree(tree: Path, work: str) -> None:
    import shutil

    def ignore(folder: str, names: list[str]) -> set[str]:
        return {name for name in names if left_out_of_copy(os.path.join(folder, name)) or _special(os.path.join(folder, name))}

    shutil.copytree(tree, work, symlinks=True, ignore=ignore, dirs_exist_ok=True)


def _special(path: str) -> bool:
    """Whether `path` is a socket, FIFO or device (not a symlink): copying one fails or blocks, and no test reads it as a file."""
    import stat

    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode))


def _write_files(work: str, files: Mapping[str, str | bytes]) -> None:
    for relative, content in files.items():
        target = _inside(work, relative)
        _refuse_symlinked_parent(work, target)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.islink(target):
            os.unlink(target)  # never write through a symlink that came with the copied tree
        with open(target, "wb" if isinstance(content, bytes) else "w", **({} if isinstance(content, bytes) else {"encoding": "utf-8"})) as handle:
            handle.write(content)


def _inside(root: str, relative: str) -> str:
    """`root/relative`, refusing absolute paths and `..` escapes (overlay keys come from models)."""
    if os.path.isabs(relative) or not relative:
        raise ValueError(f"file path must be relative and non-empty, got {relative!r}")
    target = os.path.normpath(os.path.join(root, relative))
    if os.path.commonpath([root, target]) != root or target == root:
        raise ValueError(f"file path {relative!r} escapes the sandbox directory")
    return target


def _refuse_symlinked_parent(work: str, target: str) -> None:
    """We write as root: `pkg/x.py` must not land in /etc because the copied tree has `pkg -> /etc`."""
    existing = os.path.dirname(target)
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    real_work = os.path.realpath(work)
    if os.path.commonpath([real_work, os.path.realpath(existing)]) != real_work:
        raise ValueError(f"file path {os.path.relpath(target, work)!r} goes through a symlink out of the sandbox")


def _chown_tree(root: str, uid: int) -> None:
    for directory, dirnames, filenames in os.walk(root):
        os.lchown(directory, uid, uid)
        for name in dirnames + filenames:
            os.lchown(os.path.join(directory, name), uid, uid)


def _write_sources(run_dir: str, sources: Mapping[str, str]) -> dict[str, str]:
    # Root-only files, read by the child before it drops privileges: the candidate cannot read
    # the test file from disk, only from its own interpreter.
    return {name: _write_private(os.path.join(run_dir, f"{name}.src"), text) for name, text in sources.items()}


def _write_private(path: str, text: str) -> str:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def _token_pipe(token: str) -> int:
    """A pipe pre-loaded with the per-run secret; the child reads it only after the tests ran."""
    read_end, write_end = os.pipe()
    os.write(write_end, token.encode())
    os.close(write_end)
    return read_end


def _pick_uid() -> int:
    import secrets

    return _UID_BASE + secrets.randbelow(_UID_SPAN)


def _own_process_count() -> int:
    return len(_pids_of_uid(os.getuid()))


def _netns_id() -> str:
    try:
        return os.readlink("/proc/self/ns/net")
    except OSError:
        return ""


def _read_ends(path: str, limit: int) -> tuple[str, bool]:
    """The captured output, or when it is longer than `limit` bytes its first quarter and its last
    three quarters of `limit` around a line saying how much was cut: tools print their summary last
    (pytest's FAILED lines, unittest's counts), and a head alone lost it to the first tracebacks."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size <= limit:
                return handle.read().decode("utf-8", "replace"), False
            head = handle.read(limit // 4)
            handle.seek(size - (limit - len(head)))
            tail = handle.read()
    except OSError:
        return "", False
    # Start the tail on a line of its own: a line's cut end must not parse as a line.
    newline = tail.find(b"\n")
    tail = tail[newline + 1:] if 0 <= newline < len(tail) - 1 else tail
    cut = size - len(head) - len(tail)
    text = head.decode("utf-8", "replace") + f"\n[... {cut} bytes of output cut here ...]\n" + tail.decode("utf-8", "replace")
    return text, True


def _wait_for_exit(pid: int, result_r: int, deadline: float, cancel: threading.Event | None = None) -> tuple[bool, bytes]:
    """Wait until `pid` exits, `deadline` or `cancel` is set, draining the result pipe. Returns (timed_out,
    records); timed_out is also True when cancelled."""
    import select

    os.set_blocking(result_r, False)
    records = bytearray()
    pidfd = _pidfd(pid)
    open_pipe = True  # once every writer has closed it, the pipe reads as ready forever: a busy loop
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (cancel is not None and cancel.is_set()):
                return True, bytes(records)
            waitables = ([result_r] if open_pipe else []) + ([pidfd] if pidfd is not None else [])
            timeout = remaining if pidfd is not None else min(remaining, 0.005)
            if cancel is not None:
                timeout = min(timeout, CANCEL_POLL_S)
            ready, _, _ = select.select(waitables, [], [], timeout)  # with nothing to wait on (no pidfd, pipe closed): a sleep
            if result_r in ready:
                open_pipe = _drain(result_r, records)
            exited = pidfd in ready if pidfd is not None else _has_exited(pid)
            if exited:
                _drain(result_r, records)
                return False, bytes(records)
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _has_exited(pid: int) -> bool:
    """Fallback without pidfd: a zombie (or a vanished pid) has exited; does not reap."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in (b"Z", b"X")


def _drain(fd: int, records: bytearray) -> bool:
    """Read what `fd` holds into `records`; False once it is at end of file (every writer closed it)."""
    # A hostile child may flood the pipe: keep reading so it never blocks, keep only the head, and
    # return after 1 MiB so the caller's deadline check still runs.
    for _ in range(16):
        try:
            chunk = os.read(fd, 65536)
        except (BlockingIOError, InterruptedError):
            return True
        if not chunk:
            return False
        if len(records) < _MAX_RECORD_BYTES:
            records.extend(chunk[: _MAX_RECORD_BYTES - len(records)])
    return True


def _killpg(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _reap(pgid: int, uid: int | None) -> None:
    """Kill the run's process group and, with a dedicated uid, every process of that uid."""
    _killpg(pgid)
    if uid is not None:
        _kill_uid(uid)


def _kill_uid(uid: int) -> None:
    # Stop everything first so a fork bomb cannot refill the slots we free, then kill; repeat
    # until /proc shows nothing of that uid (processes that called setsid() included).
    for _ in range(200):
        pids = _pids_of_uid(uid)
        if not pids:
            return
        for pid in pids:
            _signal_if_uid(pid, uid, signal.SIGSTOP)
        for pid in pids:
            _signal_if_uid(pid, uid, signal.SIGKILL)
        time.sleep(0.001)
    logger.warning("processes of sandbox uid %d survived 200 kill rounds", uid)


def _pids_of_uid(uid: int) -> list[int]:
    """Live (non-zombie) pids whose real uid is `uid`."""
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit() and _proc_uid(int(name)) == uid:
            pids.append(int(name))
    return pids


def _proc_uid(pid: int) -> int | None:
    """Real uid of a live process; None for zombies and vanished pids. (Runs per job: keep it lean.)"""
    try:
        with open(f"/proc/{pid}/status", "rb", buffering=0) as handle:
            status = handle.read(4096)
    except OSError:
        return None
    state = status.find(b"\nState:\t")
    uid = status.find(b"\nUid:\t")
    if state < 0 or uid < 0 or status[state + 8 : state + 9] in (b"Z", b"X"):
        return None
    return int(status[uid + 6 : status.index(b"\t", uid + 6)])


def _signal_if_uid(pid: int, uid: int, sig: int) -> None:
    # A pidfd pins the process, so a pid recycled between our scan and the signal is never hit.
    pidfd = _pidfd(pid)
    try:
        if _proc_uid(pid) != uid:
            return
        if pidfd is not None:
            signal.pidfd_send_signal(pidfd, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError, OSError):
        pass
    finally:
        if pidfd is not None:
            os.close(pidfd)


# --------------------------------------------------------------------------------------------
# Turning what the child left behind into a verdict (shared by fresh runs and the pool).
# --------------------------------------------------------------------------------------------


def _to_result(mode: str, outcome: _Outcome, token: str, limits: Limits) -> RunResult:
    setup, verdict, exec_error = _parse_records(outcome.records, token)
    status, detail = _classify(mode, outcome, setup, verdict, exec_error, limits)
    cut = [name for name, flag in (("stdout", outcome.stdout_truncated), ("stderr", outcome.stderr_truncated)) if flag]
    if cut:
        detail = f"{detail} [{' and '.join(cut)} over {limits.max_output_bytes} bytes: its middle cut]".strip()
    isolation = ",".join(setup.get("isolation", [])) if setup else ""
    _warn_once_if_weakened(isolation)
    return RunResult(
        status=status, returncode=outcome.returncode, stdout=outcome.stdout, stderr=outcome.stderr,
        duration_s=outcome.duration_s, detail=detail, isolation=isolation, cut=tuple(cut),
    )


_WARNED: set[str] = set()


def _warn_once_if_weakened(isolation: str) -> None:
    for item in isolation.split(","):
        if "not" in item and item not in _WARNED:  # fs-not-hardened(...), uid-not-dropped(...)
            _WARNED.add(item)
            logger.warning("sandbox isolation weakened on this machine: %s", item)


def _parse_records(records: str, token: str) -> tuple[dict | None, dict | None, str | None]:
    """(setup, verdict, exec_error). Only a verdict carrying this run's secret token counts."""
    import hmac

    setup = verdict = exec_error = None
    for line in records.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict):
            continue
        kind = record.get("kind")
        if kind == "setup" and setup is None:
            setup = record
        elif kind == "exec-error" and exec_error is None and setup is not None:
            exec_error = str(record.get("detail", _NOT_STARTED[1]))
        elif kind == "verdict" and verdict is None and hmac.compare_digest(str(record.get("token", "")), token):
            verdict = record
    return setup, verdict, exec_error


def _classify(
    mode: str, outcome: _Outcome, setup: dict | None, verdict: dict | None, exec_error: str | None, limits: Limits
) -> tuple[Status, str]:
    rc = outcome.returncode
    if outcome.timed_out:
        return "timeout", f"{WALL_CLOCK_DETAIL}{limits.wall_s:g} s exceeded"
    if rc is not None and rc < 0:
        return _classify_signal(-rc, outcome, limits)
    if setup is None:
        return "error", _NOT_STARTED[2] + _last_line(outcome.stderr)
    if mode == "command":
        return _classify_command(rc, outcome, exec_error)
    if verdict is not None:
        status, detail = str(verdict.get("status")), str(verdict.get("detail", ""))
        if status not in ("passed", "failed", "error", "memory"):
            return "error", f"unknown verdict {status!r}"
        if status == "passed" and rc != 0:
            return "crash", f"exited with status {rc} after the code finished"
        return status, detail  # type: ignore[return-value]
    if _looks_like_memory(outcome.stderr):
        return "memory", _last_line(outcome.stderr)
    if rc == 0 and mode == "python":
        return "passed", ""
    if rc == 0:
        return "error", "exited with status 0 before the tests finished (sys.exit/os._exit in the code?)"
    if rc == _CLOSED_CHANNEL_EXIT:
        return "crash", (f"exited with status {rc} without reporting a verdict: the code closed file descriptors it did not "
                         f"open (os.closerange?), the sandbox's result channel among them, or called os._exit({rc})")
    return "crash", f"exited with status {rc} without reporting a verdict"


def _classify_signal(signum: int, outcome: _Outcome, limits: Limits) -> tuple[Status, str]:
    name = _signal_name(signum)
    if signum == signal.SIGXCPU:
        return "timeout", f"CPU-time limit of {limits.effective_cpu_s} s exceeded (SIGXCPU)"
    if signum == signal.SIGXFSZ:
        return "crash", f"file-size limit of {limits.max_file_mb} MiB exceeded (SIGXFSZ)"
    if _looks_like_memory(outcome.stderr):
        return "memory", f"killed by {name} after running out of memory"
    return "crash", f"killed by {name}"


def _classify_command(rc: int | None, outcome: _Outcome, exec_error: str | None) -> tuple[Status, str]:
    if exec_error is not None:
        return "error", exec_error
    if rc == 0:
        return "passed", ""
    if _looks_like_memory(outcome.stderr):
        return "memory", _last_line(outcome.stderr)
    summary = _last_line(outcome.stdout) or _last_line(outcome.stderr)
    return "failed", f"exit status {rc}" + (f": {summary}" if summary else "")


def _looks_like_memory(stderr: str) -> bool:
    tail = stderr[-2000:]
    markers = ("MemoryError", "Cannot allocate memory", "std::bad_alloc", "out of memory")
    return any(marker in tail for marker in markers)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


# --------------------------------------------------------------------------------------------
# Child side: runs inside the sandboxed process (fresh harness or forked pool child).
# Everything here is stdlib and must not import after privileges are dropped.
# --------------------------------------------------------------------------------------------

# Bound when the module loads, before any candidate code runs: rebinding os.write or os._exit
# in the candidate does not reach the harness.
_os_write = os.write
_os_read = os.read
_EBADF = errno.EBADF
_os_exit = os._exit
_os_getpid = os.getpid
_json_dumps = json.dumps
_settrace = sys.settrace
_setprofile = sys.setprofile
_SOURCES: dict[str, str] = {}
_STD_STREAMS: list[Any] = []


def _child_entry(args: list[str]) -> None:
    """Entry point of `python -c _BOOT`: `run SPEC_PATH` (fresh harness) or `serve CONFIG` (pool)."""
    if args[0] == "serve":
        _serve(json.loads(args[1]))
        return
    try:
        with open(args[1], encoding="utf-8") as handle:
            spec = json.load(handle)
        sources = {}
        for name, path in spec["sources"].items():
            with open(path, encoding="utf-8") as handle:
                sources[name] = handle.read()
    except BaseException:
        _die_in_setup()
    _run_sandboxed(spec, sources)


def _die_in_setup() -> NoReturn:
    import traceback

    try:
        _os_write(2, ("codemend sandbox setup failed:\n" + traceback.format_exc()).encode("utf-8", "replace"))
    finally:
        _os_exit(_SETUP_FAILED_EXIT)


def _run_sandboxed(spec: dict[str, Any], sources: dict[str, str]) -> NoReturn:
    """Enter the sandbox, report what was applied, then run the untrusted code. Never returns."""
    result_fd, token_fd = spec["result_fd"], spec["token_fd"]
    try:
        _preimport()
        # Out of sys.modules, so the candidate cannot simply patch the harness by module name.
        if __name__ == "_codemend_sandbox_child":
            sys.modules.pop(__name__, None)
        for fd in (result_fd, token_fd):
            os.set_inheritable(fd, False)
        if spec["network_guard"] and spec["mode"] != "command":
            _install_network_guard()
        isolation = _enter_sandbox(spec)
        _emit(result_fd, {"kind": "setup", "isolation": isolation})
    except BaseException:
        _die_in_setup()
    if spec["mode"] == "command":
        _exec_command(spec["argv"], result_fd)
    _STD_STREAMS[:] = [sys.stdout, sys.stderr]
    if spec["mode"] == "python":
        _execute_program(sources["program"], result_fd, token_fd)
    _execute_tests(sources["module"], sources["tests"], result_fd, token_fd)


def _preimport() -> None:
    # After RLIMIT_AS and the uid switch an import may fail; load what the harness needs now.
    import builtins  # noqa: F401
    import ctypes  # noqa: F401
    import errno  # noqa: F401
    import linecache  # noqa: F401
    import mmap  # noqa: F401
    import resource  # noqa: F401
    import traceback  # noqa: F401
    import types  # noqa: F401


def _enter_sandbox(spec: dict[str, Any]) -> list[str]:
    """Apply namespaces, mounts, rlimits and the uid switch; return what was applied."""
    applied = list(spec.get("inherited_isolation", []))  # what a pool server set up for all its jobs
    if os.getsid(0) != os.getpid():
        os.setsid()
    if _netns_id() != spec["parent_netns"]:
        applied.append("netns" if _loopback_up() else "netns(loopback-down)")
    if spec["harden_fs"]:
        try:
            expose = [*spec["expose"], spec["run_dir"]]
            applied += _harden_filesystem([spec["work"]], expose, spec["limits"]["max_file_mb"])
        except OSError as exc:
            applied.append(f"fs-not-hardened({exc.strerror or exc})")
    if spec["network_guard"] and spec["mode"] != "command":  # a command is another program: no guard of ours runs in it
        applied.append("socket-guard")
    if _set_no_new_privs():
        applied.append("no-new-privs")
    _apply_rlimits(spec)
    uid = spec["uid"]
    if uid is not None:
        unreachable = [path for path in spec["expose"] if _blocked_component(path) is not None]
        if unreachable:
            # Dropping now would leave an interpreter that cannot import its own stdlib.
            applied.append("uid-not-dropped(interpreter-unreadable)")
        else:
            _drop_privileges(uid)
            applied.append(f"uid={uid}")
    if _die_with_parent(spec["parent_pid"]):
        applied.append("parent-death-kill")
    os.chdir(spec["work"])
    os.environ.clear()
    os.environ.update(spec["env"])
    _reset_interpreter_state(spec["work"])
    return applied


def _reset_interpreter_state(work: str) -> None:
    """Make a forked pool child look like a fresh interpreter where the candidate can tell."""
    sys.argv[:] = ["-c"]
    if work not in sys.path:
        sys.path.insert(0, work)  # so the code can import the `files` written next to it
    tempfile = sys.modules.get("tempfile")
    if tempfile is not None:
        tempfile.tempdir = None  # the pool server cached /tmp; the child must honour TMPDIR


# Linux constants (include/uapi/linux/{sched,mount}.h); ctypes has no names for them.
_CLONE_NEWNS = 0x00020000
_MS_NOSUID, _MS_NODEV, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x2, 0x4, 0x1000, 0x4000, 0x40000
_MOUNT_ATTR_RDONLY, _MOUNT_ATTR_NOSUID = 0x1, 0x2
_AT_FDCWD, _AT_RECURSIVE = -100, 0x8000
_SYS_MOUNT_SETATTR = 442  # same number on every architecture since Linux 5.12
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_PDEATHSIG = 1


@functools.lru_cache(maxsize=1)
def _libc() -> Any:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
    libc.syscall.restype = ctypes.c_long
    return libc


def _check(result: int, what: str) -> None:
    if result != 0:
        import ctypes

        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    encode = lambda value: value.encode() if value is not None else None  # noqa: E731
    _check(_libc().mount(encode(source), encode(target), encode(fstype), flags, encode(data)), f"mount {target}")


def _mount_setattr(path: str, *, set_flags: int = 0, clear_flags: int = 0, recursive: bool = True) -> None:
    import ctypes

    class MountAttr(ctypes.Structure):
        _fields_ = [(name, ctypes.c_uint64) for name in ("attr_set", "attr_clr", "propagation", "userns_fd")]

    attr = MountAttr(set_flags, clear_flags, 0, 0)
    flags = _AT_RECURSIVE if recursive else 0
    size = ctypes.sizeof(attr)
    result = _libc().syscall(_SYS_MOUNT_SETATTR, _AT_FDCWD, path.encode(), flags, ctypes.byref(attr), size)
    _check(int(result), f"mount_setattr {path}")


def _harden_filesystem(writable: list[str], expose: list[str], shm_mb: int) -> list[str]:
    """In a private mount namespace: everything read-only and nosuid except `writable` dirs."""
    _check(_libc().unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    # Private first, so nothing below propagates back to the host's mount table.
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    applied = ["mount-ns"] + _expose_blocked_dirs([*expose, *writable])
    for directory in writable:
        _mount(directory, directory, None, _MS_BIND | _MS_REC)
    shm = "/dev/shm"
    has_shm = os.path.isdir(shm)
    if has_shm:
        _mount("tmpfs", shm, "tmpfs", _MS_NOSUID | _MS_NODEV, f"mode=1777,size={shm_mb}m")
    _mount_setattr("/", set_flags=_MOUNT_ATTR_RDONLY | _MOUNT_ATTR_NOSUID)
    for directory in writable:
        _mount_setattr(directory, clear_flags=_MOUNT_ATTR_RDONLY)
    if has_shm:
        _mount_setattr(shm, clear_flags=_MOUNT_ATTR_RDONLY)
        applied.append("private-shm")
    return applied + ["ro-root"]


def _blocked_component(path: str) -> tuple[str, str] | None:
    """First directory on `path` that other users may not traverse, and the entry below it."""
    import stat

    parts = os.path.abspath(path).split(os.sep)[1:]
    current = os.sep
    for name in parts:
        try:
            mode = os.stat(current).st_mode
        except OSError:
            return None
        if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
            return current, name
        current = os.path.join(current, name)
    return None


def _expose_blocked_dirs(paths: list[str]) -> list[str]:
    """Make the interpreter reachable for the sandbox uid without changing any permission.

    E.g. a pyenv Python under /root (0700): in our mount namespace /root becomes an empty
    tmpfs holding only a bind mount of /root/.pyenv, so the rest of /root stays invisible.
    """
    exposed = []
    for _ in range(4):  # a blocked dir can sit below another one
        blocked: dict[str, set[str]] = {}
        for path in paths:
            hit = _blocked_component(path)
            if hit is not None:
                blocked.setdefault(hit[0], set()).add(hit[1])
        if not blocked:
            break
        for directory, names in blocked.items():
            _overlay_dir(directory, sorted(names))
            exposed.append(f"exposed:{os.path.join(directory, '{' + '|'.join(sorted(names)) + '}')}")
    return exposed


def _overlay_dir(directory: str, names: list[str]) -> None:
    import stat

    fds = {name: os.open(os.path.join(directory, name), os.O_PATH | os.O_CLOEXEC) for name in names}
    try:
        _mount("tmpfs", directory, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=1m")
        for name, fd in fds.items():
            target = os.path.join(directory, name)
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                os.mkdir(target, 0o755)
            else:
                os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
            _mount(f"/proc/self/fd/{fd}", target, None, _MS_BIND | _MS_REC)
    finally:
        for fd in fds.values():
            os.close(fd)


def _die_with_parent(parent: int) -> bool:
    """SIGKILL this process when the one that started it dies (killed with SIGKILL, it can enforce no wall clock,
    and a sleeping run spends no CPU to meet RLIMIT_CPU: it lived on). Set after the uid switch, which clears it;
    kept across exec (a test command). Exits at once when that parent is already gone."""
    try:
        done = _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
    if os.getppid() != parent:
        _os_exit(_SETUP_FAILED_EXIT)
    return done


def _set_no_new_privs() -> bool:
    # setuid binaries (su, mount, ...) must not hand a sandboxed process its privileges back.
    try:
        return _libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _apply_rlimits(spec: dict[str, Any]) -> None:
    import resource

    limits = spec["limits"]
    mib = 1024 * 1024
    cpu = spec["cpu_s"]
    wanted = [
        # SIGXCPU at the soft limit, SIGKILL one second later if the code ignores SIGXCPU.
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_AS, limits["memory_mb"] * mib, limits["memory_mb"] * mib),
        (resource.RLIMIT_NPROC, spec["nproc"], spec["nproc"]),
        (resource.RLIMIT_NOFILE, limits["max_open_files"], limits["max_open_files"]),
        (resource.RLIMIT_FSIZE, limits["max_file_mb"] * mib, limits["max_file_mb"] * mib),
        (resource.RLIMIT_CORE, 0, 0),
    ]
    for which, soft, hard in wanted:
        _, current_hard = resource.getrlimit(which)
        if current_hard != resource.RLIM_INFINITY and os.geteuid() != 0:
            hard = min(hard, current_hard)  # an unprivileged process may only lower its hard limit
            soft = min(soft, hard)
        resource.setrlimit(which, (soft, hard))


def _loopback_up() -> bool:
    """Bring up the new network namespace's loopback (SIOCSIFFLAGS, as `ip link set lo up`): tests that
    serve and connect on 127.0.0.1 (socket, HTTP servers) pass as they do outside; nothing else is reachable."""
    import fcntl
    import socket
    import struct

    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            flags = struct.unpack("16sh", fcntl.ioctl(sock, siocgifflags, struct.pack("16sh", b"lo", 0)))[1]
            fcntl.ioctl(sock, siocsifflags, struct.pack("16sh", b"lo", flags | iff_up))
        return True
    except OSError:
        return False


def _drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def _install_network_guard() -> None:
    """Fallback when no network namespace exists: refuse outgoing connections from Python."""
    import errno
    import socket

    def refuse(*args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError(errno.EACCES, "network access is disabled in the codemend sandbox")

    for name in ("connect", "connect_ex", "sendto", "sendmsg"):
        setattr(socket.socket, name, refuse)
    socket.create_connection = refuse  # type: ignore[assignment]
    socket.getaddrinfo = refuse  # type: ignore[assignment]


def _exec_command(argv: list[str], result_fd: int) -> NoReturn:
    try:
        os.execvpe(argv[0], argv, os.environ)
    except (OSError, ValueError) as exc:  # ValueError: an empty program name (`--test_cmd "'' -q"`)
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        _emit(result_fd, {"kind": "exec-error", "detail": f"{_NOT_STARTED[0]}{argv[0]!r}: {why}"})
    _os_exit(_COMMAND_NOT_RUN_EXIT)


def _fresh_main_namespace() -> dict[str, Any]:
    """A new `__main__` module (installed in sys.modules, so pickle and dataclasses work)."""
    import builtins
    import types

    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = module
    return module.__dict__


def _register_source(filename: str, source: str) -> None:
    import linecache

    _SOURCES[filename] = source
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def _execute_tests(module_code: str, test_code: str, result_fd: int, token_fd: int) -> NoReturn:
    # Harness functions are bound to locals before untrusted code runs: rebinding this module's
    # globals from the candidate cannot change how the verdict is produced.
    finish = _finish_run
    harness = _os_getpid()
    describe = _describe_exception
    undo_patches = _undo_candidate_patches
    join_threads = _join_threads
    ballast = _reserve_address_space()
    builtins_before = dict(vars(sys.modules["builtins"]))
    modules_before = set(sys.modules)
    phase = "compile"
    try:
        _register_source(_MODULE_FILE, module_code)
        _register_source(_TESTS_FILE, test_code)
        module_obj = compile(module_code, _MODULE_FILE, "exec")
        test_obj = compile(test_code, _TESTS_FILE, "exec")
        namespace = _fresh_main_namespace()
        phase = "module"
        exec(module_obj, namespace)
        undo_patches(builtins_before, modules_before)
        phase = "tests"
        exec(test_obj, namespace)
        join_threads()
    except BaseException as exc:  # noqa: BLE001 - every way out of untrusted code is a verdict
        ballast.close()
        status, detail = describe(exc, "tests", phase)
        finish(result_fd, token_fd, status, detail, exc, 1, harness)
    finish(result_fd, token_fd, "passed", "", None, 0, harness)


def _reserve_address_space() -> Any:
    """1 MiB of untouched address space, released on MemoryError so the verdict can be written.

    RLIMIT_AS caps address space, not touched memory: an anonymous mapping nobody writes to is a
    reserve that costs no page faults (a bytearray would zero 256 pages in every job).
    """
    import mmap

    return mmap.mmap(-1, 1 << 20)


def _undo_candidate_patches(builtins_before: dict[str, Any], modules_before: set[str]) -> None:
    """Between module code and tests: undo the cheap ways a candidate can make asserts pass.

    Restores builtins, removes trace/profile hooks (a tracer can rewrite the tests' locals) and
    drops a `unittest` the candidate imported (and maybe patched) so the tests import a clean one.
    Patches to other modules' helpers (say math.isclose) are not undone.
    """
    _settrace(None)
    _setprofile(None)
    threading = sys.modules.get("threading")
    if threading is not None:
        threading.settrace(None)  # type: ignore[arg-type]
        threading.setprofile(None)  # type: ignore[arg-type]
    current = vars(sys.modules["builtins"])
    for name in [name for name in current if name not in builtins_before]:
        del current[name]
    for name, value in builtins_before.items():
        if current.get(name) is not value:
            current[name] = value
    for name in [name for name in sys.modules if name.split(".")[0] == "unittest" and name not in modules_before]:
        del sys.modules[name]


def _execute_program(code: str, result_fd: int, token_fd: int) -> NoReturn:
    finish = _finish_run
    harness = _os_getpid()
    describe = _describe_exception
    join_threads = _join_threads
    ballast = _reserve_address_space()
    try:
        _register_source(_PROGRAM_FILE, code)
        program = compile(code, _PROGRAM_FILE, "exec")
        exec(program, _fresh_main_namespace())
        join_threads()
    except SystemExit as exc:
        ballast.close()
        exit_code, message = _system_exit_code(exc)
        if message:
            _os_write(2, (message + "\n").encode("utf-8", "replace"))
        status = "passed" if exit_code == 0 else "failed"
        finish(result_fd, token_fd, status, "" if exit_code == 0 else f"SystemExit({exit_code})", None, exit_code, harness)
    except BaseException as exc:  # noqa: BLE001
        ballast.close()
        status, detail = describe(exc, "python", "program")
        finish(result_fd, token_fd, status, detail, exc, 1, harness)
    finish(result_fd, token_fd, "passed", "", None, 0, harness)


def _system_exit_code(exc: SystemExit) -> tuple[int, str]:
    """Exit status and message exactly as the interpreter would derive them."""
    code = exc.code
    if code is None:
        return 0, ""
    if isinstance(code, int):
        return code & 0xFF, ""
    return 1, _safe_str(code)


def _describe_exception(exc: BaseException, mode: str, phase: str) -> tuple[str, str]:
    if isinstance(exc, MemoryError):
        return "memory", "MemoryError"
    if isinstance(exc, SystemExit):
        if phase == "module":
            return "error", f"SystemExit({exc.code!r}) raised by the module code before the tests ran"
        return "failed", f"SystemExit({exc.code!r}) raised while the tests ran"
    name = type(exc).__name__
    message = _safe_str(exc.msg if isinstance(exc, SyntaxError) else exc)
    detail = f"{name}: {message}" if message else name
    status = "failed" if isinstance(exc, AssertionError) else "error"
    return status, detail + _location(exc)


def _safe_str(value: object) -> str:
    try:
        text = str(value)
    except BaseException:  # noqa: BLE001 - a hostile __str__ must not lose the verdict
        return "<unprintable>"
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first[:300]


def _location(exc: BaseException) -> str:
    """' at <tests> line 3: assert f(1) == 2' for the innermost frame in the candidate or tests."""
    if isinstance(exc, SyntaxError) and exc.filename in _SOURCES:
        filename, lineno = exc.filename, exc.lineno
    else:
        filename = lineno = None
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename in _SOURCES:
                filename, lineno = tb.tb_frame.f_code.co_filename, tb.tb_lineno
            tb = tb.tb_next
    if filename is None or lineno is None:
        return ""
    lines = _SOURCES.get(filename, "").splitlines()
    source = lines[lineno - 1].strip()[:200] if 0 < lineno <= len(lines) else ""
    return f" at {filename} line {lineno}" + (f": {source}" if source else "")


def _join_threads() -> None:
    """Wait for non-daemon threads, as the interpreter does before it exits."""
    threading = sys.modules.get("threading")
    if threading is None:
        return
    current = threading.current_thread()
    for thread in threading.enumerate():
        if thread is not current and not thread.daemon:
            thread.join()


def _finish_run(
    result_fd: int, token_fd: int, status: str, detail: str, exc: BaseException | None, exit_code: int, harness: int
) -> NoReturn:
    """Write the verdict (with the secret, read only now) and exit without running atexit hooks. A process the
    code forked (`harness`: the pid that runs the tests) leaves quietly: it inherited the harness and, writing
    first, took the one secret, so the run's own verdict was ignored (a child's `sys.exit(0)` failed a passing run)."""
    _settrace(None)
    _setprofile(None)
    forked = _os_getpid() != harness
    try:  # the traceback is the log's: a candidate that closed fd 2 must not lose the verdict with it
        if exc is not None and not (forked and isinstance(exc, SystemExit)):
            _print_traceback(exc)
        _flush_std()
    except BaseException:  # noqa: BLE001
        pass
    if forked:  # as the interpreter would end it
        _os_exit(_system_exit_code(exc)[0] if isinstance(exc, SystemExit) else exit_code)
    try:
        token = _os_read(token_fd, 256).decode()
        _emit(result_fd, {"kind": "verdict", "token": token, "status": status, "detail": detail})
    except OSError as err:  # no verdict means "not passed", which is the safe side
        _os_exit(_CLOSED_CHANNEL_EXIT if err.errno == _EBADF else exit_code or 1)
    except BaseException:  # noqa: BLE001 - the same: whatever stopped the verdict, the run has none
        _os_exit(exit_code or 1)
    _os_exit(exit_code)


def _print_traceback(exc: BaseException) -> None:
    if isinstance(exc, MemoryError):
        _os_write(2, b"MemoryError\n")
        return
    import traceback

    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next  # the harness's own frames are noise in a candidate's traceback
    try:
        text = "".join(traceback.format_exception(type(exc), exc, tb))
    except BaseException:  # noqa: BLE001
        text = f"{type(exc).__name__} (traceback unavailable)\n"
    _os_write(2, text.encode("utf-8", "replace"))


def _flush_std() -> None:
    for stream in [sys.stdout, sys.stderr, *_STD_STREAMS]:
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - e.g. EFBIG once stdout hit RLIMIT_FSIZE
            pass


def _emit(fd: int, record: dict[str, Any]) -> None:
    data = (_json_dumps(record) + "\n").encode("utf-8", "replace")
    while data:
        data = data[_os_write(fd, data):]


# --------------------------------------------------------------------------------------------
# Fork server: warm workers that fork a sandboxed child per job.
# --------------------------------------------------------------------------------------------


def _read_frame(fd: int) -> dict[str, Any] | None:
    header = _read_exact(fd, 4)
    if header is None:
        return None
    payload = _read_exact(fd, int.from_bytes(header, "big"))
    return None if payload is None else json.loads(payload)


def _read_exact(fd: int, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = os.read(fd, size - len(chunks))
        if not chunk:
            return None
        chunks.extend(chunk)
    return bytes(chunks)


def _write_frame(fd: int, message: dict[str, Any]) -> None:
    payload = json.dumps(message).encode()
    data = len(payload).to_bytes(4, "big") + payload
    while data:
        data = data[os.write(fd, data):]


def _serve(config: dict[str, Any]) -> None:
    """Server loop: one request at a time on fd 0, one reply on fd 1, until the parent closes.

    Set-up that is the same for every job happens once here rather than per fork: the read-only
    mount namespace (only the pool's base directory stays writable) and, when the server was
    started as PID 1 of its own pid namespace, leftover-process cleanup by `kill(-1)`.
    """
    import gc
    import shutil  # noqa: F401 - loaded once here rather than per job
    import tempfile  # noqa: F401

    _preimport()
    isolation: list[str] = []
    if config["privileged"]:
        try:
            isolation = _harden_filesystem([config["base_dir"]], list(_interpreter_paths()), config["shm_mb"])
            isolation.append(_private_tmpfs(config["base_dir"], config["base_mb"]))
        except OSError as exc:
            isolation = [f"fs-not-hardened({exc.strerror or exc})"]
    if os.getpid() == 1:
        isolation.append("pid-ns")
    # Everything loaded so far lives in the permanent generation: the children's collections do
    # not walk (and copy-on-write fault in) the server's objects.
    gc.freeze()
    while True:
        request = _read_frame(0)
        if request is None:
            return
        _write_frame(1, _serve_one(request, config, isolation))


def _private_tmpfs(directory: str, size_mb: int) -> str:
    """Put the run directories on a tmpfs only this server sees.

    Creating and deleting a few files per job on ext4 costs more than the job itself, and the
    size cap bounds what all files of one job can take (RLIMIT_FSIZE only bounds each file).
    """
    _mount("tmpfs", directory, "tmpfs", _MS_NOSUID | _MS_NODEV, f"mode=0711,size={size_mb}m")
    return f"tmpfs-workdir({size_mb}m)"


def _serve_one(request: dict[str, Any], config: dict[str, Any], isolation: list[str]) -> dict[str, Any]:
    import shutil

    limits = Limits(**request["limits"])
    policy = _Policy(unshare=(), netns=config["netns"], pidns=False, privileged=config["privileged"])
    uid = _pick_uid() if policy.privileged else None
    run_dir, work = _make_run_dir(uid, config["base_dir"])
    try:
        nproc = config["nproc"] if uid is None else limits.max_processes
        spec = _base_spec("tests", run_dir, work, uid, limits, policy, nproc)
        spec.update(
            parent_netns=config["parent_netns"],
            harden_fs=False,  # done once for the whole server
            inherited_isolation=isolation,
        )
        outcome = _fork_and_wait(spec, request, limits)
    finally:
        if "private-shm" in isolation:
            _empty_dir("/dev/shm")  # shared by this server's jobs, one after another
        shutil.rmtree(run_dir, ignore_errors=True)
    return asdict(outcome)


def _empty_dir(directory: str) -> None:
    import shutil

    for entry in os.scandir(directory):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            try:
                os.unlink(entry.path)
            except OSError:
                pass


def _kill_namespace() -> None:
    """As PID 1 of a pid namespace: SIGKILL every other process in it and reap them all."""
    for _ in range(10_000):
        _reap_children()
        try:
            os.kill(-1, signal.SIGKILL)  # everyone in our namespace but us; nobody outside it
        except ProcessLookupError:
            return
        time.sleep(0.0002)
    logger.warning("processes survived 10000 kill rounds in the pool's pid namespace")


def _reap_children() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _fork_and_wait(spec: dict[str, Any], request: dict[str, Any], limits: Limits) -> _Outcome:
    run_dir = spec["run_dir"]
    token_r = _token_pipe(request.pop("token"))  # the secret leaves our memory before the fork
    result_r, result_w = os.pipe()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    out = os.open(os.path.join(run_dir, "stdout"), flags, 0o600)
    err = os.open(os.path.join(run_dir, "stderr"), flags, 0o600)
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _pool_child(spec, request, out, err, result_w, token_r)
    for fd in (token_r, result_w, out, err):
        os.close(fd)
    try:
        timed_out, records = _wait_for_exit(pid, result_r, start + limits.wall_s)
        if timed_out:
            _killpg(pid)
        _, wait_status = os.waitpid(pid, 0)
    finally:
        if os.getpid() == 1:
            _kill_namespace()  # escaped or not, every leftover of the job is in our namespace
        else:
            _reap(pid, spec["uid"])
        os.close(result_r)
    duration = time.monotonic() - start
    returncode = None if timed_out else os.waitstatus_to_exitcode(wait_status)
    return _collect_outcome(run_dir, returncode, timed_out, records, duration, limits)


def _pool_child(
    spec: dict[str, Any], request: dict[str, Any], out: int, err: int, result_w: int, token_r: int
) -> NoReturn:
    import fcntl

    try:
        os.setsid()
        # Park our pipes high, then pin them to 3 and 4 and close everything else: the server's
        # request/reply pipes (fds 0 and 1 until now) must be unreachable from the candidate.
        result_hi = fcntl.fcntl(result_w, fcntl.F_DUPFD, 64)
        token_hi = fcntl.fcntl(token_r, fcntl.F_DUPFD, 64)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.dup2(result_hi, 3)
        os.dup2(token_hi, 4)
        os.closerange(5, 1 << 16)
        spec = {**spec, "result_fd": 3, "token_fd": 4}
        sources = {"module": request["module_code"], "tests": request["test_code"]}
    except BaseException:  # noqa: BLE001
        _os_exit(_SETUP_FAILED_EXIT)
    _run_sandboxed(spec, sources)


class _Worker:
    """One warm server process (`python -c _BOOT <the harness copy> serve ...`, `_harness_copy`), one job at a time."""

    def __init__(self, config: dict[str, Any], prefix: tuple[str, ...]) -> None:
        self._config = config
        self._prefix = prefix
        self._proc: Any = None
        self._start()

    def _start(self) -> None:
        import subprocess

        harness = os.path.join(self._config["base_dir"], "codemend_sandbox_harness.py")
        if not os.path.exists(harness):  # one copy for the pool's servers, restarts too
            _harness_copy(self._config["base_dir"])
        argv = [*self._prefix, sys.executable, *_PYTHON_FLAGS, "-c", _BOOT, harness, "serve", json.dumps(self._config)]
        self._proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True,
            env=_child_env(self._config["base_dir"]), cwd="/",
        )

    def run(self, module_code: str, test_code: str, limits: Limits, token: str) -> _Outcome | None:
        """The job's outcome, or None when the server died or hung (it is restarted)."""
        request = {"module_code": module_code, "test_code": test_code, "limits": asdict(limits), "token": token}
        reply = None
        try:
            _write_frame(self._proc.stdin.fileno(), request)
            reply = self._read_reply(time.monotonic() + limits.wall_s + 30.0)
        except OSError:
            reply = None
        if reply is None:
            logger.warning("sandbox pool worker died or hung; restarting it")
            self.stop()
            self._start()
            return None
        return _Outcome(**reply)

    def _read_reply(self, deadline: float) -> dict[str, Any] | None:
        import select

        fd = self._proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        return _read_frame(fd) if ready else None

    def stop(self) -> None:
        if self._proc is None:
            return
        try:
            self._proc.stdin.close()
            self._proc.wait(timeout=5)
        except Exception:  # noqa: BLE001 - a stuck server is killed below
            _killpg(self._proc.pid)
            self._proc.wait()
        self._proc.stdout.close()
        self._proc = None


class SandboxPool:
    """Warm fork servers for many short `run_tests` calls; same verdicts as `run_tests`.

    Each worker is a long-lived interpreter (root, in its own network namespace when available)
    that forks one child per job; the child enters the same sandbox as a fresh run (new session,
    private read-only mounts, rlimits, dedicated uid, fresh temp dir) before running the code.
    """

    def __init__(self, workers: int = 2, limits: Limits = Limits()) -> None:
        import queue

        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        import tempfile

        self._limits = limits
        policy = _policy()
        # Run directories of all jobs live here; it is the only writable place in the servers'
        # read-only mount namespaces. 0711: job uids may enter their own work dir, not list.
        self._base_dir = tempfile.mkdtemp(prefix=_POOL_PREFIX)
        os.chmod(self._base_dir, 0o711)
        config = {
            "netns": policy.netns and not limits.network,
            "privileged": policy.privileged,
            "parent_netns": _netns_id(),
            "nproc": _own_process_count() + limits.max_processes,
            "base_dir": self._base_dir,
            "shm_mb": limits.max_file_mb,
            # room for one job's stdout and stderr files at their cap plus its own files
            "base_mb": 4 * limits.max_file_mb + 16,
        }
        prefix = policy.pool_prefix(limits.network)
        self._workers = [_Worker(config, prefix) for _ in range(workers)]
        self._idle: queue.Queue[_Worker] = queue.Queue()
        for worker in self._workers:
            self._idle.put(worker)

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        import shutil

        for worker in self._workers:
            worker.stop()
        shutil.rmtree(self._base_dir, ignore_errors=True)

    def run_tests(self, module_code: str, test_code: str, timeout_s: float | None = None) -> RunResult:
        import secrets

        limits = self._limits if timeout_s is None else replace(self._limits, wall_s=timeout_s)
        token = secrets.token_hex(16)
        worker = self._idle.get()
        try:
            # A server is root and out of the candidate's reach, so losing one is an
            # infrastructure fault: retry once on the restarted server before giving up.
            outcome = worker.run(module_code, test_code, limits, token)
            if outcome is None:
                outcome = worker.run(module_code, test_code, limits, token)
        finally:
            self._idle.put(worker)
        if outcome is None:
            return RunResult("error", None, "", "", 0.0, "sandbox pool worker died twice on this job")
        return _to_result("tests", outcome, token, limits)

    def map_tests(self, items: Iterable[tuple[str, str]]) -> list[RunResult]:
        """Run every (module_code, test_code) pair across the workers; results in input order."""
        from concurrent.futures import ThreadPoolExecutor

        pairs = list(items)
        with ThreadPoolExecutor(max_workers=len(self._workers)) as executor:
            return list(executor.map(lambda pair: self.run_tests(pair[0], pair[1]), pairs))
