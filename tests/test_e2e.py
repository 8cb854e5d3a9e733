"""The whole path on committed fixtures: data build -> train -> eval -> fix, in well under a minute."""

import json
import math

from codemend.cli import main


def test_build_train_eval_fix(tiny_dataset, tiny_model, tmp_path, capsys, assets):
    # data build wrote labeled splits, a HF dataset, a card and its resolved config
    for name in ("train.jsonl", "validation.jsonl", "test.jsonl", "hf", "README.md", "config.yaml", "meta.json", "stats.json"):
        assert (tiny_dataset / name).exists(), name
    # train wrote a loadable checkpoint that describes itself
    for name in ("config.json", "model.safetensors", "tokenizer.json", "codemend.json", "config.yaml", "meta.json", "README.md"):
        assert (tiny_model / name).exists(), name
    losses = json.loads((tiny_model / "train_log.json").read_text())["loss"]
    assert losses and all(math.isfinite(loss) for _, loss in losses)

    out = tmp_path / "eval"
    assert main(["-q", "eval", "--model", str(tiny_model), "--data", str(tiny_dataset), "--num_beams", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "exact-match fix accuracy" in printed and "line localization (top-1)" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["samples"] == sum(1 for _ in open(tiny_dataset / "test.jsonl"))
    assert 0 <= metrics["exact_match"] <= 1 and 0 <= metrics["localization_top1"] <= 1
    assert (out / "predictions.jsonl").exists() and (out / "config.yaml").exists()
    assert "precision: auto" in (out / "config.yaml").read_text()  # as asked, saved with the run
    assert metrics["precision"] in ("fp32", "bf16")  # what auto loaded on this machine

    assert main(["-q", "fix", str(assets / "corpus" / "pkg" / "numbers.py"), "--model", str(tiny_model), "-n", "2"]) == 0
    printed = capsys.readouterr().out
    # A few-step model rarely proposes an applicable edit; either way the command answers plainly.
    assert "suspected bug in" in printed or "proposed no applicable fix" in printed
    fix = ["-q", "fix", str(assets / "corpus" / "pkg" / "numbers.py"), "--model", str(tiny_model), "-n", "2", "--format", "json"]
    assert main([*fix, "--precision", "fp32"]) == 0
    assert "suggestions" in json.loads(capsys.readouterr().out)
