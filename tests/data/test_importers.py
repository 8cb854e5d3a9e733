"""`codemend data import` / `export`: each format read and labeled, round trips, errors naming line and field."""

import gzip
import json

import pytest

from codemend.data.importers import (
    ExportConfig,
    export_codexglue,
    export_dataset,
    export_pairs,
    import_pairs,
    import_to_dataset,
)
from codemend.errors import CodemendError
from codemend.task import apply_output

BUGGY = "def last(xs):\n    return xs[len(xs)]\n"
FIXED = "def last(xs):\n    return xs[len(xs) - 1]\n"
TWO_HUNKS = ("def f(a, b):\n    x = a\n    y = b\n    return x + y\n", "def f(a, b):\n    x = b\n    y = b\n    return x - y\n")


def _write_jsonl(path, rows):
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))
    return path


def test_pairs_are_labeled_like_injected_bugs(tmp_path):
    path = _write_jsonl(tmp_path / "pairs.jsonl", [
        {"buggy": BUGGY, "fixed": FIXED, "id": 7, "context": "import os"},
        "",
        {"buggy": TWO_HUNKS[0], "fixed": TWO_HUNKS[1], "file": "pkg/f.py"},
        {"buggy": BUGGY, "fixed": BUGGY},
    ])
    samples, counts = import_pairs(path, "pairs")
    assert counts == {"records": 3, "single_hunk": 1, "not_single_hunk": 1, "identical": 1, "buggy_unparsable": 0, "fixed_unparsable": 0}
    first, second = samples
    assert (first["id"], first["file"], first["context"], first["line"], first["line_end"]) == ("7", "pairs.jsonl:1", "import os", 2, 2)
    assert first["edit"] == "replace 2\n    return xs[len(xs) - 1]" and first["operator"] == "imported"
    assert apply_output(first["buggy"], first["edit"], "edit").patched == FIXED
    assert "-    return xs[len(xs)]" in first["diff"]
    assert (second["id"], second["file"], second["edit"], second["line"]) == ("pairs.jsonl:3", "pkg/f.py", None, None)


def test_a_pairs_file_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "pairs.jsonl"  # files exported on Windows often start with one: "Unexpected UTF-8 BOM" (QA)
    path.write_bytes(b"\xef\xbb\xbf" + (json.dumps({"buggy": BUGGY, "fixed": FIXED}) + "\n").encode())
    (sample,), counts = import_pairs(path, "pairs")
    assert counts["single_hunk"] == 1 and sample["fixed"] == FIXED

def test_pairs_may_be_one_json_array_with_line_numbers_kept(tmp_path):
    path = tmp_path / "pairs.json"
    path.write_text('[\n  {"buggy": "a\\n", "fixed": "b\\n"},\n  {"buggy": "a\\n",\n   "fixed": 3}\n]\n')
    with pytest.raises(CodemendError, match=r"pairs.json:3: field `fixed` must be a string, got a number"):
        import_pairs(path, "pairs")


def test_codexglue_parallel_files(tmp_path):
    (tmp_path / "train.buggy-fixed.buggy").write_text("public int f ( ) { return 0 ; }\nint g ( ) { }\n")
    (tmp_path / "train.buggy-fixed.fixed").write_text("public int f ( ) { return 1 ; }\nint g ( ) { return 2 ; }\n")
    for given in ("train.buggy-fixed.buggy", "train.buggy-fixed.fixed", "train.buggy-fixed"):
        samples, counts = import_pairs(tmp_path / given, "codexglue")
        assert counts["records"] == 2 and counts["single_hunk"] == 2
    assert samples[0]["fixed"] == "public int f ( ) { return 1 ; }" and samples[0]["edit"].startswith("replace 1\n")
    assert samples[1]["file"] == "train.buggy-fixed.buggy:2"


def test_tssb_records_give_bug_classes_from_the_sstub_pattern(tmp_path):
    path = tmp_path / "tssb.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"before": "x = foo(a)\n", "after": "x = foo(a, b)\n", "sstub_pattern": "SAME_FUNCTION_MORE_ARGS",
                                 "project": "someone/proj", "file_path": "src/m.py", "commit_sha": "abc123"}) + "\n")
    (sample,), counts = import_pairs(path, "tssb")
    assert (sample["operator"], sample["bug_class"]) == ("tssb:SAME_FUNCTION_MORE_ARGS", "same function more args")
    assert (sample["file"], sample["commit"], sample["line"]) == ("someone/proj/src/m.py", "abc123", 1)


