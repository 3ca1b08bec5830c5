"""Every form and JSON endpoint, fed with generated input (hypothesis): no input gives a server
error (5xx), and input the site refuses writes nothing.

The examples are the same on every run (derandomize), so `make test` is repeatable; set
FUZZ_RANDOM=1 for fresh random examples and FUZZ_EXAMPLES=500 for a longer run, e.g.
`FUZZ_RANDOM=1 FUZZ_EXAMPLES=300 .venv/bin/pytest tests/portal/test_fuzz_forms.py`. The readers of
question files are fuzzed with the import tests.
"""

import io
import json
import os
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assessment import services as assessment
from assessment.models import AssessmentMonth, AssessmentRecord, AuditEntry
from portal.months import month_of
from portal.organisation.models import Unit
from quizzes.models import (
    AnswerRecord,
    Attempt,
    AttemptQuestion,
    Exam,
    QuestionType,
    WrongAnswer,
)
from quizzes.papers import scheduling, services
from quizzes.practice import selectors as practice
from tests.conftest import DEMO_PASSWORD
from tests.quizzes.factories import make_blueprint, make_exam

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))


def fuzz(examples: int = EXAMPLES):
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,  # no .hypothesis/ folder in the work tree
        derandomize=not os.environ.get("FUZZ_RANDOM"),
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


# Input that has broken web forms before: empty, blanks, NUL and control characters, full-width
# digits, huge and negative numbers, overflowing floats, dates out of range, markup, SQL, very
# long text, Traditional Chinese, emoji.
TRICKY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\t\r\n",
    "0",
    "-1",
    "1.5",
    "1e309",
    "NaN",
    "inf",
    "９８",
    "１００％",
    "98%",
    "99999999999999999999999",
    "-99999999999999999999",
    "2026-13",
    "2026-00",
    "0000-01",
    "9999-12-31T23:59",
    "2026-02-30T10:00",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "投訴處理",
    "🔥⚡",
    "x" * 5000,
]
junk = st.one_of(st.sampled_from(TRICKY), st.text(max_size=40))
junk_lists = st.lists(junk, max_size=4)


def status_ok(response) -> None:
    assert response.status_code < 500, response.content[:300]


def refused_for_nul(response) -> bool:
    """A NUL character anywhere is refused before any view runs (portal/security.py)."""
    return response.status_code == 400 and "无效的空字符" in response.content.decode()


def succeeded(response) -> bool:
    """Whether the view said it did something (a success message)."""
    return any(m.level_tag == "success" for m in get_messages(response.wsgi_request))


# Accounts -----------------------------------------------------------------------------------------


def user_rows():
    return list(
        get_user_model()
        .objects.order_by("pk")
        .values_list("pk", "username", "password", "last_login", "is_active")
    )


@fuzz()
@given(username=junk, password=junk)
def test_login_form(client, demo_org, username, password):
    before = user_rows()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    status_ok(response)
    assert response.status_code in (200, 429) or refused_for_nul(response)
    assert "_auth_user_id" not in client.session
    assert user_rows() == before  # (django-axes counts the failure in its own tables)


@fuzz()
@given(
    old=st.one_of(st.just(DEMO_PASSWORD), junk),
    new1=st.one_of(st.just("Xin#2026mima"), junk),
    new2=st.one_of(st.just("Xin#2026mima"), junk),
)
def test_password_change_form(client, user_by_username, old, new1, new2):
    user = user_by_username("DL1022")
    client.force_login(user)
    before = user_rows()
    response = client.post(
        "/accounts/password/", {"old_password": old, "new_password1": new1, "new_password2": new2}
    )
    status_ok(response)
    user.refresh_from_db()
    if response.status_code == 302:
        assert user.check_password(new1) and "\x00" not in old + new1 + new2
        user.set_password(DEMO_PASSWORD)  # back, for the next example
        user.save()
    else:
        assert response.status_code == 200 or refused_for_nul(response)
        assert user_rows() == before


# Sitting an exam ----------------------------------------------------------------------------------


@pytest.fixture
def paper(staff_user):
    blueprint = make_blueprint(
        ("单选", [QuestionType.SINGLE], 2, 2),
        ("多选", [QuestionType.MULTIPLE], 2, 2),
        ("判断", [QuestionType.TRUE_FALSE], 2, 2),
        ("填空", [QuestionType.FILL], 2, 2),
        ("简答", [QuestionType.SHORT], 2, 2),
        name="模糊测试组卷",
    )
    return services.start_attempt(exam=make_exam(blueprint), user=staff_user, now=timezone.now())


