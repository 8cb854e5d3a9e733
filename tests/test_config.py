"""Config precedence (defaults < YAML < CLI), unknown keys, collected problems, shipped YAML files."""

import os
import re
from pathlib import Path

import pytest

from codemend.config import (
    CONFIG_KINDS,
    ConfigError,
    DataConfig,
    EvalConfig,
    ModelConfig,
    TrainRecipeConfig,
    field_docs,
    flat_fields,
    load_config,
    save_run_metadata,
    to_yaml,
)

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path, text, name="c.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_defaults_then_yaml_then_cli(tmp_path):
    path = write(tmp_path, f"data: {tmp_path}\nseed: 3\ntrain:\n  lr: 0.002\n  batch_size: 8\n")
    config = load_config(TrainRecipeConfig, path, {"train.lr": "3e-4"})
    assert config.train.lr == pytest.approx(3e-4)  # CLI beats YAML
    assert config.train.batch_size == 8  # YAML beats default
    assert config.seed == 3
    assert config.train.max_steps == TrainRecipeConfig().train.max_steps  # untouched default


def test_unknown_key_names_the_closest_valid_key(tmp_path):
    path = write(tmp_path, "train:\n  learning_rat: 0.1\n")
    with pytest.raises(ConfigError) as err:
        load_config(TrainRecipeConfig, path)
    assert "unknown key `train.learning_rat`" in str(err.value)
    with pytest.raises(ConfigError) as err:
        load_config(DataConfig, None, {"mutants_per_functon": "2"})
    assert "did you mean `mutants_per_function`" in str(err.value)
    with pytest.raises(ConfigError) as err:  # compared with the shared `model.` it was nearest `model.lora` (QA)
        load_config(TrainRecipeConfig, write(tmp_path, "model:\n  dmodel: 64\n"))
    assert "unknown key `model.dmodel`; did you mean `model.d_model`?" in str(err.value)