def test_round_trips_through_both_exporters(tmp_path):
    rows = [{"buggy": BUGGY, "fixed": FIXED, "id": "a"},
            {"buggy": "def g(s):\n    return s.split('\\\\n')\n", "fixed": "def g(s):\n    return s.split('\\n')\n", "id": "b"}]
    pairs = _write_jsonl(tmp_path / "in.jsonl", rows)
    samples, _ = import_pairs(pairs, "pairs")
    assert export_pairs(samples, tmp_path / "out" / "pairs.jsonl") == 2
    again, _ = import_pairs(tmp_path / "out" / "pairs.jsonl", "pairs")
    assert again == samples
    assert export_codexglue(samples, tmp_path / "cx" / "test.buggy-fixed") == 2
    assert len((tmp_path / "cx" / "test.buggy-fixed.buggy").read_text().splitlines()) == 2  # one sample per line
    from_codexglue, _ = import_pairs(tmp_path / "cx" / "test.buggy-fixed.buggy", "codexglue")
    assert [(s["buggy"], s["fixed"], s["edit"]) for s in from_codexglue] == [(s["buggy"], s["fixed"], s["edit"]) for s in samples]


def test_a_pairs_export_and_import_keep_bug_class_operator_and_trace(tmp_path):
    # The export wrote id, file, function, context, buggy and fixed only: a round trip lost the labels and the
    # failing test's trace that --task.include_trace trains on (QA).
    path = _write_jsonl(tmp_path / "in.jsonl", [{"buggy": BUGGY, "fixed": FIXED, "id": "a"}])
    (sample,), _ = import_pairs(path, "pairs")
    labeled = {**sample, "operator": "off_by_one_index", "bug_class": "off-by-one", "trace": "IndexError: list index out of range"}
    plain = {**sample, "id": "b"}  # no trace: none is written, and none comes back
    export_pairs([labeled, plain], tmp_path / "out" / "pairs.jsonl")
    written = [json.loads(line) for line in open(tmp_path / "out" / "pairs.jsonl")]
    assert (written[0]["operator"], written[0]["bug_class"], written[0]["trace"]) == ("off_by_one_index", "off-by-one", labeled["trace"])
    assert "trace" not in written[1]
    again, _ = import_pairs(tmp_path / "out" / "pairs.jsonl", "pairs")
    assert again == [labeled, plain]


@pytest.mark.parametrize("lines, expected", [
    (['{"buggy": "a", "fixed": "b"}', '{"buggy": "a", "fixed": "b"', ], r"in.jsonl:2: invalid JSON \(Expecting ',' delimiter at column 28\)"),
    # The line's own newline is not in the record: an unterminated string is said, at its start (not "control character at at").
    (['{"buggy": "def g(:'], r"in.jsonl:1: invalid JSON \(Unterminated string starting at column 11\)"),
    (['{"buggy": "a", "fixed": '], r"in.jsonl:1: invalid JSON \(Expecting value at column 25\)"),
    (['[1, {"buggy": "a", "fixed": "b"}, 2]'], r"in.jsonl:1: item 1 of the JSON array: expected a JSON object, got a number; "
                                              r".*in.jsonl:1: item 3 of the JSON array"),
    (['{"buggy": "a"}'], r"in.jsonl:1: missing field `fixed`"),
    (['{"buggy": "a", "fixed": "b"}', "", '{"buggy": 12, "fixed": "b"}'], r"in.jsonl:3: field `buggy` must be a string, got a number"),
    (['{"buggy": "a", "fixed": "b", "context": null}'], r"in.jsonl:1: field `context` must be a string, got null"),
    (['["a", "b"]', '{"buggy": "a", "fixed": "b"}'], r"in.jsonl:2: invalid JSON \(Extra data.*read as one JSON array"),
    ([], r"in.jsonl: empty file"),
])
def test_pair_errors_name_line_and_field(tmp_path, lines, expected):
    path = tmp_path / "in.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    with pytest.raises(CodemendError, match=expected):
        import_pairs(path, "pairs")


def test_every_bad_record_is_reported_at_once(tmp_path):
    path = _write_jsonl(tmp_path / "in.jsonl", [{"fixed": "b"}, "{oops", {"buggy": "a", "fixed": []}])
    with pytest.raises(CodemendError) as info:
        import_pairs(path, "pairs")
    message = str(info.value)
    assert "in.jsonl:1: missing field `buggy`" in message and "in.jsonl:2: invalid JSON" in message
    assert "in.jsonl:3: field `fixed` must be a string, got an array" in message


