"""The one codemend command line: a name -> function map, flags generated from the typed configs.

    codemend --help
    codemend data build --out runs/data
    codemend train --config configs/train/tiny.yaml --train.lr 3e-4
    codemend eval --model runs/model --data runs/data
    codemend fix path/to/file.py --model runs/model
    codemend validate configs/train/tiny.yaml

Heavy libraries (torch, transformers, datasets) are imported inside the commands, so `--help`
answers at once.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Callable, get_args, get_origin

from codemend import __version__
from codemend.config import (
    _FALSE,
    _TRUE,
    CONFIG_KINDS,
    CompareConfig,
    ConfigError,
    DataConfig,
    EvalConfig,
    ExplainConfig,
    ExportConfig,
    FixConfig,
    ImportConfig,
    MineConfig,
    TrainRecipeConfig,
    flat_fields,
    load_config,
    read_yaml,
    save_run_metadata,
    to_yaml,
    type_label,
)
from codemend.errors import CodemendError

EXAMPLES = {
    "data build": """examples:
  codemend data build --out runs/data                      # bugs injected into the stdlib
  codemend data build --source src/ --out runs/mine --mutants_per_function 3
  codemend data build --config configs/data/stdlib.yaml --max_functions 2000
  codemend data build --repo path/to/project --test_cmd "pytest -q tests" --out runs/validated --timeout 60""",
    "data mine": """examples:
  codemend data mine --repo path/to/checkout --out runs/mined
  codemend data mine --repo . --rev v1.0..main --max_changed_lines 3 --out runs/mined-small""",
    "data import": """examples:
  codemend data import pairs.jsonl --format pairs --out runs/imported
  codemend data import data/train.buggy-fixed.buggy --format codexglue --out runs/codexglue
  codemend data import tssb.jsonl.gz --format tssb --out runs/tssb""",
    "data export": """examples:
  codemend data export runs/data --format pairs --out exports/pairs
  codemend data export runs/data --format codexglue --splits train test --out exports/cx""",
    "data benchmark": """examples:
  codemend data benchmark --list                     # the built-in executable benchmark
  codemend data benchmark --list --name builtin:handwritten""",
    "data operators": """examples:
  codemend data operators            # every bug operator with its bug class""",
    "train": """examples:
  codemend train --config configs/train/tiny.yaml
  codemend train --data runs/data --out runs/model --train.max_steps 300 --train.lr 1e-3
  codemend train --config configs/train/tiny.yaml --model.arch causal --overwrite""",
    "eval": """examples:
  codemend eval --benchmark builtin --model runs/model --out runs/bench
  codemend eval --benchmark builtin:handwritten --model none --n 20
  codemend eval --benchmark builtin --predictions other_system.jsonl --out runs/other
  codemend eval compare runs/bench runs/other --out runs/compare
  codemend eval --model runs/model --data runs/data
  codemend eval --model runs/model --data runs/data --split validation --limit 50 --num_beams 1""",
    "fix": """examples:
  codemend fix examples/buggy_stats.py --model runs/model
  codemend fix src/mod.py --test_cmd "pytest -q tests/test_mod.py" --apply
  codemend fix src/ --changed_since main --format sarif > codemend.sarif
  codemend fix src/mod.py --function parse_header -n 10 --format json""",
    "explain": """examples:
  codemend explain examples/buggy_stats.py --model runs/model --out explain.html
  codemend explain src/mod.py --model none --test_cmd "pytest -q tests/test_mod.py" --out explain.html""",
    "validate": """examples:
  codemend validate configs/train/tiny.yaml          # kind taken from the folder name
  codemend validate my.yaml --kind eval""",
}


# ----------------------------------------------------------------------------- flags from configs


def add_config_flags(parser: argparse.ArgumentParser, config_class: type, skip: tuple[str, ...] = ()) -> None:
    parser.add_argument("--config", metavar="YAML", help="YAML file with any of the options below (CLI flags win over it)")
    for name, hint, default, doc in flat_fields(config_class):
        if name in skip:
            continue
        kwargs: dict = {"dest": name, "default": argparse.SUPPRESS, "metavar": _metavar(hint)}
        if get_origin(hint) is list:  # `--source a --source b` is both, as `--source a b`; "STR [STR ...]" in --help
            kwargs.update(nargs="+", action="extend", metavar=_metavar(get_args(hint)[0]))
        if hint is bool:
            kwargs.update(nargs="?", const="true")
        shown = "empty" if default in ("", []) else " ".join(map(str, default)) if isinstance(default, list) else default
        parser.add_argument(f"--{name}", help=f"{doc} (default: {shown})", **kwargs)


_NOT_CONFIG = {"command", "data_command", "config", "func", "quiet"}


def _metavar(hint) -> str:
    label = type_label(hint)
    return "BOOL" if hint is bool else label if label.startswith("{") else label.upper()


