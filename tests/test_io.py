"""Output folders are written atomically and never replaced without a backup."""

from pathlib import Path

import pytest

from codemend.errors import CodemendError
from codemend.io import atomic_folder, read_jsonl, write_jsonl, write_then_rename


def test_failed_write_leaves_nothing_that_looks_complete(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with atomic_folder(out) as tmp:
            (tmp / "half.txt").write_text("x")
            raise RuntimeError("disk full")
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_existing_folder_needs_overwrite_and_is_backed_up(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("precious")
    with pytest.raises(CodemendError, match="already exists"):
        with atomic_folder(out):
            pass
    with atomic_folder(out, overwrite=True) as tmp:
        (tmp / "new.txt").write_text("new")
    assert (out / "new.txt").exists() and not (out / "old.txt").exists()
    backups = [p for p in tmp_path.iterdir() if p.name.startswith("out.bak-")]
    assert len(backups) == 1 and (backups[0] / "old.txt").read_text() == "precious"


def test_folders_replaced_within_one_second_each_get_their_own_backup(tmp_path, monkeypatch):
    import time

    monkeypatch.setattr(time, "strftime", lambda *args: "20261207-120000")  # every replacement in the same second
    out = tmp_path / "out"
    for version in range(4):
        with atomic_folder(out, overwrite=True) as tmp:
            (tmp / "v.txt").write_text(str(version))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["out", "out.bak-20261207-120000", "out.bak-20261207-120000-2", "out.bak-20261207-120000-3"]
    assert [(tmp_path / name / "v.txt").read_text() for name in names] == ["3", "0", "1", "2"]


def test_an_output_another_run_moved_in_meanwhile_is_backed_up_too(tmp_path, monkeypatch):
    out = tmp_path / "out"
    real_rename = type(out).rename

    def rename(self, target):  # as another --overwrite run does between this one's backup and its move
        if self.name.startswith(".out.tmp-") and not out.exists() and not (tmp_path / "other").exists():
            (tmp_path / "other").mkdir()
            (out / "theirs.txt").parent.mkdir()
            (out / "theirs.txt").write_text("theirs")
        return real_rename(self, target)

    monkeypatch.setattr(type(out), "rename", rename)
    with atomic_folder(out, overwrite=True) as tmp:
        (tmp / "mine.txt").write_text("mine")
    assert (out / "mine.txt").read_text() == "mine"
    (backup,) = tmp_path.glob("out.bak-*")
    assert (backup / "theirs.txt").read_text() == "theirs" and not list(tmp_path.glob(".out.tmp-*"))


def test_a_file_written_then_renamed_replaces_the_old_one_whole_or_not_at_all(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("old")

    def fails(tmp):
        Path(tmp).write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_then_rename(path, fails)
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"] and path.read_text() == "old"  # no temporary left
    write_then_rename(path, lambda tmp: Path(tmp).write_text("new"), mode=0o600)
    assert path.read_text() == "new" and path.stat().st_mode & 0o777 == 0o600 and len(list(tmp_path.iterdir())) == 1


def test_a_killed_writers_temporary_folder_is_removed_and_a_live_ones_kept(tmp_path):
    import os
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    (tmp_path / f".out.tmp-{gone}").mkdir()  # as a SIGKILLed build leaves it
    (tmp_path / f".out.tmp-{os.getppid()}").mkdir()  # a process still writing
    with atomic_folder(tmp_path / "out") as tmp:
        (tmp / "new.txt").write_text("new")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", f".out.tmp-{os.getppid()}"])


def test_read_jsonl_names_the_bad_line_and_field(tmp_path):
    path = tmp_path / "x.jsonl"
    write_jsonl(path, [{"a": 1}, {"a": 2}])
    assert [r["a"] for r in read_jsonl(path, ("a",))] == [1, 2]
    path.write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(CodemendError, match=r"x.jsonl:2: invalid JSON"):
        read_jsonl(path)
    path.write_text('{"a": 1}\n{"b": 2}\n')
    with pytest.raises(CodemendError, match=r"x.jsonl:2: missing field\(s\) a"):
        read_jsonl(path, ("a",))
    path.write_bytes(b'{"a": 1}\n{"a": "\xff"}\n')
    with pytest.raises(CodemendError, match=r"x.jsonl:2: not UTF-8: byte 0xff at byte 8 of the line; fix or remove that line"):
        read_jsonl(path)
    path.write_text('{"a": "one\u2028two\u0085"}\n{"a": 2}\n', encoding="utf-8")  # JSON holds them as they are; lines end at \n
    assert read_jsonl(path, ("a",)) == [{"a": "one\u2028two\u0085"}, {"a": 2}]
    path.write_text('{"a": "unterminated}\n')
    with pytest.raises(CodemendError, match=r"invalid JSON \(Unterminated string starting at column 7\)"):
        read_jsonl(path)
    path.write_bytes(b'{"a": 1}\r\n\r\n{"a": "abc\r\n')  # CRLF: the \r is no part of the record, nor of its error
    with pytest.raises(CodemendError, match=r"x.jsonl:3: invalid JSON \(Unterminated string starting at column 7\)"):
        read_jsonl(path)
    path.write_text('{"buggy": "x", "fixed": 123}\n')  # a train run ended in AttributeError: 'int' object has no attribute 'split' (QA)
    with pytest.raises(CodemendError, match=r"x.jsonl:1: field fixed must be a string, got int"):
        read_jsonl(path, ("buggy", "fixed"), ("buggy", "fixed"))
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n')  # a byte-order mark, as files exported on Windows often have
    assert read_jsonl(path, ("a",)) == [{"a": 1}]


def test_an_output_cannot_go_under_a_file_replace_the_code_it_reads_or_a_checkout(tmp_path):
    from codemend.io import check_writable_target

    (tmp_path / "afile.txt").write_text("hi")
    with pytest.raises(CodemendError, match=r"afile.txt is a file, not a folder"):  # was a FileExistsError traceback (QA)
        check_writable_target(tmp_path / "afile.txt" / "sub", overwrite=False)
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    for out in (repo, tmp_path):  # --overwrite would have moved the user's code aside as repo.bak-... (QA)
        with pytest.raises(CodemendError, match=r"is or holds --source .*which this command reads"):
            check_writable_target(out, overwrite=True, reads=[("--source", repo)])
    assert check_writable_target(repo / "runs" / "data", overwrite=True, reads=[("--source", repo)]) == repo / "runs" / "data"
    (repo / ".git").mkdir()
    with pytest.raises(CodemendError, match="is a git checkout"):
        check_writable_target(repo, overwrite=True)


def test_an_output_that_cannot_be_written_is_said_before_any_work(tmp_path):
    """QA: `eval --out /proc/x` and `explain --out /proc/x.html` ended in tracebacks after the whole run (as root,
    os.access says /proc is writable: only a try tells)."""
    from codemend.inference.explain import out_problem
    from codemend.io import unwritable_problem

    (tmp_path / "afile").write_text("mine")
    assert "exists and is not a folder" in unwritable_problem(tmp_path / "afile")
    assert "is a file, not a folder" in unwritable_problem(tmp_path / "afile" / "sub" / "x")
    assert unwritable_problem(tmp_path / "new" / "deeper") == unwritable_problem(tmp_path / "page.html", folder=False) == ""
    assert "cannot write in /proc" in unwritable_problem("/proc/codemend-x")
    assert "cannot write in /proc" in out_problem("/proc/x.html", tmp_path / "m.py")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]  # the probe leaves nothing
