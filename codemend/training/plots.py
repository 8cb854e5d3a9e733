"""Training curves as a PNG beside the checkpoint: loss on the left, decoded validation metrics on the right.

    from codemend.training.plots import plot_curves
    plot_curves("runs/tiny/curves.png", losses=[(2, 5.1), (4, 4.2)], eval_losses=[(4, 4.4)],
                gen_evals=[(4, 0.0, 0.25)])

`codemend train` writes OUT/curves.png with it; the numbers are also in OUT/train_log.json.
"""

from __future__ import annotations

import os
from collections.abc import Sequence


def plot_curves(
    path: str | os.PathLike,
    losses: Sequence[tuple[int, float]],
    eval_losses: Sequence[tuple[int, float]] = (),
    gen_evals: Sequence[tuple[int, float, float]] = (),
) -> None:
    """Write the loss curves (and, when there are any, exact match / localization vs step) to `path`."""
    # Figure + savefig needs no pyplot and no GUI backend: safe on a headless machine, no global state.
    from matplotlib.figure import Figure

    panels = 2 if gen_evals else 1
    figure = Figure(figsize=(5.5 * panels, 4), layout="constrained")
    axes = figure.subplots(1, panels, squeeze=False)[0]
    _loss_panel(axes[0], losses, eval_losses)
    if gen_evals:
        _metrics_panel(axes[1], gen_evals)
    figure.savefig(path, dpi=100, format="png")


def _loss_panel(ax, losses, eval_losses) -> None:
    if losses:
        ax.plot(*zip(*losses), label="training loss")
    if eval_losses:
        ax.plot(*zip(*eval_losses), marker="o", label="validation loss")
    ax.set(xlabel="step", ylabel="cross-entropy on fix tokens", title="loss")
    ax.grid(alpha=0.3)
    if losses or eval_losses:
        ax.legend()


def _metrics_panel(ax, gen_evals) -> None:
    steps = [step for step, _, _ in gen_evals]
    ax.plot(steps, [exact for _, exact, _ in gen_evals], marker="o", label="exact match")
    ax.plot(steps, [loc for _, _, loc in gen_evals], marker="s", label="line localization (top-1)")
    ax.set(xlabel="step", ylabel="share of validation samples", title="greedy decoding on validation", ylim=(-0.02, 1.02))
    ax.grid(alpha=0.3)
    ax.legend()