def overrides_from(namespace: argparse.Namespace, unknown: list[str], positional: tuple[str, ...] = ()) -> dict:
    """Dotted overrides from parsed flags, plus unknown `--key value` pairs so the config loader can
    report them together with every other problem (with a did-you-mean)."""
    values = {k: v for k, v in vars(namespace).items() if k not in _NOT_CONFIG and k not in positional}
    key, given = None, 0  # the flag being read and how many values it has had
    for token in unknown:
        if token.startswith("--"):
            key, _, value = token[2:].partition("=")
            key, given = key.replace("-", "_"), int(bool(value))
            values[key] = value if value else "true"
        elif key is not None:
            if not given:
                values[key] = token
            else:  # several values make a list (a list option); a scalar option reports the list as its problem
                previous = values[key]
                values[key] = (previous if isinstance(previous, list) else [previous]) + [token]
            given += 1
        else:
            raise CodemendError(f"unexpected argument {token!r}; see --help")
    return values


def resolve(config_class: type, args: argparse.Namespace, unknown: list[str], positional: tuple[str, ...] = (),
            flag_checks: Callable[[set[str], Any], list[str]] | None = None):
    """The config from defaults < --config < flags; `flag_checks(flags given, config)` (what the command would not
    read) is reported with every other problem."""
    overrides = overrides_from(args, unknown, positional)
    checks = (lambda config: flag_checks(set(overrides), config)) if flag_checks is not None else None
    return load_config(config_class, args.config, overrides, checks=checks)


# ----------------------------------------------------------------------------- commands


_VALIDATED_KEYS = {"repo", "test_cmd"}  # a `data build` validated by a project's tests (ValidatedDataConfig)


def _yaml_keys(path: str | None) -> set:
    """The top-level keys of a --config file (none when unreadable: loading it says why)."""
    return set(read_yaml(path, [])) if path else set()


def cmd_data_build(args, unknown) -> int:
    # From the flags or the YAML: a --repo build's saved config.yaml replays as one ("unknown key `repo`")
    validated = bool((set(vars(args)) | _yaml_keys(args.config)) & _VALIDATED_KEYS)
    _check_build_mode(set(overrides_from(args, unknown)), validated)
    if validated:
        return cmd_data_build_validated(args, unknown)
    from codemend.data.build import build_dataset

    config = resolve(DataConfig, args, unknown)
    report = build_dataset(config)
    print(f"wrote {config.out}: {report.files} files, {report.functions} functions, "
          f"{sum(report.samples.values())} samples in {report.seconds} s")
    for split, count in report.samples.items():
        print(f"  {split:<11}{count:>8}")
    print(f"  operators: {len(report.per_operator)}; dropped mutants: {report.dropped or 'none'}; skipped files: {report.skipped_files or 'none'}")
    return 0


def _check_build_mode(flags: set[str], validated: bool) -> None:
    """`data build` is two builds: from source trees, or (--repo, --test_cmd) from one project whose tests
    keep only the bugs they catch. A flag of the other one is said as such, not as an unknown key."""
    from codemend.data.validated import ValidatedDataConfig

    plain, checked = ({f.name for f in dataclasses.fields(kind)} for kind in (DataConfig, ValidatedDataConfig))
    if validated and (stray := sorted(flags & (plain - checked))):
        raise ConfigError([f"{', '.join('--' + flag for flag in stray)}: only for a build from source trees, without --repo and "
                           f"--test_cmd (a --repo build mutates the project's own files: --include picks them)"])
    if not validated and (stray := sorted(flags & (checked - plain))):
        raise ConfigError([f"{', '.join('--' + flag for flag in stray)}: only for a build validated by tests: add --repo PROJECT "
                           f"(and --test_cmd, default \"pytest -q\"), or drop {'them' if len(stray) > 1 else 'it'}"])


def cmd_data_build_validated(args, unknown) -> int:
    from codemend.data.validated import ValidatedDataConfig, build_validated_dataset

    config = resolve(ValidatedDataConfig, args, unknown)
    report = build_validated_dataset(config)
    print(f"wrote {config.out}: {report.baseline_tests} tests ({report.baseline_passed} passing at baseline), "
          f"{report.covered_functions} covered functions, mutants {report.mutants}, {sum(report.samples.values())} samples in {report.seconds} s")
    for split, count in report.samples.items():
        print(f"  {split:<11}{count:>8}")
    return 0


def cmd_data_mine(args, unknown) -> int:
    from codemend.data.mining import mine_repository

    config = resolve(MineConfig, args, unknown)
    report = mine_repository(config)
    print(f"wrote {config.out}: {report.commits_scanned} commits scanned, {report.fix_commits} looked like fixes, "
          f"{sum(report.samples.values())} samples in {report.seconds} s")
    for split, count in report.samples.items():
        print(f"  {split:<11}{count:>8}")
    print(f"  dropped: {report.dropped or 'none'}; skipped file versions: {report.skipped_files or 'none'}")
    return 0


