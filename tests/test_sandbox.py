"""The sandbox against real broken and hostile candidates: right status, nothing outside harmed.

    pytest tests/test_sandbox.py -m sandbox -q

Protections that need root (dedicated uid, read-only mounts) are skipped, with the reason, when
the tests do not run as root.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import resource
import socket
import stat
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from codemend import sandbox
from codemend.sandbox import Limits, SandboxPool, import_roots, run_command, run_python, run_tests, scaled_timeout

pytestmark = pytest.mark.sandbox

SMALL = Limits(wall_s=2, memory_mb=512)
QUICK_TIMEOUT = Limits(wall_s=1, memory_mb=512)
IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="dedicated uid and read-only mounts need root")

ADD = "def add(a, b):\n    return a + b\n"


def leftover_pids(result: sandbox.RunResult) -> list[int]:
    """Live processes still running as the run's dedicated uid (read from result.isolation).

    Keyed on the run's own uid rather than the whole sandbox uid range, so that someone else's
    sandbox runs on the same machine at the same time cannot make this fail.
    """
    uids = [int(item[4:]) for item in result.isolation.split(",") if item.startswith("uid=")]
    assert uids, f"no dedicated uid in {result.isolation!r}"
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            status = Path(f"/proc/{name}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        uid = int(fields.get("Uid", "0").split()[0])
        zombie = fields.get("State", "").strip().startswith(("Z", "X"))
        if uid == uids[0] and not zombie:
            pids.append(int(name))
    return pids


def assert_next_run_works() -> None:
    result = run_tests(ADD, "assert add(1, 2) == 3\n", limits=SMALL)
    assert result.status == "passed", result


@pytest.fixture()
def world_visible_dir():
    """A directory the sandbox uid can enter and read (0755), but not write: a user's project."""
    path = Path(tempfile.mkdtemp(prefix="codemend-canary-"))
    path.chmod(0o755)
    yield path
    for child in path.iterdir():
        child.unlink()
    path.rmdir()


# ------------------------------------------------------------------ verdicts of ordinary code


def test_passing_code_passes():
    result = run_tests(ADD, "assert add(1, 2) == 3\nprint('ok')\n", limits=SMALL)
    assert result.status == "passed"
    assert result.returncode == 0
    assert result.stdout == "ok\n"


def test_failing_assert_is_failed_with_the_failing_line():
    result = run_tests(ADD, "assert add(1, 2) == 3\nassert add(2, 2) == 5\n", limits=SMALL)
    assert result.status == "failed"
    assert result.detail.startswith("AssertionError at <tests> line 2")
    assert "assert add(2, 2) == 5" in result.detail


def test_exception_is_error():
    result = run_tests("def add(a, b):\n    return a + c\n", "assert add(1, 2) == 3\n", limits=SMALL)
    assert result.status == "error"
    assert result.detail.startswith("NameError")
    assert "<candidate> line 2" in result.detail


@pytest.mark.parametrize("module_code, test_code", [("def add(a, b) return a\n", "pass\n"), (ADD, "assert add(1,\n")])
def test_syntax_error_is_error(module_code, test_code):
    result = run_tests(module_code, test_code, limits=SMALL)
    assert result.status == "error"
    assert result.detail.startswith("SyntaxError")


def test_run_python_statuses_and_files():
    files = {"helper.py": "VALUE = 41\n", "data/input.txt": "hello\n"}
    code = "import helper\nprint(helper.VALUE + 1, open('data/input.txt').read().strip())\n"
    ok = run_python(code, limits=SMALL, files=files)
    assert (ok.status, ok.stdout) == ("passed", "42 hello\n")
    assert run_python("assert 1 == 2\n", limits=SMALL).status == "failed"
    assert run_python("raise KeyError('k')\n", limits=SMALL).status == "error"
    exit_two = run_python("import sys\nsys.exit(2)\n", limits=SMALL)
    assert (exit_two.status, exit_two.returncode) == ("failed", 2)
    assert run_python("import sys\nsys.exit(0)\n", limits=SMALL).status == "passed"


def test_environment_is_scrubbed_and_points_into_the_sandbox(monkeypatch):
    monkeypatch.setenv("CODEMEND_TEST_SECRET", "do-not-leak")
    code = "import os, json\nprint(json.dumps({'env': dict(os.environ), 'cwd': os.getcwd()}))\n"
    result = run_python(code, limits=SMALL)
    assert result.status == "passed", result
    import json

    seen = json.loads(result.stdout)
    assert "CODEMEND_TEST_SECRET" not in seen["env"]
    assert seen["env"]["HOME"] == seen["cwd"] == seen["env"]["TMPDIR"]
    assert seen["env"]["PYTHONHASHSEED"] == "0"
    assert os.path.basename(os.path.dirname(os.path.dirname(seen["cwd"]))).startswith(sandbox._RUN_PREFIX)  # run_dir/tree/work


def test_stdin_is_closed():
    result = run_python("import sys\nprint(repr(sys.stdin.read()))\n", limits=SMALL)
    assert (result.status, result.stdout) == ("passed", "''\n")


# ------------------------------------------------------------------ hostile and broken candidates