def test_all_problems_are_collected_and_raised_once(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(TrainRecipeConfig, None, {"data": str(tmp_path), "train.lr": "fast", "train.batch_size": "0.5", "model.arch": "rnn", "bogus": "1"})
    problems = err.value.problems
    assert len(problems) == 4
    text = str(err.value)
    assert "--train.lr 'fast'" in text and "--model.arch 'rnn': choose one of seq2seq, causal" in text


def test_semantic_validation_names_the_flag(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(TrainRecipeConfig, None, {"data": str(tmp_path / "missing"), "train.lr": "-1", "model.d_model": "130"})
    text = str(err.value)
    assert "--train.lr -1.0" in text and "--model.d_model 130" in text and "codemend data build" in text


def test_a_test_command_a_shell_could_not_split_is_a_config_problem():
    from codemend.config import FixConfig

    with pytest.raises(ConfigError, match="--test_cmd \"pytest 'tests\": No closing quotation; quote it as a shell would"):
        load_config(FixConfig, None, {"test_cmd": "pytest 'tests"})
    with pytest.raises(ConfigError, match="no command after the NAME=value assignments"):
        load_config(FixConfig, None, {"test_cmd": "PYTHONPATH=src"})
    assert load_config(FixConfig, None, {"test_cmd": "PYTHONPATH=src pytest -q 'tests/test a.py'"}).test_cmd
    # Run without a shell, `&&` reached pytest as a file name ("ERROR: file or directory not found: &&").
    for command, operator in (("pytest -q tests && echo done", "&&"), ("pytest tests | tee log", "|"), ("pytest >log", ">log")):
        with pytest.raises(ConfigError, match=f"`{re.escape(operator)}` is a shell operator, but the command runs without a shell"):
            load_config(FixConfig, None, {"test_cmd": command})
    assert load_config(FixConfig, None, {"test_cmd": "pytest -k 'a and not b' '-m' 'x or y'"}).test_cmd  # quoted: arguments


def test_negative_counts_are_named_in_one_problem(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(TrainRecipeConfig, None, {"data": str(tmp_path), "train.eval_loss_samples": "-1", "train.workers": "-2"})
    assert "--train.eval_loss_samples, --train.workers: must not be negative" in str(err.value)


def test_model_sizes_and_train_numbers_out_of_range_are_config_problems(tmp_path):
    # n_heads 0 raised ZeroDivisionError in validate; n_layers 0 trained a layerless model; d_ff -4, n_layers -1 and
    # threads -2 failed in torch or transformers after the data loaded; weight_decay -1 and seed -1 passed (QA).
    overrides = {"data": str(tmp_path), "model.n_heads": "0", "model.n_layers": "0", "model.d_ff": "-4", "model.d_model": "0",
                 "train.threads": "-2", "train.weight_decay": "-1", "seed": "-1"}
    with pytest.raises(ConfigError) as err:
        load_config(TrainRecipeConfig, None, overrides)
    text = str(err.value)
    for flag in ("--model.n_heads 0", "--model.n_layers 0", "--model.d_ff -4", "--model.d_model 0", "--train.threads -2",
                 "--train.weight_decay -1.0", "--seed -1"):
        assert flag in text
    assert "--train.threads -2: must be 0 (torch decides) or positive" in text
    assert "ZeroDivisionError" not in text and "divisible" not in text  # one problem per field, no knock-on noise
    # A Llama head of odd width cannot be rotated (RoPE pairs its halves): torch failed at the first forward pass.
    with pytest.raises(ConfigError, match="--model.d_model 6 / --model.n_heads 2: a causal model's head width"):
        load_config(TrainRecipeConfig, None, {"data": str(tmp_path), "model.arch": "causal", "model.d_model": "6", "model.n_heads": "2"})
    seq2seq = load_config(TrainRecipeConfig, None, {"data": str(tmp_path), "model.arch": "seq2seq", "model.d_model": "6", "model.n_heads": "2"})
    assert (seq2seq.model.d_model, seq2seq.model.n_heads) == (6, 2)  # T5 has no rotary embedding: an odd head width is fine
    # A base brings its own sizes: the from-scratch fields are not read, so not checked.
    assert not ModelConfig(base="some/base", n_heads=0, n_layers=0).validate()


def test_malformed_yaml_is_one_clear_problem(tmp_path):
    path = write(tmp_path, "train:\n  lr: [1, 2\n")
    with pytest.raises(ConfigError) as err:
        load_config(TrainRecipeConfig, path)
    assert "malformed YAML at line" in str(err.value)
    with pytest.raises(ConfigError, match="no such file"):
        load_config(TrainRecipeConfig, str(tmp_path / "nope.yaml"))
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(TrainRecipeConfig, write(tmp_path, "- a\n- b\n", "list.yaml"))


def test_types_are_coerced_from_cli_strings():
    config = load_config(DataConfig, None, {"overwrite": "true", "operators": ["swap_comparison", "toggle_not"], "max_functions": "10", "test_fraction": "0.2"})
    assert config.overwrite is True and config.operators == ["swap_comparison", "toggle_not"] and config.max_functions == 10
    assert config.test_fraction == pytest.approx(0.2)
    with pytest.raises(ConfigError, match="expected a whole number"):
        load_config(EvalConfig, None, {"limit": "1.5"})


def test_every_field_is_documented():
    for config_class in CONFIG_KINDS.values():
        for name, _, _, doc in flat_fields(config_class):
            assert doc, f"{config_class.__name__}.{name} has no docstring (it is the --help text)"
    assert "Peak learning rate" in field_docs(TrainRecipeConfig.__dataclass_fields__["train"].default_factory().__class__)["lr"]


SHIPPED = sorted((REPO / "configs").rglob("*.yaml"))


def test_configs_folder_is_not_empty():
    assert len(SHIPPED) >= 4


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(REPO)))
def test_every_shipped_config_loads_and_validates(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#"), "each YAML starts with a comment saying what it is for and how to run it"
    assert "codemend " in text.split("\n\n")[0], "the header comment names the command that uses it"
    # Configs may point at folders that only exist after earlier steps (runs/data): keys, types and
    # values are checked here, as `codemend validate` does.
    load_config(CONFIG_KINDS[path.parent.name], str(path), check_paths=False)


def test_git_sha_names_the_commit_and_says_when_the_code_differs_from_it(tmp_path):
    import subprocess

    from codemend.config import git_sha

    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "mod.py").write_text("x = 1\n")
    (repo / "notes.md").write_text("outside the package\n")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    assert git_sha(repo / "pkg") == head
    (repo / "notes.md").write_text("changed, but not the package\n")
    assert git_sha(repo / "pkg") == head
    (repo / "pkg" / "new.py").write_text("y = 2\n")  # a new module is code the commit does not have
    added = git_sha(repo / "pkg")
    assert added.startswith(head + "+dirty.") and git_sha(repo / "pkg") == added  # the same tree, the same name
    (repo / "pkg" / "new.py").unlink()
    (repo / "pkg" / "mod.py").write_text("x = 2\n")
    edited = git_sha(repo / "pkg")
    assert edited.startswith(head + "+dirty.") and edited != added
    (repo / "pkg" / "mod.py").write_text("x = 3\n")  # edited otherwise: another name, so no run passes for the other's
    assert git_sha(repo / "pkg") not in (edited, added, head)
    (repo / "pkg" / "mod.py").write_text("x = 1\n")
    assert git_sha(repo / "pkg") == head
    assert git_sha(tmp_path / "elsewhere") == "unknown"


def test_output_folder_saves_resolved_config_and_metadata(tmp_path, monkeypatch):
    import json

    import yaml

    config = load_config(EvalConfig, None, {"limit": "7"}, check_paths=False)  # runs/model, runs/data: not built here
    save_run_metadata(config, tmp_path / "out")
    saved = yaml.safe_load((tmp_path / "out" / "config.yaml").read_text())
    assert saved["limit"] == 7
    meta = json.loads((tmp_path / "out" / "meta.json").read_text())
    assert meta["codemend_version"] and meta["git_sha"] and meta["config_class"] == "EvalConfig"
    # Relative paths (--model runs/model) are kept as typed, with the folder they start from.
    assert saved["model"] == "runs/model" and meta["cwd"] == os.getcwd()
    assert f"# Relative paths in it are from {json.dumps(os.getcwd())}" in (tmp_path / "out" / "config.yaml").read_text()
    # The saved config loads back to the same config, whatever the folder's name holds.
    assert load_config(EvalConfig, str(tmp_path / "out" / "config.yaml"), check_paths=False) == config
    odd = tmp_path / "a\nlimit: 3"
    odd.mkdir()
    monkeypatch.chdir(odd)
    save_run_metadata(config, tmp_path / "odd")
    assert load_config(EvalConfig, str(tmp_path / "odd" / "config.yaml"), check_paths=False) == config
    assert json.loads((tmp_path / "odd" / "meta.json").read_text())["cwd"] == str(odd)


def test_fix_and_explain_share_their_repair_options_and_help():
    from codemend.config import ExplainConfig, FixConfig, field_docs

    assert load_config(ExplainConfig, None, {"n": 0}).n == 0  # explain without beams, as fix allows
    assert field_docs(FixConfig)["model"] == field_docs(ExplainConfig)["model"] != ""
    assert field_docs(ExplainConfig)["top"] == "Suggestions shown per function."  # a redeclared field keeps its own help
    assert field_docs(FixConfig)["top"] == "How many suggestions to print."
    with pytest.raises(ConfigError, match="--timeout must be positive"):
        load_config(ExplainConfig, None, {"timeout": 0})


def test_operator_names_lora_without_a_base_and_an_out_holding_the_data_are_config_problems(tmp_path):
    from codemend.data.validated import ValidatedDataConfig

    with pytest.raises(ConfigError) as err:
        load_config(DataConfig, None, {"operators": ["swap_comparisn", "nope"]})
    assert err.value.problems == ["--operators swap_comparisn: no such bug operator; did you mean swap_comparison, swap_operands?",
                                  "--operators nope: no such bug operator; `codemend data operators` lists them"]
    with pytest.raises(ConfigError, match="--operators nope: no such bug operator"):
        load_config(ValidatedDataConfig, None, {"repo": str(tmp_path), "operators": ["nope"]})
    assert load_config(DataConfig, None, {"operators": ["swap_comparison"]}).operators == ["swap_comparison"]

    with pytest.raises(ConfigError) as err:
        load_config(TrainRecipeConfig, None, {"data": str(tmp_path), "out": f"{tmp_path}/", "model.lora": "true"})
    assert {problem.split(":")[0] for problem in err.value.problems} == {
        f"--out {tmp_path}/ is the dataset folder --data {tmp_path} or holds it", "--model.lora true needs --model.base"}
    (tmp_path / "data").mkdir()
    with pytest.raises(ConfigError, match="is the dataset folder --data .* or holds it"):
        load_config(TrainRecipeConfig, None, {"data": str(tmp_path / "data"), "out": str(tmp_path)})
    assert load_config(TrainRecipeConfig, None, {"data": str(tmp_path / "data"), "out": str(tmp_path / "data-model")}).out
    assert load_config(TrainRecipeConfig, None, {"data": str(tmp_path / "data"), "out": str(tmp_path / "data" / "model")}).out



def test_eval_refuses_an_out_that_holds_a_dataset_or_a_checkpoint(tmp_path):
    model, data, earlier = tmp_path / "model", tmp_path / "data", tmp_path / "eval"
    save_run_metadata(TrainRecipeConfig(data=str(data)), model)
    save_run_metadata(DataConfig(), data)
    save_run_metadata(EvalConfig(), earlier)
    (data / "meta.json").unlink()  # an older folder: config.yaml alone says what wrote it
    for out, kind in ((model, "a model checkpoint"), (data, "a dataset")):
        with pytest.raises(ConfigError, match=f"--out {out} holds {kind}: its config.yaml and meta.json would be replaced"):
            load_config(EvalConfig, None, {"benchmark": "builtin", "model": "none", "out": str(out)})
    assert load_config(EvalConfig, None, {"benchmark": "builtin", "model": "none", "out": str(earlier)}).out == str(earlier)
    assert load_config(EvalConfig, None, {"benchmark": "builtin", "model": "none", "out": str(tmp_path / "new")}).out


def test_eval_names_each_flag_at_fault(tmp_path):
    """QA: `--n 0` was told "--limit must be >= 0 ...", `--naturalness_weight nan` ran, `--model none` on a split was
    told to train a model into a folder named none."""
    with pytest.raises(ConfigError) as caught:
        load_config(EvalConfig, None, {"benchmark": "builtin", "model": "none", "n": 0, "workers": -1, "out": str(tmp_path / "o")})
    assert "--n 0: must be >= 1" in str(caught.value) and "--workers -1: must be >= 1" in str(caught.value)
    assert "--limit" not in str(caught.value)
    with pytest.raises(ConfigError, match="--naturalness_weight nan"):
        load_config(EvalConfig, None, {"naturalness_weight": float("nan"), "out": str(tmp_path / "o")})
    with pytest.raises(ConfigError, match="--model none: only with --benchmark") as caught:
        load_config(EvalConfig, None, {"model": "none", "data": str(tmp_path), "out": str(tmp_path / "o")})
    assert "codemend train --out none" not in str(caught.value)


def test_eval_refuses_an_out_folder_of_the_users_own_files(tmp_path):
    # `eval --out proj` wrote its reports into a git project, and replaced a user's own config.yaml and
    # report.md; an earlier eval's folder, an empty one or a new one are fine.
    from codemend.config import EvalConfig, foreign_output_problems, save_run_metadata

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "config.yaml").write_text("my: settings\n")
    (mine / "report.md").write_text("# My report\n")
    (problem,) = foreign_output_problems(str(mine), EvalConfig)
    assert f"--out {mine} holds files that codemend did not write (config.yaml, report.md)" in problem
    (tmp_path / "empty").mkdir()
    earlier = tmp_path / "earlier"
    save_run_metadata(EvalConfig(out=str(earlier)), earlier)
    assert foreign_output_problems(str(tmp_path / "empty"), EvalConfig) == foreign_output_problems(str(earlier), EvalConfig) == []
    assert foreign_output_problems(str(tmp_path / "new"), EvalConfig) == []