def cmd_data_import(args, unknown) -> int:
    from codemend.data.importers import import_dataset

    config = resolve(ImportConfig, args, unknown)
    report = import_dataset(config)
    print(f"wrote {config.out}: {report.counts} -> {sum(report.samples.values())} samples {report.samples}; "
          f"dropped: {report.dropped or 'none'}")
    if unparsable := report.dropped.get("fixed_unparsable"):
        print(f"note: {unparsable} pair(s) left out: their fixed code does not parse as Python (--keep_unparsable keeps them)", file=sys.stderr)
    if unparsable := report.counts["buggy_unparsable"]:
        print(f"note: {unparsable} pair(s) read with buggy code that does not parse as Python, kept as syntax bugs; "
              "a fragment cut mid-statement is not one: check the input", file=sys.stderr)
    return 0


def cmd_data_export(args, unknown) -> int:
    from codemend.data.importers import export_dataset

    config = resolve(ExportConfig, args, unknown)
    written = export_dataset(config)
    print(f"wrote {config.out} ({config.format}): " + ", ".join(f"{k} {v}" for k, v in written.items()))
    return 0


def cmd_data_benchmark(args, unknown) -> int:
    from codemend.data.benchmark import format_summary, load_benchmark

    if unknown:
        raise CodemendError(f"unexpected arguments {' '.join(unknown)}; see --help")
    print(format_summary(load_benchmark(args.name), title=args.name, show_programs=args.list))
    return 0


def cmd_data_operators(args, unknown) -> int:
    from codemend.data.operators import OPERATORS

    if unknown:
        raise CodemendError(f"unexpected arguments {' '.join(unknown)}")
    width = max(len(op.name) for op in OPERATORS.values()) + 2  # a 33-character name ran into its family
    for op in OPERATORS.values():
        print(f"{op.name:<{width}}{op.family:<10}{op.bug_class}")
    return 0


def cmd_train(args, unknown) -> int:
    from codemend.training.recipe import run

    config = resolve(TrainRecipeConfig, args, unknown, flag_checks=_train_flag_problems)
    main_process = os.environ.get("RANK", "0") == "0"  # under torchrun/accelerate, print once

    def show_config():  # -q: the outcome only (train_log.json and config.yaml keep the rest)
        if main_process and not args.quiet:
            print("resolved config:\n" + "\n".join("  " + line for line in to_yaml(config).splitlines()), flush=True)

    report = run(config, on_start=show_config)
    last = (f"last loss {report.losses[-1][1]:.4f}" if report.losses
            else f"no loss logged (--train.log_every {config.train.log_every}, more than the {report.steps} steps)")
    if main_process:
        print(f"saved {config.out}: {report.steps} steps ({report.data_passes:g} passes over {report.train_samples} samples) "
              f"in {report.seconds} s ({report.tokens_per_second} tokens/s), "
              f"{report.parameters / 1e6:.2f}M parameters, {last}")
    return 0


# Flags read only when another is set (TrainRecipeConfig's docstrings): (the flags, whether that holds, why not read).
_TRAIN_DEPENDENT = (
    (("model.lora_r", "model.lora_alpha", "model.lora_dropout", "model.lora_target_modules", "model.lora_save_merged"),
     lambda c: c.model.lora, "LoRA options, read only with --model.lora true (without it every weight trains, no adapter)"),
    (("train.rank_negatives",), lambda c: c.train.rank_weight > 0, "read only with a --train.rank_weight above 0"),
    (("train.eval_samples", "train.eval_mode", "train.eval_loss_samples"), lambda c: c.train.eval_every > 0,
     "read only with --train.eval_every above 0 (no evaluation during training)"),
)


def _train_flag_problems(flags: set[str], config: TrainRecipeConfig) -> list[str]:
    """A flag given on the command line that this training would not read is said, not ignored (a YAML's are a
    template's, and pass): a size with a base, a LoRA rank without LoRA, and the like."""
    problems = []
    if unread := [f"--model.{name}" for name in config.model.unread() if f"model.{name}" in flags]:
        problems.append(f"{', '.join(unread)}: from scratch only, not read with --model.base (the base brings its own sizes); "
                        f"drop {'them' if len(unread) > 1 else 'it'}")
    return problems + _unread_flags(flags, config, _TRAIN_DEPENDENT)


def _unread_flags(flags: set[str], config, dependent) -> list[str]:
    """One problem per group of `dependent` flags given while what they depend on does not hold."""
    return [f"{', '.join('--' + name for name in given)}: {why}; drop {'them' if len(given) > 1 else 'it'}"
            for names, holds, why in dependent if (given := [name for name in names if name in flags]) and not holds(config)]


