"""`codemend eval --benchmark`: run a debugger on an executable bug benchmark and validate its fixes.

    codemend eval --benchmark builtin --model runs/model --out runs/bench
    codemend eval --benchmark bugs.jsonl --model none            # operator candidates + tests only
    codemend eval --benchmark builtin --predictions preds.jsonl   # score another system's fixes

Per item: the reference fix must pass the tests (else the item is flagged broken and not counted)
and its measured runtime sets the time limit (2x, never under 1 s); the buggy code must fail them.
The model's candidates are ranked before any test runs; the top `n` are validated in the sandbox.
plausible@k = a plausible fix among the first k of that ranking; correct = plausible and equivalent
to the reference. When none of the top `n` is plausible, validation goes on down the ranking (up to
`validate_top`, then the fixes only beams propose ranked past it: `repair.to_validate`), then the file's top-level code
(`repair.top_level_suggestions`), then through the wide repair space (up to `wide` edits; like the top-level step,
only when the tests failed or errored on the buggy code, not after a hang: `repair.tests_fail`), to the first plausible
candidate, as `codemend fix` does with tests: plausible_validated and correct@1_validated score
what such a user is shown first. Verdicts are cached per (model, item, candidate) in
OUT/cache.jsonl and finished items in OUT/items.jsonl, so a rerun after a crash continues where it
stopped (items written by another codemend commit are reused with a warning: `_reused_from_other_code`).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import json
import logging
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from codemend.config import EvalConfig, git_sha, save_run_metadata
from codemend.data.benchmark import BenchmarkItem, load_benchmark
from codemend.errors import CodemendError
from codemend.io import own_jsonl_lines
from codemend.eval.metrics import ast_equivalent, exact_match
from codemend.eval.report import clear_earlier_outputs, summarize, write_report
from codemend.sandbox import Limits, RunResult, SandboxPool, run_tests, scaled_timeout

if TYPE_CHECKING:
    from codemend.inference.repair import RepairResult

logger = logging.getLogger(__name__)

VERDICT_LIMITS = Limits(wall_s=10.0, memory_mb=1024)


@dataclass
class Candidate:
    patched: str
    status: str = "not validated"
    detail: str = ""
    score: float = 0.0
    origin: str = ""
    line: int | None = None

    @classmethod
    def of(cls, suggestion) -> Candidate:
        """A `repair.Suggestion` as this runner validates it."""
        return cls(suggestion.patched_source, score=suggestion.score, origin=suggestion.origin, line=suggestion.line)


def any_passed(candidates: list[Candidate]) -> bool:
    return any(c.status == "passed" for c in candidates)


@dataclass
class ItemResult:
    id: str
    bug_type: str
    source: str
    state: str  # "scored", "broken" (reference fails its tests), "not_failing" (buggy code passes)
    bug_line: int | None = None
    timeout_s: float = 0.0
    ranked_lines: list[int] = field(default_factory=list)  # combined localization, file lines
    signal_lines: dict[str, list[int]] = field(default_factory=dict)  # each signal's own ranking
    candidates: list[Candidate] = field(default_factory=list)
    plausible: list[bool] = field(default_factory=list)
    correct: list[bool] = field(default_factory=list)
    note: str = ""
    has_reference: bool = True  # False: the item gives no fixed_code, so correctness is not judged
    item_digest: str = ""  # the item's content (`item_digest`): results are reused, and runs compared, only for the same
    # How many of `candidates` the ranking gave: those after them (the top-level code's, the wide space's) are looked for
    # only because the tests failed every ranked one, so plausible@k and pass@k never read them (None: a run before 2026-12-07).
    ranked: int | None = None


class VerdictCache:
    """Sandbox verdicts keyed by (model, item, candidate), appended to a JSONL file as they come."""

    def __init__(self, path: Path, model_key: str, digests: dict[str, str]):
        # `digests`: each item's content (`item_digest`) by id, not only its id: an edited benchmark file reruns
        self.path, self.model_key, self.entries, self.digests = path, model_key, {}, digests
        if path.is_file():
            for line in own_jsonl_lines(path):
                try:
                    row = json.loads(line)
                    self.entries[row["key"]] = (row["status"], row.get("detail", ""))
                except (json.JSONDecodeError, KeyError):
                    continue  # a line cut by a crash: recompute that verdict

    def key(self, item: BenchmarkItem, code: str) -> str:
        return hashlib.sha256(f"{self.model_key}\x00{self.digests[item.id]}\x00{code}".encode()).hexdigest()

    def get(self, item: BenchmarkItem, code: str) -> tuple[str, str] | None:
        return self.entries.get(self.key(item, code))

    def put(self, item: BenchmarkItem, code: str, status: str, detail: str) -> None:
        key = self.key(item, code)
        self.entries[key] = (status, detail)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"key": key, "status": status, "detail": detail}) + "\n")


def item_digest(item: BenchmarkItem) -> str:
    """Identifies an item's content (code, tests, reference, limits), so a result is reused only for the same item."""
    return hashlib.sha256(json.dumps(item.to_dict(), sort_keys=True).encode("utf-8")).hexdigest()[:16]