def test_infinite_loop_times_out():
    result = run_tests("while True:\n    pass\n", "pass\n", limits=QUICK_TIMEOUT)
    assert result.status == "timeout"
    assert result.returncode is None
    assert result.duration_s < 5
    assert_next_run_works()


def test_cpu_limit_stops_busy_threads_before_the_wall_clock():
    spin = "lambda: [0 for _ in iter(int, 1)]"
    code = f"import threading\nfor _ in range(2):\n    threading.Thread(target={spin}).start()\n"
    result = run_python(code, limits=Limits(wall_s=6, cpu_s=1, memory_mb=512))
    assert result.status == "timeout"
    assert "CPU" in result.detail or "wall-clock" in result.detail


def test_fork_bomb_is_contained_and_leaves_no_process():
    bomb = textwrap.dedent(
        """
        import os
        while True:
            try:
                if os.fork() == 0:
                    os.setsid()  # leave the process group, as a daemonising bomb would
            except OSError:
                pass
        """
    )
    result = run_tests(bomb, "pass\n", limits=QUICK_TIMEOUT)
    assert result.status in ("timeout", "error", "crash")
    if IS_ROOT:
        assert leftover_pids(result) == []
    assert_next_run_works()


def test_allocating_50_gb_is_memory():
    # A wall limit far above what filling 512 MB takes: this test is about the memory verdict, and once
    # in the full suite (2026-12-02, a loaded machine) it got another one, most likely SMALL's 2 s ending first.
    limits = dataclasses.replace(SMALL, wall_s=20)
    result = run_tests("x = bytearray(50 * 1024**3)\n", "pass\n", limits=limits)
    assert result.status == "memory"
    grow = "chunks = []\nwhile True:\n    chunks.append(bytearray(10 * 1024**2))\n"
    growing = run_tests(grow, "pass\n", limits=limits)
    assert growing.status == "memory"
    assert_next_run_works()


def test_writing_10_gb_stops_at_the_file_size_limit():
    limits = Limits(wall_s=5, memory_mb=512, max_file_mb=8)
    write = "block = b'x' * 2**20\nwith open('big.bin', 'wb') as f:\n    for _ in range(10 * 1024):\n"
    write += "        f.write(block)\n"
    result = run_tests(write, "pass\n", limits=limits)
    assert result.status in ("error", "crash")
    assert "File too large" in result.detail or "SIGXFSZ" in result.detail
    report_size = "except OSError:\n    pass\nprint(os.path.getsize('big.bin'))\n"
    measured = run_python("import os\ntry:\n" + textwrap.indent(write, "    ") + report_size, limits=limits)
    assert measured.status == "passed", measured
    assert int(measured.stdout) <= 8 * 2**20


@needs_root
def test_deleting_files_outside_the_sandbox_fails(tmp_path, world_visible_dir):
    canaries = [tmp_path / "canary.txt", world_visible_dir / "canary.txt"]
    for canary in canaries:
        canary.write_text("alive")
        canary.chmod(0o644)
    attack = textwrap.dedent(
        f"""
        import os, shutil
        targets = {[str(c) for c in canaries]!r}
        for target in targets:
            for attempt in (os.remove, lambda p: open(p, 'w').write('pwned'), lambda p: os.chmod(p, 0)):
                try:
                    attempt(target)
                except OSError:
                    pass
            shutil.rmtree(os.path.dirname(target), ignore_errors=True)

        def wipe(path):  # deletes until the first refusal: a read-only tree refuses its first file at once
            try:
                shutil.rmtree(path)
            except OSError:
                pass

        wipe('..')                      # the run directory's parent
        wipe(os.path.expanduser('~'))   # its own HOME
        for name in os.listdir('/tmp'):
            wipe(os.path.join('/tmp', name))
        """
    )
    # The attack must finish, not time out, for the canaries' survival to mean anything. Walking every
    # file of a busy /tmp (a clone with its .venv, two QA venvs) through read-only mounts took over 60 s;
    # a tree is now left at its first refusal, as anything writable would be gone before it.
    result = run_tests(attack, "pass\n", limits=Limits(wall_s=60, memory_mb=512))
    assert result.status in ("passed", "error")
    for canary in canaries:
        assert canary.read_text() == "alive"
        assert stat.S_IMODE(canary.stat().st_mode) == 0o644
    assert_next_run_works()


@needs_root
def test_private_file_outside_the_sandbox_is_unreadable(world_visible_dir):
    secret = world_visible_dir / "secret.txt"
    secret.write_text("the-secret-value")
    secret.chmod(0o600)
    result = run_tests(f"print(open({str(secret)!r}).read())\n", "pass\n", limits=SMALL)
    assert result.status == "error"
    assert "PermissionError" in result.detail
    assert "the-secret-value" not in result.stdout + result.stderr


@pytest.fixture()
def tcp_server():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.3)
    yield server
    server.close()


def test_network_connection_fails(tcp_server):
    port = tcp_server.getsockname()[1]
    code = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1)\nprint('connected')\n"
    result = run_tests(code, "pass\n", limits=SMALL)
    assert result.status == "error", result
    assert "connected" not in result.stdout
    with pytest.raises(socket.timeout):
        tcp_server.accept()
    if sandbox.network_isolation_available():
        assert "netns" in result.isolation.split(",")
    else:
        assert "socket-guard" in result.isolation.split(",")