def test_hints_for_a_folder_of_other_files_do_not_say_to_write_into_it(tmp_path):
    # `eval --data proj` said to build a dataset with `data build --out proj`, `--model data` to train
    # with `train --out data`: into a user's project or dataset. They name what is wanted instead.
    from codemend.config import EvalConfig, ImportConfig

    project = tmp_path / "proj"
    project.mkdir()
    (project / "mod.py").write_text("x = 1\n")
    problems = " ".join(EvalConfig(model=str(project), data=str(project), out=str(tmp_path / "o")).missing_paths())
    assert "--out {0}".format(project) not in problems and "`codemend train --out" not in problems
    assert "give the --out of `codemend data build`" in problems and "pass --model with a folder written by `codemend train`" in problems
    problems = " ".join(EvalConfig(model=str(tmp_path / "m"), data=str(tmp_path / "d"), out=str(tmp_path / "o")).missing_paths())
    assert f"codemend data build --out {tmp_path / 'd'}" in problems and f"codemend train --out {tmp_path / 'm'}" in problems
    assert ImportConfig(file=str(project)).missing_paths() == [f"FILE {project}: is a folder; give the file of pairs"]


def test_a_base_runs_config_neither_takes_nor_shows_the_from_scratch_sizes(tmp_path, capsys):
    import yaml

    from codemend.training import resume

    data = tmp_path / "data"
    data.mkdir()
    from codemend.cli import main

    base = tmp_path / "base"
    base.mkdir()
    (base / "config.json").write_text('{"model_type": "llama", "is_encoder_decoder": false}')
    flags = ["train", "--config", str(REPO / "configs/train/causal-tiny.yaml"), "--data", str(data), "--model.base", str(base)]
    assert main(flags + ["--model.d_model", "256", "--model.d_ff", "1024", "--out", str(tmp_path / "m")]) == 2
    assert "--model.d_model, --model.d_ff: from scratch only, not read with --model.base (the base brings its own sizes); drop them" in (
        capsys.readouterr().err)
    assert not (tmp_path / "m.partial").exists()
    config = load_config(TrainRecipeConfig, None, {"data": str(data), "model.base": "runs/base", "model.lora": "true"}, check_paths=False)
    save_run_metadata(config, tmp_path / "out")
    saved = yaml.safe_load((tmp_path / "out" / "config.yaml").read_text())
    assert saved["model"]["base"] == "runs/base" and not set(ModelConfig.SCRATCH_ONLY) & set(saved["model"])
    assert load_config(TrainRecipeConfig, str(tmp_path / "out" / "config.yaml"), check_paths=False) == config
    scratch = load_config(TrainRecipeConfig, None, {"data": str(data)}, check_paths=False)
    assert yaml.safe_load(to_yaml(scratch))["model"]["d_model"] == scratch.model.d_model  # from scratch: shown
    # A run started before, whose config.yaml shows them, still resumes.
    saved["model"]["d_model"] = 128
    (tmp_path / "out" / "config.yaml").write_text(yaml.safe_dump(saved))
    resume.check_same_config(tmp_path / "out", config)