def model_key(model: str) -> str:
    """Identifies the model's weights, so a cache never mixes two models' verdicts."""
    if model.lower() == "none":
        return "none"
    from codemend.training.checkpoint import model_folder

    folder, digest = model_folder(model), hashlib.sha256()
    # The files it always read first, in this order, so that a single-file model's key is the one its earlier runs
    # saved; then the weights in other forms the loader takes (shards, .bin), which a key of only those missed.
    others = sorted(str(path.relative_to(folder)) for pattern in ("model-*-of-*.safetensors", "pytorch_model*.bin", "adapter/adapter_model.bin")
                    for path in folder.glob(pattern))
    for name in ("model.safetensors", "adapter/adapter_model.safetensors", "codemend.json", *others):
        path = folder / name
        if path.is_file():
            with open(path, "rb") as handle:  # in pieces: a model's weights may be gigabytes
                while piece := handle.read(1 << 20):
                    digest.update(piece)
    return digest.hexdigest()[:16]


def is_correct(patched: str, reference: str | None) -> bool:
    """Equivalent to the reference fix: same code after normalisation, or the same AST."""
    return bool(reference) and (exact_match(patched, reference, normalize=True) or ast_equivalent(patched, reference))


def check_item(item: BenchmarkItem) -> tuple[str, float, str, RunResult | None]:
    """(state, time limit, note, the buggy code's run): run the reference (when given) and the buggy code once."""
    limit = item.timeout_s
    if item.fixed_code is not None:
        reference = run_tests(item.fixed_code, item.test_code, limits=dataclasses.replace(VERDICT_LIMITS, wall_s=max(item.timeout_s, 1.0)))
        if reference.status != "passed":
            return "broken", limit, f"the reference fix does not pass its tests ({reference.status}: {reference.detail})", None
        limit = scaled_timeout(reference.duration_s, factor=2.0, floor_s=1.0)
    buggy = run_tests(item.buggy_code, item.test_code, limits=dataclasses.replace(VERDICT_LIMITS, wall_s=limit))
    if buggy.status == "passed":
        return "not_failing", limit, "the tests pass on the buggy code: nothing to repair", buggy
    return "scored", limit, buggy.detail, buggy


def validate_candidates(item: BenchmarkItem, candidates: list[Candidate], limit: float, pool: SandboxPool,
                        cache: VerdictCache, workers: int = 2) -> None:
    """Sandbox verdicts for every candidate (from the cache when known), with the item's time limit."""
    todo = []
    for candidate in candidates:
        cached = cache.get(item, candidate.patched)
        if cached:
            candidate.status, candidate.detail = cached
        else:
            todo.append(candidate)
    if not todo:
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as executor:
        results = list(executor.map(lambda c: pool.run_tests(c.patched, item.test_code, timeout_s=limit), todo))
    for candidate, result in zip(todo, results):
        candidate.status, candidate.detail = result.status, result.detail
        cache.put(item, candidate.patched, result.status, result.detail)