def answers(attempt):
    return list(
        AttemptQuestion.objects.filter(attempt=attempt)
        .order_by("position")
        .values_list("position", "response", "saved_at")
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | junk
    | st.sampled_from([0, 1, 3, 9, 10, -1, 2**64]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=8,
)
save_bodies = st.one_of(
    st.fixed_dictionaries(
        {"position": st.one_of(st.integers(-3, 14), json_values), "response": json_values}
    ).map(lambda d: json.dumps(d, ensure_ascii=False).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=300),
)


@fuzz(40)
@given(body=save_bodies)
@example(body=b'{"position": Infinity, "response": 0}')
@example(body=b'{"position": -Infinity, "response": 0}')
@example(body=b'{"position": NaN, "response": 0}')
@example(body=b'{"position": 1e400, "response": 0}')
@example(body=b'{"position": 36893488147419103232, "response": 0}')
@example(body=b'{"position": "\\uff11", "response": 0}')
@example(body=b'{"position": 9, "response": "a\\u0000b"}')  # a short answer
@example(body=b'{"position": 7, "response": ["\\u0000", "x"]}')  # blanks
@example(body=b'{"position": 2, "response": [1, 1, 1]}')
@example(body=b"[]")
@example(body=b"null")
@example(body=b"\xff\xfe")
@example(body=b"[" * 100_000 + b"]" * 100_000)  # nested too deep: a Chinese 400, not a 500
@example(body=b'{"a":' * 100_000 + b"1" + b"}" * 100_000)
def test_answer_save_json(client, staff_user, paper, body):
    client.force_login(staff_user)
    before = answers(paper)
    response = client.post(
        f"/attempts/{paper.public_id}/answers/", body, content_type="application/json"
    )
    status_ok(response)
    assert response.status_code in (200, 400, 409)
    reply = response.json()  # always JSON, with a Chinese error when refused
    if response.status_code == 200:
        assert reply["saved"] is True
        changed = [a for a, b in zip(answers(paper), before, strict=True) if a != b]
        assert [row[0] for row in changed] == [reply["position"]]
    else:
        assert reply["saved"] is False and reply["error"]
        assert answers(paper) == before


@fuzz(15)
@given(
    data=st.dictionaries(st.sampled_from(["position", "response", "x"]), junk, max_size=3),
    kind=st.sampled_from(["form", "text/plain", "application/x-www-form-urlencoded"]),
)
def test_answer_save_refuses_anything_but_json(client, staff_user, paper, data, kind):
    """A form post or plain text to the JSON endpoint: 400 with a Chinese error, nothing saved."""
    client.force_login(staff_user)
    before = answers(paper)
    url = f"/attempts/{paper.public_id}/answers/"
    if kind == "form":
        response = client.post(url, data)
    else:
        response = client.post(url, json.dumps(data), content_type=kind)
    status_ok(response)
    assert response.status_code == 400
    assert response.json()["saved"] is False and response.json()["error"]
    assert answers(paper) == before


@fuzz(15)
@given(data=st.dictionaries(junk, junk, max_size=4))
def test_submit_takes_no_input(client, staff_user, paper, data):
    """Whatever the body, submitting gives the one result (the first example submits)."""
    client.force_login(staff_user)
    response = client.post(f"/attempts/{paper.public_id}/submit/", data)
    status_ok(response)
    assert response.status_code == 302 or refused_for_nul(response)
    services.submit_attempt(attempt_id=paper.pk, now=timezone.now())  # submitted either way
    paper.refresh_from_db()
    assert paper.status != Attempt.Status.IN_PROGRESS  # graded, or short answers to mark
    # Graded once: one answer record per judged question, however often it is submitted.
    judged = paper.questions.exclude(is_correct=None).count()
    assert AnswerRecord.objects.filter(user=staff_user, origin="exam").count() == judged == 8


# Practice -----------------------------------------------------------------------------------------


@pytest.fixture
def practice_questions():
    return {
        kind: practice.practice_pool().filter(type=kind).first() for kind in QuestionType.values
    }


@fuzz(40)
@given(
    data=st.fixed_dictionaries(
        {
            "scope": st.one_of(st.sampled_from(["random:", "wrongbook:", "category:x"]), junk),
            "kind": st.sampled_from(QuestionType.values),
            "ticket": st.one_of(st.just("REAL"), junk),
            "choice": st.one_of(st.sampled_from(["0", "1", "3", "7"]), junk),
            "choices": st.one_of(st.lists(st.sampled_from(["0", "1", "2", "9"])), junk_lists),
            "truefalse": st.one_of(st.sampled_from(["true", "false"]), junk),
            "blank": junk_lists,
            "text": junk,
        }
    )
)
def test_practice_answer_form(client, staff_user, practice_questions, data):
    client.force_login(staff_user)
    question = practice_questions[data.pop("kind")]
    if data["ticket"] == "REAL":
        data["ticket"] = practice.issue_ticket(user=staff_user, question=question)
    before = (AnswerRecord.objects.count(), WrongAnswer.objects.count())
    response = client.post("/practice/answer/", data)
    status_ok(response)
    assert response.status_code in (200, 400, 403, 429)
    if response.status_code != 200:
        assert (AnswerRecord.objects.count(), WrongAnswer.objects.count()) == before
        html = response.content.decode()
        assert 'class="form-errors" role="alert"' in html or refused_for_nul(response)


# Marking ------------------------------------------------------------------------------------------


@pytest.fixture
def short_answer(team_leader, staff_user):
    blueprint = make_blueprint(("简答", [QuestionType.SHORT], 1, 10), name="阅卷模糊测试")
    exam = make_exam(blueprint)
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    item = attempt.questions.get()
    services.save_answer(
        attempt_id=attempt.pk, position=1, raw_response="热情服务，首问负责", now=timezone.now()
    )
    services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    item.refresh_from_db()
    assert item.needs_review
    return item


def marking_state(item):
    item_row = AttemptQuestion.objects.filter(pk=item.pk).values().get()
    attempt_row = Attempt.objects.filter(pk=item.attempt_id).values().get()
    return item_row, attempt_row, AnswerRecord.objects.count(), WrongAnswer.objects.count()


@fuzz(30)
@given(
    decisions=st.lists(st.one_of(st.sampled_from(["0", "1"]), junk), max_size=8),
    comments=st.lists(junk, max_size=8),
)
def test_marking_form(client, team_leader, short_answer, decisions, comments):
    client.force_login(team_leader)
    data = {f"decision_{i}": value for i, value in enumerate(decisions)}
    data.update({f"comment_{i}": value for i, value in enumerate(comments)})
    before = marking_state(short_answer)
    response = client.post(f"/marking/{short_answer.pk}/", data)
    status_ok(response)
    if response.status_code == 302 and succeeded(response):
        # Marked: put the paper back as it was for the next example.
        item_row, attempt_row, _, _ = before
        AttemptQuestion.objects.filter(pk=short_answer.pk).update(**item_row)
        Attempt.objects.filter(pk=short_answer.attempt_id).update(**attempt_row)
    else:
        assert response.status_code == 200 or refused_for_nul(response)
        assert marking_state(short_answer) == before


# 班组考试: scheduling, extra time, void ------------------------------------------------------------


def local(minutes: int) -> str:
    return (timezone.localtime() + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


@fuzz(40)
@given(
    data=st.fixed_dictionaries(
        {
            "title": st.one_of(st.just("模糊测试月考"), junk),
            "blueprint": st.one_of(st.just("REAL"), junk),
            "month": st.one_of(st.just("2026-11"), junk),
            "opens_at": st.one_of(st.just(local(60)), junk),
            "closes_at": st.one_of(st.just(local(600)), junk),
            "time_limit_minutes": junk,
            "attempts_allowed": st.one_of(st.just("1"), junk),
            "units": st.one_of(st.just(["UNIT"]), junk_lists),
            "people": junk_lists,
            "makeup_of": junk,
            "notice": junk,
            "action": st.sampled_from(["publish", "draft", ""]),
        }
    )
)
def test_schedule_exam_form(client, team_leader, data):
    client.force_login(team_leader)
    blueprint = make_blueprint(("判断", [QuestionType.TRUE_FALSE], 2, 50), name="排考组卷")
    if data["blueprint"] == "REAL":
        data["blueprint"] = str(blueprint.pk)
    if data["units"] == ["UNIT"]:
        data["units"] = [str(Unit.objects.get(code="CG-YYT-2").pk)]
    before = Exam.objects.count()
    response = client.post("/team/exams/new/", data)
    status_ok(response)
    if response.status_code == 302:
        assert Exam.objects.count() == before + 1
    else:
        assert response.status_code == 200 or refused_for_nul(response)
        assert Exam.objects.count() == before


@pytest.fixture
def sitting(team_leader, staff_user):
    now = timezone.now()
    blueprint = make_blueprint(("判断", [QuestionType.TRUE_FALSE], 2, 50), name="监考组卷")
    exam = scheduling.schedule_exam(
        by=team_leader,
        plan=scheduling.ExamPlan(
            title="模糊测试监考",
            blueprint=blueprint,
            month=month_of(now),
            opens_at=now - timedelta(minutes=5),
            closes_at=now + timedelta(hours=3),
            units=[Unit.objects.get(code="CG-YYT-2")],
            people=[],
        ),
        publish=True,
    )
    return services.start_attempt(exam=exam, user=staff_user, now=now)


def attempt_rows():
    return list(Attempt.objects.order_by("pk").values_list("pk", "status", "extra_minutes"))


ids = st.one_of(st.just("REAL"), junk, st.integers().map(str))


@fuzz(30)
@given(attempt=ids, minutes=st.one_of(st.integers(-200, 300).map(str), junk))
def test_extra_time_form(client, team_leader, sitting, attempt, minutes):
    client.force_login(team_leader)
    attempt = str(sitting.pk) if attempt == "REAL" else attempt
    before = attempt_rows()
    audit = AuditEntry.objects.count()
    response = client.post(
        f"/team/exams/{sitting.exam_id}/extra-time/", {"attempt": attempt, "minutes": minutes}
    )
    status_ok(response)
    assert response.status_code == 302 or refused_for_nul(response)
    if not succeeded(response):
        assert attempt_rows() == before and AuditEntry.objects.count() == audit


@fuzz(30)
@given(attempt=ids, reason=junk)
def test_void_form(client, team_leader, sitting, attempt, reason):
    client.force_login(team_leader)
    attempt = str(sitting.pk) if attempt == "REAL" else attempt
    before = attempt_rows()
    response = client.post(
        f"/team/exams/{sitting.exam_id}/void/", {"attempt": attempt, "reason": reason}
    )
    status_ok(response)
    assert response.status_code == 302 or refused_for_nul(response)
    if succeeded(response):
        Attempt.objects.filter(pk=sitting.pk).update(  # back in play for the next example
            status=Attempt.Status.IN_PROGRESS, void_reason=""
        )
    else:
        assert attempt_rows() == before


# 考核录入: the grid and the XLSX upload ---------------------------------------------------------------


MONTH = "2026-11"
RECORDS_URL = f"/team/records/?month={MONTH}&unit=CG-YYT-2"


def record_rows():
    return (
        list(AssessmentRecord.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
        list(AssessmentMonth.objects.order_by("pk").values_list("pk", "status")),
    )


@pytest.fixture
def grid(client, team_leader):
    client.force_login(team_leader)
    assert client.get(RECORDS_URL).status_code == 200  # reading the page creates nothing
    assert not AssessmentRecord.objects.filter(month="2026-11-01").exists()
    client.post(RECORDS_URL, {"action": "save"})  # saving makes the team's records
    return AssessmentRecord.objects.get(profile__employee_number="DL1020", month="2026-11-01")


numbers = st.one_of(
    junk,
    st.integers(-10, 1200).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)


@fuzz(40)
@given(
    values=st.fixed_dictionaries(
        {
            name: numbers
            for name in (
                "attendance_rate",
                "error_rate",
                "complaints",
                "satisfaction",
                "etiquette_score",
            )
        }
    ),
    version=st.one_of(st.just("REAL"), junk),
    action=st.sampled_from(["save", "", "submit_month", "withdraw_month", "x"]),
)
def test_assessment_grid_post(client, team_leader, grid, values, version, action):
    record = AssessmentRecord.objects.get(pk=grid.pk)
    prefix = f"p{record.profile_id}-"
    data = {"action": action, prefix + "version": record.version if version == "REAL" else version}
    data.update({prefix + name: value for name, value in values.items()})
    before = record_rows()
    response = client.post(RECORDS_URL, data)
    status_ok(response)
    if response.status_code == 200 or refused_for_nul(response):
        # Refused: the page again with each problem (or the NUL page), and nothing saved.
        assert response.status_code == 400 or "全部修改均未保存" in response.content.decode()
        assert record_rows() == before
    else:
        assert response.status_code == 302
        status = assessment.month_status(unit=record.unit, month=record.month)
        if status == AssessmentMonth.Status.SUBMITTED:  # keep the month open for the next example
            assessment.withdraw_month(
                unit=record.unit, month=record.month, by=team_leader, reason="模糊测试"
            )


def valid_sheet() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["工号", "姓名", "出勤率", "差错率", "投诉", "满意度", "服务礼仪"])
    sheet.append(["DL1020", "罗斌", 98, 0.5, 1, 95, 90])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


VALID_SHEET = valid_sheet()


def mutated(data: st.DataObject) -> bytes:
    content = bytearray(VALID_SHEET)
    for _ in range(data.draw(st.integers(1, 8))):
        index = data.draw(st.integers(0, len(content) - 1))
        content[index] = data.draw(st.integers(0, 255))
    return bytes(content)


@fuzz(40)
@given(
    data=st.data(),
    kind=st.sampled_from(["random", "mutated", "truncated"]),
    name=st.sampled_from(["考核.xlsx", "考核.XLSX", "考核.xls", "考核.csv", "无扩展名"]),
)
def test_xlsx_upload(client, team_leader, grid, data, kind, name):
    if kind == "random":
        content = data.draw(st.binary(max_size=3000))
    elif kind == "mutated":
        content = mutated(data)
    else:
        content = VALID_SHEET[: data.draw(st.integers(0, len(VALID_SHEET) - 1))]
    before = record_rows()
    response = client.post(
        f"/team/records/upload/?month={MONTH}&unit=CG-YYT-2",
        {"file": SimpleUploadedFile(name, content)},
    )
    status_ok(response)
    if response.status_code == 200:
        assert record_rows() == before
    else:  # a mutation that left a readable sheet with valid values
        assert response.status_code == 302 and kind == "mutated"


# 考核汇总: HR lock and reopen ------------------------------------------------------------------------


@fuzz(30)
@given(
    action=st.sampled_from(["lock", "reopen"]),
    unit=st.one_of(st.sampled_from(["CG-YYT-2", "CG", "CG-RZB"]), junk),
    month=st.one_of(st.sampled_from([MONTH, "2026-1", "2026-11-01"]), junk),
    reason=junk,
    back=junk,
)
def test_hr_lock_and_reopen_forms(client, hr_user, action, unit, month, reason, back):
    client.force_login(hr_user)
    before = list(AssessmentMonth.objects.order_by("pk").values_list("pk", "status"))
    audit = AuditEntry.objects.count()
    response = client.post(
        f"/hr/assessments/{action}/",
        {"unit": unit, "month": month, "reason": reason, "back": back},
    )
    status_ok(response)
    confirmation = action == "lock" and response.status_code == 200  # shown again, with why
    assert response.status_code in (302, 404) or confirmation or refused_for_nul(response)
    if not succeeded(response):
        after = list(AssessmentMonth.objects.order_by("pk").values_list("pk", "status"))
        assert after == before and AuditEntry.objects.count() == audit


# Query strings of every reading page ------------------------------------------------------------

QUERY_PAGES = [
    ("staff", "/search/", ["q"]),
    ("staff", "/knowledge/rules/", ["category"]),
    ("staff", "/knowledge/qa/", ["category"]),
    ("staff", "/cases/", ["kind", "category"]),
    ("staff", "/practice/question/", ["scope", "after"]),
    ("staff", "/wrongbook/", ["page"]),
    ("staff", "/exams/", ["page"]),
    ("staff", "/accounts/login/", ["next"]),
    ("team_leader", "/people/", ["unit"]),
    ("team_leader", "/marking/", ["exam", "page"]),
    ("team_leader", "/team/exams/", ["page"]),
    ("team_leader", "/team/records/", ["month", "unit"]),
    ("team_leader", "/team/records/template.xlsx", ["month", "unit"]),
    ("hr", "/hr/assessments/", ["month", "unit", "page"]),
    ("hr", "/hr/assessments/export.csv", ["month", "unit"]),
    ("hr", "/hr/assessments/export.xlsx", ["month", "unit"]),
]
QUERY_USERS = {"staff": "DL1020", "team_leader": "DL1019", "hr": "hr"}


@pytest.mark.parametrize(("role", "url", "params"), QUERY_PAGES)
def test_query_strings(client, demo_org, role, url, params):
    client.force_login(get_user_model().objects.get(username=QUERY_USERS[role]))
    before = record_rows()

    @fuzz(15)
    @given(values=st.lists(junk, min_size=len(params), max_size=len(params)))
    @example(values=["\x00"] * len(params))
    @example(values=["x" * 5000] * len(params))
    @example(values=["99999999999999999999999"] * len(params))
    @example(values=["²"] * len(params))
    def check(values):
        response = client.get(url, dict(zip(params, values, strict=True)))
        status_ok(response)

    check()
    # Reading pages write nothing (the grid creates the month's records once, when it is shown).
    if "records" not in url:
        assert record_rows() == before
