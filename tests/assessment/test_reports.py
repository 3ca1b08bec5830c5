"""Reports people file (issue 18): HR exports one month, a range or a year — XLSX opened with
openpyxl (title row, frozen header, filter, widths, number formats, per-unit summary sheet) and
CSV with a BOM; a range over 36 months is refused in Chinese; `manage.py export_assessments
--from --to --summary`; the scheme labelled 示例（原文未规定权重）, 投诉率 as a rate and the
sources' names (issue 15 item 6)."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from assessment import selectors
from assessment import services as assessment
from assessment.models import EXAMPLE_NOTE, AssessmentRecord, AssessmentScheme
from portal.organisation.models import StaffProfile, Unit

pytestmark = pytest.mark.django_db
XLSX_URL = "/hr/assessments/export.xlsx"
CSV_URL = "/hr/assessments/export.csv"
MONTHS = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]


def put(number: str, month: date, composite: str, **values) -> AssessmentRecord:
    person = StaffProfile.objects.select_related("unit").get(employee_number=number)
    score = Decimal(composite)
    grade = (
        "优秀" if score >= 90 else "良好" if score >= 80 else "合格" if score >= 60 else "不合格"
    )
    fields = {
        "exam_state": "graded",
        "exam_score": score,
        "attendance_rate": Decimal("99.5"),
        "error_rate": Decimal("0.2"),
        "complaints": 1,
        "contacts": 400,
        "complaint_rate": Decimal("0.250"),
        "satisfaction": Decimal("96"),
        "etiquette_score": Decimal("90"),
        "composite": score,
        "grade": grade,
        "bonus_coefficient": Decimal("1.0"),
    }
    fields.update(values)
    return AssessmentRecord.objects.create(profile=person, unit=person.unit, month=month, **fields)


@pytest.fixture
def quarter(demo_org):
    """Three months of 营业一班 (DL1014, DL1015) and 营业二班 (DL1020, DL1021), one 服务明星."""
    for month in MONTHS:
        put("DL1014", month, "92")
        put("DL1015", month, "55")
        put("DL1020", month, "85")
        put("DL1021", month, "81")
    AssessmentRecord.objects.filter(profile__employee_number="DL1020", month=MONTHS[1]).update(
        service_star=True, star_votes=7
    )


def workbook(response):
    body = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(body))


def test_a_range_as_xlsx_has_title_frozen_header_filter_widths_formats_and_summary(
    client, hr_user, quarter
):
    client.force_login(hr_user)
    response = client.get(XLSX_URL, {"unit": "CG-YYT", "from": "2026-01", "to": "2026-03"})
    assert response.status_code == 200
    assert "2026-01%E8%87%B32026-03" in response["Content-Disposition"]  # 至
    book = workbook(response)
    assert book.sheetnames == ["考核明细", "单位汇总"]
    sheet = book["考核明细"]
    assert sheet["A1"].value == "2026-01至2026-03月度考核 · 中心营业厅（含下级单位）"
    assert sheet["A1"].font.bold
    assert EXAMPLE_NOTE in sheet["A2"].value  # the default scheme's weights are examples
    assert [cell.value for cell in sheet[3]] == selectors.EXPORT_HEADER
    assert sheet.freeze_panes == "C4"
    assert sheet.auto_filter.ref == f"A3:U{3 + 12}"
    assert sheet.column_dimensions["A"].width == 10 and sheet.column_dimensions["U"].width == 30
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert len(rows) == 12 and {row[5] for row in rows} == {"2026-01", "2026-02", "2026-03"}
    composite = selectors.EXPORT_HEADER.index("综合得分") + 1
    rate = selectors.EXPORT_HEADER.index("投诉率") + 1
    assert sheet.cell(row=4, column=composite).number_format == "0.00"
    assert sheet.cell(row=4, column=rate).number_format == "0.000"
    star = [row for row in rows if row[selectors.EXPORT_HEADER.index("服务明星")] == "是"]
    assert [(row[0], row[5], row[19]) for row in star] == [("DL1020", "2026-02", 7)]

    summary = book["单位汇总"]
    assert "各单位汇总" in summary["A1"].value and summary.freeze_panes == "C4"
    assert [cell.value for cell in summary[3]] == selectors.SUMMARY_HEADER
    lines = {
        (row[0], row[2]): row for row in summary.iter_rows(min_row=4, values_only=True) if row[0]
    }
    assert len(lines) == 6  # 3 months × 2 teams (both people of each team assessed there)
    one, two = lines[("2026-02", "营业一班")], lines[("2026-02", "营业二班")]
    # 人数, 已算出, 平均, 最高, 最低, 及格率, 等级分布, 排名, 服务明星
    assert one[3:11] == (2, 2, 73.5, 92, 55, 50, "不合格 1，优秀 1", 2)
    assert two[3:12] == (2, 2, 83, 85, 81, 100, "良好 2", 1, "罗斌（7 票）")
    assert summary.auto_filter.ref == "A3:L9"


def test_a_year_and_a_single_month(client, hr_user, quarter):
    put("DL1020", date(2026, 11, 1), "70")
    put("DL1020", date(2025, 12, 1), "70")  # the year before: not in 2026
    client.force_login(hr_user)
    year = workbook(client.get(XLSX_URL, {"unit": "CG", "year": "2026"}))["考核明细"]
    months = [row[5] for row in year.iter_rows(min_row=4, values_only=True)]
    assert len(months) == 13 and "2025-12" not in months and months[-1] == "2026-11"
    assert year["A1"].value.startswith("2026-01至2026-12月度考核")
    one = workbook(client.get(XLSX_URL, {"unit": "CG-YYT-2", "month": "2026-02"}))["考核明细"]
    assert [row[0] for row in one.iter_rows(min_row=4, values_only=True)] == ["DL1020", "DL1021"]


def test_a_range_as_csv_with_bom(client, hr_user, quarter):
    client.force_login(hr_user)
    response = client.get(CSV_URL, {"unit": "CG-YYT-1", "from": "2026-01", "to": "2026-02"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff工号,姓名")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0] == selectors.EXPORT_HEADER
    assert [(row[0], row[5]) for row in rows[1:]] == [
        ("DL1014", "2026-01"),
        ("DL1015", "2026-01"),
        ("DL1014", "2026-02"),
        ("DL1015", "2026-02"),
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2023-01", "to": "2026-01"}, "一次最多导出 36 个月，所选范围为 37 个月"),
        ({"from": "2026-03", "to": "2026-01"}, "结束月份不能早于开始月份"),
        ({"year": "26"}, "年份“26”不正确"),
    ],
)
def test_bad_ranges_are_refused_in_chinese(client, hr_user, quarter, query, message):
    client.force_login(hr_user)
    response = client.get(XLSX_URL, {"unit": "CG", **query}, follow=True)
    assert response.redirect_chain and response.redirect_chain[-1][0].startswith("/hr/assessments/")
    assert "导出失败" in response.content.decode() and message in response.content.decode()


def test_36_months_are_allowed():
    selectors.check_range(date(2024, 1, 1), date(2026, 12, 1))
    with pytest.raises(ValueError, match="37 个月"):
        selectors.check_range(date(2024, 1, 1), date(2027, 1, 1))


def test_supervisors_export_only_their_scope_over_a_range(client, team_leader, quarter):
    client.force_login(team_leader)  # 营业二班
    response = client.get(CSV_URL, {"from": "2026-01", "to": "2026-03"})
    body = b"".join(response.streaming_content).decode("utf-8")
    numbers = {row[0] for row in list(csv.reader(io.StringIO(body[1:])))[1:]}
    assert numbers == {"DL1020", "DL1021"}


def test_command_exports_a_range_with_the_summary(tmp_path, quarter):
    target = tmp_path / "季度.xlsx"
    out = io.StringIO()
    call_command(
        "export_assessments",
        "--from",
        "2026-01",
        "--to",
        "2026-03",
        "--unit=CG-YYT",
        "--format=xlsx",
        "--summary",
        f"--output={target}",
        stdout=out,
    )
    assert "2026年01月至2026年03月" in out.getvalue() and "12 条" in out.getvalue()
    book = load_workbook(target)
    assert book.sheetnames == ["考核明细", "单位汇总"]
    assert book["考核明细"].max_row == 3 + 12
    summary_csv = tmp_path / "汇总.csv"
    call_command(
        "export_assessments",
        "--from=2026-01",
        "--to=2026-03",
        "--format=csv",
        "--summary",
        f"--output={summary_csv}",
        stdout=out,
    )
    rows = list(csv.reader(io.StringIO(summary_csv.read_text("utf-8-sig"))))
    assert rows[0] == selectors.SUMMARY_HEADER and len(rows) == 1 + 6
    # Without --summary the XLSX has the person sheet only.
    plain = tmp_path / "明细.xlsx"
    call_command(
        "export_assessments",
        "--year=2026",
        "--format=xlsx",
        f"--output={plain}",
        stdout=io.StringIO(),
    )
    assert load_workbook(plain).sheetnames == ["考核明细"]


def test_command_refuses_more_than_36_months(tmp_path):
    target = tmp_path / "out.xlsx"
    with pytest.raises(CommandError, match="一次最多导出 36 个月"):
        call_command(
            "export_assessments",
            "--from=2020-01",
            "--to=2026-12",
            "--format=xlsx",
            f"--output={target}",
            stdout=io.StringIO(),
        )
    assert not target.exists()


# The scheme as the sources give it (issue 15, item 6) ------------------------------------------------


def test_scheme_is_labelled_an_example_and_names_follow_the_sources(client, team_leader, hr_user):
    # 004 names 出勤率、工作差错率、投诉率、满意率、服务礼仪; 投诉率 is complaints over contacts.
    for name in ("工作差错率", "满意率", "投诉率", "出勤率", "服务礼仪"):
        assert name in selectors.EXPORT_HEADER
    assert {"差错率", "满意度", "投诉"} & set(selectors.EXPORT_HEADER) == set()
    assert AssessmentScheme._meta.get_field("complaints_weight").verbose_name == "投诉率权重"
    client.force_login(team_leader)
    grid = client.get("/team/records/", {"month": "2026-11"}).content.decode()
    assert f"为<b>{EXAMPLE_NOTE}</b>" in grid
    assert "投诉率 = 投诉次数 ÷ 服务客户数" in grid
    client.force_login(hr_user)
    page = client.get("/hr/assessments/", {"month": "2026-11"}).content.decode()
    assert EXAMPLE_NOTE in page
    # A scheme set by the unit's own rules is not called an example.
    AssessmentScheme.objects.create(
        unit=Unit.objects.get(code="CG"), name="公司正式方案", weights_are_examples=False
    )
    assert not selectors.schemes_are_examples(unit=Unit.objects.get(code="CG"))
    client.force_login(team_leader)
    assert EXAMPLE_NOTE not in client.get("/team/records/", {"month": "2026-11"}).content.decode()


def test_complaint_rate_is_computed_from_counts(team_leader, staff_user):
    record = assessment.record_for(profile=staff_user.staff_profile, month=date(2026, 11, 1))
    record = assessment.update_components(
        record_id=record.pk,
        by=team_leader,
        values={"complaints": "2", "contacts": "800"},
        expected_version=record.version,
    )
    assert record.complaint_rate == Decimal("0.250")
    with pytest.raises(assessment.AssessmentError, match="投诉次数（9）不能多于服务客户数（5）"):
        assessment.update_components(
            record_id=record.pk,
            by=team_leader,
            values={"complaints": "9", "contacts": "5"},
            expected_version=record.version,
        )