@pytest.mark.skipif(not sandbox.network_isolation_available(), reason="no network namespace here: the socket guard refuses all")
def test_a_runs_own_loopback_works_and_reaches_nothing_outside(tcp_server):
    # Tests that serve on 127.0.0.1 (boltons' socketutils) hung or failed in the sandbox and passed outside.
    port = tcp_server.getsockname()[1]
    code = ("import socket\nserver = socket.create_server(('127.0.0.1', 0))\n"
            "client = socket.create_connection(server.getsockname(), timeout=1)\nclient.sendall(b'ping')\n"
            "assert server.accept()[0].recv(4) == b'ping'\n"
            f"try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=1)\nexcept ConnectionRefusedError:\n    print('refused')\n")
    result = run_python(code, limits=SMALL)
    assert result.status == "passed" and "refused" in result.stdout, result
    assert "netns" in result.isolation.split(",")
    with pytest.raises(socket.timeout):
        tcp_server.accept()


def test_network_allowed_when_asked(tcp_server):
    port = tcp_server.getsockname()[1]
    code = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1).close()\n"
    result = run_python(code, limits=Limits(wall_s=2, memory_mb=512, network=True))
    assert result.status == "passed", result
    tcp_server.accept()[0].close()


def test_killing_the_parent_does_not_hurt_the_caller():
    result = run_tests("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n", "pass\n", limits=SMALL)
    if IS_ROOT:
        assert result.status == "error"
        assert "PermissionError" in result.detail
    assert_next_run_works()  # and this test process is obviously still alive


def test_writes_after_chdir_never_land_outside(tmp_path):
    names = [f"codemend-escape-{os.getpid()}-{i}" for i in range(3)]
    attack = textwrap.dedent(
        f"""
        import os
        print(os.getcwd())
        names = {names!r}
        for directory, name in zip(('/tmp', '..', '/var/tmp'), names):
            try:
                os.chdir(directory)
                open(name, 'w').write('escaped')
            except OSError:
                pass
        """
    )
    result = run_tests(attack, "pass\n", limits=SMALL)
    assert result.status == "passed", result
    assert not os.path.exists(os.path.join("/tmp", names[0]))
    assert not os.path.exists(os.path.join("/var/tmp", names[2]))
    run_dir = os.path.dirname(os.path.dirname(result.stdout.strip()))
    assert os.path.basename(run_dir).startswith(sandbox._RUN_PREFIX)
    assert not os.path.exists(run_dir)  # `..` was the folder in the run directory that holds the copy, and it is gone


def test_printing_1_gb_is_cut_without_hanging():
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    code = "import sys\nline = 'x' * 2**20\nfor _ in range(1024):\n    sys.stdout.write(line)\n"
    result = run_tests(code, "pass\n", limits=Limits(wall_s=10, memory_mb=512, max_output_bytes=4096))
    assert result.status in ("error", "passed")
    assert result.duration_s < 10
    assert 4096 - 2**20 // 4 <= len(result.stdout.encode()) <= 4096 + 64  # a cut line, then the end's whole lines
    assert result.cut == ("stdout",) and "middle cut" in result.detail
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 100 * 1024  # KiB


def test_long_output_keeps_its_beginning_and_its_end():
    """Test tools print their summary last: a cut output keeps it (pytest's FAILED lines were lost)."""
    code = ("import sys\nprint('collected 3 items')\nfor i in range(5000):\n    print(f'traceback line {i}')\n"
            "print('FAILED t.py::a - boom')\nprint('1 failed, 2 passed')\nsys.stderr.write('é' * 3000)\n")
    result = run_tests(code, "pass\n", limits=Limits(wall_s=10, max_output_bytes=4096))
    assert result.status == "passed", result
    assert result.stdout.startswith("collected 3 items\ntraceback line 0\n")
    assert result.stdout.endswith("FAILED t.py::a - boom\n1 failed, 2 passed\n")
    middle = re.search(r"\n\[\.\.\. (\d+) bytes of output cut here \.\.\.\]\n(.*?)\n", result.stdout)
    assert middle and re.fullmatch(r"traceback line \d+", middle[2])  # the end starts on a whole line
    marker = f"\n[... {middle[1]} bytes of output cut here ...]\n"
    printed = "collected 3 items\n" + "".join(f"traceback line {i}\n" for i in range(5000)) + "FAILED t.py::a - boom\n1 failed, 2 passed\n"
    assert int(middle[1]) + len(result.stdout) - len(marker) == len(printed)  # the count says what is missing
    assert result.cut == ("stdout", "stderr") and "stdout and stderr over 4096 bytes: its middle cut" in result.detail
    assert set(re.sub(r"\n\[\.\.\. \d+ bytes of output cut here \.\.\.\]\n", "", result.stderr)) <= {"é", "\ufffd"}  # split: replaced


