"""`codemend data build`: corpus collection, labels, file-level splits, determinism, bad input."""

import json

import pytest

from codemend.config import DataConfig, load_config
from codemend.data.build import assign_splits, build_dataset
from codemend.data.corpus import extract_functions, iter_python_files
from codemend.errors import CodemendError
from codemend.task import apply_output


def _config(tmp_path, assets, **overrides):
    values = {"source": [str(assets / "corpus")], "out": str(tmp_path / "data"), "workers": "1",
              "test_fraction": "0.25", "validation_fraction": "0.25", **overrides}
    return load_config(DataConfig, None, values)


def _rows(folder):
    return [json.loads(line) for split in ("train", "validation", "test") for line in open(folder / f"{split}.jsonl")]


def test_samples_are_labeled_and_their_edit_reproduces_the_fix(tiny_dataset):
    rows = _rows(tiny_dataset)
    assert len(rows) >= 20
    for row in rows:
        for key in ("buggy", "fixed", "operator", "bug_class", "line", "line_end", "edit", "diff", "file", "start_line", "seed"):
            assert key in row, key
        patch = apply_output(row["buggy"], row["edit"], "edit")
        assert patch.patched == row["fixed"] and patch.line == row["line"]
        assert row["buggy"] != row["fixed"]


def test_splits_are_by_file(tiny_dataset):
    files = {}
    for split in ("train", "validation", "test"):
        for line in open(tiny_dataset / f"{split}.jsonl"):
            files.setdefault(json.loads(line)["file"], set()).add(split)
    assert all(len(splits) == 1 for splits in files.values())
    assert {s for splits in files.values() for s in splits} == {"train", "validation", "test"}


def test_same_seed_same_dataset_other_seed_differs(tmp_path, assets):
    build_dataset(_config(tmp_path / "a", assets))
    build_dataset(_config(tmp_path / "b", assets))
    build_dataset(_config(tmp_path / "c", assets, seed="1"))
    a, b, c = (_rows(tmp_path / x / "data") for x in "abc")
    assert a == b
    assert [r["buggy"] for r in a] != [r["buggy"] for r in c]


def test_bad_files_are_skipped_and_counted(tiny_dataset):
    stats = json.loads((tiny_dataset / "stats.json").read_text())
    assert stats["skipped_files"] == {"unparsable": 1, "not_utf8": 1}


def test_empty_tree_and_tree_without_functions_fail_clearly(tmp_path, assets):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CodemendError, match="no .py files"):
        build_dataset(_config(tmp_path, assets, source=[str(tmp_path / "empty")]))
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "m.py").write_text("X = 1\n")
    with pytest.raises(CodemendError, match="no functions of 3-40 lines"):
        build_dataset(_config(tmp_path, assets, source=[str(tmp_path / "flat")]))
    assert not (tmp_path / "data").exists()


def test_existing_output_is_not_overwritten_without_the_flag(tmp_path, assets):
    out = tmp_path / "data"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(CodemendError, match="already exists"):
        build_dataset(_config(tmp_path, assets))
    assert (out / "keep.txt").read_text() == "mine"


def test_symlink_loops_do_not_trap_the_walk(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("def f(x):\n    y = x + 1\n    return y\n")
    (tmp_path / "pkg" / "loop").symlink_to(tmp_path / "pkg")
    assert [p.name for _, p in iter_python_files([tmp_path])] == ["m.py"]


def test_extract_functions_keeps_methods_context_and_provenance():
    source = b"import os\n\nclass A(Base):\n    def m(self, x):\n        y = x + 1\n        return y\n"
    (func,), skipped = extract_functions(source, "a.py", 1, 40)
    assert skipped is None
    assert func.name == "A.m" and func.start_line == 4 and func.end_line == 6
    assert func.code.startswith("def m(self, x):") and func.indent == "    "
    assert func.context == "import os\nclass A(Base):"


def test_split_assignment_is_deterministic_and_non_empty():
    config = DataConfig(test_fraction=0.1, validation_fraction=0.1)
    files = [f"f{i}.py" for i in range(5)]
    first = assign_splits(files, config)
    assert first == assign_splits(list(reversed(files)), config)
    assert sorted(first.values()).count("test") == 1 and sorted(first.values()).count("validation") == 1
