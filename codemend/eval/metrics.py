"""Every evaluation metric, one tested function each; reports and runners import these names.

    from codemend.eval.metrics import exact_match, pass_at_k, topk_localization_accuracy
    exact_match(prediction, reference, normalize=True)
    pass_at_k(n=10, c=3, k=1)                          # 0.3
    topk_localization_accuracy([[4, 7]], [{7}], k=2)   # 1.0
    bootstrap_ci(per_item_scores)                      # (low, high), 95% percentile bootstrap

Tests: `pytest tests/eval/test_metrics.py`.
"""

from __future__ import annotations

import ast
import io
import logging
import math
import random
import re
import tokenize
from collections.abc import Callable, Collection, Sequence
from statistics import fmean

logger = logging.getLogger(__name__)

_PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)
"""What ast.parse raises on bad input: syntax, NUL bytes, and absurd nesting."""


# ------------------------------------------------------------------ code comparison


def normalize_code(code: str) -> str:
    """Canonical form that ignores comments, blank lines and formatting.

    Code that parses goes through `ast.unparse(ast.parse(code))` (comments dropped, spacing,
    parentheses and quotes canonical; docstrings kept). Code that does not parse - model output
    often does not - is normalised token by token instead, see `_normalize_tokens`.
    """
    try:
        return ast.unparse(ast.parse(code))
    except _PARSE_ERRORS:
        return _normalize_tokens(code)


def _normalize_tokens(code: str) -> str:
    """Comment- and spacing-insensitive form of unparseable code.

    Each logical line keeps its indentation; its tokens are joined with no whitespace except a
    single space between two word-like tokens (`return x`; `x=1` and `x = 1` both become `x=1`).
    Comments and blank lines disappear. If the whole text cannot be tokenized (unclosed bracket,
    inconsistent dedent) each physical line is normalised on its own.
    """
    try:
        return "\n".join(_logical_lines(code))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return "\n".join(normalized for normalized in map(_normalize_line, code.splitlines()) if normalized)


def _logical_lines(code: str) -> list[str]:
    skipped = (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
    lines: list[str] = []
    current: list[str] = []
    indent = ""
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type in skipped:
            continue
        if token.type == tokenize.NEWLINE:
            if current:
                lines.append(indent + "".join(current))
            current = []
            continue
        if not current:
            indent = token.line[: len(token.line) - len(token.line.lstrip())]
        current.append(_joined(current[-1] if current else "", token.string))
    if current:
        lines.append(indent + "".join(current))
    return lines


def _normalize_line(line: str) -> str:
    body = line.strip()
    indent = line[: len(line) - len(line.lstrip())]
    try:
        normalized = "".join(_logical_lines(body))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        normalized = re.sub(r"\s+", " ", body)  # e.g. an unclosed bracket: spacing only
    return indent + normalized if normalized else ""


def _joined(previous: str, token: str) -> str:
    word_before = bool(previous) and (previous[-1].isalnum() or previous[-1] == "_")
    word_after = token[0].isalnum() or token[0] == "_"
    return " " + token if word_before and word_after else token


def _strip_trailing(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()).rstrip("\n")


def exact_match(prediction: str, reference: str, *, normalize: bool = False) -> bool:
    """Equal code. Raw: only trailing whitespace of each line and trailing newlines are ignored.

    normalize=True compares `normalize_code` forms instead (comments and formatting ignored).
    """
    if normalize:
        return normalize_code(prediction) == normalize_code(reference)
    return _strip_trailing(prediction) == _strip_trailing(reference)


def ast_equivalent(a: str, b: str) -> bool:
    """Same syntax tree, positions ignored (docstrings and literal values count). False if either fails to parse."""
    try:
        return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))
    except _PARSE_ERRORS:
        return False


# ------------------------------------------------------------------ localization


def topk_localization_accuracy(
    ranked_lines: Sequence[Sequence[int]], true_lines: Sequence[int | Collection[int]], k: int = 1
) -> float:
    """Share of items whose first k predicted lines include at least one true buggy line.

    `true_lines[i]` is one line or a collection of lines (a bug spanning several lines counts as
    found when any of them is predicted). Items with fewer than k predictions use what they have.
    """
    if not ranked_lines:
        raise ValueError("topk_localization_accuracy needs at least one item, got none")
    if len(ranked_lines) != len(true_lines):
        raise ValueError(f"ranked_lines has {len(ranked_lines)} items but true_lines has {len(true_lines)}")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    hits = 0
    for index, (ranked, truth) in enumerate(zip(ranked_lines, true_lines)):
        truth_set = {truth} if isinstance(truth, int) else set(truth)
        if not truth_set:
            raise ValueError(f"true_lines[{index}] is empty: every item needs at least one buggy line")
        hits += any(line in truth_set for line in list(ranked)[:k])
    return hits / len(ranked_lines)


