"""`codemend data import` / `codemend data export`: buggy->fixed pairs in other datasets' formats.

    codemend data import pairs.jsonl --format pairs --out runs/imported
    codemend data import data/train.buggy-fixed.buggy --format codexglue --out runs/codexglue
    codemend data import tssb.jsonl.gz --format tssb --out runs/tssb
    codemend data export runs/data --format codexglue --out exports/codexglue

Formats:
  pairs      JSONL (or a JSON array) of objects with string fields `buggy` and `fixed`; optional
             `id`, `file`, `function`, `context`, `bug_class`, `operator`, `trace` (what the pairs
             export writes, so that a round trip keeps them).
  codexglue  CodeXGLUE code refinement: parallel text files `NAME.buggy-fixed.buggy` and
             `NAME.buggy-fixed.fixed`, one sample per line. Our multi-line functions are written
             with newlines as `\\n` (and `\\` as `\\\\`); import undoes that.
  tssb       TSSB-3M-style JSON(L) with `before`, `after`, `sstub_pattern` (the bug class);
             optional `file_path`, `project`, `commit_sha`.

Every importer labels a pair like an injected bug when it is a single-hunk line edit (`edit`,
`line`, `line_end`); other pairs keep `edit`/`line` null and are counted as not single-hunk.
A pair whose fixed code does not parse as Python is left out unless --keep_unparsable (a model
trained on it learns to write code that does not parse); one whose buggy code does not is kept
(a syntax error is a bug) and counted.
Errors name the file, the line and the field.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import gzip
import hashlib
import json
import logging
import re
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator, get_args

from codemend.config import ExportConfig, ImportConfig, ImportFormat
from codemend.data.build import BuildReport, _dedupe, split_samples, write_outputs
from codemend.data.parsing import has_error, parse
from codemend.errors import CodemendError
from codemend.io import atomic_folder, check_writable_target, read_jsonl, where_in_line, write_jsonl
from codemend.task import compute_edit, render_edit, unified_diff

logger = logging.getLogger(__name__)

MAX_PROBLEMS_SHOWN = 5  # a broken export can fail on every line; the first few say what is wrong
_JSON_TYPES = {str: "a string", int: "a number", float: "a number", bool: "a boolean", list: "an array",
               dict: "an object", type(None): "null"}
_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {"\\": "\\", "n": "\n", "r": "\r"}
# CodeXGLUE calls the validation split "valid".
_CODEXGLUE_SPLIT_NAMES = {"train": "train", "validation": "valid", "test": "test"}


@dataclass
class ImportReport(BuildReport):
    """BuildReport's counts (files = split units, functions = records read) plus the importer's."""

    input: str = ""
    format: str = ""
    counts: dict[str, int] = field(default_factory=dict)


# ----------------------------------------------------------------------------- samples


def pair_sample(buggy: str, fixed: str, *, sample_id: str, file: str, operator: str, bug_class: str,
                function: str = "", context: str = "", extra: dict | None = None) -> dict:
    """A sample with the keys of an injected one; `edit`, `line` and `line_end` are None unless the
    pair is a single-hunk line edit. The position in the original file is unknown, so lines count from 1."""
    edit = compute_edit(buggy, fixed)
    return {
        "id": sample_id,
        "file": file,
        "function": function,
        "start_line": 1,
        "end_line": max(1, len(buggy.splitlines())),
        "context": context,
        "buggy": buggy,
        "fixed": fixed,
        "operator": operator,
        "bug_class": bug_class,
        "line": edit.start if edit else None,
        "line_end": max(edit.start, edit.end) if edit else None,
        "edit": render_edit(edit) if edit else None,
        "diff": unified_diff(buggy, fixed, file),
        "seed": 0,
        **(extra or {}),
    }


class Problems:
    """Every bad record of an input, raised once as a single line naming file, line and field."""

    def __init__(self, path: Path):
        self.path, self.items = path, []

    def add(self, line: int, message: str, path: Path | None = None) -> None:
        self.items.append(f"{path or self.path}:{line}: {message}")

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = "; ".join(self.items[:MAX_PROBLEMS_SHOWN])
        more = f" (and {len(self.items) - MAX_PROBLEMS_SHOWN} more)" if len(self.items) > MAX_PROBLEMS_SHOWN else ""
        raise CodemendError(f"{shown}{more}; fix or remove those records")


def _json_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def text_field(record: dict, name: str, line: int, problems: Problems, required: bool = True) -> str | None:
    """record[name] when it is a string; otherwise None, with a problem when it was required or mistyped."""
    if name not in record:
        if required:
            problems.add(line, f"missing field `{name}`")
        return None
    value = record[name]
    if name == "id" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        problems.add(line, f"field `{name}` must be a string, got {_json_type(value)} ({json.dumps(value)[:30]})")
        return None
    return value


# ----------------------------------------------------------------------------- reading JSON(L)


@contextlib.contextmanager
def _open_text(path: Path) -> Iterator[IO[str]]:
    if not path.is_file():
        raise CodemendError(f"{path}: no such file")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        # utf-8-sig: files exported on Windows often start with a byte-order mark, which json.loads refuses
        with opener(path, "rt", encoding="utf-8-sig", errors="strict") as handle:  # type: ignore[operator]
            yield handle
    except UnicodeDecodeError:
        raise CodemendError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except (gzip.BadGzipFile, EOFError):
        raise CodemendError(f"{path}: not a complete gzip file") from None


def json_records(path: Path, problems: Problems) -> Iterator[tuple[int, dict]]:
    """(line, object) for each record of a JSONL file or a JSON array; bad lines go to `problems`.

    JSONL is streamed; a file whose first non-blank line starts with `[` is read whole as one array.
    """
    with _open_text(path) as handle:
        first = True
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            if first and line.lstrip().startswith("["):
                # Pad with newlines so that positions in the array text are line numbers in the file.
                yield from _array_records("\n" * (number - 1) + line + handle.read(), problems)
                return
            first = False
            try:
                record = json.loads(line.rstrip("\r\n"))  # the newline is no part of the record: an error there reads as one in it
            except json.JSONDecodeError as err:
                problems.add(number, f"invalid JSON ({where_in_line(err)})")
                continue
            if not isinstance(record, dict):
                problems.add(number, f"expected a JSON object, got {_json_type(record)}")
                continue
            yield number, record


def _array_records(text: str, problems: Problems) -> Iterator[tuple[int, dict]]:
    """The objects of a JSON array with the line each starts on."""
    try:
        items = json.loads(text)
    except json.JSONDecodeError as err:
        problems.add(err.lineno, f"invalid JSON ({where_in_line(err)}; the file starts with `[`, so it is read as one JSON array)")
        return
    # The text parsed, so walking it item by item cannot fail; it only recovers each item's line.
    decoder, index = json.JSONDecoder(), text.index("[") + 1
    line, counted = 1, 0
    for position, item in enumerate(items, start=1):
        while text[index] in " \t\r\n,":
            index += 1
        line, counted = line + text.count("\n", counted, index), index
        index = decoder.raw_decode(text, index)[1]
        if isinstance(item, dict):
            yield line, item
        else:
            problems.add(line, f"item {position} of the JSON array: expected a JSON object, got {_json_type(item)}")


# ----------------------------------------------------------------------------- the formats


# The optional string fields of a pairs record, read on import and written on export (when set).
PAIR_LABELS = ("id", "file", "function", "context", "bug_class", "operator", "trace")


def read_pairs(path: Path, problems: Problems, fields: tuple[str, str] = ("buggy", "fixed")) -> Iterator[dict]:
    """Samples from buggy/fixed JSON(L); `fields` name the buggy and fixed code's keys."""
    for line, record in json_records(path, problems):
        absent = [name for name in fields if name not in record]
        if absent:
            problems.add(line, f"missing field {', '.join(f'`{name}`' for name in absent)} (it has {', '.join(map(str, record)) or 'none'}; "
                               "--buggy_field and --fixed_field name the keys of the buggy and fixed code)")
            continue
        buggy, fixed = text_field(record, fields[0], line, problems), text_field(record, fields[1], line, problems)
        optional = {name: text_field(record, name, line, problems, required=False)
                    for name in PAIR_LABELS}
        if buggy is None or fixed is None or len(problems.items):
            continue
        yield pair_sample(
            buggy, fixed, sample_id=optional["id"] or f"{path.name}:{line}", file=optional["file"] or f"{path.name}:{line}",
            operator=optional["operator"] or "imported", bug_class=optional["bug_class"] or "imported",
            function=optional["function"] or "", context=optional["context"] or "",
            extra={"trace": optional["trace"]} if optional["trace"] else None,
        )


