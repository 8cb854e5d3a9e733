"""Latency of `repair` (model warm) and of the whole `codemend fix` process (cold), with and without
test validation, over buggy modules of the built-in benchmark; and where the time goes.

A module holds one to five functions, and without tests every one is read: the "buggy function
only" row is `repair(..., function=NAME)` (`codemend fix --function NAME`) on the function that holds
the bug, the per-function latency.

    .venv/bin/python bench/fix_latency.py --model default --items 30 --cold-items 10

By default each row asks the model for the beams `codemend fix` asks for (`-n -1`: 10 with tests,
none without); `--n N` asks for N beams in every row.

Prints a table (median and p95 seconds per setting), the ratios against the warm no-test
baseline measured in the same run, and the per-stage breakdown of the warm runs. When the weights load
in bf16 (`--precision bf16`, or auto where this CPU multiplies bf16 faster), the buggy-function row is
also measured with fp32 weights; the header prints auto's probe either way. With `--engine auto` (codemend's
own forward pass for Llama checkpoints such as the default), the buggy-function row and the cold row without
tests are also measured with `--engine transformers`: the baseline for what the runtime saves.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from codemend.training.checkpoint import ENGINES, PRECISIONS, matmul_seconds, inference_precision

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package: machine.py beside it
import machine  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def buggy_function(item) -> str:
    """Name of the function that differs between the item's buggy and fixed code ("" if unknown)."""
    from codemend.data.corpus import extract_functions

    if not item.fixed_code:
        return ""
    fixed = {f.name: f.code for f in extract_functions(item.fixed_code)[0]}
    return next((f.name for f in extract_functions(item.buggy_code)[0] if fixed.get(f.name) != f.code), "")


def warm_runs(items, debugger, with_tests: bool, n: int, one_function: bool = False) -> tuple[list[float], dict[str, float]]:
    """Seconds per item for repair() with the model already loaded; summed stage times."""
    from codemend.inference.repair import Tests, repair

    latencies, stages = [], {}
    for item in items:
        tests = Tests(test_code=item.test_code) if with_tests else None
        function = buggy_function(item) if one_function else ""
        started = time.perf_counter()
        result = repair(item.buggy_code, debugger=debugger, tests=tests, n=n, function=function)
        latencies.append(time.perf_counter() - started)
        for stage, seconds in result.seconds.items():
            stages[stage] = stages.get(stage, 0.0) + seconds
    return latencies, stages


def _model_argument(model: str) -> str:
    """A folder as an absolute path (the process runs elsewhere); a name (`default`, `none`) as given."""
    return str(Path(model).resolve()) if Path(model).exists() else model


def cold_runs(items, model: str, with_tests: bool, n: int, precision: str, engine: str) -> list[float]:
    """Seconds per item for a fresh `codemend fix` process (imports + model load + repair)."""
    latencies = []
    for item in items:
        with tempfile.TemporaryDirectory() as folder:
            Path(folder, "candidate.py").write_text(item.buggy_code)
            body = "".join(f"    {line}\n" for line in item.test_code.splitlines()) or "    pass\n"
            Path(folder, "test_candidate.py").write_text(f"from candidate import *\n\n\ndef test_item():\n{body}")
            command = [sys.executable, "-m", "codemend", "-q", "fix", "candidate.py", "--model", _model_argument(model), "--n", str(n), "--format", "json", "--precision", precision, "--engine", engine]
            if with_tests:
                command += ["--test_cmd", f"{sys.executable} -m pytest -q -p no:cacheprovider test_candidate.py"]
            started = time.perf_counter()
            done = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
            latencies.append(time.perf_counter() - started)
            if done.returncode != 0:  # a failed run's time measures nothing
                raise SystemExit(f"codemend fix failed (exit {done.returncode}): {done.stderr.strip()[-500:]}")
    return latencies


# What a model load imports under each engine (transformers resolves its modeling modules lazily: they
# are imported here, not left to the load).
ENGINE_IMPORTS = {
    "auto": "import torch, tokenizers, safetensors.torch, codemend.inference.fix, codemend.inference.runtime\n",
    "transformers": "import torch, transformers, transformers.modeling_utils, codemend.inference.fix\n"
                    "from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer\n",
}


def cold_stages(model: str, precision: str, engine: str, runs: int = 3) -> dict[str, float]:
    """Median seconds, in fresh processes as `codemend fix` starts, of the imports a model load needs
    under `engine` and of loading the model itself."""
    code = (
        "import json, sys, time\n"
        "started = time.perf_counter()\n"
        + ENGINE_IMPORTS[engine] +
        "imported = time.perf_counter()\n"
        "from codemend.inference.debugger import Debugger\n"
        "Debugger.load(sys.argv[1], sys.argv[2], sys.argv[3])\n"
        "print(json.dumps({'imports': imported - started, 'model load': time.perf_counter() - imported}))\n"
    )
    samples = [json.loads(subprocess.run([sys.executable, "-c", code, _model_argument(model), precision, engine], capture_output=True,
                                         text=True, check=True).stdout.strip().splitlines()[-1]) for _ in range(runs)]
    return {stage: statistics.median(s[stage] for s in samples) for stage in samples[0]}