# `fix` and `explain` flags that only a --test_cmd run reads.
_REPAIR_DEPENDENT = ((("timeout", "wide", "wide_seconds", "workers", "plausible"), lambda c: bool(c.test_cmd),
                      "read only with --test_cmd (they limit and steer the test runs)"),)

_repair_flag_problems = functools.partial(_unread_flags, dependent=_REPAIR_DEPENDENT)


def cmd_eval(args, unknown) -> int:
    if unknown[:1] == ["compare"]:
        # `--out` belongs to eval's own flags too, so argparse has already taken it.
        return cmd_eval_compare(unknown[1:] + (["--out", args.out] if "out" in vars(args) else []))
    config = resolve(EvalConfig, args, unknown, flag_checks=_eval_flag_problems)
    if config.benchmark:
        from codemend.eval.benchmark_runner import run as run_benchmark
        from codemend.eval.report import markdown

        metrics = run_benchmark(config)
        print(markdown(metrics))
        print(f"wrote {metrics['out']}/report.md, metrics.json, results.jsonl and plots ({metrics['seconds']} s)")
        if skipped := metrics["skipped_lines"]:  # a score over part of the file must not pass for the file's in a script
            print(f"codemend: {len(skipped)} problem(s) in --benchmark {config.benchmark}, their lines skipped (named in report.md): "
                  f"the scores cover the {metrics['scored']} scored of the {metrics['items']} usable item(s); fix or remove those lines (exit status 1)", file=sys.stderr)
            return 1
        return 0
    from codemend.eval.split_eval import format_table, run

    metrics = run(config)
    print(format_table(metrics))
    print(f"\n{metrics['samples']} samples in {metrics['seconds']} s; wrote {metrics['out']}/metrics.json")
    return 0


# Flags that only a split's scoring reads, and those that only a benchmark's reads (EvalConfig's docstrings).
_SPLIT_ONLY = ("data", "split", "mode", "num_beams", "batch_size", "naturalness_weight")
_BENCHMARK_ONLY = ("predictions", "n", "validate_top", "operators", "traces", "workers", "wide")


def _eval_flag_problems(flags: set[str], config: EvalConfig) -> list[str]:
    """A flag given on the command line that this kind of evaluation would not read is said, not ignored."""
    problems = []
    if unread := sorted(flags & set(_SPLIT_ONLY if config.benchmark else _BENCHMARK_ONLY)):
        why = "they score a dataset split, not --benchmark" if config.benchmark else "they apply to --benchmark only"
        problems.append(f"{', '.join('--' + flag for flag in unread)}: not read by this evaluation ({why}); drop them")
    if config.predictions and "model" in flags and config.model.lower() != "none":
        problems.append("--model: not read with --predictions (the fixes in that file are scored, no model runs); drop it")
    return problems


def cmd_eval_compare(words: list[str]) -> int:
    from codemend.eval.report import compare

    parser = argparse.ArgumentParser(prog="codemend eval compare", description="Compare two benchmark runs side by side.")
    parser.add_argument("a", help="first run folder (written by codemend eval --benchmark)")
    parser.add_argument("b", help="second run folder")
    parser.add_argument("--out", default="runs/compare", help="where compare.md and compare.png go (default: runs/compare)")
    args = parser.parse_args(words)
    from codemend.config import foreign_output_problems

    # As `eval` itself: never over a dataset's or checkpoint's record, nor a folder of the user's own files.
    if problems := foreign_output_problems(args.out, CompareConfig):
        raise ConfigError(problems)
    print(compare(args.a, args.b, args.out))
    save_run_metadata(CompareConfig(args.a, args.b, args.out), args.out)  # as every output folder: config.yaml, meta.json
    print(f"wrote {args.out}/compare.md, compare.png, config.yaml and meta.json")
    return 0


def _debugger_for(model: str, test_cmd: str, precision: str, engine: str):
    """None for `--model none`; with tests, a Future: the model loads while they run."""
    from codemend.inference.debugger import Debugger
    from codemend.inference.fix import load_in_background

    if model.lower() == "none":
        return None
    return load_in_background(model, precision, engine) if test_cmd else Debugger.load(model, precision, engine)


def _check_before_loading(path: str, function: str, line: int) -> None:
    """What is wrong with the path itself (missing, empty, unparsable, no such --function) is said
    before the model loads (~1-2 s): fix_path would say it only after."""
    from codemend.inference.fix import check_functions, files_to_fix, read_source

    files = files_to_fix(Path(path))
    if len(files) == 1:
        check_functions(read_source(files[0])[0], str(files[0]), function, line)


