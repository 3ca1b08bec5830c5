"""The change history for those who need it (HR any unit, person, month and kind, with exports; a
supervisor their scope, 404 outside it; staff their own record) and 服务明星 end to end: recorded
by the supervisor with votes or a note, seen by HR, on the record, in exports, in the person's
history (issue 18)."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from assessment import services as assessment
from assessment.models import AssessmentRecord, AuditEntry
from portal.organisation.models import StaffProfile, Unit

pytestmark = pytest.mark.django_db
MONTH = date(2026, 11, 1)
AUDIT = "/hr/audit/"
STARS = "/team/stars/"


def profile(number: str) -> StaffProfile:
    return StaffProfile.objects.select_related("unit", "user").get(employee_number=number)


def enter(by, number: str, month: date = MONTH, **values) -> AssessmentRecord:
    record = assessment.record_for(profile=profile(number), month=month)
    return assessment.update_components(
        record_id=record.pk,
        by=by,
        values={name: str(value) for name, value in values.items()},
        expected_version=record.version,
    )


@pytest.fixture
def history(team_leader, hall_head, user_by_username):
    """Changes in 营业二班 (DL1020 by its leader, twice; DL1021 in October), in 营业一班 (DL1014,
    by the hall head) and the 营业二班 month submitted."""
    enter(team_leader, "DL1020", attendance_rate=98)
    enter(team_leader, "DL1020", attendance_rate=99, complaints=1)
    enter(team_leader, "DL1021", month=date(2026, 10, 1), satisfaction=90)
    enter(hall_head, "DL1014", etiquette_score=88)
    assessment.submit_month(
        unit=Unit.objects.get(code="CG-YYT-2"), month=MONTH, by=team_leader, reason="测试提交"
    )


def audit_rows(response) -> list[list]:
    return response.context["rows"]


# HR -------------------------------------------------------------------------------------------


def test_hr_reads_every_change_with_filters(client, hr_user, history):
    client.force_login(hr_user)
    everything = client.get(AUDIT)
    assert everything.status_code == 200
    people = {row[4] for row in audit_rows(everything)}
    assert {"罗斌", "梁艳", "朱军", ""} <= people  # "" is the month's own entry
    one_team = audit_rows(client.get(AUDIT, {"unit": "CG-YYT-1"}))
    assert {row[4] for row in one_team} == {"朱军"}
    person = audit_rows(client.get(AUDIT, {"person": "DL1020"}))
    assert {row[3] for row in person} == {"DL1020"}
    assert [row[7] for row in person if row[5] == "出勤率"] == ["99.00", "98.00"]  # newest first
    october = audit_rows(client.get(AUDIT, {"month": "2026-10"}))
    assert {row[4] for row in october} == {"梁艳"} and {row[1] for row in october} == {"2026-10"}
    months = audit_rows(client.get(AUDIT, {"kind": "month"}))
    assert [(row[2], row[7], row[9]) for row in months] == [("营业二班", "已提交", "马丽娟")]
    components = audit_rows(client.get(AUDIT, {"kind": "components", "person": "DL1020"}))
    assert {row[5] for row in components} == {"出勤率", "投诉次数"}
    bad = client.get(AUDIT, {"month": "2026-13"})
    assert bad.status_code == 200 and "不存在" in bad.content.decode()


def test_hr_exports_the_filtered_log(client, hr_user, history):
    client.force_login(hr_user)
    response = client.get(AUDIT, {"unit": "CG-YYT-2", "month": "2026-11", "format": "csv"})
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff时间,月份,单位,工号,姓名,项目,原值,新值,原因,操作人")
    rows = list(csv.reader(io.StringIO(body[1:])))[1:]
    assert {row[4] for row in rows} == {"罗斌", ""}
    response = client.get(AUDIT, {"person": "DL1014", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:J")
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert values and {row[3] for row in values} == {"DL1014"}


# Supervisors ------------------------------------------------------------------------------------


def test_a_supervisor_reads_their_scope_only(client, team_leader, history):
    client.force_login(team_leader)  # 营业二班
    rows = audit_rows(client.get(AUDIT))
    assert {row[4] for row in rows} == {"罗斌", "梁艳", ""}
    assert {row[2] for row in rows} == {"营业二班"}
    assert client.get(AUDIT, {"unit": "CG-YYT-1"}).status_code == 404
    assert client.get(AUDIT, {"unit": "CG-YYT"}).status_code == 404  # the hall above
    assert client.get(AUDIT, {"person": "DL1014"}).status_code == 404  # another team
    assert client.get(AUDIT, {"person": "DL1019"}).status_code == 404  # their own record
    assert client.get(AUDIT, {"person": "NOPE"}).status_code == 404
    csv_body = client.get(AUDIT, {"format": "csv"}).content.decode("utf-8")
    assert "朱军" not in csv_body and "罗斌" in csv_body


def test_the_hall_head_reads_both_teams(client, hall_head, history):
    client.force_login(hall_head)
    names = {row[4] for row in audit_rows(client.get(AUDIT, {"unit": "CG-YYT"}))}
    assert {"罗斌", "梁艳", "朱军"} <= names


def test_staff_cannot_open_the_log_but_read_their_own_history(client, staff_user, history):
    client.force_login(staff_user)
    response = client.get(AUDIT)
    assert response.status_code == 403 and "我的考核" in response.content.decode()
    page = client.get("/my/assessments/")
    history_rows = page.context["history"]
    assert history_rows and {row[4] for row in history_rows} == {"罗斌"}
    html = page.content.decode()
    assert "我的记录的变更" in html and "马丽娟" in html and "朱军" not in html


# 服务明星 -------------------------------------------------------------------------------------------


def star_form(**people) -> dict:
    data = {}
    for number, (votes, note) in people.items():
        pk = profile(number).pk
        data[f"star-{pk}"] = "1"
        data[f"votes-{pk}"] = votes
        data[f"note-{pk}"] = note
    return data


def test_service_stars_end_to_end(client, team_leader, hr_user, staff_user):
    client.force_login(team_leader)
    url = f"{STARS}?month=2026-11&unit=CG-YYT-2"
    page = client.get(url)
    assert page.status_code == 200 and "罗斌" in page.content.decode()
    response = client.post(url, star_form(DL1020=("7", ""), DL1021=("", "并列，班组会议推选")))
    assert response.status_code == 302
    stars = AssessmentRecord.objects.filter(month=MONTH, service_star=True).order_by(
        "profile__employee_number"
    )
    assert [(r.profile.employee_number, r.star_votes, r.star_note) for r in stars] == [
        ("DL1020", 7, ""),
        ("DL1021", None, "并列，班组会议推选"),
    ]
    entry = AuditEntry.objects.get(record__profile__employee_number="DL1020", field="service_star")
    assert (entry.old_value, entry.new_value, entry.changed_by) == (
        "否",
        "服务明星 7 票",
        team_leader,
    )
    # On the team's record grid.
    grid = client.get("/team/records/?month=2026-11&unit=CG-YYT-2").content.decode()
    assert "★ 7 票" in grid
    # HR sees them on the month page and in the export.
    client.force_login(hr_user)
    month_page = client.get("/hr/assessments/", {"month": "2026-11", "unit": "CG"}).content.decode()
    assert "罗斌" in month_page and "7 票" in month_page and "并列，班组会议推选" in month_page
    export = client.get("/hr/assessments/export.csv", {"month": "2026-11", "unit": "CG-YYT-2"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8")[1:])))
    star_column = rows[0].index("服务明星")
    starred = [row for row in rows[1:] if row[star_column] == "是"]
    assert {row[0]: (row[star_column], row[star_column + 1]) for row in starred} == {
        "DL1020": ("是", "7"),
        "DL1021": ("是", ""),
    }
    # The person's own history shows it, and the change.
    client.force_login(staff_user)
    mine = client.get("/my/assessments/").content.decode()
    assert "★ 服务明星（7 票）" in mine and "服务明星 7 票" in mine
    # A new election result replaces the old one: 梁艳 is no longer a star.
    client.force_login(team_leader)
    client.post(url, star_form(DL1020=("9", "")))
    assert list(
        AssessmentRecord.objects.filter(month=MONTH, service_star=True).values_list(
            "profile__employee_number", "star_votes"
        )
    ) == [("DL1020", 9)]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({}, "请至少选出一位服务明星"),
        ({"DL1020": ("很多", "")}, "得票数应为 0–9999 的整数"),
        ({"DL1020": ("", "")}, "每位服务明星都要填写得票数或评选说明"),
    ],
)
def test_bad_star_entries_change_nothing(client, team_leader, form, message):
    client.force_login(team_leader)
    response = client.post(
        "/team/stars/?month=2026-11&unit=CG-YYT-2", star_form(**form), follow=True
    )
    assert message in response.content.decode()
    assert not AssessmentRecord.objects.filter(service_star=True).exists()
    assert not AuditEntry.objects.filter(field="service_star").exists()


def test_stars_only_from_the_team_and_only_in_an_open_month(team_leader, hr_user):
    team = Unit.objects.get(code="CG-YYT-2")
    with pytest.raises(assessment.AssessmentError, match="本单位在职人员"):
        assessment.record_service_stars(
            by=team_leader, unit=team, month=MONTH, stars={profile("DL1014").pk: (3, "")}
        )
    with pytest.raises(assessment.AssessmentError, match="只有该单位的班组长"):
        assessment.record_service_stars(
            by=team_leader,
            unit=Unit.objects.get(code="CG-YYT-1"),
            month=MONTH,
            stars={profile("DL1014").pk: (3, "")},
        )
    assessment.submit_month(unit=team, month=MONTH, by=team_leader, reason="测试")
    with pytest.raises(assessment.AssessmentError, match="已提交，不能再录入服务明星"):
        assessment.record_service_stars(
            by=team_leader, unit=team, month=MONTH, stars={profile("DL1020").pk: (3, "")}
        )
    assert not AssessmentRecord.objects.filter(service_star=True).exists()