def spread(items: list, count: int, seed: int) -> list:
    """`count` items, one of each program in turn (seeded), in the benchmark's program order: the first 30 of
    builtin:operator were 3 bugs of each of its first 10 programs."""
    by_program: dict[str, list] = {}
    for item in items:
        by_program.setdefault(item.id.split("/")[1] if item.id.count("/") >= 2 else item.id, []).append(item)
    rng = random.Random(seed)
    for group in by_program.values():
        rng.shuffle(group)
    rounds = [group[k] for k in range(max(map(len, by_program.values()), default=0)) for group in by_program.values() if k < len(group)]
    return rounds[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="default", help="`default` (the shipped model), a checkpoint folder, or none")
    parser.add_argument("--benchmark", default="builtin:operator", help="executable benchmark to take buggy functions from")
    parser.add_argument("--items", type=int, default=30, help="buggy functions, one per program first (seeded), then more per program")
    parser.add_argument("--seed", type=int, default=0, help="which item of each program is taken")
    parser.add_argument("--n", type=int, default=-1, help="model beams per function (-1: as `codemend fix`: 10 with tests, none without)")
    parser.add_argument("--cold-items", type=int, default=30, help="items for the (slow) cold-process rows (0: none)")
    parser.add_argument("--precision", default="auto", choices=PRECISIONS, help="the model's weights (auto: bf16 where faster on this CPU, else fp32)")
    parser.add_argument("--engine", default="auto", choices=ENGINES, help="what computes the model (auto: codemend's runtime for Llama checkpoints)")
    args = parser.parse_args()

    from codemend.data.benchmark import load_benchmark
    from codemend.inference.debugger import Debugger

    items = spread(load_benchmark(args.benchmark), args.items, args.seed)
    debugger = None if args.model == "none" else Debugger.load(args.model, args.precision, args.engine)  # a first load fills the caches
    baseline_engine = args.engine == "auto" and debugger is not None  # also measure transformers' forward pass
    rows = {}
    rows["repair, warm, no tests"], stages = warm_runs(items, debugger, False, args.n)
    rows["  buggy function only"], function_stages = warm_runs(items, debugger, False, args.n, one_function=True)
    rows["repair, warm, with tests"], test_stages = warm_runs(items, debugger, True, args.n)
    if debugger is not None and inference_precision(args.precision) == "bf16":  # the same functions with fp32 weights
        rows["  buggy function only, fp32"], _ = warm_runs(items, Debugger.load(args.model, "fp32", args.engine), False, args.n, one_function=True)
    if baseline_engine:
        transformers = Debugger.load(args.model, args.precision, "transformers")
        rows["  buggy function only, transformers"], _ = warm_runs(items, transformers, False, args.n, one_function=True)
    cold = items[: args.cold_items]
    rows["codemend fix, cold, no tests"] = cold_runs(cold, args.model, False, args.n, args.precision, args.engine)
    if baseline_engine:
        rows["  --engine transformers"] = cold_runs(cold, args.model, False, args.n, args.precision, "transformers")
    rows["codemend fix, cold, with tests"] = cold_runs(cold, args.model, True, args.n, args.precision, args.engine)

    print(machine.header())
    beams = "as codemend fix: 10 with tests, none without" if args.n < 0 else str(args.n)
    probe = ", ".join(f"{name} {1e3 * t:.2f} ms" for name, t in matmul_seconds().items())
    print(f"model: {args.model} ({args.precision}: {inference_precision(args.precision)}, --engine {args.engine}; a (10x576) @ (576x1536) product: {probe}); beams: {beams}; benchmark: {args.benchmark}; {len(items)} items ({args.cold_items} for cold rows)\n")
    baseline = statistics.median(rows["repair, warm, no tests"])
    print(f"{'setting':<34}{'items':>6}{'median s':>10}{'p95 s':>10}{'x baseline':>12}")
    for name, values in rows.items():
        if not values:  # --cold-items 0
            continue
        print(f"{name:<34}{len(values):>6}{statistics.median(values):>10.2f}{percentile(values, 0.95):>10.2f}{statistics.median(values) / baseline:>12.2f}")
    if debugger is not None:
        print()
        for engine in [args.engine, "transformers"] if baseline_engine else [args.engine]:
            parts = ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in cold_stages(args.model, args.precision, engine).items())
            print(f"where the time goes (cold, --engine {engine}, median of 3 fresh processes): {parts}")
    for title, totals, count in (("warm, no tests", stages, len(items)), ("warm, buggy function only", function_stages, len(items)),
                                 ("warm, with tests", test_stages, len(items))):
        parts = ", ".join(f"{stage} {seconds / count:.3f} s" for stage, seconds in sorted(totals.items(), key=lambda kv: -kv[1]))
        print(f"per item ({title}): {parts}")


if __name__ == "__main__":
    main()
