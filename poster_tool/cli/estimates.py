"""The off-policy estimate table that ``evaluate-policies`` and ``experiment estimate`` print."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from poster_tool.core.experiment.estimators import PolicyEstimate


def print_estimates(found: Sequence[PolicyEstimate]) -> None:
    """One line per policy and estimator; warnings under their policy; the truth when known."""
    truth = any(e.truth is not None for e in found)
    print(
        f"{'segment':<18} {'policy':<12} {'estimate':<7} {'value':>7}  {'95% CI':<15} "
        f"{'ESS':>8}" + ("  true    inside" if truth else "")
    )
    for e in found:
        for name, iv in e.estimates.items():
            ci = "-" if iv.low != iv.low else f"{iv.low:.4f}–{iv.high:.4f}"  # nan: no interval
            line = (
                f"{e.segment:<18} {e.policy:<12} {name:<7} {iv.value:>7.4f}  {ci:<15} {e.ess:>8.0f}"
            )
            if e.truth is not None:
                line += f"  {e.truth:.4f}  {'yes' if iv.contains(e.truth) else 'NO'}"
            print(line)
        for warning in e.warnings:
            print(f"{'':<18} {e.policy:<12} warning: {warning}")