def validate_until_plausible(item: BenchmarkItem, candidates: list[Candidate], n: int, limit: float, pool: SandboxPool,
                             cache: VerdictCache, workers: int = 2) -> list[Candidate]:
    """Validate the first `n` (plausible@k reads them all), then the rest in rank order, as `fix`
    does (`in_rank_order`), up to the first plausible one; returns the validated candidates, in rank order."""
    from codemend.inference.repair import in_rank_order

    def run(start: int, stop: int) -> int:
        validate_candidates(item, candidates[start:stop], limit, pool, cache, workers)
        return sum(c.status == "passed" for c in candidates[start:stop])

    return candidates[: in_rank_order(len(candidates), run, 2 * workers, first=n, enough=1)]


def model_candidates(item: BenchmarkItem, debugger, config: EvalConfig, limit: float,
                     baseline: RunResult | None = None) -> tuple[list[Candidate], list[int], dict, RepairResult]:
    """Ranked candidates (before any validation), the combined line ranking, each signal's, and the
    `repair` result they come from (its per-function reports are what `wide_candidates` searches from,
    its `top_level` the file's top-level candidates).

    The tests feed localization (coverage) and the model's input (the failing test's error), as
    they would for a user with tests; validation happens after ranking, in `validate_candidates`.
    """
    from codemend.inference.repair import Tests, repair, to_validate

    tests = Tests(test_code=item.test_code, limits=dataclasses.replace(VERDICT_LIMITS, wall_s=limit))
    result = repair(item.buggy_code, debugger=debugger, path=item.id, tests=tests, n=config.n,
                    use_operators=config.operators, max_validate=0, baseline=baseline, use_trace=config.traces)
    candidates = [Candidate.of(s) for s in to_validate(result.suggestions, config.validate_top)]
    combined, by_signal = [], {}
    for report in result.functions:
        offset = report.start_line - 1
        combined += [(offset + line, score) for line, score in report.ranking.ranked]
        for name, scores in report.ranking.signals.items():
            by_signal.setdefault(name, []).extend((offset + line, score) for line, score in scores.items())
    ranked = lambda pairs: [line for line, _ in sorted(pairs, key=lambda kv: (-kv[1], kv[0]))]  # noqa: E731
    return candidates, ranked(combined), {name: ranked(pairs) for name, pairs in by_signal.items()}, result


def wide_candidates(item: BenchmarkItem, reports: list, validated: list[Candidate], budget: int) -> list[Candidate]:
    """The wide repair space past the validated candidates, as `repair` tries it (`wide_suggestions`)."""
    from codemend.inference.candidates import normal_key
    from codemend.inference.repair import wide_suggestions

    tried = {normal_key(c.patched) for c in validated}
    floor = min((c.score for c in validated), default=0.0)
    return [Candidate.of(s) for s in wide_suggestions(item.buggy_code, item.id, reports, tried, floor, limit=budget)]


def evaluate_item(item: BenchmarkItem, debugger, config: EvalConfig, pool: SandboxPool, cache: VerdictCache,
                  predictions: dict[str, list[str]] | None) -> ItemResult:
    from codemend.inference.repair import tests_fail

    state, limit, note, buggy = check_item(item)
    result = ItemResult(item.id, item.bug_type, item.source, state, item.bug_line, round(limit, 3), note=note,
                        has_reference=bool(item.fixed_code), item_digest=cache.digests[item.id])
    if state != "scored":
        return result
    repaired = None
    if predictions is not None:
        result.candidates = [Candidate(code) for code in predictions.get(item.id, [])[: config.validate_top]]
    else:
        result.candidates, result.ranked_lines, result.signal_lines, repaired = model_candidates(item, debugger, config, limit, buggy)
    result.candidates = validate_until_plausible(item, result.candidates, config.n, limit, pool, cache, config.workers)
    result.ranked = len(result.candidates)
    if repaired is not None and repaired.top_level is not None and not any_passed(result.candidates):
        more = [Candidate.of(s) for s in repaired.top_level()]
        result.candidates += validate_until_plausible(item, more, 0, limit, pool, cache, config.workers)
    if repaired is not None and config.wide and tests_fail(buggy) and not any_passed(result.candidates):
        more = wide_candidates(item, repaired.functions, result.candidates, config.wide)
        result.candidates += validate_until_plausible(item, more, 0, limit, pool, cache, config.workers)
    result.plausible = [c.status == "passed" for c in result.candidates]
    result.correct = [p and is_correct(c.patched, item.fixed_code) for p, c in zip(result.plausible, result.candidates)]
    return result


