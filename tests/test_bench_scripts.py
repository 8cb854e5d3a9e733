"""bench/ scripts against the current API, each at the smallest size that runs all its code paths: a
benchmark is run by hand, rarely, and an API change broke one silently before (fix_project.py, which
has its own test, as do missing_lines.py and device_kit.py). These check that each runs to its table;
the numbers are the benchmarks' business."""

import json
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.sandbox
def test_sandbox_throughput_times_every_runner_and_their_verdicts_agree(bench_script, capsys):
    bench = bench_script("sandbox_throughput")
    assert bench.main(["--n", "8", "--workers", "1", "--skip-fresh"]) == 0
    out = capsys.readouterr().out
    assert "| SandboxPool.map_tests" in out and "ratio SandboxPool / human-eval baseline" in out
    assert "pass/fail verdicts identical across runners: True" in out and "passed: 4 of 8" in out


def test_data_build_times_parsing_and_the_build_of_a_small_corpus(bench_script, assets, tmp_path, capsys):
    bench = bench_script("data_build")
    assert bench.main(["--source", str(assets / "corpus"), "--workers", "1", "--out", str(tmp_path / "data")]) == 0
    out = capsys.readouterr().out
    assert "| codemend data build, 1 workers" in out and "ratio build / parse with 1 processes" in out
    assert (tmp_path / "data" / "train.jsonl").is_file()


def test_fix_latency_takes_its_items_across_the_programs(bench_script):
    from codemend.data.benchmark import load_benchmark

    items = load_benchmark("builtin:operator")
    picked = bench_script("fix_latency").spread(items, 30, seed=0)
    programs = {item.id.split("/")[1] for item in picked}
    assert len(picked) == 30 and len(programs) == 30  # the first 30 were 3 bugs of each of 10 programs
    assert [item.id for item in picked] == [item.id for item in bench_script("fix_latency").spread(items, 30, seed=0)]


@pytest.mark.slow  # ~1 min: without a model, the cold process with tests validates down a long ranking
@pytest.mark.sandbox
def test_fix_latency_without_a_model_prints_every_row(bench_script, monkeypatch, capsys):
    bench = bench_script("fix_latency")
    monkeypatch.setattr(sys, "argv", ["fix_latency.py", "--model", "none", "--items", "1", "--cold-items", "1"])
    bench.main()
    out = capsys.readouterr().out
    for row in ("repair, warm, no tests", "buggy function only", "repair, warm, with tests", "codemend fix, cold, no tests",
                "codemend fix, cold, with tests", "per item (warm, with tests): "):
        assert row in out, row


def test_tune_ranking_scores_a_split_and_writes_the_best_weight(bench_script, causal_model, tiny_dataset, tmp_path, monkeypatch, capsys):
    bench = bench_script("tune_ranking")
    model = tmp_path / "model"
    shutil.copytree(causal_model, model)  # --write changes the checkpoint: not the session's shared one
    monkeypatch.setattr(sys, "argv", ["tune_ranking.py", "--model", str(model), "--data", str(tiny_dataset), "--n", "3", "--write"])
    bench.main()
    out = capsys.readouterr().out
    best = float(out.split("best weight: ")[1].split()[0])
    assert "nat only" in out and "shortlist" in out
    assert json.loads((model / "codemend.json").read_text())["naturalness_weight"] == best


@pytest.mark.sandbox
def test_fix_folder_builds_its_package_and_the_folder_run_finds_the_fix(bench_script, tmp_path):
    # The per-module runs (the baseline, ~3 min without a model) take the same `fix` path six times more.
    bench = bench_script("fix_folder")
    bench.make_package(tmp_path, 2)
    seconds, suggestions = bench.fix(tmp_path, "pkg", "none")
    plausible = {bench.first_plausible([s]) for s in suggestions if s["validation"] == "plausible"}
    assert seconds > 0 and {"pkg/search.py:12 count", "pkg/stats.py:11 spread"} <= plausible, suggestions


