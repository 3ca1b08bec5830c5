"""Small inline SVG charts drawn on the server (no JavaScript library): vertical bars, horizontal
bars and lines. Each chart carries a Chinese summary (aria-label and <title>) and its data as a
table, which the template shows beside it as the text alternative."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = 12


@dataclass
class Chart:
    title: str
    svg: SafeString
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.rows


def _number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        value = value.normalize() if value == value.to_integral_value() else value
        return f"{value:f}"
    return str(value)


def _f(value) -> float:
    return float(value or 0)


def _svg(*, title: str, summary: str, width: int, height: int, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 — every text below went through escape()
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(summary)}" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="{FONT}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _summary(title: str, labels: list[str], values: list, unit: str) -> str:
    parts = [
        f"{label} {_number(value)}{unit if value is not None else ''}"
        for label, value in zip(labels, values, strict=True)
    ]
    return f"{title}：" + "；".join(parts) if parts else f"{title}：暂无数据"


def bar_chart(
    *, title: str, labels: list[str], values: list, unit: str = "", max_value=None, column="数值"
) -> Chart:
    """Vertical bars, one per label (e.g. a score distribution)."""
    width, height, left, bottom, top = 360, 200, 30, 28, 18
    top_value = _f(max_value) or max([_f(v) for v in values] + [1])
    plot_h = height - bottom - top
    slot = (width - left - 8) / max(len(labels), 1)
    body = [
        f'<line class="chart-axis" x1="{left}" y1="{height - bottom}" x2="{width - 4}" '
        f'y2="{height - bottom}"/>'
    ]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        bar_h = plot_h * _f(value) / top_value
        x = left + index * slot + slot * 0.15
        y = height - bottom - bar_h
        body.append(
            f'<rect class="chart-bar" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{bar_h:.1f}"><title>{escape(label)}：{escape(_number(value))}{escape(unit)}'
            f"</title></rect>"
        )
        body.append(
            f'<text class="chart-value" x="{x + slot * 0.35:.1f}" y="{y - 4:.1f}" '
            f'text-anchor="middle">{escape(_number(value))}</text>'
        )
        body.append(
            f'<text class="chart-label" x="{x + slot * 0.35:.1f}" y="{height - bottom + 16}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    return Chart(
        title,
        _svg(
            title=title,
            summary=_summary(title, labels, values, unit),
            width=width,
            height=height,
            body=body,
        ),
        ["项目", column],
        [
            [label, f"{_number(value)}{unit if value is not None else ''}"]
            for label, value in zip(labels, values, strict=True)
        ],
    )


def hbar_chart(
    *, title: str, labels: list[str], values: list, unit: str = "", max_value=100, column="数值"
) -> Chart:
    """Horizontal bars: suits long Chinese labels (question categories, teams)."""
    label_w, bar_w, row_h, top = 150, 190, 24, 6
    width = label_w + bar_w + 50
    height = top + row_h * max(len(labels), 1) + 4
    top_value = _f(max_value) or max([_f(v) for v in values] + [1])
    body = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + index * row_h
        length = bar_w * min(_f(value), top_value) / top_value
        short = label if len(label) <= 11 else "…" + label[-10:]
        body.append(
            f'<text class="chart-label" x="{label_w - 6}" y="{y + 16}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
        )
        body.append(
            f'<rect class="chart-track" x="{label_w}" y="{y + 4}" width="{bar_w}" height="{row_h - 8}"/>'
        )
        body.append(
            f'<rect class="chart-bar" x="{label_w}" y="{y + 4}" width="{length:.1f}" '
            f'height="{row_h - 8}"/>'
        )
        body.append(
            f'<text class="chart-value" x="{label_w + bar_w + 4}" y="{y + 16}">'
            f"{escape(_number(value))}{escape(unit) if value is not None else ''}</text>"
        )
    return Chart(
        title,
        _svg(
            title=title,
            summary=_summary(title, labels, values, unit),
            width=width,
            height=height,
            body=body,
        ),
        ["项目", column],
        [
            [label, f"{_number(value)}{unit if value is not None else ''}"]
            for label, value in zip(labels, values, strict=True)
        ],
    )


def line_chart(
    *, title: str, labels: list[str], series: list[tuple[str, list]], max_value=100, unit="分"
) -> Chart:
    """One line per series over the labels (months); a missing value breaks the line."""
    width, height, left, bottom, top, right = 360, 210, 32, 44, 14, 10
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _f(max_value) or 100
    step = plot_w / max(len(labels) - 1, 1)
    body = []
    for tick in (0, 0.25, 0.5, 0.75, 1):
        y = top + plot_h * (1 - tick)
        body.append(
            f'<line class="chart-gridline" x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}"/>'
            f'<text class="chart-label" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_number(Decimal(str(top_value * tick)).quantize(Decimal(1)))}</text>"
        )
    for index, label in enumerate(labels):
        x = left + index * step if len(labels) > 1 else left + plot_w / 2
        # The first and last labels are anchored inwards, so none is cut at the edge ("26-1").
        anchor = "middle"
        if len(labels) > 1 and index == len(labels) - 1:
            anchor = "end"
        elif len(labels) > 1 and index == 0:
            anchor = "start"
        body.append(
            f'<text class="chart-label" x="{x:.1f}" y="{height - bottom + 16}" '
            f'text-anchor="{anchor}">{escape(label[2:] if len(label) == 7 else label)}</text>'
        )
    for number, (name, values) in enumerate(series):
        points, segments = [], []
        for index, value in enumerate(values):
            if value is None:
                if points:
                    segments.append(points)
                points = []
                continue
            x = left + index * step if len(labels) > 1 else left + plot_w / 2
            y = top + plot_h * (1 - min(_f(value), top_value) / top_value)
            points.append((x, y, value, labels[index]))
        if points:
            segments.append(points)
        for segment in segments:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in segment)
            body.append(f'<polyline class="chart-line chart-series-{number}" points="{coords}"/>')
            for x, y, value, label in segment:
                body.append(
                    f'<circle class="chart-dot chart-series-{number}" cx="{x:.1f}" cy="{y:.1f}" r="3">'
                    f"<title>{escape(name)} {escape(label)}：{escape(_number(value))}{escape(unit)}"
                    f"</title></circle>"
                )
        legend_x = left + number * 120
        body.append(
            f'<rect class="chart-key chart-series-{number}" x="{legend_x}" y="{height - 14}" '
            f'width="12" height="4"/><text class="chart-label" x="{legend_x + 16}" '
            f'y="{height - 9}">{escape(name)}</text>'
        )
    summary_parts = []
    for name, values in series:
        known = [
            (label, value) for label, value in zip(labels, values, strict=True) if value is not None
        ]
        summary_parts.append(
            f"{name}："
            + ("、".join(f"{label} {_number(v)}{unit}" for label, v in known) or "暂无数据")
        )
    return Chart(
        title,
        _svg(
            title=title,
            summary=f"{title}。" + "；".join(summary_parts),
            width=width,
            height=height,
            body=body,
        ),
        ["月份", *[name for name, _ in series]],
        [
            [label, *[_number(values[index]) for _, values in series]]
            for index, label in enumerate(labels)
        ],
    )
