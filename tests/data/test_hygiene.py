"""Dataset hygiene: shingles, near-duplicate families, benchmark contamination in the data build.

    .venv/bin/python -m pytest tests/data/test_hygiene.py -q
"""

from __future__ import annotations

import json

import pytest

from codemend.config import ConfigError, DataConfig, load_config
from codemend.data.build import build_dataset, single_hunk_diff
from codemend.data.hygiene import contamination, jaccard, near_duplicate_groups, shingles, signatures, tokens
from codemend.errors import CodemendError
from codemend.task import compute_edit, unified_diff

MERGE = '''def merge_sorted(left, right):
    """Merge two sorted lists into one sorted list."""
    merged = []
    i = j = 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            j += 1
    merged.extend(left[i:])
    merged.extend(right[j:])
    return merged
'''
SUMMARY = '''def summarize(values):
    """Mean, spread and extremes of a list of numbers."""
    if not values:
        raise ValueError("summarize() needs at least one value")
    count = len(values)
    mean = sum(values) / count
    variance = sum((value - mean) ** 2 for value in values) / count
    low, high = min(values), max(values)
    return {"count": count, "mean": mean, "std": variance ** 0.5, "low": low, "high": high}
'''
# One variable renamed, nothing else.
SUMMARY_RENAMED = SUMMARY.replace("variance", "spread")
# The same tokens, laid out and commented differently.
MERGE_RESTYLED = MERGE.replace("    merged = []\n", "    merged = [ ]   # the output\n\n").replace("i = j = 0", "i  =  j  =  0")
OTHER = '''def word_counts(text):
    counts = {}
    for word in text.lower().split():
        word = word.strip(".,;:!?")
        if word:
            counts[word] = counts.get(word, 0) + 1
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
'''
# A module that holds MERGE among other code: what a benchmark program looks like.
PROGRAM = "import sys\n\n\n" + MERGE + "\n\ndef main():\n    print(merge_sorted([1, 3], [2]), file=sys.stderr)\n"


def test_shingles_ignore_whitespace_and_comments():
    assert shingles(MERGE_RESTYLED) == shingles(MERGE)
    assert shingles("x = 1  # one\n") == shingles("x=1\n") == {"x = 1"}
    assert tokens("s = '#not a comment'  # a comment\n") == ["s", "=", "'#not a comment'"]
    assert shingles(SUMMARY) != shingles(SUMMARY_RENAMED)


def test_one_renamed_variable_is_a_near_duplicate_but_another_function_is_not():
    assert jaccard(shingles(SUMMARY), shingles(SUMMARY_RENAMED)) >= 0.8
    codes = [SUMMARY, OTHER, SUMMARY_RENAMED, MERGE, MERGE_RESTYLED]
    assert near_duplicate_groups(codes, 0.8) == [0, 1, 0, 3, 3]
    assert near_duplicate_groups(codes, 0) == [0, 1, 2, 3, 4]  # 0 disables


def test_representatives_are_deterministic_and_the_first_copy_is_kept():
    codes = [OTHER, SUMMARY_RENAMED, SUMMARY, MERGE, SUMMARY]
    first = near_duplicate_groups(codes, 0.8, seed=3)
    assert first == near_duplicate_groups(list(codes), 0.8, seed=3)
    assert first == [0, 1, 1, 3, 1]
    assert (signatures(codes, seed=3) == signatures(codes, seed=3)).all()


def test_signatures_equal_datasketch_minhash():
    from datasketch import MinHash

    from codemend.data.hygiene import shingle_hashes

    hashes, counts = shingle_hashes([MERGE])
    expected = MinHash(num_perm=64, seed=7, hashfunc=int)
    expected.update_batch([int(h) for h in hashes])
    assert counts.tolist() == [len(tokens(MERGE)) - 2] and len(set(hashes.tolist())) == len(shingles(MERGE))
    assert (signatures([MERGE], seed=7)[0] == expected.hashvalues).all()


def test_contamination_finds_exact_and_near_copies():
    train = [OTHER, MERGE_RESTYLED, SUMMARY_RENAMED, "def f(x):\n    return x\n"]
    bench = [MERGE, "def g():\n    pass\n", SUMMARY]
    near = jaccard(shingles(SUMMARY), shingles(SUMMARY_RENAMED))
    assert contamination(train, bench, 0.8) == [(1, 0, 1.0), (2, 2, pytest.approx(near, abs=1e-4))]
    assert contamination(train, bench, 0) == [(1, 0, 1.0)]  # exact copies only


def test_the_fast_diff_equals_task_unified_diff(tiny_dataset):
    rows = [json.loads(line) for line in open(tiny_dataset / "train.jsonl")]
    for row in rows:
        edit = compute_edit(row["buggy"], row["fixed"])
        assert row["diff"] == unified_diff(row["buggy"], row["fixed"], row["file"], first_line=row["start_line"])
        assert single_hunk_diff(row["buggy"], row["fixed"], edit, "f.py") == unified_diff(row["buggy"], row["fixed"], "f.py")


