"""The team analytics as an XLSX workbook (openpyxl's write-only mode; every text cell through
portal.spreadsheets.xlsx_row, so nothing a person or an editor typed can become a formula)."""

from typing import IO

from openpyxl import Workbook

from portal.spreadsheets import xlsx_row

from .mastery import Mastery, Share


def _share(value: float | None):
    return None if value is None else round(value * 100, 1)


def _sheet(workbook, title: str, heading: str, header: list[str]):
    sheet = workbook.create_sheet(title=title)
    sheet.append(xlsx_row(sheet=sheet, values=[heading]))
    sheet.append(xlsx_row(sheet=sheet, values=header))
    return sheet


def _shares(workbook, title: str, heading: str, label: str, shares: list[Share]) -> None:
    sheet = _sheet(workbook, title, heading, [label, "得分率（%）", "作答次数", "得分", "满分"])
    for share in shares:
        sheet.append(
            xlsx_row(
                sheet=sheet,
                values=[
                    share.label,
                    _share(share.share),
                    share.answers,
                    float(share.earned),
                    float(share.possible),
                ],
            )
        )


def write_mastery_xlsx(mastery: Mastery, handle: IO[bytes]) -> None:
    workbook = Workbook(write_only=True)
    months = "、".join(f"{month:%Y-%m}" for month in mastery.months)
    heading = f"{mastery.unit.name}（含下级单位）· {months} · 已出分考试作答，薄弱在前"
    _shares(workbook, "知识点", heading, "知识点", mastery.knowledge_points)
    _shares(workbook, "规范", heading, "规范", mastery.rule_sets)
    _shares(workbook, "案例", heading, "案例", mastery.cases)
    trend = _sheet(
        workbook,
        "月度趋势",
        heading,
        ["规范", *(f"{month:%Y-%m}" for month in mastery.months)],
    )
    trend.append(
        xlsx_row(sheet=trend, values=["全部", *(_share(share) for _, share, _ in mastery.trend)])
    )
    for label, shares in mastery.rule_set_trend.items():
        trend.append(xlsx_row(sheet=trend, values=[label, *(_share(s) for s in shares)]))
    below = _sheet(
        workbook,
        "低于阈值人员",
        f"{heading} · 阈值 {mastery.threshold:.0%}",
        ["知识点", "工号", "姓名", "得分率（%）", "作答次数"],
    )
    for point, people in mastery.below.items():
        for person in people:
            below.append(
                xlsx_row(
                    sheet=below,
                    values=[
                        point,
                        person.employee_number,
                        person.name,
                        _share(person.share),
                        person.answers,
                    ],
                )
            )
    heat = _sheet(
        workbook,
        "人员×规范" if not mastery.rows_are_units else "单位×规范",
        heading,
        ["", *mastery.heat_columns],
    )
    for row in mastery.heat_rows:
        cells = [mastery.heat.get((row, column)) for column in mastery.heat_columns]
        heat.append(
            xlsx_row(sheet=heat, values=[row, *(_share(c.share) if c else None for c in cells)])
        )
    workbook.save(handle)
