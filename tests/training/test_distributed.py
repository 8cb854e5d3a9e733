"""`codemend train` under torchrun: two CPU processes train one model with DDP over gloo; only rank 0
writes files, and every rank ends with the same (all-reduced) loss."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from codemend.training.checkpoint import load_checkpoint

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_two_cpu_processes_train_one_checkpoint(tiny_dataset, tmp_path, tmp_path_factory):
    runs = tmp_path / "runs"
    out = runs / "model"
    torchrun = Path(sys.executable).with_name("torchrun")
    command = [str(torchrun), "--standalone", "--nproc_per_node", "2", "-m", "codemend", "train",
               "--config", str(REPO / "configs/train/tiny.yaml"), "--data", str(tiny_dataset), "--out", str(out),
               "--train.max_steps", "6", "--train.save_every", "4", "--train.log_every", "2", "--train.threads", "1"]
    scratch = tmp_path_factory.mktemp("torchrun-tmp")  # torchrun's torchelastic_* folders outlived the run in /tmp
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TMPDIR": str(scratch)}  # two processes on a shared CPU
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]

    assert "data parallel: world size 2" in output
    assert output.count(f"saved {out}:") == 1  # the CLI's summary comes from rank 0 only
    finals = dict(re.findall(r"rank (\d) final loss (\S+)", output))
    assert sorted(finals) == ["0", "1"]
    assert finals["0"] == finals["1"]  # the logged loss is averaged over both ranks
    train_log = json.loads((out / "train_log.json").read_text())
    assert train_log["loss"][-1] == [6, pytest.approx(float(finals["0"]))]
    meta = json.loads((out / "meta.json").read_text())["train"]
    assert meta["steps"] == 6 and meta["processes"] == 2
    assert "x 2 processes = " in (out / "README.md").read_text()  # the card's samples per step count both ranks
    model, _, spec = load_checkpoint(out)
    assert spec.arch == "seq2seq" and sum(p.numel() for p in model.parameters()) > 0
    # One writer: no second temporary folder, backup or partial folder from rank 1, and nothing in the cwd.
    assert sorted(p.name for p in runs.iterdir()) == ["model"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]
