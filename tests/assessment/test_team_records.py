"""考核录入: the assessment grid (reading creates nothing; all or nothing, conflicts) and XLSX
upload (validated row by row, all or nothing)."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from assessment import services as assessment
from assessment.models import AssessmentRecord, AuditEntry
from portal.organisation.models import StaffProfile

pytestmark = pytest.mark.django_db
MONTH_TEXT = "2026-11"
HEADER = ["工号", "姓名", "出勤率", "工作差错率", "投诉次数", "服务客户数", "满意率", "服务礼仪"]


# The grid ----------------------------------------------------------------------------------------


def records_url(name="assessment:team_records", code="CG-YYT-2"):
    return f"{reverse(name)}?month={MONTH_TEXT}&unit={code}"


def grid_post(client, changes: dict[str, dict], versions: dict[str, int] | None = None):
    """Post the grid as the browser would: every row (named by the person) with its values and
    the version shown (0: no record yet), some changed."""
    people = StaffProfile.objects.filter(unit__code="CG-YYT-2", user__is_active=True).exclude(
        employee_number="DL1019"
    )
    records = {
        record.profile_id: record
        for record in AssessmentRecord.objects.filter(month__year=2026, month__month=11)
    }
    data = {"action": "save"}
    for person in people:
        number, record, prefix = person.employee_number, records.get(person.pk), f"p{person.pk}-"
        data[prefix + "version"] = (versions or {}).get(number, record.version if record else 0)
        for name in ("attendance_rate", "error_rate", "complaints", "contacts", "satisfaction"):
            value = getattr(record, name, None)
            data[prefix + name] = "" if value is None else str(value)
        data[prefix + "etiquette_score"] = ""
        for name, value in changes.get(number, {}).items():
            data[prefix + name] = value
    return client.post(records_url(), data)


def open_grid(client):
    """The supervisor opens the grid, which creates nothing; the team's records then exist as
    after any save of the grid (which makes them)."""
    assert client.get(records_url()).status_code == 200
    team = StaffProfile.objects.filter(unit__code="CG-YYT-2", user__is_active=True).exclude(
        employee_number="DL1019"
    )
    assessment.create_missing_records(people=list(team), month=date(2026, 11, 1))


def record(number: str) -> AssessmentRecord:
    return AssessmentRecord.objects.get(profile__employee_number=number, month="2026-11-01")


def test_grid_shows_the_team_and_saves_with_audit(
    client, team_leader, django_assert_max_num_queries
):
    client.force_login(team_leader)
    page = client.get(records_url()).content.decode()
    for heading in (
        "工号",
        "姓名",
        "班组",
        "考试状态",
        "月度考试",
        "出勤率",
        "服务礼仪",
        "综合",
        "等级",
    ):
        assert heading in page
    assert "DL1020" in page and "DL1014" not in page
    assert "提交本月" in page
    assert not AssessmentRecord.objects.filter(month="2026-11-01").exists()  # a read writes nothing
    with django_assert_max_num_queries(26):  # a fixed number of queries
        client.get(records_url())
    response = grid_post(
        client,
        {
            "DL1020": {"attendance_rate": "98", "error_rate": "0.5%", "complaints": "1"},
            "DL1021": {"satisfaction": "95"},
        },
    )
    assert response.status_code == 302
    assert record("DL1020").attendance_rate == Decimal("98.00")
    assert record("DL1020").complaints == 1 and record("DL1021").satisfaction == Decimal(95)
    entry = AuditEntry.objects.get(record=record("DL1020"), field="attendance_rate")
    assert entry.changed_by == team_leader and entry.new_value == "98.00"
    assert entry.reason == "班组长录入"
    assert not AuditEntry.objects.filter(record=record("DL1022")).exists()  # untouched row
    follow = client.get(response["Location"]).content.decode()
    assert "已保存 2 人的考核数据" in follow


def test_grid_with_one_bad_row_saves_nothing(client, team_leader):
    client.force_login(team_leader)
    open_grid(client)
    response = grid_post(
        client,
        {
            "DL1020": {"attendance_rate": "98"},
            "DL1021": {"attendance_rate": "101", "complaints": "1.5"},
            "DL1022": {"satisfaction": "很好"},
        },
    )
    text = response.content.decode()
    assert response.status_code == 200 and "全部修改均未保存" in text
    assert "出勤率应在 0–100 之间" in text and "投诉次数应为 0–999 的整数" in text
    assert "DL1021 梁艳" in text and "DL1022 宋志刚" in text and "不是数字" in text
    assert 'value="101"' in text  # what was typed is kept on the page
    assert record("DL1020").attendance_rate is None
    assert not AuditEntry.objects.filter(record__month="2026-11-01").exists()


def test_grid_conflict_when_the_version_is_stale(client, team_leader, hall_head):
    client.force_login(team_leader)
    open_grid(client)
    stale = record("DL1020")
    assessment.update_components(
        record_id=stale.pk, by=hall_head, values={"complaints": 2}, expected_version=stale.version
    )
    response = grid_post(
        client,
        {"DL1020": {"complaints": "0"}, "DL1021": {"attendance_rate": "97"}},
        versions={"DL1020": stale.version},
    )
    text = response.content.decode()
    assert "已被他人修改" in text and "DL1020 罗斌" in text
    assert record("DL1020").complaints == 2  # the other supervisor's value stands
    assert record("DL1021").attendance_rate is None  # and the good row was not saved either


def test_submit_and_withdraw_the_month(client, team_leader):
    client.force_login(team_leader)
    open_grid(client)
    submit = records_url("assessment:team_records_submit")
    page = client.get(submit).content.decode()
    assert "尚不完整" in page and "考核项目未录全" in page and "罗斌" in page
    response = client.post(submit, {"reason": ""}, follow=True)
    assert "如仍要继续，请填写原因" in response.content.decode()
    assert services_status() == "open"
    response = client.post(submit, {"reason": "月底前数据已核对"}, follow=True)
    text = response.content.decode()
    assert "考核已提交" in text and "撤回" in text and "readonly" in text
    assert "本月考核已提交，不能导入" in text and "已已" not in text
    response = grid_post(client, {"DL1020": {"complaints": "1"}})
    assert "已提交，不能修改" in response.content.decode()
    assert record("DL1020").complaints is None
    response = client.post(records_url(), {"action": "withdraw_month"}, follow=True)
    assert "已撤回" in response.content.decode() and "提交本月" in response.content.decode()


def services_status() -> str:
    from assessment.models import AssessmentMonth

    state = AssessmentMonth.objects.filter(unit__code="CG-YYT-2", month="2026-11-01").first()
    return state.status if state else "open"


# XLSX --------------------------------------------------------------------------------------------


def sheet_bytes(rows, header=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def upload(client, content: bytes, name="考核.xlsx"):
    return client.post(
        records_url("assessment:team_records_upload"),
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def test_template_download_is_prefilled(client, team_leader):
    client.force_login(team_leader)
    open_grid(client)
    existing = record("DL1021")
    assessment.update_components(
        record_id=existing.pk, by=team_leader, values={"satisfaction": "93.5"}, expected_version=1
    )
    response = client.get(records_url("assessment:team_records_template"))
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"].lower()
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert list(rows[0]) == HEADER
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number["DL1021"][1] == "梁艳" and by_number["DL1021"][6] == Decimal("93.5")
    assert "DL1019" not in by_number  # the leader's own record is entered by their superior


def test_xlsx_upload_happy_path(client, team_leader):
    client.force_login(team_leader)
    open_grid(client)
    template = client.get(records_url("assessment:team_records_template")).content
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.active
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "DL1020":
            row[2].value, row[3].value, row[4].value, row[5].value = 99, 0.2, 1, 500
            row[6].value, row[7].value = 0.96, 90
            row[6].number_format = "0%"  # 96% typed into a percentage cell
    output = io.BytesIO()
    workbook.save(output)
    response = upload(client, output.getvalue())
    assert "已从表格导入 1 人的考核数据" in response.content.decode()
    saved = record("DL1020")
    assert saved.attendance_rate == Decimal(99) and saved.error_rate == Decimal("0.2")
    assert saved.satisfaction == Decimal(96) and saved.etiquette_score == Decimal(90)
    assert saved.complaints == 1 and saved.contacts == 500
    assert saved.complaint_rate == Decimal("0.200")  # 投诉率 = 1 ÷ 500
    # six entered values and the computed 投诉率
    assert AuditEntry.objects.filter(record=saved, reason="表格导入").count() == 7


def test_xlsx_with_bad_rows_saves_nothing_and_lists_each(client, team_leader):
    client.force_login(team_leader)
    content = sheet_bytes(
        [
            ["DL1020", "罗斌", 98, 0.5, 0, 500, 95, 90],  # valid, but must not be saved
            ["DL1021", "梁艳", 120, 0, 0, 500, 95, 90],  # 出勤率 out of range
            ["DL9999", "无名", 98, 0, 0, 500, 95, 90],  # unknown
            ["DL1014", "朱军", 98, 0, 0, 500, 95, 90],  # another team
            ["DL1020", "罗斌", 98, 0, 0, 500, 95, 90],  # duplicate
            ["DL1022", "宋志刚", "=A1*2", 0, 0, 500, 95, 90],  # formula
            ["DL1023", "错名", 98, 0, 0, 500, 95, 90],  # name does not match
            ["DL1019", "马丽娟", 98, 0, 0, 500, 95, 90],  # own record
        ]
    )
    response = upload(client, content)
    text = response.content.decode()
    assert "整张表均未导入" in text and "以下 7 行有问题" in text
    assert "第 3 行（DL1021 梁艳）：出勤率应在 0–100 之间" in text
    assert "工号 DL9999 不存在" in text
    assert "DL1014 不在营业二班的在职人员中" in text
    assert "工号 DL1020 重复（第 2 行已出现）" in text
    assert "第 7 行（DL1022 宋志刚）：出勤率是公式" in text
    assert "姓名与工号不符" in text
    assert "不能录入本人的考核记录" in text
    assert not AssessmentRecord.objects.filter(
        month="2026-11-01", attendance_rate__isnull=False
    ).exists()
    assert not AuditEntry.objects.filter(record__month="2026-11-01").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("考核.xlsx", b"this is not a spreadsheet", "文件无法读取"),
        ("考核.xlsx", b"PK\x03\x04broken zip", "文件无法读取"),
        ("考核.csv", "工号,出勤率\nDL1020,98\n".encode(), "只支持 .xlsx 文件"),
        ("考核.xlsx", b"x" * (5 * 1024 * 1024 + 1), "不能超过 5 MB"),
        ("考核.xlsx", sheet_bytes([], header=["编号", "分数"]), "表头缺少：工号、出勤率"),
        ("考核.xlsx", sheet_bytes([]), "没有数据行"),
    ],
)
def test_unusable_files_get_a_message_never_a_500(client, team_leader, name, content, message):
    client.force_login(team_leader)
    response = upload(client, content, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AuditEntry.objects.filter(record__month="2026-11-01").exists()
