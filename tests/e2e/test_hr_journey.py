"""HR opens a past month in 考核汇总, exports it as XLSX from the page, and the file's numbers are
the ones stored in the database."""

from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from assessment.models import COMPONENTS, AssessmentRecord
from assessment.selectors import EXPORT_HEADER
from portal.home.demo_history import history_months
from portal.organisation.models import Unit

from .conftest import ARTIFACTS

pytestmark = pytest.mark.e2e


def number(value) -> Decimal | None:
    """A cell's number as a Decimal (openpyxl reads ints and floats)."""
    return None if value is None else Decimal(str(value))


def test_hr_exports_the_month_as_xlsx(open_session):
    month = history_months(timezone.localdate())[-1]  # the demo history's latest month
    company = Unit.objects.get(parent=None)
    records = {
        record.profile.employee_number: record
        for record in AssessmentRecord.objects.filter(
            month=month, unit__path__startswith=company.path
        ).select_related("profile")
    }
    assert len(records) > 20, "the demo history should have filled this month"

    session = open_session("hr")
    page = session.page
    session.login("hr")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="考核汇总").click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("月份", exact=True).fill(f"{month:%Y-%m}")
    page.get_by_role("button", name="查看").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_have_text("月度考核汇总")
    expect(page.locator("main .lead")).to_contain_text(f"{month.year}年{month.month}月")
    expect(page.get_by_role("heading", name="考核记录")).to_contain_text(f"共 {len(records)} 人")
    session.shot("01-month")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 XLSX").click()
    download = download_info.value
    assert download.suggested_filename == f"月度考核_{company.name}_{month:%Y-%m}.xlsx"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    saved = ARTIFACTS / f"hr-export-{session.viewport}.xlsx"
    download.save_as(saved)
    session.shot("02-exported")

    book = load_workbook(saved)
    assert book.sheetnames == ["考核明细", "单位汇总"]
    sheet = book["考核明细"]
    # Row 1 the title, row 2 the note, row 3 the header (frozen, filtered), then the people.
    assert sheet["A1"].value.startswith(f"{month:%Y-%m}月度考核")
    assert sheet.freeze_panes == "C4" and sheet.auto_filter.ref.startswith("A3:")
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    header, body = list(rows[0]), rows[1:]
    assert header == EXPORT_HEADER
    column = {name: index for index, name in enumerate(header)}
    assert len(body) == len(records)
    assert {str(row[column["工号"]]) for row in body} == set(records)

    numeric = {label: name for name, label, _ in COMPONENTS}
    numeric.update({"综合得分": "composite", "奖金系数": "bonus_coefficient"})
    for label in numeric:
        assert label in column, label
    for row in body:
        record = records[str(row[column["工号"]])]
        assert row[column["姓名"]] == record.profile.name
        assert row[column["月份"]] == f"{month:%Y-%m}"
        assert row[column["等级"]] == (record.grade or None)
        for label, field_name in numeric.items():
            stored = getattr(record, field_name)
            assert number(row[column[label]]) == (None if stored is None else Decimal(stored)), (
                record.profile.employee_number,
                label,
            )
    # Totals, as payroll would add them up.
    assert sum(number(row[column["综合得分"]]) or 0 for row in body) == sum(
        (r.composite or 0) for r in records.values()
    )
