"""Inline SVG for the team analytics page (no script, no inline style: the page's CSP allows
neither): a heat map of rows × rule sets and a bar chart of the weakest knowledge points. Each
chart is built as data here and drawn by its template; every cell and bar carries a <title>."""

from dataclasses import dataclass

from .mastery import Mastery, Share

CELL_W, CELL_H, LABEL_W, HEAD_H = 56, 22, 170, 110
BAR_H, BAR_GAP, BAR_LABEL_W, BAR_W = 20, 6, 200, 360
WEAKEST_SHOWN = 12


def colour(share: float | None) -> str:
    """Red below 60 %, amber to 80 %, green above; grey without answers."""
    if share is None:
        return "#e5e7eb"
    if share < 0.6:
        return "#dc2626" if share < 0.4 else "#f87171"
    if share < 0.8:
        return "#fbbf24"
    return "#34d399" if share < 0.9 else "#059669"


@dataclass
class Cell:
    x: int
    y: int
    fill: str
    text: str
    title: str


@dataclass
class HeatMap:
    width: int
    height: int
    columns: list[tuple[int, str]]  # x of the column's centre, label
    rows: list[tuple[int, str]]  # y of the row's baseline, label
    cells: list[Cell]
    cell_w: int = CELL_W
    cell_h: int = CELL_H


def heat_map(mastery: Mastery) -> HeatMap | None:
    if not mastery.heat_rows or not mastery.heat_columns:
        return None
    cells = []
    for r, row in enumerate(mastery.heat_rows):
        for c, column in enumerate(mastery.heat_columns):
            share: Share | None = mastery.heat.get((row, column))
            value = share.share if share else None
            cells.append(
                Cell(
                    x=LABEL_W + c * CELL_W,
                    y=HEAD_H + r * CELL_H,
                    fill=colour(value),
                    text="" if value is None else f"{value:.0%}",
                    title=f"{row} · {column}："
                    + ("无作答" if value is None else f"{value:.0%}（{share.answers} 次作答）"),
                )
            )
    return HeatMap(
        width=LABEL_W + len(mastery.heat_columns) * CELL_W + 10,
        height=HEAD_H + len(mastery.heat_rows) * CELL_H + 10,
        columns=[
            (LABEL_W + c * CELL_W + CELL_W // 2, label)
            for c, label in enumerate(mastery.heat_columns)
        ],
        rows=[(HEAD_H + r * CELL_H + 15, label) for r, label in enumerate(mastery.heat_rows)],
        cells=cells,
    )


@dataclass
class Bar:
    y: int
    width: int
    fill: str
    label: str
    value: str
    title: str


@dataclass
class BarChart:
    width: int
    height: int
    label_w: int
    bars: list[Bar]


def weakest_bars(shares: list[Share], *, limit: int = WEAKEST_SHOWN) -> BarChart | None:
    shown = [share for share in shares if share.share is not None][:limit]
    if not shown:
        return None
    bars = [
        Bar(
            y=index * (BAR_H + BAR_GAP),
            width=max(1, round(share.share * BAR_W)),
            fill=colour(share.share),
            label=share.label if len(share.label) <= 14 else share.label[:13] + "…",
            value=f"{share.share:.0%}（{share.answers}）",
            title=f"{share.label}：得分率 {share.share:.0%}，{share.answers} 次作答",
        )
        for index, share in enumerate(shown)
    ]
    return BarChart(
        width=BAR_LABEL_W + BAR_W + 90,
        height=len(bars) * (BAR_H + BAR_GAP),
        label_w=BAR_LABEL_W,
        bars=bars,
    )
