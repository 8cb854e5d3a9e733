"""The command line: every subcommand has --help with examples, errors are one clear line."""

import argparse
import json
import subprocess
import sys

import pytest

from codemend.cli import build_parser, main


def _subcommands(parser, prefix=()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _subcommands(sub, prefix + (name,))
            return
    yield prefix


SUBCOMMANDS = list(_subcommands(build_parser()))


def test_all_expected_subcommands_exist():
    assert {("data", "build"), ("data", "mine"), ("data", "import"), ("data", "export"), ("data", "benchmark"), ("data", "operators"), ("train",), ("eval",), ("fix",), ("explain",), ("validate",)} <= set(SUBCOMMANDS)


@pytest.mark.parametrize("words", SUBCOMMANDS, ids=" ".join)
def test_every_subcommand_has_help_with_examples(words, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*words, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"codemend {' '.join(words)}" in out


def test_help_is_fast_because_heavy_libraries_are_not_imported():
    code = "import sys, codemend.cli as c; c.build_parser(); print(sorted(m for m in ('torch', 'transformers', 'datasets', 'peft', 'trl') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_python_dash_m_entry_point():
    out = subprocess.run([sys.executable, "-m", "codemend", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("codemend ")


def test_inference_commands_exit_quickly_with_their_output_and_exit_code_intact(tmp_path):
    """`fix` and `explain` end with os._exit after flushing and running the exit handlers: the whole
    JSON report must still arrive, and a failure must keep its exit status and message."""
    source = tmp_path / "buggy.py"
    source.write_text("def total(xs):\n    s = 0\n    for x in xs:\n        s -= x\n    return s\n")
    run = [sys.executable, "-m", "codemend", "-q", "fix", str(source), "--model", "none", "--format", "json"]
    done = subprocess.run(run, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["suggestions"] and all(s["function"] == "total" for s in report["suggestions"])
    missing = subprocess.run([sys.executable, "-m", "codemend", "fix", str(tmp_path / "gone.py")], capture_output=True, text=True, check=False)
    assert missing.returncode == 1 and "gone.py" in missing.stderr and "Traceback" not in missing.stderr


QUICK_EXIT_SCRIPT = """
import atexit, sys
from codemend.cli import quick_exit
if sys.argv[1] == "no-private-api":
    del atexit._run_exitfuncs
atexit.register(lambda: open(sys.argv[2], "w").write("handler ran"))
print("unflushed output", end="")
quick_exit(3)
"""


@pytest.mark.parametrize("python", ["cpython", "no-private-api"])
def test_quick_exit_runs_the_exit_handlers_and_keeps_the_code(tmp_path, python):
    marker = tmp_path / "marker"
    done = subprocess.run([sys.executable, "-c", QUICK_EXIT_SCRIPT, python, str(marker)], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (3, "unflushed output", "")
    assert marker.read_text() == "handler ran"


def test_unknown_flag_is_reported_with_a_suggestion(tmp_path, capsys):
    code = main(["data", "build", "--out", str(tmp_path / "d"), "--mutant_per_function", "2"])
    assert code == 2
    err = capsys.readouterr().err
    assert "did you mean `mutants_per_function`" in err and "Traceback" not in err


def test_a_flag_of_the_other_data_build_says_which_build_it_belongs_to(tmp_path, capsys):
    assert main(["data", "build", "--source", str(tmp_path), "--include", "a.py", "--timeout", "30", "--out", str(tmp_path / "o")]) == 2
    assert "--include, --timeout: only for a build validated by tests: add --repo PROJECT" in capsys.readouterr().err
    assert main(["data", "build", "--repo", str(tmp_path), "--source", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "--source: only for a build from source trees, without --repo and --test_cmd" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_eval_flags_the_evaluation_would_not_read_are_refused(tmp_path, capsys):
    preds = tmp_path / "p.jsonl"
    preds.write_text('{"id": "x", "prediction": "x = 1"}\n')
    assert main(["eval", "--benchmark", "builtin:operator", "--predictions", str(preds), "--model", "runs/m", "--data", str(tmp_path),
                 "--split", "validation", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--data, --split: not read by this evaluation (they score a dataset split, not --benchmark)" in err
    assert "--model: not read with --predictions" in err
    (tmp_path / "test.jsonl").write_text("")
    assert main(["eval", "--model", "default", "--data", str(tmp_path), "--n", "3", "--wide", "5"]) == 2
    assert "--n, --wide: not read by this evaluation (they apply to --benchmark only)" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_an_unregistered_flag_keeps_all_its_values():
    from codemend.cli import overrides_from

    values = overrides_from(argparse.Namespace(out="o"), ["--timeout", "3", "--include", "a/*.py", "b.py", "c.py", "--overwrite", "--seed=2"])
    assert values == {"out": "o", "timeout": "3", "include": ["a/*.py", "b.py", "c.py"], "overwrite": "true", "seed": "2"}
    args = build_parser().parse_args(["data", "build", "--repo", "r", "--include", "pkg/*.py", "x.py", "--out", "o"])
    assert args.include == ["pkg/*.py", "x.py"]


def test_bad_values_are_all_reported_at_once(capsys, tmp_path):
    code = main(["train", "--data", str(tmp_path), "--train.lr", "-1", "--train.batch_size", "0", "--model.arch", "rnn"])
    assert code == 2
    err = capsys.readouterr().err
    assert "3 problem(s)" in err and "--train.lr" in err and "--train.batch_size" in err and "--model.arch" in err


def test_validate_command(tmp_path, capsys):
    good = tmp_path / "eval" / "ok.yaml"
    good.parent.mkdir()
    good.write_text("# ok\nlimit: 5\n")
    assert main(["validate", str(good)]) == 0
    bad = tmp_path / "eval" / "bad.yaml"
    bad.write_text("limt: 5\nnum_beams: zero\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "did you mean `limit`" in err and "--num_beams 'zero'" in err
    assert main(["validate", str(tmp_path / "eval" / "ok.yaml"), "--kind", "fix"]) == 2  # limit is not a fix key


def test_nonexistent_paths_get_one_line_errors(tmp_path, capsys):
    assert main(["data", "build", "--source", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert main(["fix", str(tmp_path / "missing.py"), "--model", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    # Both of eval's inputs are checked with its configuration: one run names both.
    assert main(["eval", "--model", str(tmp_path / "m"), "--data", str(tmp_path / "d")]) == 2
    both = capsys.readouterr().err
    assert f"--model: model folder {tmp_path / 'm'} does not exist" in both and f"--data {tmp_path / 'd'}: no test.jsonl" in both
    assert "no such file or folder" in err and "missing.py: no such file" in err and "Traceback" not in err


def test_validate_tells_a_config_outside_configs_by_its_keys_and_says_malformed_yaml(tmp_path, capsys):
    # Outside configs/KIND/ every file was "cannot tell which command": a train config by its keys, and a
    # YAML syntax error hidden behind it.
    train = tmp_path / "mine.yaml"
    train.write_text("data: runs/data\nout: runs/m\nmodel:\n  arch: causal\ntrain:\n  max_steps: 5\n")
    assert main(["validate", str(train)]) == 0
    assert f"{train}: valid train config" in capsys.readouterr().out
    broken = tmp_path / "broken.yaml"
    broken.write_text("data: [unclosed\n")
    assert main(["validate", str(broken)]) == 2
    assert "malformed YAML at line 2" in capsys.readouterr().err
    shared = tmp_path / "shared.yaml"
    shared.write_text("out: runs/x\nseed: 1\n")
    assert main(["validate", str(shared)]) == 2  # a configuration problem, as the README says (it exited 1, QA)
    err = capsys.readouterr().err
    assert "cannot tell which command" in err and "its keys fit data, train" in err and "--kind" in err
    typo = tmp_path / "typo.yaml"  # a misspelt section fitted no command, and the message did not say which key
    typo.write_text("data: runs/data\nmodle:\n  arch: causal\ntrain:\n  max_steps: 5\n")
    assert main(["validate", str(typo)]) == 2
    assert "nearest: train, which has no key `modle` (did you mean `model`?)" in capsys.readouterr().err


def test_a_config_that_is_a_pipe_or_a_folder_is_said_to_be_no_regular_file(tmp_path, capsys):
    # `codemend validate <(...)` said "no such file" of a path that exists: a config is read more than once
    import os

    fifo = tmp_path / "eval" / "piped.yaml"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    for path in (fifo, tmp_path / "eval"):
        assert main(["validate", str(path), "--kind", "eval"]) == 2
        err = capsys.readouterr().err
        assert f"--config {path}: not a regular file" in err and "save the YAML to a file" in err and "no such file" not in err
    assert main(["eval", "--config", str(fifo), "--model", "none", "--benchmark", "builtin"]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_sigterm_ends_the_process_even_where_its_exception_is_swallowed():
    """The handler's exception can land where Python ignores it (a `__del__` the garbage collector runs): a training
    run went on after `kill -TERM` (QA). A process still running TERMINATE_GRACE_S after SIGTERM ends with 143."""
    import os
    import signal
    import time

    program = ("import signal, sys, time\nimport codemend.cli as cli\ncli.TERMINATE_GRACE_S = 1.0\n"
               "signal.signal(signal.SIGTERM, cli._terminate)\nready = False\n"
               "while True:\n    try:\n        if not ready:\n            ready = print('ready', flush=True) or True\n"
               "        time.sleep(10)\n    except cli.Terminated:\n        pass  # swallowed, as in a __del__\n")
    process = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline() == "ready\n"
        started = time.monotonic()
        os.kill(process.pid, signal.SIGTERM)
        assert process.wait(timeout=30) == 143 and time.monotonic() - started < 20
        assert "terminated (still running 1 s after SIGTERM)" in process.stderr.read()
    finally:
        process.kill()


def test_flags_a_command_would_not_read_are_said_with_every_other_problem(tmp_path, capsys):
    """A QA pass: a LoRA rank without LoRA trained a full fine-tune, and `fix --wide 50` without tests did nothing."""
    assert main(["train", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "m"), "--model.lora_r", "16",
                 "--train.rank_negatives", "4", "--train.eval_samples", "5"]) == 2
    err = capsys.readouterr().err
    assert "4 problem(s)" in err and "--data" in err and "--model.lora_r: LoRA options, read only with --model.lora true" in err
    assert "--train.rank_negatives: read only with a --train.rank_weight above 0" in err and "--train.eval_samples: read only" in err
    source = tmp_path / "m.py"
    source.write_text("def f(a):\n    return a - 1\n")
    assert main(["fix", str(source), "--model", "none", "--wide", "50", "--timeout", "3"]) == 2
    assert "--timeout, --wide: read only with --test_cmd" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_list_flags_add_up_and_quiet_goes_after_the_command_too():
    args = build_parser().parse_args(["data", "build", "--source", "a", "--source", "b", "c", "-q"])
    assert args.source == ["a", "b", "c"] and args.quiet  # the last --source alone was kept


def test_eval_compare_has_help_of_its_own(capsys):
    with pytest.raises(SystemExit) as done:
        main(["eval", "compare", "--help"])
    assert done.value.code == 0 and "usage: codemend eval compare" in capsys.readouterr().out


def test_a_validated_builds_saved_config_validates_as_one(tmp_path, capsys):
    saved = tmp_path / "config.yaml"
    saved.write_text(f"repo: {tmp_path}\ntest_cmd: python -m pytest -q\nout: {tmp_path / 'o'}\ninclude: []\ntimeout: 20.0\n")
    assert main(["validate", str(saved)]) == 0  # "unknown key `repo`": a --repo build's config.yaml did not replay
    assert "valid data config" in capsys.readouterr().out


def test_a_bool_flag_before_the_path_does_not_take_it_as_its_value():
    from codemend.cli import with_bool_values

    parser = build_parser()
    args = parser.parse_args(with_bool_values(parser, ["fix", "--apply", "buggy.py", "--force", "false"]))
    assert (args.path, args.apply, args.force) == ("buggy.py", "true", "false")  # "the following arguments are required: path"
    words = ["data", "build", "--operators", "swap_comparison", "--out", "fix"]  # a list flag, and a value named as a command
    assert with_bool_values(parser, words) == words


def test_a_bad_bool_value_is_still_said_as_one(capsys, tmp_path):
    from codemend.cli import with_bool_values

    parser = build_parser()
    assert with_bool_values(parser, ["fix", "--apply", "Y", "x.py"]) == ["fix", "--apply", "Y", "x.py"]
    assert with_bool_values(parser, ["train", "--model.lora", "maybe"]) == ["train", "--model.lora", "maybe"]
    assert main(["fix", "--apply", "Y", str(tmp_path / "x.py")]) == 2
    assert "--apply 'Y': expected true or false" in capsys.readouterr().err