# ------------------------------------------------------------------------------ in the build


@pytest.fixture()
def corpus(tmp_path):
    """`a.py` holds a copy of the benchmark's merge_sorted and summarize; `b.py` a near-copy of summarize."""
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.py").write_text(MERGE + "\n\n" + SUMMARY)
    (source / "b.py").write_text(SUMMARY_RENAMED + "\n\n" + OTHER)
    return source


@pytest.fixture()
def bench_file(tmp_path):
    item = {"id": "merge-1", "buggy_code": PROGRAM.replace("left[i] <= right[j]", "left[i] < right[j]"),
            "fixed_code": PROGRAM, "test_code": "assert merge_sorted([1], [0]) == [0, 1]\n",
            "entry_point": "merge_sorted", "bug_type": "comparison", "timeout_s": 5}
    path = tmp_path / "bench.jsonl"
    path.write_text(json.dumps(item) + "\n")
    return path


def _build(tmp_path, source, name, **overrides):
    # No benchmark unless a test names one: the fixture's merge_sorted resembles a builtin program.
    values = {"source": [str(source)], "out": str(tmp_path / name), "workers": "1", "test_fraction": "0",
              "validation_fraction": "0", "benchmark": [], **overrides}
    build_dataset(load_config(DataConfig, None, values))
    return tmp_path / name


def _functions(folder):
    return {(row["file"], row["function"]) for line in open(folder / "train.jsonl") for row in [json.loads(line)]}


def test_build_keeps_one_function_of_each_near_duplicate_family(tmp_path, corpus):
    out = _build(tmp_path, corpus, "dedup", near_dup_threshold="0.8")
    assert _functions(out) == {("a.py", "merge_sorted"), ("a.py", "summarize"), ("b.py", "word_counts")}
    stats = json.loads((out / "stats.json").read_text())
    assert stats["hygiene"]["near_duplicate_functions"] == 1 and stats["dropped"]["near_duplicate"] >= 1
    assert "Near-duplicates: 1 function(s)" in (out / "README.md").read_text()
    assert len(_functions(_build(tmp_path, corpus, "all", near_dup_threshold="0"))) == 4


def test_contamination_refuse_names_the_function_and_the_benchmark_item(tmp_path, corpus, bench_file):
    with pytest.raises(CodemendError, match=r"a\.py::merge_sorted.*merge-1"):
        _build(tmp_path, corpus, "refused", benchmark=[str(bench_file)], contamination="refuse", near_dup_threshold="0")
    assert not (tmp_path / "refused").exists()


def test_contamination_drop_removes_copies_and_reports_them(tmp_path, corpus, bench_file):
    out = _build(tmp_path, corpus, "dropped", benchmark=[str(bench_file)], contamination="drop", near_dup_threshold="0.8")
    assert _functions(out) == {("a.py", "summarize"), ("b.py", "word_counts")}
    report = json.loads((out / "contamination.json").read_text())
    assert report["mode"] == "drop" and report["matches"][0]["file"] == "a.py"
    assert report["matches"][0]["benchmark"][0].endswith("merge-1:fixed:merge_sorted")
    stats = json.loads((out / "stats.json").read_text())
    assert stats["hygiene"]["contaminated_functions"] == 1 and stats["dropped"]["contaminated"] >= 1


def test_contamination_report_keeps_copies_and_lists_them(tmp_path, corpus, bench_file):
    out = _build(tmp_path, corpus, "reported", benchmark=[str(bench_file)], contamination="report", near_dup_threshold="0.8")
    assert ("a.py", "merge_sorted") in _functions(out)
    matched = {(m["file"], m["function"]) for m in json.loads((out / "contamination.json").read_text())["matches"]}
    assert matched == {("a.py", "merge_sorted")}
    card = (out / "README.md").read_text()
    assert "1 corpus function(s) matched, kept and listed" in card and "a.py::merge_sorted" in card


def test_bad_hygiene_settings_name_the_flag(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(DataConfig, None, {"near_dup_threshold": "1.5", "benchmark": [str(tmp_path / "nope.jsonl")],
                                       "contamination": "ignore"})
    message = str(err.value)
    assert "--near_dup_threshold 1.5" in message and "--benchmark" in message and "--contamination" in message


def test_builtin_benchmark_is_checked_by_default(tmp_path, corpus):
    out = tmp_path / "default"
    build_dataset(load_config(DataConfig, None, {"source": [str(corpus)], "out": str(out), "workers": "1",
                                                 "test_fraction": "0", "validation_fraction": "0", "near_dup_threshold": "0.8"}))
    assert ("a.py", "merge_sorted") not in _functions(out)  # a near copy of the builtin merge_sort program
    assert json.loads((out / "contamination.json").read_text())
