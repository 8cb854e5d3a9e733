"""Verdicts per second: `SandboxPool` against human-eval's one-process-per-candidate checker.

    python bench/sandbox_throughput.py --n 200
    python bench/sandbox_throughput.py --n 500 --workers 4 --skip-fresh

Builds N small (module_code, test_code) items (half pass, a quarter fail an assert, a quarter
raise), then times, in the same run and on the same items:

* `SandboxPool.map_tests` (warm fork servers; pool start-up included in the time);
* the baseline: human-eval's `check_correctness` recipe, one `multiprocessing.Manager` and one
  `multiprocessing.Process` per item with a join timeout, called from a thread pool of the same
  width as human-eval's `evaluate_functional_correctness`;
* optionally `run_tests` (a fresh sandboxed interpreter per item).

Prints the machine, the command line, a table (runner, items, seconds, verdicts/s), the
pool/baseline ratio and whether the pass/fail verdicts were identical.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from codemend.sandbox import Limits, SandboxPool, run_tests

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package: machine.py beside it
import machine  # noqa: E402

Item = tuple[str, str]


def build_items(n: int) -> list[Item]:
    """Deterministic items: i % 4 in (0, 2) passes, 1 fails an assert, 3 raises in the candidate."""
    items = []
    for i in range(n):
        scale, offset = i % 7 + 1, i % 5
        kind = i % 4
        body = f"return x * {scale} + {offset}"
        if kind == 1:
            body = f"return x * {scale} + {offset + 1}"  # off by one: the assert fails
        elif kind == 3:
            body = "return x / 0"  # ZeroDivisionError
        module_code = f"def f_{i}(x):\n    {body}\n"
        test_code = "".join(f"assert f_{i}({x}) == {x * scale + offset}\n" for x in range(3))
        items.append((module_code, test_code))
    return items


# ---------------------------------------------------------------- human-eval's recipe (baseline)


class _TimeoutException(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float):
    def handler(signum, frame):
        raise _TimeoutException("Timed out!")

    signal.setitimer(signal.ITIMER_REAL, seconds)
    signal.signal(signal.SIGALRM, handler)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _unsafe_execute(program: str, timeout: float, result) -> None:
    # Same steps as human_eval.execution.unsafe_execute: temp dir, chdir, swallowed IO, an
    # itimer, exec in a fresh dict. (Its reliability_guard only disables os/shutil functions.)
    with tempfile.TemporaryDirectory() as dirname:
        os.chdir(dirname)
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                with _time_limit(timeout):
                    exec(program, {})
            result.append("passed")
        except _TimeoutException:
            result.append("timed out")
        except BaseException as exc:  # noqa: BLE001 - human-eval records every failure the same way
            result.append(f"failed: {exc}")


def check_correctness(item: Item, timeout: float) -> bool:
    """human_eval.execution.check_correctness: one Manager + one Process per candidate."""
    manager = multiprocessing.Manager()
    result = manager.list()
    program = item[0] + "\n" + item[1]
    process = multiprocessing.Process(target=_unsafe_execute, args=(program, timeout, result))
    process.start()
    process.join(timeout=timeout + 1)
    if process.is_alive():
        process.kill()
    verdict = list(result)
    manager.shutdown()
    return bool(verdict) and verdict[0] == "passed"


# ---------------------------------------------------------------- runners


def run_baseline(items: Sequence[Item], workers: int, timeout: float) -> list[bool]:
    with ThreadPoolExecutor(max_workers=workers) as executor:
        return list(executor.map(lambda item: check_correctness(item, timeout), items))


def run_pool(items: Sequence[Item], workers: int, timeout: float) -> list[bool]:
    with SandboxPool(workers=workers, limits=Limits(wall_s=timeout)) as pool:
        return [result.status == "passed" for result in pool.map_tests(items)]


def run_fresh(items: Sequence[Item], workers: int, timeout: float) -> list[bool]:
    limits = Limits(wall_s=timeout)
    with ThreadPoolExecutor(max_workers=workers) as executor:
        return [r.status == "passed" for r in executor.map(lambda item: run_tests(*item, limits=limits), items)]


def timed(runner: Callable[..., list[bool]], *args) -> tuple[list[bool], float]:
    start = time.perf_counter()
    verdicts = runner(*args)
    return verdicts, time.perf_counter() - start


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="number of (module, tests) items")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="parallel workers for every runner")
    parser.add_argument("--timeout", type=float, default=5.0, help="per-item wall-clock limit in seconds")
    parser.add_argument("--skip-fresh", action="store_true", help="do not time run_tests (fresh process per item)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    items = build_items(args.n)
    print(machine.header())
    should_pass = sum(i % 4 in (0, 2) for i in range(len(items)))
    print(f"items: {len(items)} ({should_pass} should pass), workers: {args.workers}")
    rows = []
    pool_verdicts, pool_s = timed(run_pool, items, args.workers, args.timeout)
    rows.append(("SandboxPool.map_tests", pool_s))
    base_verdicts, base_s = timed(run_baseline, items, args.workers, args.timeout)
    rows.append(("human-eval check_correctness", base_s))
    identical = pool_verdicts == base_verdicts
    if not args.skip_fresh:
        fresh_verdicts, fresh_s = timed(run_fresh, items, args.workers, args.timeout)
        rows.append(("run_tests (fresh process)", fresh_s))
        identical = identical and fresh_verdicts == pool_verdicts
    print()
    print(f"| {'runner':<30} | {'items':>5} | {'seconds':>8} | {'verdicts/s':>10} |")
    print(f"|{'-' * 32}|{'-' * 7}|{'-' * 10}|{'-' * 12}|")
    for name, seconds in rows:
        print(f"| {name:<30} | {len(items):>5} | {seconds:>8.2f} | {len(items) / seconds:>10.1f} |")
    print()
    print(f"ratio SandboxPool / human-eval baseline: {base_s / pool_s:.2f}x")
    print(f"pass/fail verdicts identical across runners: {identical}")
    print(f"passed: {sum(pool_verdicts)} of {len(items)}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