def read_tssb(path: Path, problems: Problems) -> Iterator[dict]:
    """Samples from TSSB-3M-style JSON(L): `before`, `after`, `sstub_pattern`."""
    for line, record in json_records(path, problems):
        fields = {name: text_field(record, name, line, problems) for name in ("before", "after", "sstub_pattern")}
        optional = {name: text_field(record, name, line, problems, required=False)
                    for name in ("id", "file_path", "project", "commit_sha")}
        if None in fields.values() or len(problems.items):
            continue
        pattern = fields["sstub_pattern"] or "unknown"
        where = "/".join(part for part in (optional["project"], optional["file_path"]) if part)
        extra = {"commit": optional["commit_sha"]} if optional["commit_sha"] else {}
        yield pair_sample(
            fields["before"] or "", fields["after"] or "", sample_id=optional["id"] or f"{path.name}:{line}",
            file=where or f"{path.name}:{line}", operator=f"tssb:{pattern}",
            bug_class=pattern.lower().replace("_", " "), extra=extra,
        )


def codexglue_paths(path: Path) -> tuple[Path, Path]:
    """(.buggy, .fixed) for either file of a pair or for their common prefix (`NAME.buggy-fixed`)."""
    name = str(path)
    for suffix in (".buggy", ".fixed"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return Path(name + ".buggy"), Path(name + ".fixed")


def _text_lines(path: Path) -> list[str]:
    with _open_text(path) as handle:
        text = handle.read()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def read_codexglue(path: Path, problems: Problems) -> Iterator[dict]:
    """Samples from CodeXGLUE's parallel `.buggy` / `.fixed` files, one sample per line."""
    buggy_path, fixed_path = codexglue_paths(path)
    for candidate in (buggy_path, fixed_path):
        if not candidate.is_file():
            raise CodemendError(f"{candidate}: no such file; CodeXGLUE pairs need both {buggy_path.name} and {fixed_path.name} side by side")
    buggy_lines, fixed_lines = _text_lines(buggy_path), _text_lines(fixed_path)
    if len(buggy_lines) != len(fixed_lines):
        raise CodemendError(
            f"{buggy_path} has {len(buggy_lines)} lines but {fixed_path} has {len(fixed_lines)}; "
            "the two files must be parallel (line N of one is the fix of line N of the other)"
        )
    problems.path = buggy_path
    for number, (buggy, fixed) in enumerate(zip(buggy_lines, fixed_lines), start=1):
        for name, text, where in (("buggy", buggy, buggy_path), ("fixed", fixed, fixed_path)):
            if not text.strip():
                problems.add(number, f"empty `{name}` line; every line must hold one sample", where)
        if problems.items:
            continue
        yield pair_sample(unescape(buggy), unescape(fixed), sample_id=f"{buggy_path.name}:{number}",
                          file=f"{buggy_path.name}:{number}", operator="imported", bug_class="imported")


def escape(code: str) -> str:
    """One line of text for a line-per-sample format: newlines as `\\n`, backslashes doubled."""
    return "".join(_ESCAPES.get(char, char) for char in code)


def unescape(line: str) -> str:
    """The inverse of `escape`; a backslash before any other character is kept as it is."""
    return re.sub(r"\\([\\nr])", lambda match: _UNESCAPES[match.group(1)], line)


_READERS = {"pairs": read_pairs, "codexglue": read_codexglue, "tssb": read_tssb}


def import_pairs(path: str | Path, fmt: ImportFormat, fields: tuple[str, str] = ("buggy", "fixed")) -> tuple[list[dict], dict[str, int]]:
    """Every sample of `path` in our format, and counts: records, single_hunk, not_single_hunk, identical,
    fixed_unparsable (the fixed code does not parse as Python: another language, or cut mid-statement)
    and buggy_unparsable (only the buggy code does not: a syntax bug, or a cut fragment).
    `fields`: the keys of the buggy and fixed code in a `pairs` file.

    Identical pairs (no line differs) are left out: they hold no fix to learn.
    Raises CodemendError naming file, line and field for malformed input, or for an empty file.
    """
    if fmt not in _READERS:
        raise CodemendError(f"--format {fmt}: choose one of {', '.join(get_args(ImportFormat))}")
    path = Path(path)
    problems = Problems(path)
    counts = collections.Counter(records=0, single_hunk=0, not_single_hunk=0, identical=0, buggy_unparsable=0, fixed_unparsable=0)
    samples = []
    reader = functools.partial(read_pairs, fields=fields) if fmt == "pairs" else _READERS[fmt]
    for sample in reader(path, problems):
        counts["records"] += 1
        if sample["buggy"].splitlines() == sample["fixed"].splitlines():
            counts["identical"] += 1
            continue
        counts["single_hunk" if sample["edit"] is not None else "not_single_hunk"] += 1
        fixed_parses = parses_as_python(sample["fixed"])
        counts["fixed_unparsable"] += not fixed_parses
        counts["buggy_unparsable"] += fixed_parses and not parses_as_python(sample["buggy"])
        samples.append(sample)
    problems.raise_if_any()
    if counts["records"] == 0:
        raise CodemendError(f"{problems.path}: empty file, no records to import")
    logger.info("read %d records from %s: %s", counts["records"], path, dict(counts))
    return samples, dict(counts)


def parses_as_python(code: str) -> bool:
    """Whether `code` parses as Python; a method's indented text counts as its dedented text."""
    return not has_error(parse(textwrap.dedent(code)))


# ----------------------------------------------------------------------------- exporting


def export_pairs(samples: list[dict], path: str | Path) -> int:
    """Write buggy/fixed JSONL (with the PAIR_LABELS a sample has: a trace, the bug class); returns the count."""
    keys = (*PAIR_LABELS, "buggy", "fixed")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_jsonl(path, ({k: s[k] for k in keys if s.get(k) not in (None, "")} for s in samples))


def export_codexglue(samples: list[dict], prefix: str | Path) -> int:
    """Write PREFIX.buggy and PREFIX.fixed, one escaped sample per line; returns the count.

    CodeXGLUE names them e.g. `train.buggy-fixed.buggy`, so pass `OUT/train.buggy-fixed`.
    """
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    for key in ("buggy", "fixed"):
        with open(f"{prefix}.{key}", "w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(escape(s[key]) + "\n" for s in samples)
    return len(samples)


def export_dataset(config: ExportConfig) -> dict[str, int]:
    """Export the chosen splits of a dataset folder; returns samples written per split."""
    from codemend.config import save_run_metadata

    check_writable_target(config.out, config.overwrite)
    folder = Path(config.data)
    missing = [s for s in config.splits if not (folder / f"{s}.jsonl").is_file()]
    if missing:
        raise CodemendError(f"--data {folder}: no {', '.join(f'{s}.jsonl' for s in missing)}; pass --splits with the ones it has")
    written = {}
    with atomic_folder(config.out, config.overwrite) as tmp:
        for split in config.splits:
            rows = read_jsonl(folder / f"{split}.jsonl", ("buggy", "fixed"), ("buggy", "fixed"))
            if config.format == "pairs":
                written[split] = export_pairs(rows, tmp / f"{split}.jsonl")
            else:
                written[split] = export_codexglue(rows, tmp / f"{_CODEXGLUE_SPLIT_NAMES[split]}.buggy-fixed")
        save_run_metadata(config, tmp)
    return written


# ----------------------------------------------------------------------------- the import command


def import_dataset(config: ImportConfig) -> ImportReport:
    """Import `config.file` and write a dataset folder like `codemend data build` does."""
    check_writable_target(config.out, config.overwrite)
    started = time.perf_counter()
    samples, counts = import_pairs(config.file, config.format, (config.buggy_field, config.fixed_field))
    drops: collections.Counter = collections.Counter(identical=counts["identical"])  # left out by import_pairs
    if not config.keep_unparsable and counts["fixed_unparsable"]:  # parsed again only when some fail (the count is import_pairs')
        drops["fixed_unparsable"] = counts["fixed_unparsable"]
        samples = [s for s in samples if parses_as_python(s["fixed"])]
    if not config.keep_multi_hunk:
        drops["not_single_hunk"] = sum(s["edit"] is None for s in samples)
        samples = [s for s in samples if s["edit"] is not None]
    samples = _dedupe(samples, drops)
    if not samples:
        hints = ["pass --keep_unparsable to keep pairs whose fixed code does not parse as Python"] if drops["fixed_unparsable"] else []
        hints += ["pass --keep_multi_hunk to keep pairs that differ in several places"] if drops["not_single_hunk"] else []
        hints += [f"{drops['identical']} pair(s) have the same buggy and fixed code: nothing to learn"] if drops["identical"] else []
        raise CodemendError(f"{config.file}: {counts['records']} records but no usable pair ({counts}); "
                            + "; ".join(hints or ["check the records' buggy and fixed fields"]))
    units = sorted({split_unit(s) for s in samples})
    by_split = split_samples(samples, config, "import more of them (records are split by their file, or by function without one)",
                             split_unit, unit="source")
    report = ImportReport(
        out=config.out, files=len(units), functions=counts["records"], input=config.file, format=config.format,
        counts=counts, samples={name: len(rows) for name, rows in by_split.items()},
        dropped={k: v for k, v in drops.items() if v},
        per_operator=dict(sorted(collections.Counter(s["operator"] for s in samples).items())),
    )
    report.seconds = round(time.perf_counter() - started, 2)
    with atomic_folder(config.out, config.overwrite) as tmp:
        write_outputs(tmp, by_split, report, config, card=import_card(report, by_split))
    return report


# What a reader names the file of a record that names none: "INPUT:LINE".
_UNNAMED_FILE = re.compile(r"[^/\\]+:\d+")


def split_unit(sample: dict) -> str:
    """What a sample is split by: the file its record names; for a record without one, its fixed code,
    whitespace aside, so that the bugs of one function share a split (as a build's bugs of one file do),
    not some in training and one in the test split, where a model would fix it by memory."""
    if not _UNNAMED_FILE.fullmatch(sample["file"]):
        return sample["file"]
    return "fixed:" + hashlib.sha256(" ".join(sample["fixed"].split()).encode("utf-8")).hexdigest()


def import_to_dataset(path: str | Path, fmt: ImportFormat, out: str | Path, seed: int = 0, overwrite: bool = False,
                      validation_fraction: float = 0.05, test_fraction: float = 0.05,
                      keep_multi_hunk: bool = False, keep_unparsable: bool = False) -> ImportReport:
    """`import_dataset` with plain arguments, for use from Python."""
    config = ImportConfig(file=str(path), format=fmt, out=str(out), seed=seed, overwrite=overwrite,
                          validation_fraction=validation_fraction, test_fraction=test_fraction,
                          keep_multi_hunk=keep_multi_hunk, keep_unparsable=keep_unparsable)
    problems = config.validate()
    if problems:
        raise CodemendError("; ".join(problems))
    return import_dataset(config)


def import_card(report: ImportReport, by_split: dict[str, list[dict]]) -> str:
    classes = collections.Counter(s["bug_class"] for rows in by_split.values() for s in rows)
    lines = [
        "# codemend imported dataset",
        "",
        f"Imported from `{report.input}` (format `{report.format}`) with `codemend data import`: "
        f"{report.functions} records, {sum(report.samples.values())} samples in {report.seconds} s.",
        f"Records: {report.counts}. Dropped: {report.dropped or 'none'}.",
        "Samples whose records name a file are split by file; the others by their fixed code (the bugs of one function share a split).",
        "",
        "| split | samples |", "|---|---|",
        *[f"| {name} | {count} |" for name, count in report.samples.items()],
        "", "| bug class | samples |", "|---|---|",
        *[f"| {name} | {count} |" for name, count in sorted(classes.items())],
        "",
    ]
    return "\n".join(lines)