def test_tssb_and_codexglue_errors(tmp_path):
    path = _write_jsonl(tmp_path / "t.jsonl", [{"before": "a", "after": "b"}])
    with pytest.raises(CodemendError, match=r"t.jsonl:1: missing field `sstub_pattern`"):
        import_pairs(path, "tssb")
    (tmp_path / "x.buggy").write_text("a\nb\nc\n")
    with pytest.raises(CodemendError, match=r"x.fixed: no such file"):
        import_pairs(tmp_path / "x.buggy", "codexglue")
    (tmp_path / "x.fixed").write_text("a\nb\n")
    with pytest.raises(CodemendError, match=r"x.buggy has 3 lines but .*x.fixed has 2"):
        import_pairs(tmp_path / "x.buggy", "codexglue")
    (tmp_path / "x.fixed").write_text("a\n\nd\n")
    with pytest.raises(CodemendError, match=r"x.fixed:2: empty `fixed` line"):
        import_pairs(tmp_path / "x.buggy", "codexglue")
    (tmp_path / "y.buggy").write_text("")
    (tmp_path / "y.fixed").write_text("")
    with pytest.raises(CodemendError, match=r"y.buggy: empty file"):
        import_pairs(tmp_path / "y.buggy", "codexglue")
    (tmp_path / "bad.jsonl").write_bytes(b'{"buggy": "caf\xe9", "fixed": "b"}\n')
    with pytest.raises(CodemendError, match=r"bad.jsonl: not UTF-8"):
        import_pairs(tmp_path / "bad.jsonl", "pairs")


def test_import_writes_a_trainable_dataset_and_export_reads_it_back(tmp_path):
    rows = [{"buggy": BUGGY.replace("last", f"last{i}"), "fixed": FIXED.replace("last", f"last{i}")} for i in range(12)]
    rows += [{"buggy": TWO_HUNKS[0], "fixed": TWO_HUNKS[1]}, rows[0]]
    path = _write_jsonl(tmp_path / "in.jsonl", rows)
    report = import_to_dataset(path, "pairs", tmp_path / "data", test_fraction=0.25, validation_fraction=0.25)
    assert report.dropped == {"not_single_hunk": 1, "duplicate": 1}
    assert sum(report.samples.values()) == 12 and all(report.samples.values())
    data = tmp_path / "data"
    for split in ("train", "validation", "test"):
        for line in open(data / f"{split}.jsonl"):
            row = json.loads(line)
            assert apply_output(row["buggy"], row["edit"], "edit").patched == row["fixed"]
    assert (data / "hf").is_dir() and "ImportConfig" in (data / "config.yaml").read_text()
    assert "imported dataset" in (data / "README.md").read_text()
    with pytest.raises(CodemendError, match="already exists"):
        import_to_dataset(path, "pairs", data)

    written = export_dataset(ExportConfig(data=str(data), format="codexglue", out=str(tmp_path / "cx")))
    assert written == report.samples
    assert (tmp_path / "cx" / "valid.buggy-fixed.fixed").is_file()
    back, counts = import_pairs(tmp_path / "cx" / "train.buggy-fixed.buggy", "codexglue")
    assert counts["single_hunk"] == report.samples["train"]


