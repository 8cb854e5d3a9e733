"""Writing output folders safely: build under a temporary name, then rename into place.

A half-written folder never looks complete, and an existing one is only replaced with
`overwrite=True`, after it has been moved aside as a backup.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from codemend.errors import CodemendError


def check_writable_target(out: str | os.PathLike, overwrite: bool, flag: str = "--out",
                          reads: Sequence[tuple[str, str | os.PathLike]] = ()) -> Path:
    """Fail early, before any work, when `out` exists and may not be replaced, cannot be made or written
    (`unwritable_problem`), or is or holds a folder the command reads (`reads`:
    (flag, path) pairs): `--overwrite` moves `out` aside, and the user's code is not an output."""
    out = Path(out)
    if out.exists() and not overwrite:
        raise CodemendError(f"{flag} {out} already exists; pick another folder or pass --overwrite (the old one is kept as a backup)")
    if problem := unwritable_problem(out, flag):
        raise CodemendError(problem)
    target = out.resolve()
    for name, path in reads:
        read = Path(path).resolve()
        if read.is_relative_to(target):  # a folder inside the code (`--source . --out runs/data`) is fine
            raise CodemendError(f"{flag} {out} is or holds {name} {path}, which this command reads: outputs go in a folder of "
                                f"their own (--overwrite would move your code aside); pick another path")
    if overwrite and (out / ".git").exists():
        raise CodemendError(f"{flag} {out} is a git checkout, not an output folder; pick another path")
    return out


def unwritable_problem(out: str | os.PathLike, flag: str = "--out", folder: bool = True) -> str:
    """Why `out` (a folder to write in, or a file when not `folder`) cannot be written ("" when it can): it, or a
    path above it, is a file, or the nearest folder that exists does not let this user create anything in it.
    Checked before any work, so a long run does not end in a traceback."""
    out = Path(out)
    if folder and out.exists() and not out.is_dir():
        return f"{flag} {out} exists and is not a folder; pick another path"
    above = next((parent for parent in out.parents if parent.exists()), None)
    if above is not None and not above.is_dir():
        return f"{flag} {out}: {above} is a file, not a folder; pick another path"
    nearest = out if out.is_dir() else above
    if nearest is None:
        return ""
    try:  # as root, os.access says yes to /proc; only a try tells
        descriptor, probe = tempfile.mkstemp(dir=nearest, prefix=".codemend-probe-")
    except OSError as err:
        return f"{flag} {out}: cannot write in {nearest} ({err.strerror}); pick another path"
    os.close(descriptor)
    os.unlink(probe)
    return ""


MOVE_ATTEMPTS = 20  # moves into place that other runs writing the same folder may each undo