@pytest.mark.parametrize("pidfd", [True, False])
def test_waiting_for_a_quiet_child_does_not_spin(monkeypatch, pidfd):
    """Once the child has closed its result pipe (end of file: always 'ready'), the parent waits on the
    process, not in a loop that took a whole core for as long as a test command ran."""
    import subprocess
    import time

    if not pidfd:
        monkeypatch.setattr(sandbox, "_pidfd", lambda pid: None)
    result_r, result_w = os.pipe()
    os.write(result_w, b"record\n")
    os.close(result_w)
    child = subprocess.Popen(["sleep", "5"])
    try:
        cpu = time.thread_time()
        timed_out, records = sandbox._wait_for_exit(child.pid, result_r, time.monotonic() + 1.0)
        cpu = time.thread_time() - cpu
    finally:
        child.kill()
        child.wait()
        os.close(result_r)
    assert timed_out and records == b"record\n"
    assert cpu < 0.3, f"{cpu:.2f} s of CPU spent waiting 1 s"  # the busy loop spent ~1 s


def test_os_exit_nonzero_is_crash_with_its_status():
    code = "import os\nos._exit(3)\n"
    for result in (run_python(code, limits=SMALL), run_tests(code, "pass\n", limits=SMALL)):
        assert (result.status, result.returncode) == ("crash", 3)


def test_segfault_is_crash():
    result = run_tests("import ctypes\nctypes.string_at(0)\n", "pass\n", limits=SMALL)
    assert result.status == "crash"
    assert result.returncode == -11
    assert "SIGSEGV" in result.detail


# ------------------------------------------------------------------ candidates gaming the verdict

CHEATS = {
    "sys.exit(0) before the tests": ("import sys\nsys.exit(0)\n", "assert False\n"),
    "os._exit(0) before the tests": ("import os\nos._exit(0)\n", "assert False\n"),
    "os._exit(0) from a function the tests call": ("import os\ndef add(a, b):\n    os._exit(0)\n", "assert add(1, 2) == 3\n"),
    "SystemExit(0) during the tests": ("import sys\ndef add(a, b):\n    sys.exit(0)\n", "assert add(1, 2) == 3\n"),
    "patched unittest assertions": (
        "import unittest\nunittest.TestCase.assertEqual = lambda *a, **k: None\ndef add(a, b):\n    return 0\n",
        "import unittest\nunittest.TestCase().assertEqual(add(1, 2), 3)\n",
    ),
    "patched builtins": ("import builtins\nbuiltins.len = lambda x: 3\n", "assert len([1]) == 3\n"),
    "trace function rewriting the tests' locals": (
        "import sys\ndef add(a, b):\n    return 0\ndef rewrite(frame, event, arg):\n"
        "    if event == 'line' and frame.f_code.co_name == 'check' and 'r' in frame.f_locals:\n"
        "        frame.f_locals['r'] = 3\n    return rewrite\nsys.settrace(rewrite)\n",
        "def check():\n    r = add(1, 2)\n    assert r == 3\ncheck()\n",
    ),
    "fake output": ("print('PASSED: all tests passed')\n", "assert 1 == 2\n"),
    "forged verdicts on every fd, then exit 0": (
        "import json, os\nrecord = json.dumps({'kind': 'verdict', 'status': 'passed', 'token': '0' * 32, 'detail': ''})\n"
        "for fd in range(3, 64):\n    try:\n        os.write(fd, (record + '\\n').encode())\n    except OSError:\n        pass\n"
        "os._exit(0)\n",
        "assert False\n",
    ),
    "atexit hook": ("import atexit, os\natexit.register(lambda: os._exit(0))\n", "assert False\n"),
}


@pytest.mark.parametrize("name", list(CHEATS))
def test_cheating_candidates_do_not_pass(name):
    module_code, test_code = CHEATS[name]
    result = run_tests(module_code, test_code, limits=SMALL)
    assert result.status != "passed", (name, result)


FORKS = ("import os, sys\ndef spawn():\n    pid = os.fork()\n    if pid == 0:\n        sys.exit(0)\n"
         "    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])\n")


def test_a_process_the_code_forks_neither_decides_the_verdict_nor_loses_its_exit_status():
    """The forked child inherited the harness: ending with sys.exit(0), it wrote the verdict first, with the one
    secret, and the run's own was ignored (a passing run failed)."""
    assert run_tests(FORKS, "assert spawn() == 0\n", limits=SMALL).status == "passed"
    failing = run_tests(FORKS, "assert spawn() == 0\nassert 1 == 2\n", limits=SMALL)
    assert failing.status == "failed" and "assert 1 == 2" in failing.detail
    with SandboxPool(workers=1) as pool:
        assert [r.status for r in pool.map_tests([(FORKS, "assert spawn() == 0\n"), (FORKS, "assert spawn() == 1\n")])] == ["passed", "failed"]


def test_code_that_closes_stderr_still_gets_its_verdict():
    result = run_tests("import os\nos.close(2)\n", "assert 1 == 2\n", limits=SMALL)
    assert result.status == "failed" and "assert 1 == 2" in result.detail


def test_code_that_closes_the_result_channel_is_a_crash_that_says_so():
    closes = "import os\ndef f():\n    os.closerange(0, 1 << 16)\n    return 1\n"
    for test in ("assert f() == 1\n", "assert f() == 2\n"):  # passing or not, without a verdict it is not plausible
        result = run_tests(closes, test, limits=SMALL)
        assert result.status == "crash" and "the code closed file descriptors it did not open" in result.detail
    with SandboxPool(workers=1) as pool:
        (pooled,) = pool.map_tests([(closes, "assert f() == 1\n")])
    assert pooled.status == "crash" and "closed file descriptors" in pooled.detail
    exits = run_tests("import os\nos._exit(3)\n", "assert True\n", limits=SMALL)
    assert exits.status == "crash" and exits.detail == "exited with status 3 without reporting a verdict"
    same_status = run_tests("import os\nos._exit(121)\n", "assert True\n", limits=SMALL)  # no record tells them apart
    assert same_status.status == "crash" and "or called os._exit(121)" in same_status.detail


