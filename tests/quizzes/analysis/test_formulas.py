"""The item-analysis formulas against a small matrix worked out by hand.

Six papers, four one-point items (1 = right):

    paper  A B C D   total
    P1     1 1 1 1   4
    P2     1 1 1 0   3
    P3     1 0 1 0   2
    P4     0 1 1 0   2
    P5     1 0 0 0   1
    P6     0 0 0 0   0

Item A: x = 1,1,1,0,1,0.
- facility P = 4/6 = 0.6667; SD = √(P(1−P)) = √(2/9) = 0.4714.
- discrimination: 27 % of 6 papers is 1.62 → 2 per group. Top by total: P1, P2 (A: 1, 1 → 1.0);
  bottom: P6, P5 (A: 0, 1 → 0.5). D = 1.0 − 0.5 = 0.5.
- point-biserial with the totals T = 4,3,2,2,1,0 (mean 2): Σ(x−x̄)(T−T̄) = 2, Σ(x−x̄)² = 4/3,
  Σ(T−T̄)² = 10, r = 2 / √(40/3) = 0.5477.
- corrected item-total: the rest R = T − x = 3,2,1,2,0,0 (mean 4/3): Σ(x−x̄)(R−R̄) = 2/3,
  Σ(R−R̄)² = 66/9, r = (2/3) / √(4/3 · 66/9) = 0.2132.
Item D: x = 1,0,0,0,0,0: P = 1/6; top P1, P2 → 0.5, bottom → 0; D = 0.5.
"""

import math

import pytest

from quizzes.analysis import formulas

MATRIX = [
    [1, 1, 1, 1],
    [1, 1, 1, 0],
    [1, 0, 1, 0],
    [0, 1, 1, 0],
    [1, 0, 0, 0],
    [0, 0, 0, 0],
]
TOTALS = [sum(row) for row in MATRIX]


def column(index):
    return [row[index] for row in MATRIX]


def test_facility_and_standard_deviation():
    assert formulas.mean(column(0)) == pytest.approx(4 / 6)
    assert formulas.standard_deviation(column(0)) == pytest.approx(math.sqrt(2 / 9))
    assert formulas.mean(column(3)) == pytest.approx(1 / 6)


def test_discrimination_index_top_and_bottom_27_percent():
    assert formulas.group_size(6) == 2
    assert formulas.discrimination_index(column(0), TOTALS) == pytest.approx(0.5)
    assert formulas.discrimination_index(column(3), TOTALS) == pytest.approx(0.5)
    # Item C: top P1, P2 → 1; bottom P6, P5 → 0.
    assert formulas.discrimination_index(column(2), TOTALS) == pytest.approx(1.0)


def test_point_biserial_and_corrected_item_total():
    x = column(0)
    assert formulas.correlation(x, TOTALS) == pytest.approx(2 / math.sqrt(40 / 3))
    assert formulas.correlation(x, TOTALS) == pytest.approx(0.5477, abs=1e-4)
    rest = [total - score for total, score in zip(TOTALS, x, strict=True)]
    assert formulas.correlation(x, rest) == pytest.approx(0.2132, abs=1e-4)


def test_a_reversed_item_discriminates_negatively():
    reversed_item = [1 - score for score in column(2)]  # the weak get it, the strong do not
    assert formulas.discrimination_index(reversed_item, TOTALS) == pytest.approx(-1.0)
    assert formulas.correlation(reversed_item, TOTALS) < 0


def test_no_variation_gives_no_correlation():
    assert formulas.correlation([1, 1, 1], [1, 2, 3]) is None
    assert formulas.correlation([], []) is None
    assert formulas.mean([]) is None
