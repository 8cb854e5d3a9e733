"""Ablation of the task's output format: compact edit vs whole fixed function, same data and budget.

    python bench/format_ablation.py --data runs/stdlib/data --minutes 4 --limit 200

Trains the same model twice through `codemend train` (same config, seed, samples and time budget;
only --task.output_format differs), evaluates both with `codemend eval` on the same test samples
(greedy decoding), and prints exact match, top-1 localization, well-formed outputs, outputs ending
with EOS, and decoding seconds per sample, with the ratio function/edit for the decoding time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package: machine.py beside it
import machine  # noqa: E402

FORMATS = ("edit", "function")


def codemend(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "codemend", "-q", *args], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="dataset folder written by `codemend data build`")
    parser.add_argument("--config", default="configs/train/demo.yaml", help="training config both runs share")
    parser.add_argument("--minutes", type=float, default=4.0, help="training budget per format")
    parser.add_argument("--steps", type=int, default=2000, help="step cap per format (the schedule spans it)")
    parser.add_argument("--limit", type=int, default=200, help="test samples evaluated")
    parser.add_argument("--out", default="runs/format-ablation")
    args = parser.parse_args()

    results = {}
    for output_format in FORMATS:
        model = Path(args.out) / output_format
        started = time.perf_counter()
        codemend("train", "--config", args.config, "--data", args.data, "--out", str(model), "--overwrite",
                 "--task.output_format", output_format, "--train.max_minutes", str(args.minutes),
                 "--train.max_steps", str(args.steps), "--model.max_target_tokens", "512")
        train_seconds = time.perf_counter() - started
        codemend("eval", "--model", str(model), "--data", args.data, "--limit", str(args.limit), "--num_beams", "1",
                 "--out", str(model / "eval"))
        metrics = json.loads((model / "eval" / "metrics.json").read_text())
        steps = json.loads((model / "meta.json").read_text())["train"]["steps"]
        results[output_format] = {**metrics, "train_seconds": train_seconds, "steps": steps}

    print(machine.header())
    print(f"config {args.config}; {args.minutes} min budget per format")
    print(f"{'format':<10}{'steps':>7}{'exact':>8}{'line@1':>8}{'well-formed':>13}{'EOS':>7}{'s/sample':>10}")
    for name, m in results.items():
        print(f"{name:<10}{m['steps']:>7}{m['exact_match_normalized']:>8.1%}{m['localization_top1']:>8.1%}"
              f"{m['well_formed']:>13.1%}{m['stopped_with_eos']:>7.1%}{m['seconds_per_sample']:>10.3f}")
    ratio = results["function"]["seconds_per_sample"] / max(results["edit"]["seconds_per_sample"], 1e-9)
    print(f"decoding time, function / edit: {ratio:.1f}x")


if __name__ == "__main__":
    main()
