"""bench/device_kit.py: what a GPU stage carries to the device machine in parts, and brings back in pieces."""

import json
import lzma
import os
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def kit(bench_script):
    return bench_script("device_kit")


def _files(folder: Path, sizes: dict[str, int]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, size in sizes.items():
        path = folder / name
        path.write_bytes(os.urandom(size))
        paths.append(path)
    return paths


def test_parts_hold_every_byte_once_in_order_and_none_exceeds_the_budget(kit):
    parts = kit.plan_parts({"a.whl": 10, "empty": 0, "c.jsonl.xz": 25}, budget=12)
    assert all(sum(length for _, _, length in part) <= 12 for part in parts)
    for name, size in {"a.whl": 10, "empty": 0, "c.jsonl.xz": 25}.items():
        chunks = [(offset, length) for part in parts for n, offset, length in part if n == name]
        assert chunks[0][0] == 0 and sum(length for _, length in chunks) == size
        assert all(a + la == b for (a, la), (b, _) in zip(chunks, chunks[1:]))  # contiguous
    assert len(parts) == 3  # 35 bytes in parts of 12


def test_no_room_beside_the_tree_is_an_error(kit):
    with pytest.raises(SystemExit, match="tree alone"):
        kit.plan_parts({"a": 1}, budget=0)


def test_packed_parts_reassemble_byte_for_byte(kit, tmp_path):
    files = _files(tmp_path / "in", {"x.whl": 5000, "y.whl": 0, "train.jsonl.xz": 12345})
    manifest = kit.write_parts(files, tmp_path / ".devkit", budget=4096)
    assert manifest["parts"] == 5
    for number in range(1, manifest["parts"] + 1):
        part = tmp_path / ".devkit" / f"part{number}"
        assert sum(p.stat().st_size for p in part.iterdir() if p.name != "manifest.json") <= 4096
        assert kit.check_part(tmp_path / ".devkit", number) == []
    out = kit.unpack(tmp_path / ".devkit", tmp_path / "files")
    assert sorted(out) == ["train.jsonl.xz", "x.whl", "y.whl"]
    for path in files:
        assert out[path.name].read_bytes() == path.read_bytes()


def test_a_part_left_behind_or_damaged_is_named_before_anything_is_unpacked(kit, tmp_path):
    files = _files(tmp_path / "in", {"x.whl": 9000})
    kit.write_parts(files, tmp_path / ".devkit", budget=4096)
    damaged = next(p for p in (tmp_path / ".devkit" / "part1").iterdir() if p.name != "manifest.json")
    data = damaged.read_bytes()
    damaged.write_bytes(bytes([data[0] ^ 0xFF]) + data[1:])  # a different first byte, whatever it was
    for p in (tmp_path / ".devkit" / "part2").iterdir():
        if p.name != "manifest.json":
            p.unlink()
    with pytest.raises(SystemExit) as caught:
        kit.unpack(tmp_path / ".devkit", tmp_path / "files")
    assert "part 1" in str(caught.value) and "damaged" in str(caught.value)
    assert "part 2" in str(caught.value) and "missing" in str(caught.value)
    assert not (tmp_path / "files").exists()


def test_no_part_at_all_says_what_to_carry(kit, tmp_path):
    with pytest.raises(SystemExit, match="carry .devkit/partK"):
        kit.check_part(tmp_path / ".devkit", 1)


def test_the_dataset_travels_compressed_and_comes_out_as_codemend_train_reads_it(kit, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    rows = "".join(json.dumps({"buggy": f"x = {i}\n", "fixed": f"x = {i + 1}\n"}) + "\n" for i in range(500))
    (data / "train.jsonl").write_text(rows)
    (data / "meta.json").write_text("{}")
    packed = kit.compressed_data(data, tmp_path / "cache")
    assert {p.name for p in packed} == {"train.jsonl.xz", "meta.json"}
    assert lzma.decompress((tmp_path / "cache" / "train.jsonl.xz").read_bytes()).decode() == rows
    kit.write_parts(packed, tmp_path / ".devkit", budget=1024)
    kit.restore_data(kit.unpack(tmp_path / ".devkit", tmp_path / "files"), tmp_path / "restored")
    assert (tmp_path / "restored" / "train.jsonl").read_text() == rows
    assert (tmp_path / "restored" / "meta.json").read_text() == "{}"


def test_missing_training_split_is_a_clear_error(kit, tmp_path):
    with pytest.raises(SystemExit, match="no train.jsonl"):
        kit.compressed_data(tmp_path, tmp_path / "cache")


def test_a_checkpoint_comes_back_in_pieces_and_joins_whole(kit, tmp_path):
    checkpoint = tmp_path / "run" / "default-gpu-rank"
    _files(checkpoint / "adapter", {"adapter_model.safetensors": 7000})
    (checkpoint / "codemend.json").write_text('{"arch": "causal"}')
    pieces = kit.send(checkpoint, tmp_path / "out", piece=3000)
    assert len(pieces) >= 3 and all(p.stat().st_size <= 3000 for p in pieces)
    assert not list((tmp_path / "out").glob("*.tar"))  # only the pieces stay in $OUT
    joined = kit.join(tmp_path / "out", tmp_path / "back")
    assert (joined / "adapter" / "adapter_model.safetensors").read_bytes() == (checkpoint / "adapter" / "adapter_model.safetensors").read_bytes()
    assert (joined / "codemend.json").read_text() == '{"arch": "causal"}'
    with pytest.raises(SystemExit, match="exists"):
        kit.join(tmp_path / "out", tmp_path / "back")


def test_a_piece_that_did_not_come_back_is_named(kit, tmp_path):
    checkpoint = tmp_path / "ckpt"
    _files(checkpoint, {"w.bin": 7000})
    pieces = kit.send(checkpoint, tmp_path / "out", piece=3000)
    pieces[1].unlink()
    with pytest.raises(SystemExit, match="did not come back"):
        kit.join(tmp_path / "out", tmp_path / "back")
    assert not (tmp_path / "back").exists()


def test_a_checkpoint_too_large_for_the_files_that_come_back_is_refused(kit, tmp_path):
    checkpoint = tmp_path / "ckpt"
    _files(checkpoint, {"w.bin": 9000})
    with pytest.raises(SystemExit, match="at most 2 come back"):
        kit.send(checkpoint, tmp_path / "out", piece=3000, keep=2)


def test_the_tree_counts_tracked_and_untracked_files_but_not_ignored_ones(kit, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / ".gitignore").write_text(".devkit/\n")
    (repo / "tracked.py").write_bytes(b"a" * 100)
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    (repo / "untracked.txt").write_bytes(b"b" * 50)
    (repo / ".devkit").mkdir()
    (repo / ".devkit" / "part1").write_bytes(b"c" * 5000)
    assert kit.tree_bytes(repo) == 100 + 50 + len(".devkit/\n")


def test_restoring_over_an_existing_dataset_keeps_it_and_refuses_a_different_one(kit, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text('{"buggy": "a"}\n')
    packed = kit.compressed_data(data, tmp_path / "cache")
    kit.write_parts(packed, tmp_path / ".devkit", budget=1 << 20)
    files = kit.unpack(tmp_path / ".devkit", tmp_path / "files")
    kit.restore_data(files, data)  # the same bytes: kept as they are
    assert (data / "train.jsonl").read_text() == '{"buggy": "a"}\n'
    (data / "train.jsonl").write_text('{"buggy": "mine"}\n')
    with pytest.raises(SystemExit, match="exists and differs"):
        kit.restore_data(files, data)
    assert (data / "train.jsonl").read_text() == '{"buggy": "mine"}\n'
    assert not list(data.glob(".*.restoring"))


def test_the_first_call_reports_the_image_versions_the_wheels_rely_on(kit, monkeypatch):
    monkeypatch.setattr(kit, "IMAGE_NEEDS", {"pyyaml": ">=6", "codemend-no-such-package": ">=1"})
    report = kit.image_versions()
    assert report.startswith("pyyaml 6.") and "(needs >=6)" in report
    assert "codemend-no-such-package MISSING (needs >=1)" in report


def test_the_first_call_can_use_what_its_part_holds_whole_and_skips_the_rest(kit, tmp_path):
    files = _files(tmp_path / "in", {"small.whl": 100, "train.jsonl.xz": 300, "base.whl": 5000})
    manifest = kit.write_parts(kit.smallest_first(files), tmp_path / ".devkit", budget=2048)
    assert [chunk["part"] for chunk in manifest["files"]["base.whl"]["chunks"]] == [1, 2, 3]
    for number in (2, 3):  # only part 1 has arrived
        for chunk in (tmp_path / ".devkit" / f"part{number}").iterdir():
            chunk.unlink()
    with pytest.raises(SystemExit, match="part 2: base.whl.* is missing"):
        kit.unpack(tmp_path / ".devkit", tmp_path / "files")
    out = kit.unpack(tmp_path / ".devkit", tmp_path / "files", available=True)
    assert sorted(out) == ["small.whl", "train.jsonl.xz"]
    assert out["train.jsonl.xz"].read_bytes() == files[1].read_bytes()


def test_a_damaged_chunk_is_not_unpacked_even_for_the_first_call(kit, tmp_path):
    files = _files(tmp_path / "in", {"a.whl": 100, "b.whl": 200})
    kit.write_parts(files, tmp_path / ".devkit", budget=4096)
    chunk = tmp_path / ".devkit" / "part1" / "b.whl.000000000000"
    data = chunk.read_bytes()
    chunk.write_bytes(bytes([data[0] ^ 0xFF]) + data[1:])  # always a different byte (b"x" was the byte already 1 time in 256)
    assert kit.check_part(tmp_path / ".devkit", 1) == [
        "part 1: b.whl.000000000000 is damaged (its size or SHA-256 differs); carry the part again"]
    assert sorted(kit.unpack(tmp_path / ".devkit", tmp_path / "files", available=True)) == ["a.whl"]


def test_pack_order_puts_the_largest_file_last(kit, tmp_path):
    files = _files(tmp_path / "in", {"llm.whl": 3000, "data.jsonl.xz": 500, "t.whl": 900, "s.whl": 10})
    assert [path.name for path in kit.smallest_first(files)] == ["s.whl", "data.jsonl.xz", "t.whl", "llm.whl"]


def test_a_run_that_failed_after_training_sends_its_newest_complete_checkpoint_without_the_optimizer(kit, tmp_path):
    partial = tmp_path / "default-gpu-rank.partial"
    for step, complete in ((250, True), (500, True), (750, False)):  # 750: killed while writing
        folder = partial / f"checkpoint-{step}"
        folder.mkdir(parents=True)
        (folder / "adapter_model.safetensors").write_bytes(b"w" * step)
        (folder / "optimizer.pt").write_bytes(b"o" * 2 * step)
        if complete:
            (folder / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    (partial / "config.yaml").write_text("seed: 7\n")
    sent = kit.last_trained(partial, tmp_path / "staging")
    assert sent.name == "default-gpu-rank-checkpoint-500"
    assert sorted(path.name for path in sent.iterdir()) == ["adapter_model.safetensors", "run-config.yaml", "trainer_state.json"]
    assert len(kit.send(sent, tmp_path / "back")) == 1
    assert (kit.join(tmp_path / "back", tmp_path / "here") / "adapter_model.safetensors").read_bytes() == b"w" * 500


def test_a_run_that_never_saved_has_nothing_to_send(kit, tmp_path):
    (tmp_path / "r.partial").mkdir()
    with pytest.raises(SystemExit, match="no complete checkpoint-N"):
        kit.last_trained(tmp_path / "r.partial", tmp_path / "staging")


def _adapter_folder(folder: Path, weights: bytes, targets: list[str], r: int = 16) -> Path:
    folder.mkdir(parents=True)
    (folder / "adapter_model.safetensors").write_bytes(weights)
    (folder / "adapter_config.json").write_text(json.dumps({"r": r, "lora_alpha": 32, "target_modules": targets, "peft_type": "LORA",
                                                            "base_model_name_or_path": "smollm2-135m"}))
    return folder


def test_a_sent_checkpoint_is_adopted_into_the_model_it_continued(kit, tmp_path):
    model = tmp_path / "default"
    _adapter_folder(model / "adapter", b"old", ["q_proj", "v_proj"])
    (model / "codemend.json").write_text('{"arch": "causal"}')
    (model / "README.md").write_text("# card\n")
    checkpoint = _adapter_folder(tmp_path / "run-checkpoint-500", b"new", ["v_proj", "q_proj"])  # order differs: same modules
    log = [{"loss": 1.4, "rank_loss": 0.8, "fix_ranked_first": 0.7, "step": 20}, {"train_runtime": 297.0, "step": 500}]
    (checkpoint / "trainer_state.json").write_text(json.dumps({"global_step": 500, "log_history": log}))
    out = kit.adopt(checkpoint, model, tmp_path / "adopted")
    assert (out / "adapter" / "adapter_model.safetensors").read_bytes() == b"new"
    assert (out / "codemend.json").read_text() == '{"arch": "causal"}'
    assert (model / "adapter" / "adapter_model.safetensors").read_bytes() == b"old"  # the source model is untouched
    meta = json.loads((out / "meta.json").read_text())
    assert meta["step"] == 500 and meta["log_history"] == log
    assert json.loads((out / "train_log.json").read_text()) == {"loss": [[20, 1.4]], "eval_loss": [], "ranking": [[20, 0.8, 0.7]],
                                                                 "generation_eval": []}
    assert (out / "curves.png").read_bytes().startswith(b"\x89PNG")
    assert (out / "README.md").read_text().startswith(f"> This folder: {model} with the adapter of {checkpoint} (step 500)")
    with pytest.raises(SystemExit, match="exists"):
        kit.adopt(checkpoint, model, out)


def test_a_checkpoint_of_another_adapter_is_not_adopted(kit, tmp_path):
    model = tmp_path / "default"
    _adapter_folder(model / "adapter", b"old", ["q_proj"])
    checkpoint = _adapter_folder(tmp_path / "ck", b"new", ["q_proj"], r=8)
    with pytest.raises(SystemExit, match="differs from .* in r: it did not continue"):
        kit.adopt(checkpoint, model, tmp_path / "adopted")
    assert not (tmp_path / "adopted").exists()


def test_the_adapter_kept_at_the_end_of_training_is_sent_before_any_checkpoint_and_adopts(kit, tmp_path):
    partial = tmp_path / "run.partial"
    checkpoint = partial / "checkpoint-500"
    checkpoint.mkdir(parents=True)
    (checkpoint / "trainer_state.json").write_text(json.dumps({"global_step": 500}))
    final = _adapter_folder(partial / "final-adapter", b"final", ["q_proj"])
    (final / "train_report.json").write_text(json.dumps({"steps": 698, "losses": [[20, 1.6], [40, 1.5]], "ranking": [[20, 0.9, 0.7]]}))
    sent = kit.last_trained(partial, tmp_path / "staging")
    assert sent.name == "run-final-adapter" and (sent / "adapter_model.safetensors").read_bytes() == b"final"
    model = tmp_path / "default"
    _adapter_folder(model / "adapter", b"old", ["q_proj"])
    out = kit.adopt(sent, model, tmp_path / "adopted")
    meta = json.loads((out / "meta.json").read_text())
    assert meta["step"] == 698
    assert meta["log_history"] == [{"step": 20, "loss": 1.6, "rank_loss": 0.9, "fix_ranked_first": 0.7}, {"step": 40, "loss": 1.5}]