def test_pairs_whose_code_is_under_other_keys_are_read_with_those_names(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text(json.dumps({"before": "def f(x):\n    return x - 1\n", "after": "def f(x):\n    return x + 1\n", "id": 7}) + "\n")
    with pytest.raises(CodemendError, match=r"pairs.jsonl:1: missing field `buggy`, `fixed` \(it has before, after, id; --buggy_field"):
        import_pairs(path, "pairs")
    (sample,), counts = import_pairs(path, "pairs", ("before", "after"))
    assert (sample["id"], sample["edit"], counts["single_hunk"]) == ("7", "replace 2\n    return x + 1", 1)


def test_bugs_of_one_function_share_a_split_when_their_records_name_no_file(tmp_path):
    # Without a file, each pair was its own split unit: three bugs of one function could put two in
    # training and one in the test split, fixed there by memory. Records naming a file split by it.
    from codemend.data.importers import split_unit

    functions = [FIXED.replace("last", f"last{i}") for i in range(30)]
    rows = [{"buggy": fixed.replace("- 1", "- 2"), "fixed": fixed} for fixed in functions]
    rows += [{"buggy": fixed.replace("- 1", "+ 1"), "fixed": fixed.replace("    ", "  ")} for fixed in functions]  # same code, other indent
    rows += [{"buggy": BUGGY, "fixed": FIXED, "file": "pkg/a.py"}, {"buggy": BUGGY.replace("xs", "ys"), "fixed": FIXED.replace("xs", "ys"), "file": "pkg/a.py"}]
    path = _write_jsonl(tmp_path / "in.jsonl", rows)
    import_to_dataset(path, "pairs", tmp_path / "data", test_fraction=0.3, validation_fraction=0.3)
    split_of: dict[str, set[str]] = {}
    for split in ("train", "validation", "test"):
        for line in open(tmp_path / "data" / f"{split}.jsonl"):
            split_of.setdefault(split_unit(json.loads(line)), set()).add(split)
    assert len(split_of) == 31 and all(len(splits) == 1 for splits in split_of.values())
    assert len({next(iter(s)) for s in split_of.values()}) == 3  # every split still gets some
    assert split_unit({"file": "in.jsonl:4", "fixed": FIXED}) == split_unit({"file": "x.json:9", "fixed": FIXED.replace("    ", "\t")})
    assert split_unit({"file": "pkg/a.py", "fixed": FIXED}) == "pkg/a.py"


def test_an_identical_pair_is_counted_as_dropped(tmp_path):
    path = _write_jsonl(tmp_path / "in.jsonl", [{"buggy": BUGGY, "fixed": FIXED}, {"buggy": FIXED, "fixed": FIXED}])
    report = import_to_dataset(path, "pairs", tmp_path / "data", test_fraction=0, validation_fraction=0)
    assert report.dropped == {"identical": 1} and "'identical': 1" in (tmp_path / "data" / "README.md").read_text()


def test_a_pair_whose_fix_does_not_parse_is_left_out_and_a_syntax_bug_is_kept_and_counted(tmp_path, capsys):
    from codemend.cli import main

    method = "    def last(self, xs):\n        return xs[-1]\n"  # a method's indented text parses
    rows = [{"buggy": BUGGY, "fixed": FIXED, "file": "a.py"},
            {"buggy": method.replace("[-1]", "[1]"), "fixed": method, "file": "b.py"},
            {"buggy": BUGGY.replace("):", ")"), "fixed": FIXED, "file": "c.py"},  # a missing colon: a syntax bug
            {"buggy": "public int f() { return 0 }", "fixed": "public int f() { return 0; }", "file": "d.java"}]
    path = _write_jsonl(tmp_path / "in.jsonl", rows)
    samples, counts = import_pairs(path, "pairs")
    assert len(samples) == 4 and counts["fixed_unparsable"] == 1 and counts["buggy_unparsable"] == 1
    report = import_to_dataset(path, "pairs", tmp_path / "data", test_fraction=0, validation_fraction=0)
    assert report.dropped == {"fixed_unparsable": 1} and report.samples["train"] == 3
    kept = import_to_dataset(path, "pairs", tmp_path / "kept", test_fraction=0, validation_fraction=0, keep_unparsable=True)
    assert not kept.dropped and kept.samples["train"] == 4

    assert main(["data", "import", str(path), "--out", str(tmp_path / "cli"), "--test_fraction", "0", "--validation_fraction", "0"]) == 0
    err = capsys.readouterr().err
    assert "note: 1 pair(s) left out: their fixed code does not parse as Python (--keep_unparsable keeps them)" in err
    assert "note: 1 pair(s) read with buggy code that does not parse as Python, kept as syntax bugs" in err
    java = _write_jsonl(tmp_path / "java.jsonl", rows[3:])
    with pytest.raises(CodemendError, match="no usable pair .* pass --keep_unparsable to keep pairs whose fixed code does not parse"):
        import_to_dataset(java, "pairs", tmp_path / "java")
    same = _write_jsonl(tmp_path / "same.jsonl", [{"buggy": BUGGY, "fixed": BUGGY}])  # it said "pass --keep_multi_hunk" (QA)
    with pytest.raises(CodemendError, match=r"no usable pair .*; 1 pair\(s\) have the same buggy and fixed code: nothing to learn$"):
        import_to_dataset(same, "pairs", tmp_path / "same")


def test_an_import_too_small_for_held_out_splits_says_so(tmp_path, caplog):
    """Only `data build` said it: a --repo build, a mine or an import of one file wrote empty splits in silence."""
    path = _write_jsonl(tmp_path / "in.jsonl", [{"buggy": BUGGY, "fixed": FIXED, "file": "one.py"}])
    with caplog.at_level("WARNING"):
        report = import_to_dataset(path, "pairs", tmp_path / "data")
    assert report.samples == {"train": 1, "validation": 0, "test": 0}
    assert "validation and test: no samples, as 1 source(s) with samples are too few to split by source" in caplog.text
