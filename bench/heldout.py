"""What the benches that measure on the data's held-out files share: their arguments, and the files and rows they read.

A bench puts its own folder on the import path (bench/ is not a package) and imports it as `heldout`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from codemend.training.checkpoint import PRECISIONS


def add_arguments(parser: argparse.ArgumentParser, n: int, n_help: str) -> None:
    """--model, --data, --split, --n, --seed, --precision and --root."""
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True, help="a `codemend data build` folder of stdlib code: its split says which files are held out")
    parser.add_argument("--split", nargs="+", default=["test", "validation"], choices=("test", "validation"),
                        help="the held-out splits whose files (and samples) are used")
    parser.add_argument("--n", type=int, default=n, help=n_help)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--precision", default="auto", choices=PRECISIONS)
    parser.add_argument("--root", default="", help="the folder the data was built from (default: this interpreter's standard library)")


def rows_and_files(args: argparse.Namespace) -> tuple[list[dict], list[str], Path]:
    """The held-out splits' samples, their files, and the folder those files are in."""
    from codemend.data.corpus import stdlib_root
    from codemend.io import read_jsonl

    rows = [row for split in args.split for row in read_jsonl(Path(args.data) / f"{split}.jsonl", ("buggy", "fixed"))]
    files = sorted({row["file"] for row in rows if row.get("file")})
    return rows, files, Path(args.root) if args.root else stdlib_root()