# ------------------------------------------------------------------ run_command


@pytest.fixture()
def project(tmp_path) -> Path:
    tree = tmp_path / "project"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "__init__.py").write_text("")
    (tree / "pkg" / "calc.py").write_text("def double(x):\n    return x + x + 1\n")
    (tree / "check.py").write_text(
        "import os\nfrom pkg.calc import double\nassert not os.path.exists('.git'), '.git was copied'\n"
        "assert double(2) == 4, double(2)\nprint('all good')\n"
    )
    (tree / ".git").mkdir()
    (tree / ".git" / "config").write_text("[core]\n")
    return tree


def test_run_command_leaves_sockets_and_fifos_of_the_tree_out(project):
    """shutil.copytree failed on a socket ("No such device or address") and blocks on a FIFO: `fix` crashed."""
    import socket as sockets

    os.mkfifo(project / "pipe")
    server = sockets.socket(sockets.AF_UNIX)
    server.bind(str(project / "sock"))
    try:
        listing = run_command("python -c 'import os; print(sorted(os.listdir(\".\")))'", tree=project, limits=SMALL)
    finally:
        server.close()
    assert listing.status == "passed", listing
    assert "pipe" not in listing.stdout and "sock" not in listing.stdout and "check.py" in listing.stdout


def test_an_empty_program_name_never_started(project):
    result = run_command("'' -q", tree=project, limits=SMALL)  # execvpe's ValueError: it read as a failing run
    assert result.status == "error" and sandbox.never_started(result), result


def snapshot(tree: Path) -> dict[str, str]:
    return {str(p.relative_to(tree)): p.read_text() for p in sorted(tree.rglob("*")) if p.is_file()}


def test_run_command_overlay_fixes_copy_and_never_touches_the_tree(project):
    before = snapshot(project)
    broken = run_command(["python", "check.py"], tree=project, limits=SMALL)
    assert broken.status == "failed"
    assert broken.returncode == 1
    fixed = run_command("python check.py", tree=project, limits=SMALL, overlay={"pkg/calc.py": "def double(x):\n    return 2 * x\n"})
    assert fixed.status == "passed", fixed
    assert fixed.stdout == "all good\n"
    assert snapshot(project) == before


def test_a_project_that_is_a_package_is_tested_as_pytest_tests_it_in_place(tmp_path):
    """Run from inside a package (a folder with `__init__.py`), pytest imports `pkg.test_mod` from the folder
    above: the copy keeps the folder's name, and the folder above it can be listed (it could not: "No module
    named 'work'", and no fix was ever validated)."""
    pytest.importorskip("pytest")
    tree = tmp_path / "pkg"
    tree.mkdir()
    (tree / "__init__.py").write_text("")
    (tree / "mod.py").write_text("def add(a, b):\n    return a - b\n")
    (tree / "test_mod.py").write_text("from mod import add\nfrom .mod import add as same\n\ndef test_add():\n    assert add(2, 3) == same(2, 3) == 5\n")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_mod.py"]
    broken = run_command(command, tree=tree, limits=SMALL)
    assert broken.status == "failed" and "1 failed" in broken.stdout, broken.stdout + broken.stderr
    fixed = run_command(command, tree=tree, limits=SMALL, overlay={"mod.py": "def add(a, b):\n    return a + b\n"})
    assert fixed.status == "passed", fixed.stdout + fixed.stderr

def test_run_command_limits_and_errors(project):
    assert run_command(["sleep", "30"], tree=project, limits=QUICK_TIMEOUT).status == "timeout"
    missing = run_command(["no-such-program-xyz"], tree=project, limits=SMALL)
    assert missing.status == "error"
    assert "no-such-program-xyz" in missing.detail
    assert run_command("python -c 'import sys; sys.exit(3)'", tree=project, limits=SMALL).returncode == 3
    with pytest.raises(ValueError, match="escapes"):
        run_command(["true"], tree=project, overlay={"../evil.py": "x"})
    with pytest.raises(ValueError, match="relative"):
        run_command(["true"], tree=project, overlay={"/etc/evil.py": "x"})


