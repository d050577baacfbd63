"""The training plans of a sweep: every value for all epochs, or successive halving.

Successive halving (Jamieson and Talwalkar, AISTATS 2016; the inner loop of Li et al.'s
Hyperband, JMLR 2018) with a halving rate of 2: every value trains for a few epochs, the better
half (rounded up) continues, and so on until one value is left, which trains to `epochs`. Rung
`k` of `K` trains its survivors up to ``epochs / 2 ** (K - 1 - k)`` epochs (at least 1), each
continuing from where it stopped, so the last comparison (between two values) is made at
``epochs / 2`` epochs and the cost is a fraction of a full sweep's (e.g. 8 values: 31%; 6: 35%;
5 or 4: 50%).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

__all__ = ["Rung", "full_plan", "halving_plan", "keep_best", "plan_cost"]


@dataclasses.dataclass(frozen=True)
class Rung:
    """One stage of a plan: how many values train, up to which epoch (counted from 0)."""

    num_values: int
    epochs: int


def full_plan(num_values: int, epochs: int) -> list[Rung]:
    """Every value trains for all `epochs`.

    Examples:
        >>> full_plan(3, 10)
        [Rung(num_values=3, epochs=10)]
    """
    return [Rung(num_values, epochs)]


def halving_plan(num_values: int, epochs: int) -> list[Rung]:
    """The rungs of successive halving (see the module docstring).

    Examples:
        >>> [(r.num_values, r.epochs) for r in halving_plan(6, 40)]
        [(6, 5), (3, 10), (2, 20), (1, 40)]
        >>> [(r.num_values, r.epochs) for r in halving_plan(1, 40)]
        [(1, 40)]
    """
    sizes = [num_values]
    while sizes[-1] > 1:
        sizes.append(math.ceil(sizes[-1] / 2))
    last = len(sizes) - 1
    return [
        Rung(size, max(1, round(epochs / 2 ** (last - index)))) for index, size in enumerate(sizes)
    ]


def plan_cost(plan: Sequence[Rung]) -> int:
    """Epochs a plan trains per seed, each value continuing from its previous rung.

    Examples:
        >>> plan_cost(halving_plan(8, 40)), plan_cost(full_plan(8, 40))
        (100, 320)
    """
    cost, previous = 0, 0
    for rung in plan:
        cost += rung.num_values * (rung.epochs - previous)
        previous = rung.epochs
    return cost


def keep_best(scores: Sequence[float], keep: int, mode: str) -> list[int]:
    """Indices of the `keep` best scores, in their original order; ties keep the earlier one.

    A NaN score (a run that diverged) ranks below every number.

    Examples:
        >>> keep_best([0.5, 0.9, 0.7, 0.9], 2, "max")
        [1, 3]
        >>> keep_best([float("nan"), 0.1, 0.2], 1, "max")
        [2]
        >>> keep_best([0.5, 0.9, 0.7], 2, "min")
        [0, 2]
    """
    sign = -1.0 if mode == "max" else 1.0
    ranked = sorted(
        range(len(scores)),
        key=lambda i: (
            math.isnan(scores[i]),
            0.0 if math.isnan(scores[i]) else sign * scores[i],
            i,
        ),
    )
    return sorted(ranked[:keep])