def test_yaml_values_that_read_as_something_else_are_problems_not_folders(tmp_path, monkeypatch):
    """A QA pass: `out: null` wrote the dataset into ./None, `out: ~/x` into ./~/x, a second `model:` section
    replaced the first, `on:` crashed difflib, and `nan` passed every check to fail deep inside."""
    monkeypatch.setenv("HOME", str(tmp_path))
    config = load_config(DataConfig, write(tmp_path, "out: ~/data\nsource: [~/src]\nbenchmark: ''\n"), check_paths=False)
    assert (config.out, config.source, config.benchmark) == (f"{tmp_path}/data", [f"{tmp_path}/src"], [])
    with pytest.raises(ConfigError) as err:
        load_config(DataConfig, write(tmp_path, "out: null\nseed:\n"), check_paths=False)
    assert [p.split(":")[0] for p in err.value.problems] == ["--out", "--seed"] and "no value given" in str(err.value)
    from codemend.config import read_yaml

    problems = []  # YAML's merge key, and a key it brings overridden, are no repeat
    merged = read_yaml(write(tmp_path, "base: &b\n  lr: 0.001\n  batch_size: 4\ntrain:\n  <<: *b\n  lr: 0.002\n"), problems)
    assert merged["train"] == {"lr": 0.002, "batch_size": 4} and problems == []
    with pytest.raises(ConfigError, match=r"line 3, column 1: key 'model' given twice"):
        load_config(TrainRecipeConfig, write(tmp_path, "model: {d_model: 64}\ntrain: {lr: 0.001}\nmodel: {n_layers: 3}\n"), check_paths=False)
    with pytest.raises(ConfigError, match="is not a name but a bool"):
        load_config(TrainRecipeConfig, write(tmp_path, "on: 1\n"), check_paths=False)
    with pytest.raises(ConfigError) as err:
        load_config(TrainRecipeConfig, overrides={"train.lr": "nan", "train.grad_clip": "inf"}, check_paths=False)
    assert len(err.value.problems) == 2 and all("expected a finite number" in p for p in err.value.problems)


def test_a_named_base_under_the_wrong_family_is_a_config_problem(tmp_path):
    with pytest.raises(ConfigError, match="--model.base smollm2-135m is a causal model and --model.arch is seq2seq: pass --model.arch causal"):
        load_config(TrainRecipeConfig, overrides={"data": str(tmp_path), "model.base": "smollm2-135m", "model.lora": "true"})
    missing = load_config(TrainRecipeConfig, overrides={"model.base": "smollm2-135m", "model.arch": "causal", "model.lora": "true",
                                                        "model.lora_init": str(tmp_path / "none")}, check_paths=False)
    assert any("--model.lora_init" in problem and "no adapter_config.json" in problem for problem in missing.missing_paths())