def test_run_command_cancelled_from_another_thread_is_killed_at_once(project):
    """`fix` starts the coverage run beside the baseline and cancels it when the baseline shows it is not
    needed: the run and its children must end then, not at their time limit."""
    import threading
    import time

    cancel = threading.Event()
    # A child that outlives its parent: the whole process group must go, not just the command.
    command = ["python", "-c", "import subprocess, time; subprocess.Popen(['sleep', '30']); time.sleep(30)"]
    threading.Timer(0.5, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(sandbox.RunCancelled, match="cancelled after"):
        run_command(command, tree=project, limits=Limits(wall_s=30, memory_mb=512), cancel=cancel)
    assert time.monotonic() - started < 10, "the run went on after its cancel"
    with pytest.raises(sandbox.RunCancelled, match="before it started"):
        run_command(["true"], tree=project, limits=SMALL, cancel=cancel)
    assert run_command(["true"], tree=project, limits=SMALL, cancel=threading.Event()).status == "passed"


def test_background_run_gives_its_result_or_is_cancelled_on_leaving(project):
    import time

    with sandbox.BackgroundRun(lambda cancel: run_command(["true"], tree=project, limits=SMALL, cancel=cancel)) as run:
        assert run.result().status == "passed"
    started = time.monotonic()
    with sandbox.BackgroundRun(lambda cancel: run_command(["sleep", "30"], tree=project, limits=Limits(wall_s=30), cancel=cancel)) as run:
        time.sleep(0.3)
    assert time.monotonic() - started < 10, "leaving the block did not stop the run"
    with pytest.raises(sandbox.RunCancelled):
        run.result()


def test_run_command_takes_leading_assignments_as_a_shell_does(project):
    (project / "src").mkdir()
    (project / "src" / "helper.py").write_text("VALUE = 7\n")
    check = "python -c 'import os, helper; assert os.environ[\"MODE\"] == \"ci\" and helper.VALUE == 7'"
    assert run_command(f"MODE=ci PYTHONPATH=src {check}", tree=project, limits=SMALL).status == "passed"
    assert run_command(f"PYTHONPATH=src {check}", tree=project, limits=SMALL).status == "failed"  # no MODE


def test_a_program_in_the_projects_own_venv_runs_from_the_project(project):
    # The copy leaves .venv out (it can hold gigabytes): `.venv/bin/python -m pytest` still means the project's.
    tool = project / ".venv" / "bin" / "tool"
    tool.parent.mkdir(parents=True)
    tool.write_text("#!/bin/sh\necho \"$0 in $(basename \"$PWD\")\"\n")
    tool.chmod(0o755)
    result = run_command(".venv/bin/tool", tree=project, limits=SMALL)
    assert result.status == "passed", result
    assert result.stdout == f"{tool} in project\n"  # the original program, run in the copy (which keeps the folder's name)
    assert run_command(".venv/bin/missing", tree=project, limits=SMALL).status == "error"


def test_a_virtualenv_by_any_name_and_tools_caches_stay_out_of_the_copy_and_its_programs_run_from_the_project(project):
    # `python -m venv venv` is as common as .venv: a torch venv (1.9 GB, 43k files) was copied for every candidate.
    for folder in ("venv", "env/py311", ".tox/py311", ".mypy_cache", "notes"):
        (project / folder).mkdir(parents=True)
        (project / folder / "big.bin").write_bytes(b"x" * 1000)
    for venv in ("venv", "env/py311"):
        (project / venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
        (project / venv / "bin").mkdir()
        (project / venv / "bin" / "tool").write_text("#!/bin/sh\necho \"$0\"\n")
        (project / venv / "bin" / "tool").chmod(0o755)
    listing = "python -c 'import os; print(sorted(p for p in os.listdir(\".\") if not p.endswith(\".py\")))'"
    result = run_command(listing, tree=project, limits=SMALL)
    assert result.status == "passed", result
    assert "venv" not in result.stdout and ".mypy_cache" not in result.stdout and "'notes'" in result.stdout
    assert "'env'" in result.stdout  # env itself is no virtualenv: only env/py311 stays out
    assert run_command("env/py311/bin/tool", tree=project, limits=SMALL).stdout == f"{project.absolute() / 'env/py311/bin/tool'}\n"
    from codemend.data.corpus import iter_python_files
    (project / "env" / "py311" / "site.py").write_text("")
    assert not any("py311" in str(file) for _, file in iter_python_files([project]))


def test_a_commands_python_is_the_one_first_on_the_callers_path(project, monkeypatch):
    """An activated virtualenv's `python` (its bin/ first on PATH) runs the tests, as in the caller's shell: it was
    codemend's own, without the project's packages, and every candidate failed on an import (QA)."""
    import shutil

    from codemend.sandbox import child_path

    shim = Path(tempfile.mkdtemp(prefix="codemend-test-path-"))  # not under tmp_path: the sandbox's uid must reach it
    try:
        shim.chmod(0o755)
        (shim / "python").write_text(f"#!/bin/sh\necho shim\nexec {sys.executable} \"$@\"\n")
        (shim / "python").chmod(0o755)
        monkeypatch.setenv("PATH", f"{shim}:relative/bin::{os.environ['PATH']}")
        assert child_path().split(":")[0] == str(shim) and not {"relative/bin", ""} & set(child_path().split(":"))
        result = run_command("python -c 'print(6 * 7)'", tree=project, limits=SMALL)
        assert (result.status, result.stdout) == ("passed", "shim\n42\n"), result
    finally:
        shutil.rmtree(shim)


def test_the_projects_own_folders_on_path_are_the_copys_but_a_virtualenvs(project, monkeypatch):
    """direnv's `PATH_add bin` puts the project's bin/ on PATH: run from the original, its scripts ignored the candidate."""
    from codemend.sandbox import path_in_copy

    (project / "bin").mkdir()
    (project / "bin" / "tool").write_text('#!/bin/sh\ncat "$(dirname "$0")/msg"\n')
    (project / "bin" / "tool").chmod(0o755)
    (project / "bin" / "msg").write_text("original\n")
    (project / ".venv" / "bin").mkdir(parents=True)
    (project / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    venv_bin, bin_ = str(project / ".venv" / "bin"), str(project / "bin")
    assert path_in_copy(f"{bin_}:{venv_bin}:/usr/bin", project, "/w") == f"/w/bin:{venv_bin}:/usr/bin"
    monkeypatch.setenv("PATH", f"{bin_}:{os.environ['PATH']}")
    result = run_command("tool", tree=project, limits=SMALL, overlay={"bin/msg": "copy\n"})
    assert (result.status, result.stdout) == ("passed", "copy\n"), result
    assert (project / "bin" / "msg").read_text() == "original\n"


def test_copies_of_the_trees_folders_on_the_pythons_path_come_first(project, tmp_path):
    # An editable install puts the project's src/ on sys.path from outside the copy (a .pth file; here
    # an absolute PYTHONPATH): the copy's own src/ must shadow it, or the tests import the originals.
    (project / "src").mkdir()
    (project / "src" / "helper.py").write_text("VALUE = 1\n")
    command = f"PYTHONPATH={project / 'src'} python -c 'import helper; assert helper.VALUE == 2, helper.__file__'"
    roots = import_roots(command, project)
    assert roots == ("src",) and import_roots("python -c pass", project) == ()
    overlay = {"src/helper.py": "VALUE = 2\n"}
    assert run_command(command, tree=project, limits=SMALL, overlay=overlay).status == "failed"  # the original's 1
    assert run_command(command, tree=project, limits=SMALL, overlay=overlay, import_roots=roots).status == "passed"


@needs_root  # without it the sandbox runs as the caller, and the marker can be written
def test_the_commands_own_python_is_asked_for_its_path_in_the_sandbox(project, tmp_path):
    """The project's `bin/python` is the project's code: asking it for sys.path (and coverage.py's version) ran it
    outside the sandbox, as the caller."""
    from codemend.testcov import measuring_python

    marker = tmp_path / "ran-outside"
    (project / "bin").mkdir()
    (project / "bin" / "python").write_text(f"#!/bin/sh\ntouch {marker}\nexec {sys.executable} \"$@\"\n")
    (project / "bin" / "python").chmod(0o755)
    import_roots.cache_clear()
    assert import_roots("bin/python -c pass", project) == ()
    assert measuring_python("bin/python -m pytest -q", project) == str(project / "bin" / "python")  # it has both: usable
    assert not marker.exists()


def test_run_command_refuses_overlays_through_symlinks_out_of_the_tree(project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / "linked").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ValueError, match="symlink"):
        run_command(["true"], tree=project, overlay={"linked/evil.py": "x"})
    with pytest.raises(ValueError, match="symlink"):
        run_command(["true"], tree=project, overlay={"linked/new/evil.py": "x"})
    assert list(outside.iterdir()) == []


# ------------------------------------------------------------------ pool, helpers, limits


POOL_CASES = [
    (ADD, "assert add(1, 2) == 3\n"),
    (ADD, "assert add(1, 2) == 4\n"),
    (ADD, "raise ValueError('boom')\n"),
    ("def add(a, b) return\n", "pass\n"),
    ("import sys\nsys.exit(0)\n", "assert False\n"),
    ("import os\nos._exit(3)\n", "pass\n"),
    ("x = bytearray(50 * 1024**3)\n", "pass\n"),
    ("import ctypes\nctypes.string_at(0)\n", "pass\n"),
    ("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n", "pass\n"),
    ("print(sorted({'b', 'a'}), list({'x', 'y', 'z', 'w'}))\n", "pass\n"),
    ("while True:\n    pass\n", "pass\n"),
]


def test_pool_gives_the_same_verdicts_as_run_tests():
    fresh = [run_tests(m, t, limits=QUICK_TIMEOUT) for m, t in POOL_CASES]
    with SandboxPool(workers=2, limits=QUICK_TIMEOUT) as pool:
        pooled = pool.map_tests(POOL_CASES)
        assert pool.run_tests(ADD, "assert add(1, 2) == 3\n", timeout_s=2).status == "passed"
    assert [r.status for r in pooled] == [r.status for r in fresh]
    assert [r.detail for r in pooled] == [r.detail for r in fresh]
    assert [r.returncode for r in pooled] == [r.returncode for r in fresh]
    assert [r.stdout for r in pooled] == [r.stdout for r in fresh]
    if IS_ROOT:
        assert all(leftover_pids(r) == [] for r in pooled + fresh if "uid=" in r.isolation)


def test_pool_contains_a_fork_bomb_and_keeps_working():
    bomb = "import os\nwhile True:\n    try:\n        os.fork() or os.setsid()\n    except OSError:\n        pass\n"
    with SandboxPool(workers=1, limits=QUICK_TIMEOUT) as pool:
        result = pool.run_tests(bomb, "pass\n")
        assert result.status == "timeout"
        if IS_ROOT:
            assert leftover_pids(result) == []
        assert pool.run_tests(ADD, "assert add(1, 2) == 3\n").status == "passed"


def test_scaled_timeout():
    assert scaled_timeout(0.1) == 1.0
    assert scaled_timeout(3.0) == 6.0
    assert scaled_timeout(3.0, factor=3, floor_s=20) == 20
    with pytest.raises(ValueError):
        scaled_timeout(-1)
    with pytest.raises(ValueError):
        scaled_timeout(1, factor=0.5)


def test_limits_validation_names_every_bad_field():
    with pytest.raises(ValueError, match="wall_s.*memory_mb"):
        Limits(wall_s=0, memory_mb=1)
    assert Limits(wall_s=2.5).effective_cpu_s == 4  # the wall clock fires first for one thread
    assert Limits(wall_s=9, cpu_s=0.5).effective_cpu_s == 1


def test_isolation_is_reported():
    assert isinstance(sandbox.network_isolation_available(), bool)
    report = sandbox.isolation_report()
    assert set(report) >= {"network", "filesystem", "user"}
    if IS_ROOT and sys.platform.startswith("linux"):
        assert report["user"].startswith("dedicated uid")


def test_a_tree_holding_the_temporary_folder_is_copied_without_the_sandboxs_own_folders(project, monkeypatch):
    # `codemend fix .` in a home folder that holds TMPDIR: each run's folder lay in the tree it copied, so
    # the copy held itself, again and again, until shutil failed on a path too long (a traceback).
    inside = project / "tmp"
    inside.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(inside))
    (inside / "codemend-pool-leftover").mkdir()  # another run's folders are left out too
    result = run_command("python -c \"import os; print(sorted(os.listdir('tmp')))\"", tree=project, limits=SMALL)
    assert result.status == "passed" and result.stdout == "[]\n", result
    assert sorted(p.name for p in inside.iterdir()) == ["codemend-pool-leftover"]  # the run's own folder is gone


def test_sigterm_stops_the_tests_and_removes_the_copies(tmp_path):
    # `timeout`, `kill` and a cancelled CI job send SIGTERM: Python's default ended codemend at once, and
    # the test command lived on (its parent gone) beside the copies of the project.
    import signal
    import subprocess
    import time

    (tmp_path / "m.py").write_text("def add(a, b):\n    return a - b\n")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    marker = f"time.sleep({1000 + os.getpid() % 1000}.5)"
    proc = subprocess.Popen([sys.executable, "-m", "codemend", "fix", "m.py", "-n", "0", "--model", "none", "--test_cmd",
                             f"python -c 'import time; {marker}'"], cwd=tmp_path, env={**os.environ, "TMPDIR": str(scratch)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def running() -> bool:
        return any(f"\0-c\0import time; {marker}" in _cmdline(pid)  # not codemend's own
                   for pid in os.listdir("/proc") if pid.isdigit())

    deadline = time.monotonic() + 60
    while not running():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "codemend: terminated" in err, err
    deadline = time.monotonic() + 10
    while running() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running() and list(scratch.iterdir()) == []


def _cmdline(pid: str) -> str:
    """A process's command line, NUL-separated ("" when it ended meanwhile: checking first, then reading, raced)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def _children(pid: int) -> list[int]:
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat_file.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl(PR_SET_PDEATHSIG) is Linux's")
def test_a_run_dies_with_the_process_that_started_it(tmp_path):
    """codemend killed with SIGKILL cannot enforce the wall clock, and a sleeping run spends no CPU to meet
    RLIMIT_CPU: it lived on under init."""
    import signal
    import subprocess
    import time

    script = ("from codemend.sandbox import Limits, run_python\n"
              "run_python('import time\\ntime.sleep(120)\\n', limits=Limits(wall_s=120))\n")
    # The killed parent cannot remove its run's folder: it goes to tmp_path, not /tmp.
    env = {**os.environ, "PYTHONPATH": str(Path(sandbox.__file__).parents[1]), "TMPDIR": str(tmp_path)}
    parent, children = subprocess.Popen([sys.executable, "-c", script], env=env), []
    try:
        deadline = time.monotonic() + 30
        while not (children := _children(parent.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert children, "the run never started"
        time.sleep(1.0)  # in its sleep, past the sandbox's set-up
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 10
        while any(map(_alive, children)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(map(_alive, children))
        assert [p.name[:13] for p in tmp_path.iterdir()] == ["codemend-sbx-"]  # the run made its folder there
    finally:
        for pid in children + [parent.pid]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def test_the_child_runs_the_harness_text_this_process_imported(monkeypatch, capfd):
    """The child read sandbox.py from disk: edited (or upgraded) during an evaluation, every later run's set-up
    failed on the old parent's spec, and the benchmark's references all read as broken."""
    marked = sandbox._HARNESS_SOURCE + "\nimport os as _os\n_os.write(2, b'the imported text\\n')\n"
    monkeypatch.setattr(sandbox, "_HARNESS_SOURCE", marked)
    assert "the imported text" in run_python("pass", limits=SMALL).stderr
    capfd.readouterr()
    with SandboxPool(workers=1) as pool:  # a pool's server writes to our stderr as it boots
        assert [r.status for r in pool.map_tests([("x = 1\n", "assert x == 1\n")])] == ["passed"]
    assert "the imported text" in capfd.readouterr().err