def cmd_fix(args, unknown) -> int:
    config = resolve(FixConfig, args, unknown, positional=("path",), flag_checks=_repair_flag_problems)
    try:
        return _run_fix(args, config)
    except CodemendError as err:
        if config.format == "json":  # a tool reading stdout gets the error too, not an empty stream
            print(json.dumps({"error": str(err), "notes": [], "suggestions": []}, indent=2))
        elif config.format == "sarif":  # ... and `> out.sarif` a valid log that says the run failed
            from codemend.inference.formats import as_sarif

            print(as_sarif([], error=str(err)))
        raise


def _run_fix(args, config: FixConfig) -> int:
    from codemend.inference.fix import fix_path, gathered_notes
    from codemend.inference.formats import as_json, as_sarif, as_text_bytes, order_note
    from codemend.inference.repair import best_first

    _check_before_loading(args.path, config.function, config.line)
    debugger = _debugger_for(config.model, config.test_cmd, config.precision, config.engine)
    reports = fix_path(args.path, debugger, function=config.function, line=config.line, test_cmd=config.test_cmd,
                       n=config.n, use_operators=config.operators, changed_since=config.changed_since, timeout_s=config.timeout,
                       wide=config.wide, wide_seconds=config.wide_seconds, workers=config.workers, plausible=config.plausible)
    suggestions = sorted((s for r in reports for s in r.result.suggestions), key=best_first)
    notes = gathered_notes(reports)
    if order := order_note(suggestions, config.top):
        notes.append(order)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if config.format == "text":  # shown before --apply's test run, which may take a while
        color = config.color == "always" or (config.color == "auto" and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
        looked = any(r.result.functions for r in reports)  # else the notes say why nothing was (--changed_since, skipped files)
        nothing = "no applicable fix found" if looked else "nothing looked at" + (" (the notes above say why)" if notes else "")
        if suggestions:  # each file's diff in its own encoding, as git prints it: it applies to the file's bytes
            sys.stdout.flush()
            sys.stdout.buffer.write(as_text_bytes(suggestions, color, config.top, {r.path: r.encoding for r in reports}))
            sys.stdout.buffer.flush()
        else:
            print(f"{args.path}: {nothing}")
    applied = _apply_best(reports, config.force) if config.apply else None
    written = {a["file"] for a in applied or () if a["applied"]}
    judged = {r.result.judged_by for r in reports if r.path in written}  # one command for all, or the user's own
    after = _check_applied(config.test_cmd, config.timeout, judged.pop() if len(judged) == 1 else "") if written and config.test_cmd else None
    if config.format == "json":  # tools read what --apply did here, not from the messages
        print(as_json(suggestions[: config.top], notes, applied, after))
    elif config.format == "sarif":  # --top counts over all files, as text and JSON do
        shown = {id(s) for s in suggestions[: config.top]}
        print(as_sarif([(r.path, r.text, [s for s in r.result.suggestions if id(s) in shown]) for r in reports], notes))
    return 1 if any(not a["applied"] for a in applied or ()) else 0


def _check_applied(test_cmd: str, timeout: float, judged_by: str = "") -> dict:
    """Run the tests once on the project as the applied fixes left it, and say how that went: a fix is
    judged without tests that fail for another bug, so one run may leave some failing. `judged_by`: the
    command the fixes were judged by when it left out tests that hung without running the fixed code; the
    whole command would hang with them again, and say only "timeout"."""
    from codemend.sandbox import Limits, run_command
    from codemend.testcov import command_limits, finished, reporting_command

    command = judged_by or test_cmd
    result = finished(command, run_command(reporting_command(command), tree=Path.cwd(),
                                           limits=command_limits(Limits(wall_s=timeout, memory_mb=2048))))
    apart = (", leaving out those that hung on the original code without running the fixed code, as the fixes were judged "
             "(they still need a look)") if judged_by else ""
    if result.status == "passed":
        print(f"the tests pass now{apart}: {command}", file=sys.stderr)
    else:
        print(f"the tests still fail{apart} ({result.status}: {result.detail}); run codemend fix again for what is left", file=sys.stderr)
    return {"command": command, "status": result.status, "detail": result.detail}


def _apply_best(reports, force: bool) -> list[dict]:
    """Each file's best fix, written with a backup; what was done, file by file (`applied` false with the
    reason where refused). A folder run goes on past a refused file: the others' fixes were validated on their own."""
    from codemend.inference.fix import apply_fix

    done = []
    for report in reports:
        if not report.result.suggestions:
            continue
        best = report.result.suggestions[0]
        try:
            backup = apply_fix(report, best, force=force)
        except CodemendError as err:
            print(f"codemend: {'not applied' if len(reports) > 1 else 'error'}: {err}", file=sys.stderr)
            done.append({"file": report.path, "applied": False, "reason": str(err)})
            continue
        print(f"applied the {best.validation} fix to {report.path} (backup: {backup})", file=sys.stderr)
        done.append({"file": report.path, "applied": True, "line": best.line, "validation": best.validation, "backup": str(backup)})
    refused = [d["file"] for d in done if not d["applied"]]
    if refused and len(reports) > 1:
        print(f"codemend: {len(refused)} file(s) left as they were: {', '.join(refused)}", file=sys.stderr)
    return done


def cmd_explain(args, unknown) -> int:
    import concurrent.futures

    from codemend.inference.explain import explain_page, out_problem, token_surprise_for, write_explain
    from codemend.inference.fix import fix_path

    config = resolve(ExplainConfig, args, unknown, positional=("path",), flag_checks=_repair_flag_problems)
    if Path(args.path).is_dir():
        raise CodemendError(f"{args.path} is a folder; `codemend explain` takes one Python file")
    if problem := out_problem(config.out, args.path):
        raise CodemendError(problem)
    _check_before_loading(args.path, config.function, config.line)
    debugger = _debugger_for(config.model, config.test_cmd, config.precision, config.engine)
    (report,) = fix_path(args.path, debugger, function=config.function, line=config.line, test_cmd=config.test_cmd, n=config.n, timeout_s=config.timeout,
                         wide=config.wide, wide_seconds=config.wide_seconds, workers=config.workers, plausible=config.plausible)
    if isinstance(debugger, concurrent.futures.Future):
        debugger = debugger.result()  # loaded by now: repair waited for it
    surprise = token_surprise_for(debugger, report.path, report.text, report.result) if debugger else {}
    write_explain(config.out, explain_page(report.path, report.text, report.result, surprise, top=config.top))
    print(f"wrote {config.out}")
    return 0


def _kind_by_keys(path: str) -> str:
    """The one command whose config holds every top-level key of the YAML file `path` (a config outside
    configs/KIND/); a malformed file is said as such, not as an unknown kind."""
    problems: list[str] = []
    keys = set(read_yaml(path, problems))
    if problems:
        raise ConfigError(problems)
    kinds = [kind for kind in CONFIG_KINDS if keys and keys <= {f.name for f in dataclasses.fields(_config_class(kind, keys))}]
    if len(kinds) == 1:
        return kinds[0]
    could = f" (its keys fit {', '.join(kinds)})" if kinds else f" (no command takes all its keys{_nearest_kind(keys)})" if keys else " (it is empty)"
    # A configuration problem (exit 2, as the README says of them), not a failed run: --kind or a key's fix settles it.
    raise ConfigError([f"cannot tell which command {path} is for{could}; pass --kind {{{','.join(CONFIG_KINDS)}}}"])


def _nearest_kind(keys: set) -> str:
    """The one command whose config lacks the fewest of `keys`, and those keys with their likely spelling: a typo
    (`modle:`) fitted no command, and the message did not say which key."""
    import difflib

    lacking = {kind: sorted(keys - {f.name for f in dataclasses.fields(_config_class(kind, keys))}) for kind in CONFIG_KINDS}
    fewest = min(map(len, lacking.values()))
    nearest = [kind for kind, names in lacking.items() if len(names) == fewest]
    if len(nearest) != 1:
        return ""
    valid = [f.name for f in dataclasses.fields(_config_class(nearest[0], keys))]
    unknown = [f"`{name}`" + "".join(f" (did you mean `{m}`?)" for m in difflib.get_close_matches(str(name), valid, n=1, cutoff=0.5))
               for name in lacking[nearest[0]]]
    return f"; nearest: {nearest[0]}, which has no key {', '.join(unknown)}"


def _config_class(kind: str, keys: set) -> type:
    """The config class of `kind` for a file with these top-level keys: `data` with --repo's is a validated build's."""
    if kind == "data" and keys & _VALIDATED_KEYS:
        from codemend.data.validated import ValidatedDataConfig

        return ValidatedDataConfig
    return CONFIG_KINDS[kind]


def cmd_validate(args, unknown) -> int:
    if unknown:
        raise ConfigError([f"unexpected arguments {' '.join(unknown)}: `codemend validate FILE [--kind KIND]` takes one file"])
    kind = args.kind or Path(args.file).resolve().parent.name
    keys = _yaml_keys(args.file)
    if kind not in CONFIG_KINDS:
        kind = _kind_by_keys(args.file)
    elif not args.kind and not keys <= {f.name for f in dataclasses.fields(_config_class(kind, keys))}:
        # configs/KIND/ names the kind, but a folder of the user's named `eval` may hold a data config; a typo in
        # a key fits no kind, and keeps the folder's (its did-you-mean)
        with contextlib.suppress(ConfigError):
            kind = _kind_by_keys(args.file)
    config = load_config(_config_class(kind, keys), args.file, check_paths=False)
    print(f"{args.file}: valid {kind} config")
    for note in getattr(config, "missing_paths", list)():
        print(f"  note (not an error yet): {note}")
    return 0


# ----------------------------------------------------------------------------- parser


def _sub(subparsers, name: str, key: str, help: str, func: Callable) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help=help, description=help, epilog=EXAMPLES[key],
                                   formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)
    parser.set_defaults(func=func)
    # after the command too (`codemend fix F -q`): `codemend -q` alone was read, and `-q` here was an unknown key
    parser.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="only warnings and errors on stderr")
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="codemend", description="codemend: train LLM-based Python code debuggers and use them.", allow_abbrev=False,
                                     epilog="run `codemend COMMAND --help` for a command's options and examples")
    parser.add_argument("--version", action="version", version=f"codemend {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors on stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    data = commands.add_parser("data", help="build bug datasets", description="Build and inspect bug datasets.")
    data_commands = data.add_subparsers(dest="data_command", metavar="DATA_COMMAND", required=True)
    build = _sub(data_commands, "build", "data build", DataConfig.__doc__, cmd_data_build)
    add_config_flags(build, DataConfig)
    build.add_argument("--repo", dest="repo", default=argparse.SUPPRESS, metavar="PATH",
                       help="Execution-validated bugs: inject only into functions the tests of this repository cover, "
                            "keep a mutant only if a passing test now fails (with --test_cmd and --timeout)")
    build.add_argument("--test_cmd", dest="test_cmd", default=argparse.SUPPRESS, metavar="CMD",
                       help='With --repo: the pytest command run from the repository root, e.g. "pytest -q tests" (default "pytest -q")')
    build.add_argument("--timeout", dest="timeout", type=float, default=argparse.SUPPRESS, metavar="SECONDS",
                       help="With --repo: seconds one run of --test_cmd may take (default 60; the baseline gets extra for coverage)")
    build.add_argument("--include", dest="include", nargs="+", action="extend", default=argparse.SUPPRESS, metavar="GLOB",
                       help="With --repo: mutate only the source files matching these globs (relative to --repo); "
                            "the baseline measures them under coverage, 20 files per run of the tests")
    add_config_flags(_sub(data_commands, "mine", "data mine", MineConfig.__doc__, cmd_data_mine), MineConfig)
    importer = _sub(data_commands, "import", "data import", ImportConfig.__doc__, cmd_data_import)
    importer.add_argument("file", metavar="FILE", default=argparse.SUPPRESS, help="file to import (see --format)")
    add_config_flags(importer, ImportConfig, skip=("file",))
    exporter = _sub(data_commands, "export", "data export", ExportConfig.__doc__, cmd_data_export)
    exporter.add_argument("data", metavar="DATA", nargs="?", default=argparse.SUPPRESS, help="dataset folder to export")
    add_config_flags(exporter, ExportConfig, skip=("data",))
    bench = _sub(data_commands, "benchmark", "data benchmark", "Show the built-in executable bug benchmark (or a benchmark JSONL).", cmd_data_benchmark)
    bench.add_argument("--list", action="store_true", help="list every program, not only the counts")
    bench.add_argument("--name", default="builtin", help="builtin, builtin:operator, builtin:handwritten, builtin:dev (the development set), or a JSONL path (default: builtin)")
    _sub(data_commands, "operators", "data operators", "List the bug-injection operators.", cmd_data_operators)

    add_config_flags(_sub(commands, "train", "train", TrainRecipeConfig.__doc__, cmd_train), TrainRecipeConfig)
    add_config_flags(_sub(commands, "eval", "eval", EvalConfig.__doc__, cmd_eval), EvalConfig)
    fix = _sub(commands, "fix", "fix", FixConfig.__doc__, cmd_fix)
    fix.add_argument("path", help="Python file or folder to look at")
    fix.add_argument("-n", dest="n", default=argparse.SUPPRESS, metavar="N", help="same as --n")
    add_config_flags(fix, FixConfig)
    explain = _sub(commands, "explain", "explain", ExplainConfig.__doc__, cmd_explain)
    explain.add_argument("path", help="Python file to explain")
    explain.add_argument("-n", dest="n", default=argparse.SUPPRESS, metavar="N", help="same as --n")  # as fix takes it
    add_config_flags(explain, ExplainConfig)
    validate = _sub(commands, "validate", "validate", "Load a YAML config, check every value, and report all problems at once.", cmd_validate)
    validate.add_argument("file", help="YAML config file")
    validate.add_argument("--kind", choices=sorted(CONFIG_KINDS), help="which command the file is for (default: its folder's name)")
    return parser


def with_bool_values(parser: argparse.ArgumentParser, words: list[str]) -> list[str]:
    """`words` with "true" after each bool flag that took the command's path as its value (`fix --apply buggy.py`:
    argparse then said the path was missing), only when the path would be missing: a bad value still reads
    "expected true or false" (`fix --apply Y x.py`, `train --model.lora maybe`)."""
    leaf, start = parser, 0
    for k, word in enumerate(words):
        commands = [a for a in leaf._actions if isinstance(a, argparse._SubParsersAction)]
        if commands and word in commands[0].choices:
            leaf, start = commands[0].choices[word], k + 1
    positionals = [a for a in leaf._actions if not a.option_strings and a.nargs is None]
    bare, took, k = 0, [], start  # bare words the options leave, and the bool flags that took one of them
    while k < len(words):
        word, following = words[k], words[k + 1] if k + 1 < len(words) else ""
        action = leaf._option_string_actions.get(word)
        value = following and not following.startswith("-")
        if not word.startswith("-"):
            bare += 1
        elif action is not None and action.nargs == "?" and action.const == "true" and value and following.lower() not in _TRUE | _FALSE:
            took.append(k)
        elif action is not None and action.nargs == "+":
            while k + 1 < len(words) and not words[k + 1].startswith("-"):
                k += 1
        elif value and "=" not in word and (action is None or action.nargs is None or action.nargs == "?"):
            k += 1  # an option's value (an unregistered one takes its next word, as `overrides_from` reads it)
        k += 1
    if bare - len(took) >= len(positionals) or not took:
        return words
    out = list(words)
    for k in reversed(took):
        out.insert(k + 1, "true")
    return out


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    words = [word for word in argv if word not in ("-q", "--quiet")]
    if words[:2] == ["eval", "compare"] and {"-h", "--help"} & set(words):  # eval's own parser would answer
        return cmd_eval_compare(["--help"])
    parser = build_parser()
    args, unknown = parser.parse_known_args(with_bool_values(parser, argv))
    level = logging.WARNING if args.quiet else logging.INFO
    if args.quiet:  # the Hugging Face libraries' own progress bars (saving weights, mapping datasets), read at their import
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args, unknown)
    except ConfigError as err:
        print(f"codemend: {err}", file=sys.stderr)
        return 2
    except CodemendError as err:
        print(f"codemend: error: {err}", file=sys.stderr)
        return 1
    except Terminated:  # as Ctrl-C: the `with` blocks on the way out stopped the sandboxed runs and removed their copies
        print("codemend: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("codemend: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `codemend ... | head` closed the pipe: not an error
        sys.stderr.close()
        return 0


class Terminated(KeyboardInterrupt):
    """SIGTERM (`timeout`, `kill`, a CI job cancelled), raised where the main thread is, as Ctrl-C is."""


# How long the way out after SIGTERM may take (the sandbox's runs stopped, their copies removed: seconds)
# before the process ends without it: the exception can land where Python ignores it (a `__del__` that
# the garbage collector runs), and a training run went on after `kill -TERM` (QA).
TERMINATE_GRACE_S = 30.0
_terminating = threading.Event()


def _terminate(signum, frame) -> None:
    if not _terminating.is_set():
        _terminating.set()
        threading.Thread(target=_end_if_still_running, name="codemend-terminate", daemon=True).start()
    raise Terminated()


def _end_if_still_running() -> None:
    import time

    time.sleep(TERMINATE_GRACE_S)
    print(f"codemend: terminated (still running {TERMINATE_GRACE_S:.0f} s after SIGTERM)", file=sys.stderr, flush=True)
    import multiprocessing

    for child in multiprocessing.active_children():  # a build's workers: they would run on, orphaned
        child.kill()
    os._exit(143)


# Inference commands leave nothing that needs the interpreter's teardown (their pools and temporary
# folders are closed, the model loader is a daemon thread).
QUICK_EXIT = ("fix", "explain")


def entry() -> None:
    """The `codemend` command (and `python -m codemend`): `main`, then, after an inference command, a quick exit.

    A process that imported torch and transformers spends ~1.1 s tearing its modules down at exit
    (measured on a 13 s cold `codemend fix`); the exit handlers (logging, temporary folders) still run.
    """
    argv = sys.argv[1:]
    # Python's default SIGTERM ends the process at once: the tests it was running lived on (orphans under
    # the sandbox's uid) and so did the copies of the project.
    signal.signal(signal.SIGTERM, _terminate)
    code = main(argv)
    command = next((word for word in argv if not word.startswith("-")), "")
    if command in QUICK_EXIT and all(t.daemon or t is threading.main_thread() for t in threading.enumerate()):
        quick_exit(code)
    raise SystemExit(code)


def quick_exit(code: int) -> None:
    """Flush, run the exit handlers, and end the process without tearing its modules down.

    Python has no public call for "run the atexit handlers now"; where `atexit._run_exitfuncs` is
    missing (another interpreter or version), this exits the usual way instead.
    """
    import atexit

    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_handlers is None:
        raise SystemExit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can reach it
            pass
    run_handlers()
    os._exit(code)


if __name__ == "__main__":
    entry()
