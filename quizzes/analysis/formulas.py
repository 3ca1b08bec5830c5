"""The classical item-analysis figures as plain functions over numbers (no database, no numpy).

An item's score x is its share of the item's points (0–1); a paper's total T is its share of the
paper's points. Formulas as Moodle's quiz statistics and classical test theory state them:

- facility P = mean(x)
- standard deviation s = population SD of x
- discrimination index D = mean(x) of the top 27 % of papers by T − mean(x) of the bottom 27 %
- point-biserial r = Pearson correlation of x with T
- corrected item-total r = Pearson correlation of x with the rest of the paper (T without the item)
"""

import math
from collections.abc import Sequence
from statistics import median

GROUP_SHARE = 0.27


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def standard_deviation(values: Sequence[float]) -> float | None:
    """Population standard deviation (divides by n, as Moodle's facility SD does)."""
    if not values:
        return None
    centre = sum(values) / len(values)
    return math.sqrt(sum((value - centre) ** 2 for value in values) / len(values))


def correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r; None when either side does not vary (no correlation can be stated)."""
    n = len(xs)
    if n < 2 or n != len(ys):
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def group_size(count: int) -> int:
    """How many papers form the top (and the bottom) group: 27 %, rounded, at least one."""
    return max(1, round(GROUP_SHARE * count))


def discrimination_index(scores: Sequence[float], totals: Sequence[float]) -> float | None:
    """D: the top group's mean item score minus the bottom group's, papers ranked by total.
    Ties in the total are broken by the item score the pessimistic way (a lower item score ranks
    higher among equal totals), so that ties never flatter an item."""
    n = len(scores)
    if n < 2 or n != len(totals):
        return None
    ranked = sorted(zip(totals, scores, strict=True), key=lambda pair: (pair[0], -pair[1]))
    size = min(group_size(n), n // 2)
    bottom = [score for _, score in ranked[:size]]
    top = [score for _, score in ranked[-size:]]
    return sum(top) / size - sum(bottom) / size


def median_or_none(values: Sequence[float]) -> float | None:
    return median(values) if values else None