def load_predictions(path: str, known: set[str], scored: set[str] | None = None) -> dict[str, list[str]]:
    """{id: ranked candidate modules} from JSONL lines {"id", "candidates": [...]} or {"id", "prediction": "..."},
    for the `scored` items of the benchmark's `known` ones (default: all). Ids the benchmark lacks are
    ignored with a warning, scored items without a prediction are said (they count as failures), and an
    id given twice is an error: which of its lists to score would be a guess."""
    from codemend.io import read_jsonl

    scored = known if scored is None else scored
    rows = read_jsonl(path, ("id",))
    if not rows:
        raise CodemendError(f"--predictions {path} is empty; write one JSON object per line with `id` and `candidates`")
    predictions, unknown, first = {}, [], {}
    for number, row in enumerate(rows, start=1):
        candidates = row.get("candidates", [row["prediction"]] if "prediction" in row else None)
        if not isinstance(candidates, list) or not all(isinstance(c, str) for c in candidates):
            raise CodemendError(f"{path}: record {number} (id {row['id']}): `candidates` must be a list of strings (or give `prediction`)")
        if row["id"] in first:
            raise CodemendError(f"{path}: record {number} repeats id {row['id']} (first in record {first[row['id']]}); give each item one record")
        first[row["id"]] = number
        if row["id"] not in known:
            unknown.append(str(row["id"]))
        elif row["id"] in scored:
            predictions[row["id"]] = candidates
    if unknown:
        logger.warning("%d prediction(s) for ids not in the benchmark, ignored: %s", len(unknown), ", ".join(unknown[:5]))
    if missing := sorted(scored - set(first)):
        logger.warning("%d of the %d items scored have no prediction (each counts as not fixed): %s", len(missing), len(scored),
                       ", ".join(missing[:5]))
    return predictions


def _finished(path: Path, key: str, digests: dict[str, str]) -> tuple[dict[str, ItemResult], dict[str, str]]:
    """Finished items of an earlier run with the same key and the same item content (`digests`: id ->
    `item_digest`), and the codemend commit that wrote each."""
    done, commits, other_keys = {}, {}, set()
    if path.is_file():
        for line in own_jsonl_lines(path):
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            commit = row.pop("git_sha", "unknown")
            same_item = row.get("item_digest") == digests.get(row.get("id"))
            if row.pop("run_key", None) == key and same_item:
                row["candidates"] = [Candidate(**c) for c in row["candidates"]]
                done[row["id"]] = ItemResult(**row)
                commits[row["id"]] = commit
            elif same_item:
                other_keys.add(row.get("id"))
    if other_keys := other_keys - set(done):  # said, or a resumed run scoring everything again looked like a fresh one
        logger.info("%d item(s) in %s were finished with other weights or settings (another run key): they are scored again",
                    len(other_keys), path)
    return done, commits


def _reused_from_other_code(commits: dict[str, str], now: str, out: Path) -> dict[str, int]:
    """Items reused from a run of other codemend code, by commit (said as a warning): the key names the
    model and the settings, not the code, so a rerun into an old --out after a ranking change would
    report the old ranking for those items."""
    other = Counter(commit for commit in commits.values() if commit != now)
    if other:
        logger.warning("%d finished item(s) in %s were written by other codemend code (%s; now %s) and are reused as they "
                       "are; measure this code with a new --out", sum(other.values()), out / "items.jsonl",
                       ", ".join(f"{_short(commit)}: {count}" for commit, count in other.items()), _short(now))
    return dict(other)


def _short(commit: str) -> str:
    """A commit's first 10 digits with its `+dirty.<digest>` kept: two dirty trees must read apart."""
    sha, plus, dirty = commit.partition("+")
    return sha[:10] + plus + dirty