# ------------------------------------------------------------------ functional correctness


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of Chen et al. (2021): 1 - C(n-c, k) / C(n, k) for n samples, c correct.

    Computed as 1 - prod_{i=n-c+1..n} (1 - k/i), which never forms the huge binomials.
    """
    if n < 1:
        raise ValueError(f"n (samples per problem) must be >= 1, got {n}")
    if not 0 <= c <= n:
        raise ValueError(f"c (correct samples) must be between 0 and n={n}, got {c}")
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and n={n} (pass@{k} needs at least {k} samples), got {k}")
    if n - c < k:
        return 1.0  # every k-subset contains a correct sample
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def mean_pass_at_k(counts: Sequence[tuple[int, int]], k: int) -> float:
    """Mean of `pass_at_k(n, c, k)` over problems given as (n, c) pairs."""
    if not counts:
        raise ValueError("mean_pass_at_k needs at least one (n, c) pair, got none")
    return fmean(pass_at_k(n, c, k) for n, c in counts)


def patch_outcomes(plausible: Sequence[bool], correct: Sequence[bool]) -> dict[str, float]:
    """Rates over patches (or problems) from the two standard program-repair judgements.

    plausible: the patch passes the tests the repair tool could see.
    correct: the patch is right - passes the held-out tests / matches the developer fix.
    A correct patch must be plausible; anything else is a bug in the caller and raises.

    Returns counts (`n`, `plausible`, `correct`, `overfitting`) and
    `plausible_rate` = plausible / n, `correct_rate` = correct / n, and
    `overfitting_rate` = (plausible and not correct) / plausible: the share of patches that pass
    the visible tests without being right ("test-suite overfitting", Smith et al. 2015). It is
    NaN when nothing is plausible, because the rate is undefined, not zero.
    """
    if len(plausible) != len(correct):
        raise ValueError(f"plausible has {len(plausible)} items but correct has {len(correct)}")
    if not plausible:
        raise ValueError("patch_outcomes needs at least one patch, got none")
    impossible = [i for i, (p, c) in enumerate(zip(plausible, correct)) if c and not p]
    if impossible:
        raise ValueError(f"correct patches must be plausible; not so at indices {impossible[:10]}")
    n = len(plausible)
    n_plausible = sum(bool(p) for p in plausible)
    n_correct = sum(bool(c) for c in correct)
    n_overfitting = n_plausible - n_correct
    return {
        "n": n,
        "plausible": n_plausible,
        "correct": n_correct,
        "overfitting": n_overfitting,
        "plausible_rate": n_plausible / n,
        "correct_rate": n_correct / n,
        "overfitting_rate": n_overfitting / n_plausible if n_plausible else math.nan,
    }


# ------------------------------------------------------------------ uncertainty and side columns


def bootstrap_ci(
    values: Sequence[float],
    *,
    statistic: Callable[[Sequence[float]], float] = fmean,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of `statistic` (the mean by default); same seed, same interval."""
    if not values:
        raise ValueError("bootstrap_ci needs at least one value, got none")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence}")
    rng = random.Random(seed)
    data = list(values)
    estimates = sorted(statistic(rng.choices(data, k=len(data))) for _ in range(n_resamples))
    tail = (1 - confidence) / 2
    return _percentile(estimates, tail), _percentile(estimates, 1 - tail)


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), q in [0, 1]."""
    position = q * (len(sorted_values) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    fraction = position - lower
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * fraction


def corpus_bleu(predictions: Sequence[str], references: Sequence[str]) -> float:
    """Corpus BLEU (0-100) from sacrebleu with its default 13a tokenizer; a side column only.

    effective_order=True so that tiny corpora (fewer than four tokens) still score 100 when
    identical; on real corpora it changes nothing.
    """
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references")
    if not predictions:
        raise ValueError("corpus_bleu needs at least one prediction, got none")
    # Imported here: sacrebleu is only needed when a report asks for this column.
    from sacrebleu.metrics import BLEU

    return float(BLEU(effective_order=True).corpus_score(list(predictions), [list(references)]).score)
