"""What every benchmark prints first: when, on what machine, and with what command (bench/ is not a package:
scripts put their folder on sys.path and `import machine`).

    machine: 2026-12-07 03:01 UTC | AMD EPYC 7B13, 2 cores | load 1.02 0.80 0.77 | Linux-6.1-x86_64 | Python 3.12.3 | torch 2.13.0+cpu, 2 threads, no GPU
    command: /work/main/.venv/bin/python bench/fix_latency.py --model default
"""

from __future__ import annotations

import datetime
import os
import platform
import sys


def cpu_model() -> str:
    """The CPU's name as /proc/cpuinfo gives it (platform.processor() is only "x86_64" on Linux)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(("model name", "Model", "Hardware")) and ":" in line:
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def torch_line() -> str:
    """torch's version, threads and GPU, when the script has imported torch (never imported here: it takes seconds)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return "torch not loaded"
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"torch {torch.__version__}, {torch.get_num_threads()} threads, {gpu}"


def lines() -> list[str]:
    """The `machine:` and `command:` lines."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return [f"machine: {now} | {cpu_model()}, {os.cpu_count()} cores | load {load} | {platform.platform()} | "
            f"Python {platform.python_version()} | {torch_line()}",
            f"command: {' '.join([sys.executable, *sys.argv])}"]


def header() -> str:
    return "\n".join(lines())