def run(config: EvalConfig) -> dict:
    skipped: list[str] = []
    items = load_benchmark(config.benchmark, strict=False, problems_out=skipped)
    known = {item.id for item in items}
    if not items:
        why = f"{len(skipped)} line(s) skipped: {'; '.join(skipped[:3])}" if skipped else "the file holds no item"
        raise CodemendError(f"--benchmark {config.benchmark}: no usable item ({why})")
    total = len(items)
    if config.samples and config.samples < total:
        logger.info("scoring the first %d of the benchmark's %d items (--limit %d; --limit 0 scores all)", config.samples, total, config.samples)
        items = items[: config.samples]
    out = Path(config.out_folder)
    out.mkdir(parents=True, exist_ok=True)
    predictions = load_predictions(config.predictions, known, {i.id for i in items}) if config.predictions else None
    debugger = None
    if predictions is None and config.model.lower() != "none":
        from codemend.inference.debugger import Debugger

        debugger = Debugger.load(config.model, config.precision, config.engine)
    key = model_key(config.model) if predictions is None else "predictions:" + hashlib.sha256(Path(config.predictions).read_bytes()).hexdigest()[:16]
    clear_earlier_outputs(out, config, keep=("items.jsonl", "cache.jsonl"), inputs=(config.predictions, config.benchmark), model_key=key)
    save_run_metadata(config, out, model_key=key)  # now, not only at the end: a run stopped part way is this command's to resume
    run_key = f"{key}:{config.n}:{config.operators}" + ("" if config.traces else ":no-traces") + _precision_key(config) + ("" if config.engine == "auto" else f":{config.engine}") + f":v{config.validate_top}" + (f":w{config.wide}" if config.wide else "")
    digests = {item.id: item_digest(item) for item in items}
    cache = VerdictCache(out / "cache.jsonl", run_key, digests)
    done, commits = _finished(out / "items.jsonl", run_key, digests)
    if reused := sum(item.id in done for item in items):
        logger.info("%d of the %d items are reused from %s (the same items, model and settings)", reused, len(items), out / "items.jsonl")
    commit = git_sha()
    reused_other_code = _reused_from_other_code(commits, commit, out)
    results, started = [], time.perf_counter()
    with SandboxPool(workers=config.workers, limits=VERDICT_LIMITS) as pool:
        for index, item in enumerate(items, start=1):
            if item.id not in done:
                done[item.id] = evaluate_item(item, debugger, config, pool, cache, predictions)
                with open(out / "items.jsonl", "a", encoding="utf-8") as handle:
                    handle.write(json.dumps({"run_key": run_key, "git_sha": commit, **asdict(done[item.id])}) + "\n")
                logger.info("[%d/%d] %s: %s", index, len(items), item.id, _verdict(done[item.id]))
            results.append(done[item.id])
    metrics = summarize(results, n=config.n, seed=config.seed, references={i.id: (i.buggy_code, i.fixed_code or "") for i in items},
                        localizes=not config.predictions)
    metrics.update({"benchmark": config.benchmark, "benchmark_items": total, "model": "" if config.predictions else config.model,
                    "predictions": config.predictions, "skipped_lines": skipped,
                    "seconds": round(time.perf_counter() - started, 1), "isolation": _isolation(),
                    "validate_top": config.validate_top, "wide": config.wide, "precision": _weights_precision(config),
                    "reused_from_other_code": reused_other_code})
    write_report(out, metrics, results)
    save_run_metadata(config, out, model_key=key)
    metrics["out"] = str(out)
    return metrics


def _weights_precision(config: EvalConfig) -> str:
    """What the model's weights were loaded in ("" with no model)."""
    from codemend.training.checkpoint import inference_precision

    return "" if config.predictions or config.model.lower() == "none" else inference_precision(config.precision)


def _precision_key(config: EvalConfig) -> str:
    """Runs whose weights are bf16 rank their candidates apart from fp32 runs, which keep the old keys
    (`auto` is keyed by what it resolves to on this machine)."""
    return ":bf16" if _weights_precision(config) == "bf16" else ""


def _verdict(result: ItemResult) -> str:
    if result.state != "scored":
        return result.state
    first = next((rank for rank, ok in enumerate(result.plausible, start=1) if ok), None)
    if first is None:
        return "no plausible fix"
    return f"plausible@{first}" if result.ranked is None or first <= result.ranked else f"plausible past the ranking (validated #{first})"


def _isolation() -> dict:
    from codemend.sandbox import isolation_report

    return isolation_report()