def test_module_code_ranks_bugs_in_a_script_beside_function_bugs(bench_script, causal_model, tmp_path, monkeypatch, capsys):
    bench = bench_script("module_code")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "script.py").write_text("import sys\n\ntotal = 0\nfor arg in sys.argv[1:]:\n    total += int(arg)\nprint(total + 1)\n")
    row = {"buggy": "def f(x):\n    return x - 1\n", "fixed": "def f(x):\n    return x + 1\n", "file": "script.py", "function": "f", "context": ""}
    (tmp_path / "test.jsonl").write_text(json.dumps(row) + "\n")
    monkeypatch.setattr(sys, "argv", ["module_code.py", "--model", str(causal_model), "--data", str(tmp_path), "--root",
                                      str(tmp_path / "src"), "--split", "test", "--n", "1"])
    bench.main()
    out = capsys.readouterr().out
    assert "1 test files, 1 runs of module-level code, 1 bugs of each kind" in out
    assert "module-level code" in out and "functions (baseline)" in out and "module-level code / functions" in out


@pytest.mark.parametrize("arch, config", [("seq2seq", "configs/train/tiny.yaml"), ("causal", "configs/train/causal-tiny.yaml")])
def test_train_throughput_trains_both_runs_and_prints_their_ratio(bench_script, tiny_dataset, arch, config, capsys):
    bench = bench_script("train_throughput")
    root = Path(bench.__file__).resolve().parents[1]
    assert bench.main(["--arch", arch, "--config", str(root / config), "--data", str(tiny_dataset), "--steps", "3",
                       "--batch-size", "4", "--matmul-size", "64", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert f"model: {arch}" in out and "codemend: length-grouped order" in out and "baseline: Trainer" in out
    assert "real tokens/s, codemend / baseline: " in out
    assert "the runs read the same 12 rows: " in out and "DIFFER" not in out  # the same work, in another order
    assert "diagnostic: the plain Trainer on codemend's batches / codemend: " in out


@pytest.mark.slow  # ~30 s: two trainings and two evaluations, each a fresh `codemend` process
def test_format_ablation_trains_and_evaluates_both_formats(bench_script, tiny_dataset, tmp_path, monkeypatch, capsys):
    bench = bench_script("format_ablation")
    root = Path(bench.__file__).resolve().parents[1]
    monkeypatch.setattr(sys, "argv", ["format_ablation.py", "--data", str(tiny_dataset), "--config", str(root / "configs/train/tiny.yaml"),
                                      "--minutes", "0.2", "--steps", "4", "--limit", "2", "--out", str(tmp_path / "ablation")])
    bench.main()
    out = capsys.readouterr().out
    rows = [line.split()[0] for line in out.splitlines() if line.split()[:1] in (["edit"], ["function"])]
    assert rows == ["edit", "function"] and "decoding time, function / edit:" in out


def test_every_benchmark_says_when_where_and_how_it_ran(bench_script):
    """A results table is only worth its machine line: the date, the CPU's name (platform.processor() said only
    x86_64), its cores and load, torch's threads and GPU, and the command."""
    import re

    machine, command = bench_script("machine").lines()
    assert re.match(r"machine: \d{4}-\d\d-\d\d \d\d:\d\d UTC \| .+, \d+ cores \| load [\d.]+ [\d.]+ [\d.]+ \| .+ \| Python [\d.]+ \| ", machine)
    assert command.startswith("command: ")
    scripts = [path for path in (REPO / "bench").glob("*.py")
               if "argparse" in path.read_text() and path.name not in ("machine.py", "device_kit.py", "make_builtin_benchmark.py",
                                                                       "make_dev_handwritten.py", "make_handwritten_benchmark.py", "heldout.py")]
    assert scripts and all("machine.header()" in path.read_text() for path in scripts), [p.name for p in scripts if "machine.header()" not in p.read_text()]


def test_fix_folder_main_tables_the_folder_run_against_one_run_per_module(bench_script, monkeypatch, capsys):
    # The real runs take ~3 min without a model (the folder run is tested for real above); here `fix` reports
    # fixed times and fixes, so that the table's sums, ratio and fix lists can be checked exactly.
    bench = bench_script("fix_folder")
    runs = []

    def fix(root, target, model):
        runs.append((target, model, (root / "pkg" / "search.py").read_text(), (root / "pkg" / "stats.py").read_text()))
        found = {"pkg": [("search.py", 12, "count"), ("stats.py", 11, "spread"), ("search.py", 12, "count")],
                 "pkg/search.py": [("search.py", 12, "count")], "pkg/stats.py": [("stats.py", 11, "spread")]}.get(target, [])
        suggestions = [{"file": f"pkg/{file}", "line": line, "function": function, "validation": "plausible"} for file, line, function in found]
        return (2.0 if target == "pkg" else 1.5), [{"file": "pkg/text.py", "line": 2, "function": "shout", "validation": "failing"}] + suggestions

    monkeypatch.setattr(bench, "fix", fix)
    monkeypatch.setattr(sys, "argv", ["fix_folder.py", "--model", "none", "--bugs", "2"])
    bench.main()
    out = capsys.readouterr().out
    assert [target for target, *_ in runs] == ["pkg"] + [f"pkg/{name}.py" for name in bench.MODULES]
    assert all(model == "none" for _, model, *_ in runs)
    assert all("n -= 1" in search and "return hi + lo" in stats for *_, search, stats in runs)  # both bugs, before the first run
    assert out.startswith("machine: ") and "model none; 2 bug(s); test command: python -m pytest -q tests" in out
    assert "folder (codemend fix pkg)                2.0  ['pkg/search.py:12 count', 'pkg/stats.py:11 spread']" in out
    assert "one run per module (6 runs)              9.0  ['pkg/search.py:12 count', 'pkg/stats.py:11 spread']" in out
    assert "per-module runs / folder run: 4.5x" in out


def test_fix_folder_main_says_why_it_stops_on_a_missing_model_or_a_third_bug(bench_script, tmp_path, scratch_dir, monkeypatch, capsys):
    bench = bench_script("fix_folder")
    missing = tmp_path / "no-model"
    monkeypatch.setattr(sys, "argv", ["fix_folder.py", "--model", str(missing)])
    with pytest.raises(SystemExit, match=rf"codemend fix pkg failed \(1\): .*model folder {missing} does not exist"):
        bench.main()
    assert list(scratch_dir.iterdir()) == []  # the scratch package goes with the error
    monkeypatch.setattr(sys, "argv", ["fix_folder.py", "--bugs", "3"])
    with pytest.raises(SystemExit) as exit_:
        bench.main()
    assert exit_.value.code == 2 and "argument --bugs: invalid choice: 3 (choose from 1, 2)" in capsys.readouterr().err


CLAMP = ("def clamp(x, lo, hi):\n    if x < lo:\n        return lo\n    if x > hi:\n        return hi\n    return x\n\n\n"
         "# --- tests ---\nassert clamp(5, 0, 10) == 5\nassert clamp(-1, 0, 10) == 0\nassert clamp(11, 0, 10) == 10\n"
         "assert clamp(0, 0, 10) == 0\nassert clamp(10, 0, 10) == 10\n")


def test_the_dev_set_holds_every_dev_program_but_those_written_for_hand_written_bugs(bench_script):
    """A dev program added without a choice (into builtin:dev, or HANDWRITTEN_ONLY) made `--part dev --check` differ."""
    from codemend.data.benchmark import DEV_PROGRAMS_DIR, list_programs, load_benchmark

    bench = bench_script("make_builtin_benchmark")
    assert {item.id.split("/")[1] for item in load_benchmark("builtin:dev")} == set(bench.part_programs("dev"))
    assert bench.HANDWRITTEN_ONLY < set(list_programs(DEV_PROGRAMS_DIR))  # no name of a program that is not there
    assert bench.part_programs("operator") == list_programs()


@pytest.mark.sandbox
def test_make_builtin_benchmark_check_compares_a_fresh_build_and_writes_nothing(bench_script, tmp_path, scratch_dir, monkeypatch, capsys):
    bench = bench_script("make_builtin_benchmark")
    programs = tmp_path / "programs"
    programs.mkdir()
    (programs / "clamp.py").write_text(CLAMP)
    # One small program instead of the dev set's 56 (minutes of sandbox runs); --out keeps codemend/data/ untouched.
    monkeypatch.setitem(bench.PARTS, "dev", (programs, "dev"))
    items = tmp_path / "items.jsonl"
    argv = ["--part", "dev", "--per_program", "2", "--out", str(items)]

    assert bench.main(argv + ["--check"]) == 1
    out, err = capsys.readouterr()
    assert f"error: --check: {items} does not exist; run without --check to write it" in err
    assert "built in" not in out and not items.exists()  # said before the build, and nothing written

    assert bench.main(argv) == 0
    assert f"wrote {items}: 2 items" in capsys.readouterr().out
    rows = [json.loads(line) for line in items.read_text().splitlines()]
    assert [row["id"].rsplit("/", 1)[0] for row in rows] == ["dev/clamp", "dev/clamp"] and rows[0]["fixed_code"].startswith("def clamp")

    assert bench.main(argv + ["--check"]) == 0
    out = capsys.readouterr().out
    assert "operator items (seed 0): 2 items on 1 programs" in out and f"{items}: up to date" in out

    stale = items.read_text().splitlines(keepends=True)[0]
    items.write_text(stale)
    assert bench.main(argv + ["--check"]) == 1
    out = capsys.readouterr().out
    assert f"{items}: DIFFERS from a fresh build\n  {rows[1]['id']}: only in the fresh build\n" in out
    assert items.read_text() == stale


def test_make_builtin_benchmark_check_names_what_differs(bench_script, capsys):
    bench = bench_script("make_builtin_benchmark")
    a, b = {"id": "op/p/x", "buggy_code": "1"}, {"id": "op/p/y", "buggy_code": "2"}
    assert bench.differences([a, b], [a, b]) == []
    assert bench.differences([a, b], [b, a]) == [("", "the same items in another order")]
    assert bench.differences([a, b], [a, {**b, "buggy_code": "3", "note": "n"}]) == [("op/p/y", "buggy_code, note differ")]
    assert bench.differences([a], [b]) == [("op/p/x", "only in the file"), ("op/p/y", "only in the fresh build")]
    assert bench.differences([a], [a, a]) == [("", "1 rows in the file, 2 built: an id given twice")]

    drift = sorted(bench.KNOWN_DRIFT)[0]
    assert bench.report_check(Path("f.jsonl"), [(drift, "buggy_code differ")]) == 0
    assert capsys.readouterr().out == f"f.jsonl: up to date (but for 1 known item(s), KNOWN_DRIFT)\n  {drift}: buggy_code differ (known)\n"
    assert bench.report_check(Path("f.jsonl"), [(drift, "buggy_code differ"), ("op/p/y", "only in the file")]) == 1
    assert "f.jsonl: DIFFERS from a fresh build (but for 1 known item(s), KNOWN_DRIFT)\n" in capsys.readouterr().out


def test_train_throughput_tells_runs_apart_by_the_rows_they_read(bench_script):
    """The same rows in other batches, padded on either side, are the same work; a row swapped for one of the
    same length is not (a total of tokens would not tell)."""
    import torch

    bench = bench_script("train_throughput")
    runs = [bench.TokenCounter() for _ in range(3)]
    runs[0].rows.update(bench.real_rows(torch.tensor([[5, 6, 7], [8, 9, 0]]), torch.tensor([[1, 1, 1], [1, 1, 0]])))
    runs[1].rows.update(bench.real_rows(torch.tensor([[0, 8, 9]]), torch.tensor([[0, 1, 1]])))  # padded on the left
    runs[1].rows.update(bench.real_rows(torch.tensor([[5, 6, 7]]), torch.tensor([[1, 1, 1]])))
    runs[2].rows.update(bench.real_rows(torch.tensor([[5, 6, 7], [8, 4, 0]]), torch.tensor([[1, 1, 1], [1, 1, 0]])))
    assert bench.same_work(runs[:2]) == ""
    assert bench.same_work(runs) == "run 1 read 1 row(s) run 3 did not, run 3 1 run 1 did not"


def test_train_throughput_counts_the_targets_behind_shifted_decoder_inputs(bench_script):
    """codemend's trainer hands the model decoder inputs, not labels: their count must be the labels' own."""
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    bench = bench_script("train_throughput")
    model = T5ForConditionalGeneration(T5Config(vocab_size=16, d_model=8, d_kv=4, d_ff=8, num_layers=1, num_heads=2,
                                                pad_token_id=0, eos_token_id=1, decoder_start_token_id=0))
    labels = torch.tensor([[5, 6, 7, 1], [5, 1, -100, -100], [5, 6, 1, -100]])  # full width, short, one short of full
    shifted = model.prepare_decoder_input_ids_from_labels(labels=labels)  # what codemend's trainer passes
    assert bench.decoder_tokens(shifted, model.config) == int((labels != -100).sum()) == 9
    bench.check_countable(model)
    model.config.pad_token_id = 1  # a base whose tokenizer had no pad: padding would pass for EOS
    with pytest.raises(SystemExit, match="pad token is its EOS token"):
        bench.check_countable(model)