@contextlib.contextmanager
def atomic_folder(out: str | os.PathLike, overwrite: bool = False, disk_full_hint: str = "") -> Iterator[Path]:
    """Yield a temporary sibling folder; on success move it to `out` (backing up an old `out`).

    A full disk while writing becomes a CodemendError saying where (plus `disk_full_hint`), and `out` is left as it was.
    """
    out = check_writable_target(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
    except BaseException as err:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(err, OSError) and err.errno == errno.ENOSPC:
            kept = f"{out} is unchanged" if out.exists() else f"nothing was written to {out}"
            raise CodemendError(
                f"the disk is full: no space left on the device holding {out.parent.resolve()} while writing {out}; "
                f"{kept}; free space there or pick another --out" + (f"; {disk_full_hint}" if disk_full_hint else "")
            ) from None
        raise
    for _ in range(MOVE_ATTEMPTS):  # another run writing the same `out` may move in between: back that up too
        if out.exists():
            back_up(out)
        try:
            tmp.rename(out)
            return
        except OSError as err:
            if err.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
    raise CodemendError(f"{out} was replaced by other runs {MOVE_ATTEMPTS} times while this one moved its output there; "
                        f"its output is in {tmp} until the next run into {out} (move it into place by hand)")


def backup_names(out: Path) -> Iterator[Path]:
    """OUT.bak-TIMESTAMP, then OUT.bak-TIMESTAMP-2, -3, ...: where a backup of `out` may go (two runs in the same
    second each need one); the caller takes the first it can create."""
    stamp, number = time.strftime("%Y%m%d-%H%M%S"), 1
    while True:
        yield out.parent / f"{out.name}.bak-{stamp}{'' if number == 1 else f'-{number}'}"
        number += 1


def back_up(out: Path) -> Path | None:
    """Rename `out` to OUT.bak-TIMESTAMP, or OUT.bak-TIMESTAMP-N where that name is taken (two runs replaced it in the
    same second); None when `out` was gone already (another run moved it first)."""
    for backup in backup_names(out):
        if backup.exists():
            continue
        try:
            out.rename(backup)
            return backup
        except FileNotFoundError:
            return None
        except OSError as err:
            if err.errno not in (errno.ENOTEMPTY, errno.EEXIST):  # taken since the check
                raise


def copy_to_backup(out: Path, names: Iterable[str]) -> Path:
    """Copy the files `names` of the folder `out` into a new OUT.bak-TIMESTAMP folder beside it (-N where that name is
    taken), for a command that replaces some of a folder's files and keeps the rest."""
    out = out.resolve()  # `--out .` has no name to put .bak- after
    for backup in backup_names(out):
        try:
            backup.mkdir()
            break
        except FileExistsError:
            continue
    for name in names:
        shutil.copy2(out / name, backup / name)
    return backup


def write_then_rename(path: str | os.PathLike, write: Callable[[str], object], mode: int = 0o644) -> None:
    """Write the file `path` through `write(temporary path)` beside it, then rename it into place (with `mode`):
    a reader never sees half a file, and a failure (a full disk) leaves the old one and no temporary behind."""
    path = Path(path)
    descriptor, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(descriptor)
    try:
        write(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(out: Path) -> None:
    """Temporary folders of `out` left by a process killed while writing it (SIGKILL skips the cleanup):
    `.OUT.tmp-PID` whose PID no longer runs."""
    for tmp in out.parent.glob(f".{out.name}.tmp-*"):
        pid = tmp.name.rpartition("-")[2]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def file_digest(path: str | os.PathLike, digest):
    """`digest` (a hashlib object) fed the file's bytes in 1 MiB blocks (a split's JSONL is up to ~180 MB);
    hashlib.file_digest does this from Python 3.11 on."""
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest


def write_jsonl(path: str | os.PathLike, rows: Iterable[dict]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def jsonl_lines(data: bytes) -> Iterator[tuple[int, str, str]]:
    """(line number, text, problem) of each non-blank line of JSONL `data`; problem is "" or why the line is not
    text ("not UTF-8: byte 0xff at byte 12 of the line"). Lines end at "\\n" only, as JSON Lines says: str.splitlines also
    breaks at U+2028, U+0085 and others that a JSON string may hold unescaped (`ensure_ascii=False` writes them)."""
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a byte-order mark (Windows editors) is not part of line 1
        raw = raw.removesuffix(b"\r")  # nor a CRLF file's \r of its line: an unterminated string's error would be about it
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            yield number, "", f"not UTF-8: byte 0x{raw[err.start]:02x} at byte {err.start + 1} of the line"
            continue
        if text.strip():
            yield number, text, ""


def own_jsonl_lines(path: Path) -> Iterator[str]:
    """The lines of a JSONL file that codemend wrote and reads back (a run's results, its verdict cache), split as
    `jsonl_lines` splits them; a line that is not text is left out, as its readers leave out lines that are not JSON."""
    return (text for _, text, problem in jsonl_lines(path.read_bytes()) if not problem)


def where_in_line(err: json.JSONDecodeError) -> str:
    """The parser's message with its column: "Expecting value at column 31", "Unterminated string starting at column 11"
    (some messages end in "at" already)."""
    message = err.msg.rstrip(": ")
    return f"{message} column {err.colno}" if message.endswith(" at") else f"{message} at column {err.colno}"


def read_jsonl(path: str | os.PathLike, required: Iterable[str] = (), texts: Iterable[str] = ()) -> list[dict]:
    """Read JSONL; a malformed line, a missing field or one of `texts` that is not a string is an error
    naming the line and field."""
    required, texts = tuple(required), tuple(texts)
    rows = []
    path = Path(path)
    if not path.is_file():
        raise CodemendError(f"{path}: no such file")
    for number, line, problem in jsonl_lines(path.read_bytes()):
        if problem:
            raise CodemendError(f"{path}:{number}: {problem}; fix or remove that line")
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise CodemendError(f"{path}:{number}: invalid JSON ({where_in_line(err)}); fix or remove that line") from None
        if not isinstance(row, dict):
            raise CodemendError(f"{path}:{number}: expected a JSON object, got {type(row).__name__}")
        missing = [key for key in required if key not in row]
        if missing:
            raise CodemendError(f"{path}:{number}: missing field(s) {', '.join(missing)}")
        if wrong := next((key for key in texts if key in row and not isinstance(row[key], str)), None):
            raise CodemendError(f"{path}:{number}: field {wrong} must be a string, got {type(row[wrong]).__name__}")
        rows.append(row)
    return rows
