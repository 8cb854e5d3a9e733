"""Line localization from three signals and their combination.

- model: where the model's own candidate edits point, weighted by their probability;
- sbfl: Ochiai suspiciousness from per-test coverage (when tests are given);
- naturalness: per-line token surprise under the model (buggy lines are less natural).

Each signal is scaled to [0, 1] by its maximum, then combined as a weighted sum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from codemend.inference.debugger import Candidate

DEFAULT_WEIGHTS = {"sbfl": 1.0, "model": 1.0, "naturalness": 0.5}


@dataclass
class LineRanking:
    ranked: list[tuple[int, float]]  # (line, combined score), most suspicious first
    signals: dict[str, dict[int, float]] = field(default_factory=dict)  # raw per-signal scores

    def top(self, k: int) -> list[int]:
        """The k most suspicious lines, plus any tied with the k-th (a tie is no reason to drop a line)."""
        if len(self.ranked) <= k:
            return [line for line, _ in self.ranked]
        cutoff = self.ranked[k - 1][1]
        return [line for line, score in self.ranked if score >= cutoff and (score > 0 or line in dict(self.ranked[:k]))]



def model_signal(candidates: Sequence[Candidate]) -> dict[int, float]:
    """Probability mass of the candidates' edited lines (softmax over candidate scores)."""
    scored = [c for c in candidates if math.isfinite(c.score)]
    if not scored:
        return {}
    top = max(c.score for c in scored)
    weights: dict[int, float] = {}
    for candidate in scored:
        weights[candidate.line] = weights.get(candidate.line, 0.0) + math.exp(candidate.score - top)
    total = sum(weights.values())
    return {line: value / total for line, value in weights.items()}


def _scaled(scores: Mapping[int, float]) -> dict[int, float]:
    top = max(scores.values(), default=0.0)
    return {line: value / top for line, value in scores.items()} if top > 0 else {line: 0.0 for line in scores}


def combine(signals: Mapping[str, Mapping[int, float]], n_lines: int, weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> LineRanking:
    """Weighted sum of max-scaled signals over lines 1..n_lines; ties go to the earlier line."""
    combined = {line: 0.0 for line in range(1, n_lines + 1)}
    for name, scores in signals.items():
        for line, value in _scaled(scores).items():
            if line in combined:
                combined[line] += weights.get(name, 1.0) * value
    ranked = sorted(combined.items(), key=lambda kv: (-kv[1], kv[0]))
    return LineRanking(ranked, {name: dict(scores) for name, scores in signals.items()})
