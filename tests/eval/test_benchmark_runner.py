"""`codemend eval --benchmark`: verdicts, broken items, resume from the cache, determinism,
scoring other systems' predictions, reports and comparisons."""

import json
import shutil

import pytest

from codemend.cli import main

pytestmark = pytest.mark.sandbox


def _run(assets, out, *extra):
    return main(["-q", "eval", "--benchmark", str(assets / "bench_small.jsonl"), "--model", "none", "--out", str(out), *extra])


def _verdicts(out):
    return [(r["id"], r["state"], [c["status"] for c in r["candidates"]]) for r in map(json.loads, open(out / "results.jsonl"))]


@pytest.fixture(scope="module")
def first_run(assets, tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "a"
    assert _run(assets, out) == 0
    return out


def test_items_are_scored_flagged_and_reported(first_run):
    metrics = json.loads((first_run / "metrics.json").read_text())
    assert metrics["items"] == 4 and metrics["scored"] == 2
    assert json.loads((first_run / "meta.json").read_text())["model_key"] == "none"  # what a later run's backup rule compares
    assert metrics["broken"] == ["mean/broken-reference"] and metrics["not_failing"] == ["mean/not-failing"]
    assert metrics["headline"]["plausible@10"]["value"] == 1.0  # both bugs are inverse-operator fixable
    assert metrics["headline"]["correct@1_validated"]["value"] == 1.0
    low, high = metrics["headline"]["plausible@1"]["ci95"]
    assert 0 <= low <= metrics["headline"]["plausible@1"]["value"] <= high <= 1
    for name in ("report.md", "results.jsonl", "config.yaml", "per_bug_class.png", "pass_at_k.png"):
        assert (first_run / name).exists(), name
    assert "| incorrect comparison operator |" in (report := (first_run / "report.md").read_text())
    assert "Sandbox isolation: network: " in report and "; filesystem: " in report and "; user: " in report  # was "network network ..."


def test_rerun_continues_from_the_cache_with_identical_verdicts(first_run, assets):
    cache_before = (first_run / "cache.jsonl").read_text()
    verdicts_before = _verdicts(first_run)
    assert _run(assets, first_run) == 0
    assert (first_run / "cache.jsonl").read_text() == cache_before  # nothing re-run
    assert _verdicts(first_run) == verdicts_before


def test_an_edited_item_is_scored_again_not_reused_by_its_id(first_run, assets, tmp_path):
    """QA: after the benchmark file changed, a rerun into the same --out reported the old items' verdicts."""
    import shutil

    edited, before, out = tmp_path / "bench.jsonl", tmp_path / "before", tmp_path / "edited"
    shutil.copy(assets / "bench_small.jsonl", edited)
    assert main(["-q", "eval", "--benchmark", str(edited), "--model", "none", "--out", str(before)]) == 0
    shutil.copytree(before, out)
    rows = [json.loads(line) for line in open(edited)]
    swap = next(row for row in rows if row["id"] == "max_index/swap")
    swap["buggy_code"] = swap["fixed_code"]  # now a bug-free program under the same id
    edited.write_text("".join(json.dumps(row) + "\n" for row in rows))
    assert main(["-q", "eval", "--benchmark", str(edited), "--model", "none", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert "max_index/swap" in metrics["not_failing"] and metrics["scored"] == 1
    again = [row["id"] for row in map(json.loads, open(out / "items.jsonl")) if row["id"] == "max_index/swap"]
    assert len(again) == 2  # scored twice: once per content
    assert main(["-q", "eval", "compare", str(before), str(out), "--out", str(tmp_path / "cmp")]) == 0
    assert "1 item(s) changed between the runs under the same id (max_index/swap)" in (tmp_path / "cmp" / "compare.md").read_text()


def test_clearing_an_earlier_run_never_removes_what_this_run_reads(tmp_path):
    """Review: `--predictions runs/x/predictions.jsonl --out runs/x` deleted the predictions, then crashed."""
    from codemend.config import EvalConfig
    from codemend.eval.report import clear_earlier_outputs

    (tmp_path / "predictions.jsonl").write_text("{}\n")
    (tmp_path / "report.md").write_text("old\n")
    config = EvalConfig(benchmark="b.jsonl", predictions=str(tmp_path / "predictions.jsonl"), out=str(tmp_path))
    assert clear_earlier_outputs(tmp_path, config, inputs=(config.predictions,)) == ["report.md"]
    assert (tmp_path / "predictions.jsonl").read_text() == "{}\n"


def test_a_run_stopped_before_its_end_is_resumed_and_old_reports_go(first_run, assets, tmp_path):
    """QA: a first run killed part way left items.jsonl and cache.jsonl but no config.yaml, and the rerun was
    refused as a folder of the user's own files; a split run over a benchmark's folder left its report beside."""
    import shutil

    out = tmp_path / "stopped"
    shutil.copytree(first_run, out)
    for name in ("report.md", "metrics.json", "results.jsonl", "config.yaml", "meta.json", "pass_at_k.png"):
        (out / name).unlink()
    rows = (out / "items.jsonl").read_text().splitlines()
    (out / "items.jsonl").write_text("\n".join(rows[:2]) + "\n")  # two items finished when it stopped
    from codemend.config import EvalConfig, save_run_metadata

    save_run_metadata(EvalConfig(benchmark=str(assets / "bench_small.jsonl"), model="none", out=str(out)), out)  # as `run` now does first
    assert _run(assets, out) == 0
    assert _verdicts(out) == _verdicts(first_run)
    (out / "stale.txt").write_text("")
    from codemend.eval.report import clear_earlier_outputs

    same = EvalConfig(benchmark=str(assets / "bench_small.jsonl"), model="none", out=str(out))  # the command that wrote it
    assert set(clear_earlier_outputs(out, same, keep=("items.jsonl",))) >= {"report.md", "metrics.json", "results.jsonl", "cache.jsonl"}
    assert (out / "items.jsonl").is_file() and (out / "stale.txt").is_file() and not (out / "report.md").exists()
    assert not list(tmp_path.glob("stopped.bak-*"))  # rerunning the same command gives the same report: no copy


def test_a_finished_evaluation_of_another_configuration_is_copied_before_it_is_replaced(first_run, assets, tmp_path, caplog):
    """QA: a benchmark eval into the --out of a split eval removed its predictions.jsonl, without a backup."""
    import shutil

    out = tmp_path / "ev"
    shutil.copytree(first_run, out)
    report = (out / "report.md").read_text()
    other = tmp_path / "other.jsonl"
    other.write_text((assets / "bench_small.jsonl").read_text().splitlines()[0] + "\n")
    assert main(["-q", "eval", "--benchmark", str(other), "--model", "none", "--out", str(out)]) == 0
    (backup,) = tmp_path.glob("ev.bak-*")
    assert (backup / "report.md").read_text() == report and (backup / "config.yaml").is_file() and (backup / "results.jsonl").is_file()
    assert "held a finished evaluation of another configuration: copied to" in caplog.text
    assert json.loads((out / "metrics.json").read_text())["items"] == 1


def test_a_model_trained_again_in_place_is_another_configuration(assets, tmp_path):
    """The same command over the same --out, but the model's folder holds new weights: the earlier report was
    that of another model, so it is copied before it is replaced."""
    import hashlib

    from codemend.config import EvalConfig, save_run_metadata
    from codemend.eval.benchmark_runner import model_key
    from codemend.eval.report import clear_earlier_outputs

    model, out = tmp_path / "m", tmp_path / "ev"
    model.mkdir()
    (model / "model.safetensors").write_bytes(b"first weights")
    first = model_key(str(model))
    assert first == hashlib.sha256(b"first weights").hexdigest()[:16]  # the key earlier runs saved: their items are reused
    (model / "codemend_best.safetensors").write_bytes(b"the best step's copy, not what loads")
    assert model_key(str(model)) == first
    config = EvalConfig(benchmark=str(assets / "bench_small.jsonl"), model=str(model), out=str(out))

    def finished(key: str | None, metrics: str) -> None:
        save_run_metadata(config, out, **({"model_key": key} if key else {}))
        (out / "metrics.json").write_text(metrics)

    finished(first, "{}")  # the same weights: no copy
    assert "metrics.json" in clear_earlier_outputs(out, config, model_key=first)
    finished(None, "{}")  # a run from before meta.json named the weights: the same command, no copy
    assert "metrics.json" in clear_earlier_outputs(out, config, model_key=first)
    assert not list(tmp_path.glob("ev.bak-*"))
    for name in ("model-00002-of-00002.safetensors", "pytorch_model.bin"):  # trained again, saved in shards or as .bin
        before = model_key(str(model))
        (model / name).write_bytes(b"more weights")
        assert model_key(str(model)) != before
    finished(first, '{"items": 3}')
    clear_earlier_outputs(out, config, model_key=model_key(str(model)))
    (backup,) = tmp_path.glob("ev.bak-*")
    assert (backup / "metrics.json").read_text() == '{"items": 3}' and not (out / "metrics.json").exists()


def test_out_that_cannot_be_written_is_one_error_before_any_work(assets, tmp_path, capsys):
    (tmp_path / "afile").write_text("mine")
    for out in (tmp_path / "afile", tmp_path / "afile" / "sub"):
        assert main(["eval", "--benchmark", str(assets / "bench_small.jsonl"), "--model", "none", "--out", str(out)]) == 2  # a config error
        assert "--out" in capsys.readouterr().err
    assert (tmp_path / "afile").read_text() == "mine"


def test_items_finished_with_other_weights_or_settings_are_said_to_be_scored_again(first_run, assets, tmp_path, caplog):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(first_run, old)
    rows = [json.loads(line) for line in open(old / "items.jsonl")]
    (old / "items.jsonl").write_text("".join(json.dumps({**row, "run_key": "0123456789abcdef:10:True"}) + "\n" for row in rows))
    with caplog.at_level("INFO", logger="codemend"):
        assert main(["eval", "--benchmark", str(assets / "bench_small.jsonl"), "--model", "none", "--out", str(old)]) == 0
    assert f"{len(rows)} item(s) in {old / 'items.jsonl'} were finished with other weights or settings" in caplog.text
    assert "are reused from" not in caplog.text


def test_items_reused_from_other_code_are_named(first_run, assets, tmp_path, caplog):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(first_run, old)
    rows = [json.loads(line) for line in open(old / "items.jsonl")]
    assert rows and all(row["git_sha"] for row in rows)  # each finished item names the code that wrote it
    (old / "items.jsonl").write_text("".join(json.dumps({**row, "git_sha": "0123456789abcdef"}) + "\n" for row in rows))
    with caplog.at_level("WARNING"):
        assert _run(assets, old) == 0
    assert "written by other codemend code (0123456789: 4" in caplog.text
    assert json.loads((old / "metrics.json").read_text())["reused_from_other_code"] == {"0123456789abcdef": 4}
    assert json.loads((first_run / "metrics.json").read_text())["reused_from_other_code"] == {}


def test_dirty_commits_keep_their_digest_when_shortened():
    from codemend.eval.benchmark_runner import _short

    assert _short("0123456789abcdef") == "0123456789"
    assert _short("0123456789abcdef+dirty.a1b2c3d4e5f6") == "0123456789+dirty.a1b2c3d4e5f6"
    assert _short("0123456789abcdef+dirty.a1b2c3d4e5f6") != _short("0123456789abcdef+dirty.ffffffffffff")


def test_bf16_runs_never_reuse_fp32_results():
    from codemend.config import EvalConfig
    from codemend.eval.benchmark_runner import _precision_key
    from codemend.training.checkpoint import inference_precision

    assert _precision_key(EvalConfig(model="m", precision="bf16")) == ":bf16"
    # auto is keyed by what it loads on this machine
    assert _precision_key(EvalConfig(model="m")) == (":bf16" if inference_precision("auto") == "bf16" else "")
    assert _precision_key(EvalConfig(model="m", precision="fp32")) == ""  # the key runs before --precision had
    assert _precision_key(EvalConfig(model="none")) == ""  # no model, nothing ranked by weights


def test_three_fresh_runs_give_identical_verdicts(first_run, assets, tmp_path):
    runs = [first_run]
    for name in ("b", "c"):
        assert _run(assets, tmp_path / name) == 0
        runs.append(tmp_path / name)
    assert _verdicts(runs[0]) == _verdicts(runs[1]) == _verdicts(runs[2])


def test_predictions_from_another_system(assets, tmp_path, caplog):
    items = {json.loads(line)["id"]: json.loads(line) for line in open(assets / "bench_small.jsonl")}
    preds = tmp_path / "preds.jsonl"
    preds.write_text(
        json.dumps({"id": "max_index/swap", "candidates": [items["max_index/swap"]["buggy_code"], items["max_index/swap"]["fixed_code"]]}) + "\n"
        + json.dumps({"id": "mean/binop", "prediction": items["mean/binop"]["buggy_code"]}) + "\n"
        + json.dumps({"id": "no/such-id", "prediction": "x = 1"}) + "\n"
    )
    assert _run(assets, tmp_path / "p", "--predictions", str(preds)) == 0
    metrics = json.loads((tmp_path / "p" / "metrics.json").read_text())
    assert metrics["headline"]["plausible@1"]["value"] == 0.0
    assert metrics["headline"]["plausible@10"]["value"] == 0.5
    assert "1 prediction(s) for ids not in the benchmark, ignored: no/such-id" in caplog.text
    assert "2 of the 4 items scored have no prediction (each counts as not fixed)" in caplog.text
    report = (tmp_path / "p" / "report.md").read_text()
    assert f"predictions `{preds}`" in report and "model `" not in report  # no model was read
    assert "(at most 60 of the given predictions, in their order)." in report and "wide space" not in report  # never searched
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert _run(assets, tmp_path / "e", "--predictions", str(empty)) == 1
    twice = tmp_path / "twice.jsonl"
    twice.write_text(preds.read_text().splitlines(keepends=True)[0] * 2)
    assert _run(assets, tmp_path / "t", "--predictions", str(twice)) == 1
    assert not (tmp_path / "t" / "metrics.json").exists()


def test_limit_scores_the_first_items_and_the_report_says_so(assets, tmp_path, caplog):
    preds = tmp_path / "preds.jsonl"
    rows = [json.loads(line) for line in open(assets / "bench_small.jsonl")]
    preds.write_text("".join(json.dumps({"id": row["id"], "prediction": row["fixed_code"]}) + "\n" for row in rows))
    with caplog.at_level("INFO"):
        assert _run(assets, tmp_path / "l", "--predictions", str(preds), "--limit", "2") == 0
    metrics = json.loads((tmp_path / "l" / "metrics.json").read_text())
    assert metrics["items"] == 2 and metrics["benchmark_items"] == 4
    assert "scoring the first 2 of the benchmark's 4 items (--limit 2" in caplog.text
    assert "not in the benchmark" not in caplog.text  # the items past --limit are the benchmark's all the same
    assert "The first 2 of its 4 items (`--limit`)." in (tmp_path / "l" / "report.md").read_text()


def test_validation_goes_down_the_ranking_only_until_the_first_plausible_fix(assets, tmp_path, capsys):
    """plausible@k reads the first --n; past them, validation stops at the first plausible fix
    (what `fix` shows first), which is what plausible_validated scores."""
    item = json.loads(open(assets / "bench_small.jsonl").readline())
    wrong = [item["buggy_code"].replace("best = 0", f"best = {k}") for k in (1, 2, 3, 4)]
    ranked = wrong[:3] + [item["fixed_code"], wrong[3], item["fixed_code"].replace("    return", "    pass\n    return")]
    preds = tmp_path / "preds.jsonl"
    preds.write_text(json.dumps({"id": item["id"], "candidates": ranked}) + "\n")
    assert _run(assets, tmp_path / "v", "--predictions", str(preds), "--n", "2", "--validate_top", "5", "--workers", "1") == 0
    metrics = json.loads((tmp_path / "v" / "metrics.json").read_text())
    headline = {name: entry["value"] for name, entry in metrics["headline"].items()}
    scored = metrics["scored"]  # the other items have no predictions: nothing plausible
    assert headline["plausible@1"] == 0.0 and headline["pass@1"] == 0.0  # the fix is 4th, past --n 2
    assert headline["plausible@10"] is None  # not measured: the first 2 are all --n 2 reads
    assert headline["plausible_validated"] == headline["correct@1_validated"] == 1 / scored
    row = next(r for r in map(json.loads, open(tmp_path / "v" / "results.jsonl")) if r["id"] == item["id"])
    assert [c["status"] == "passed" for c in row["candidates"]] == [False, False, False, True]  # 2, then 2 per round, then stop
    assert "plausible_validated" in (tmp_path / "v" / "report.md").read_text()
    capsys.readouterr()
    assert main(["-q", "eval", "--benchmark", str(assets / "bench_small.jsonl"), "--n", "5", "--validate_top", "4", "--wide", "-1"]) == 2
    err = capsys.readouterr().err  # both problems, in one error
    assert "--validate_top (4) must be at least --n (5)" in err and "--wide -1: must be >= 0" in err


def test_the_wide_space_is_tried_after_the_ranking_as_fix_does(tmp_path):
    buggy = "def smallest_two(items):\n    ordered = items\n    return ordered[:2]\n"
    item = {"id": "smallest_two/sorted", "buggy_code": buggy, "fixed_code": buggy.replace("= items", "= sorted(items)"),
            "test_code": "assert smallest_two([3, 1, 2]) == [1, 2]\nassert smallest_two([]) == []\n", "bug_type": "missing function call",
            "entry_point": "smallest_two", "timeout_s": 5.0}
    bench = tmp_path / "bench.jsonl"
    bench.write_text(json.dumps(item) + "\n")
    values = {}
    for wide in ("0", "200"):
        out = tmp_path / f"w{wide}"
        assert main(["-q", "eval", "--benchmark", str(bench), "--model", "none", "--out", str(out), "--wide", wide]) == 0
        values[wide] = {name: entry["value"] for name, entry in json.loads((out / "metrics.json").read_text())["headline"].items()}
    assert values["0"]["plausible_validated"] == 0.0 and values["200"]["plausible@10"] == 0.0
    assert values["200"]["plausible_validated"] == values["200"]["correct@1_validated"] == 1.0


def test_the_top_level_code_is_tried_after_the_functions_as_fix_does(tmp_path):
    # `TENS += [...]` on the name's first binding fails at import; eval stopped at the functions' fixes.
    fixed = 'TENS = ["", "ten", "twenty"]\n\n\ndef tens(n):\n    return TENS[n // 10]\n'
    item = {"id": "tens/augmented", "buggy_code": fixed.replace("TENS =", "TENS +="), "fixed_code": fixed,
            "test_code": 'assert tens(25) == "twenty"\nassert tens(12) == "ten"\n', "bug_type": "augmented assignment",
            "entry_point": "tens", "timeout_s": 5.0}
    bench = tmp_path / "bench.jsonl"
    bench.write_text(json.dumps(item) + "\n")
    out = tmp_path / "run"
    # --n 20: the top-level fix lies among the first 20 validated, past the function's 15 ranked candidates.
    assert main(["-q", "eval", "--benchmark", str(bench), "--model", "none", "--out", str(out), "--wide", "0", "--n", "20",
                 "--validate_top", "20"]) == 0
    headline = {name: entry["value"] for name, entry in json.loads((out / "metrics.json").read_text())["headline"].items()}
    assert headline["plausible_validated"] == headline["correct@1_validated"] == 1.0
    # Looked for only because the tests failed every ranked candidate: no part of the ranking's pass@k.
    assert headline["pass@10"] == headline["plausible@10"] == 0.0
    row = json.loads((out / "results.jsonl").read_text())
    first = next(k for k, c in enumerate(row["candidates"]) if c["status"] == "passed")
    assert row["ranked"] <= first < 20
    assert row["candidates"][first]["line"] == 1 and "TENS = [" in row["candidates"][first]["patched"]
    lines = [c["line"] for c in row["candidates"]]
    assert lines[0] == 5 and lines == sorted(lines, key=lambda line: line != 5)  # the function's own fixes came first


def test_compare_two_runs(first_run, assets, tmp_path, capsys):
    assert _run(assets, tmp_path / "no-ops", "--operators", "false") == 0
    capsys.readouterr()
    assert main(["eval", "compare", str(first_run), str(tmp_path / "no-ops"), "--out", str(tmp_path / "cmp")]) == 0
    text = (tmp_path / "cmp" / "compare.md").read_text()
    assert "| plausible@10 |" in text and (tmp_path / "cmp" / "compare.png").stat().st_size > 1000
    assert "# Resolved CompareConfig" in (tmp_path / "cmp" / "config.yaml").read_text() and (tmp_path / "cmp" / "meta.json").is_file()
    # Never over another command's output or the user's files; runs of other items are said to differ.
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    assert main(["eval", "compare", str(first_run), str(tmp_path / "no-ops"), "--out", str(mine)]) == 2
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    assert _run(assets, tmp_path / "two", "--limit", "2") == 0
    assert main(["eval", "compare", str(first_run), str(tmp_path / "two"), "--out", str(tmp_path / "cmp2")]) == 0
    assert "the runs scored different items" in (tmp_path / "cmp2" / "compare.md").read_text()
    # A run from before `ranked` was recorded may count fixes found past the ranking in its plausible@k.
    old = tmp_path / "old"
    shutil.copytree(tmp_path / "no-ops", old)
    rows = [json.loads(line) for line in (old / "results.jsonl").read_text().splitlines()]
    (old / "results.jsonl").write_text("".join(json.dumps({k: v for k, v in row.items() if k != "ranked"}) + "\n" for row in rows))
    assert main(["eval", "compare", str(old), str(tmp_path / "no-ops"), "--out", str(tmp_path / "cmp4")]) == 0
    assert f"{old} was written before plausible@k and pass@k read only the ranking" in (tmp_path / "cmp4" / "compare.md").read_text()
    # An old run's items resumed by a newer codemend are written back with "ranked": null; either argument.
    (old / "results.jsonl").write_text("".join(json.dumps({**row, "ranked": None}) + "\n" for row in rows))
    assert main(["eval", "compare", str(tmp_path / "no-ops"), str(old), "--out", str(tmp_path / "cmp5")]) == 0
    assert f"{old} was written before plausible@k" in (tmp_path / "cmp5" / "compare.md").read_text()
    assert "before plausible@k" not in (tmp_path / "cmp" / "compare.md").read_text()
    from codemend.data.benchmark import BUILTIN_FILES
    from codemend.eval.report import _benchmark_files

    assert _benchmark_files("builtin:dev") == _benchmark_files(str(BUILTIN_FILES["dev"]))  # one benchmark, two names (review)
    split = tmp_path / "split"
    split.mkdir()
    (split / "metrics.json").write_text(json.dumps({"exact_match": 0.5}))
    assert main(["eval", "compare", str(first_run), str(split), "--out", str(tmp_path / "cmp3")]) == 1
    assert "not a benchmark run" in capsys.readouterr().err


def test_bad_benchmark_lines_are_named_and_skipped_and_the_run_goes_on(assets, tmp_path, caplog, capsys):
    good = (assets / "bench_small.jsonl").read_text().splitlines()
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([good[0], '{"id": ', '{"id": "x", "buggy_code": "y"}', good[0], good[1]]) + "\n")
    capsys.readouterr()
    # The report is written; the exit status says the scores cover part of the file.
    assert main(["-q", "eval", "--benchmark", str(bad), "--model", "none", "--out", str(tmp_path / "o")]) == 1
    assert "6 problem(s) in --benchmark" in (err := capsys.readouterr().err) and "the scores cover the 2 scored of the 2 usable item(s)" in err and (tmp_path / "o" / "report.md").is_file()
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert metrics["items"] == 2  # the two valid, distinct items ran
    skipped = " ".join(metrics["skipped_lines"])
    assert "bad.jsonl:2: invalid JSON" in skipped and "bad.jsonl:3: missing field" in skipped and "duplicate id" in skipped
    nothing = tmp_path / "nothing.jsonl"
    nothing.write_text('{"id": \n')
    assert main(["eval", "--benchmark", str(nothing), "--model", "none", "--out", str(tmp_path / "n")]) == 1
    bom = tmp_path / "bom.jsonl"  # a byte-order mark is not part of the first item (it was skipped as invalid JSON)
    bom.write_text("\ufeff" + good[0] + "\n", encoding="utf-8")
    assert main(["-q", "eval", "--benchmark", str(bom), "--model", "none", "--out", str(tmp_path / "b")]) == 0
    assert json.loads((tmp_path / "b" / "metrics.json").read_text())["skipped_lines"] == []


def test_each_item_runs_its_buggy_code_once_before_repair(assets, tmp_path, monkeypatch):
    """The runner's own check of the buggy code is the baseline repair uses (it was run twice)."""
    import importlib

    runner = importlib.import_module("codemend.eval.benchmark_runner")
    repair = importlib.import_module("codemend.inference.repair")  # the package exports a function of that name

    buggy = {json.loads(line)["buggy_code"] for line in open(assets / "bench_small.jsonl")}
    runs = []

    def spy(real):
        def run_tests(code, *args, **kwargs):
            if code in buggy:
                runs.append(code)
            return real(code, *args, **kwargs)
        return run_tests

    monkeypatch.setattr(runner, "run_tests", spy(runner.run_tests))
    monkeypatch.setattr(repair, "run_tests", spy(repair.run_tests))
    assert _run(assets, tmp_path / "once") == 0
    assert runs and len(runs) == len(set(runs))  # every buggy module checked, none twice


def test_items_without_a_reference_fix_count_for_plausibility_but_not_correctness(assets, tmp_path):
    rows = {row["id"]: row for row in map(json.loads, open(assets / "bench_small.jsonl"))}
    own = tmp_path / "own.jsonl"
    no_reference = {k: v for k, v in rows["max_index/swap"].items() if k not in ("fixed_code", "bug_line")}
    no_line = {k: v for k, v in rows["mean/binop"].items() if k != "bug_line"}
    own.write_text(json.dumps(no_reference) + "\n" + json.dumps(no_line) + "\n")
    assert main(["-q", "eval", "--benchmark", str(own), "--model", "none", "--out", str(tmp_path / "r")]) == 0
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert metrics["scored"] == 2 and metrics["with_reference"] == 1
    assert metrics["headline"]["plausible_validated"]["value"] == 1.0
    assert metrics["headline"]["correct@1_validated"]["value"] == 1.0  # of the one item that can be judged
    assert metrics["patch_outcomes"]["n"] == 1 and metrics["patch_outcomes"]["overfitting"] == 0
    assert metrics["per_bug_class"][no_reference["bug_type"]]["correct@1"] is None
    results = {r["id"]: r for r in map(json.loads, open(tmp_path / "r" / "results.jsonl"))}
    assert results["mean/binop"]["bug_line"] == rows["mean/binop"]["bug_line"]  # derived from fixed_code
    assert results["max_index/swap"]["bug_line"] is None and not results["max_index/swap"]["has_reference"]
    report = (tmp_path / "r" / "report.md").read_text()
    assert "read only the 1 of 2 items that give a reference fix (`fixed_code`)" in report and "| n/a |" in report


def test_the_wide_space_is_not_searched_after_a_hanging_original_as_fix_does(tmp_path):
    # No ranked edit ends the loop; each of the wide space's edits could cost the time limit.
    buggy = "def drain(queue):\n    out = []\n    while queue:\n        out.append(queue[0])\n    return out\n"
    item = {"id": "drain/pop", "buggy_code": buggy, "fixed_code": buggy.replace("queue[0]", "queue.pop(0)"),
            "test_code": "assert drain([1, 2]) == [1, 2]\n", "bug_type": "missing function call", "entry_point": "drain",
            "timeout_s": 2.0}
    bench = tmp_path / "bench.jsonl"
    bench.write_text(json.dumps(item) + "\n")
    out = tmp_path / "run"
    assert main(["-q", "eval", "--benchmark", str(bench), "--model", "none", "--out", str(out), "--wide", "200",
                 "--n", "1", "--validate_top", "1"]) == 0
    row = json.loads((out / "results.jsonl").read_text())
    assert row["state"] == "scored" and row["ranked"] == 1
    assert len(row["candidates"]) == 1 and row["candidates"][0]["status"] != "passed"
