"""Line localization from three signals and their combination.

- model: the probability of the best candidate edit at each line;
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
    """Probability of each edited line's best candidate (softmax over all candidate scores).

    The best, not the sum: the inverse-operator space gives a long line with many names and
    operators a dozen weak candidates, and their summed mass outranked the one line holding the
    model's favourite fix (stage-5 model, 150 validation bugs: top-1 line 58.0% with the best vs
    52.7% with the sum; docs/measured.md).
    """
    scored = [c for c in candidates if math.isfinite(c.score)]
    if not scored:
        return {}
    top = max(c.score for c in scored)
    weights = [math.exp(c.score - top) for c in scored]
    total = sum(weights)
    best: dict[int, float] = {}
    for candidate, weight in zip(scored, weights):
        best[candidate.line] = max(best.get(candidate.line, 0.0), weight / total)
    return best


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


LINE_FLOOR = 0.01  # share of the top line's suspicion every line keeps: no signal rules a line out


def factored_scores(scores: Sequence[float], lines: Sequence[int], line_scores: Mapping[int, float],
                    prior: float = 1.0) -> list[float]:
    """log p(function) + log p(line) + the model's score of the candidate, one value per candidate.

    p(line) is the combined localization score normalised over the function's lines (each line keeps
    at least LINE_FLOOR of the top line's score: a fix may insert a line no test executed); `prior`
    is the function's share of the file's suspicion. The model's score is used as it is, not
    normalised among the candidates at its line: normalised per line, a line's best candidate scored
    as if certain however unlikely the model found it, so the first ten held the best guess of each
    of ten lines (the development set, builtin:dev, 168 bugs: plausible@1 26.2% and @10 58.9% that
    way, 30.4% and 63.1% this way; docs/measured.md). Unscored candidates (-inf) stay -inf.
    """
    top = max(line_scores.values(), default=0.0)
    floor = LINE_FLOOR * top if top > 0 else 1.0
    weight = {line: max(value, floor) for line, value in line_scores.items()}
    for line in lines:
        weight.setdefault(line, floor)
    total = sum(weight.values())
    base = math.log(max(prior, LINE_FLOOR))
    return [base + math.log(weight[line] / total) + score if math.isfinite(score) else -math.inf
            for score, line in zip(scores, lines)]
