"""Every URL of the site × every role: the expected status of GET and, for write endpoints, POST;
a POST without a CSRF token is refused; ids of other people's things cannot be guessed; no page or
JSON answer carries an answer key before the review rules allow.

The matrix is checked against the URL resolver, so a new URL outside /admin/ fails
`test_every_url_is_in_the_matrix` until someone decides who may open it. The Wagtail admin (300+
URLs, guarded by Wagtail's own permissions) is sampled in ADMIN_MATRIX.
"""

import json
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from assessment.models import AssessmentMonth, AssessmentRecord, AuditEntry
from cases.models import CasePage, QAItem, RuleItem, SourceDocument
from portal.months import month_of
from portal.organisation.models import Unit
from quizzes.models import Attempt, AttemptQuestion, Exam, QuestionType
from quizzes.papers import scheduling, services
from tests.quizzes.factories import make_blueprint, make_exam

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "staff", "team_leader", "hall_head", "hr", "editor", "admin")
USERNAMES = {
    "staff": "DL1020",  # 员工, 营业二班
    "team_leader": "DL1019",  # 班组长, 营业二班
    "hall_head": "DL2002",  # 单位主任 (值长) of 中心营业厅 and both its teams
    "hr": "hr",  # 人资
    "editor": "editor",  # 培训专责
    "admin": "admin",
}
LOGIN = "login"  # a redirect to the login page
ELSEWHERE = "302"  # a redirect somewhere else (after a successful POST, or already logged in)
MONTH = "2026-11"


def signed_in(value, *, anonymous=LOGIN) -> dict:
    return {"anonymous": anonymous, **dict.fromkeys(ROLES[1:], value)}


def by_role(*, anonymous=LOGIN, **roles) -> dict:
    assert set(roles) == set(ROLES[1:]), set(ROLES[1:]) ^ set(roles)
    return {"anonymous": anonymous, **roles}


SUPERVISORS = {"team_leader": 200, "hall_head": 200, "admin": 200}
# Pages for supervisors only (班组长 / 值长; the superuser may do everything).
SUPERVISOR_ONLY = by_role(staff=403, hr=403, editor=403, **SUPERVISORS)
# Open to everyone signed in, except a person sitting an exam (the matrix's staff member).
DURING_EXAM = {**signed_in(200), "staff": 403}
# Pages supervisors and HR may read.
VIEWERS = by_role(staff=403, hr=200, editor=403, **SUPERVISORS)


# The objects the URLs point at --------------------------------------------------------------------


@dataclass
class World:
    exam: Exam  # published, for 营业二班; staff_user is sitting it
    sitting: Attempt  # staff_user's attempt in progress
    done: Attempt  # staff_user's submitted paper of a second exam, a short answer waiting
    short_item: AttemptQuestion  # that short answer
    rule: RuleItem
    qa: QAItem
    source: SourceDocument
    case: CasePage
    document_url: str
    media_url: str  # the same document's file, straight from MEDIA_ROOT


def schedule(team_leader, title: str, blueprint, **plan) -> Exam:
    now = timezone.now()
    return scheduling.schedule_exam(
        by=team_leader,
        plan=scheduling.ExamPlan(
            title=title,
            blueprint=blueprint,
            month=month_of(now),
            opens_at=now - timedelta(minutes=5),
            closes_at=now + timedelta(hours=2),
            units=[Unit.objects.get(code="CG-YYT-2")],
            people=[],
            **plan,
        ),
        publish=True,
    )


def build_world(staff_user, team_leader) -> World:
    from wagtail.documents.models import Document

    blueprint = make_blueprint(
        ("判断", [QuestionType.TRUE_FALSE], 2, 5),
        ("简答", [QuestionType.SHORT], 1, 10),
        name="权限矩阵组卷",
    )
    exam = schedule(team_leader, "权限矩阵月考", blueprint)
    sitting = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    other = schedule(team_leader, "权限矩阵补充考试", blueprint)
    done = services.start_attempt(exam=other, user=staff_user, now=timezone.now())
    short_item = done.questions.get(type=QuestionType.SHORT)
    services.save_answer(
        attempt_id=done.pk,
        position=short_item.position,
        raw_response="首问负责，热情接待",
        now=timezone.now(),
    )
    done = services.submit_attempt(attempt_id=done.pk, now=timezone.now())
    assert done.status == Attempt.Status.PENDING_REVIEW
    document = Document.objects.create(title="培训资料")
    document.file.save("training.txt", ContentFile("供电服务培训资料".encode()), save=True)
    rule = RuleItem.objects.select_related("rule_set").first()
    return World(
        exam=exam,
        sitting=sitting,
        done=done,
        short_item=short_item,
        rule=rule,
        qa=QAItem.objects.first(),
        source=SourceDocument.objects.first(),
        case=CasePage.objects.live().first(),
        document_url=document.url,
        media_url=document.file.url,
    )


@pytest.fixture
def world(staff_user, team_leader, settings, tmp_path) -> World:
    # Documents are served from disk (the in-memory test storage has no real files).
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return build_world(staff_user, team_leader)


# The matrix ---------------------------------------------------------------------------------------


@dataclass
class Row:
    url: object  # World -> str
    get: dict
    post: dict | None = None  # expected status of a POST (CSRF token not checked), per role
    data: object = None  # World -> POST data (a dict, or (body, content type) for JSON)


def attempt_url(suffix=""):
    return lambda w: f"/attempts/{w.sitting.public_id}/{suffix}"


def answer_json(w):
    return json.dumps({"position": 1, "response": True}), "application/json"


MATRIX: dict[str, Row] = {
    # Accounts
    "accounts/login/": Row(
        lambda w: "/accounts/login/",
        get={"anonymous": 200, **dict.fromkeys(ROLES[1:], ELSEWHERE)},
        post={"anonymous": 200, **dict.fromkeys(ROLES[1:], ELSEWHERE)},
        data=lambda w: {"username": "DL1020", "password": "wrong"},
    ),
    "accounts/logout/": Row(
        lambda w: "/accounts/logout/",
        get=dict.fromkeys(ROLES, 405),
        post=dict.fromkeys(ROLES, ELSEWHERE),
        data=lambda w: {},
    ),
    "accounts/password/": Row(
        lambda w: "/accounts/password/",
        get=signed_in(200),
        post=signed_in(200),  # invalid form shown again
        data=lambda w: {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    ),
    "accounts/password/done/": Row(lambda w: "/accounts/password/done/", get=signed_in(200)),
    # The exam paper's ping that keeps an open paper's session alive (JSON, CSRF-checked).
    "accounts/keepalive/": Row(
        lambda w: "/accounts/keepalive/",
        get=signed_in(405),
        post=signed_in(200),
        data=lambda w: {},
    ),
    # The load balancer's health check: open to anyone, no login (site/health.py).
    "healthz/": Row(lambda w: "/healthz/", get=dict.fromkeys(ROLES, 200)),
    # People
    "me/": Row(lambda w: "/me/", get=signed_in(200)),
    "people/": Row(lambda w: "/people/", get=VIEWERS),
    "people/<str:employee_number>/": Row(
        lambda w: "/people/DL1020/",
        get=by_role(staff=200, team_leader=200, hall_head=200, hr=200, editor=404, admin=200),
    ),
    # Knowledge base: every signed-in person
    "knowledge/rules/": Row(lambda w: "/knowledge/rules/", get=signed_in(200)),
    "knowledge/rules/<slug:code>/": Row(
        lambda w: f"/knowledge/rules/{w.rule.rule_set.code}/", get=signed_in(200)
    ),
    "knowledge/rules/<slug:code>/<str:key>/": Row(
        lambda w: f"/knowledge/rules/{w.rule.rule_set.code}/{w.rule.key}/", get=signed_in(200)
    ),
    "knowledge/qa/": Row(lambda w: "/knowledge/qa/", get=signed_in(200)),
    "knowledge/qa/<slug:code>/": Row(lambda w: f"/knowledge/qa/{w.qa.code}/", get=signed_in(200)),
    "knowledge/sources/<str:file_name>/": Row(
        lambda w: f"/knowledge/sources/{w.source.file_name}/", get=signed_in(200)
    ),
    "search/": Row(lambda w: "/search/?q=停电", get=signed_in(200)),
    # Exams
    "exams/": Row(lambda w: "/exams/", get=signed_in(200)),
    "exams/<int:exam_id>/start/": Row(
        lambda w: f"/exams/{w.exam.pk}/start/",
        get=signed_in(405),
        # staff resume their paper; the others are sent back to 我的考试 (or start their own)
        post=signed_in(ELSEWHERE),
        data=lambda w: {},
    ),
    "attempts/<uuid:public_id>/": Row(
        attempt_url(),
        get=by_role(staff=200, team_leader=404, hall_head=404, hr=404, editor=404, admin=404),
    ),
    "attempts/<uuid:public_id>/answers/": Row(
        attempt_url("answers/"),
        get=signed_in(405),
        post=by_role(staff=200, team_leader=404, hall_head=404, hr=404, editor=404, admin=404),
        data=answer_json,
    ),
    "attempts/<uuid:public_id>/flags/": Row(
        attempt_url("flags/"),
        get=signed_in(405),
        post=by_role(staff=200, team_leader=404, hall_head=404, hr=404, editor=404, admin=404),
        data=lambda w: (json.dumps({"position": 1, "flagged": True}), "application/json"),
    ),
    "attempts/<uuid:public_id>/status/": Row(
        attempt_url("status/"),
        get=by_role(staff=200, team_leader=404, hall_head=404, hr=404, editor=404, admin=404),
    ),
    "attempts/<uuid:public_id>/submit/": Row(
        attempt_url("submit/"),
        get=signed_in(405),
        post=by_role(
            staff=ELSEWHERE, team_leader=404, hall_head=404, hr=404, editor=404, admin=404
        ),
        data=lambda w: {},
    ),
    "attempts/<uuid:public_id>/result/": Row(
        lambda w: f"/attempts/{w.done.public_id}/result/",
        get=by_role(staff=200, team_leader=404, hall_head=404, hr=404, editor=404, admin=404),
    ),
    # Practice
    # The staff member of the matrix sits an exam: practice and the wrong book are closed to them.
    "practice/": Row(lambda w: "/practice/", get=DURING_EXAM),
    "practice/question/": Row(lambda w: "/practice/question/?scope=random:", get=DURING_EXAM),
    "practice/answer/": Row(
        lambda w: "/practice/answer/",
        get={**signed_in(ELSEWHERE), "staff": 403},
        post=signed_in(403),  # no ticket: a Chinese problem page, nothing written
        data=lambda w: {"scope": "random:"},
    ),
    "practice/case/": Row(lambda w: "/practice/case/?scope=random", get=DURING_EXAM),
    "practice/case/answer/": Row(
        lambda w: "/practice/case/answer/",
        get={**signed_in(ELSEWHERE), "staff": 403},
        post=signed_in(403),  # no ticket: a Chinese problem page, nothing written
        data=lambda w: {"scope": "random"},
    ),
    "wrongbook/": Row(lambda w: "/wrongbook/", get=DURING_EXAM),
    # 智能练习 (issue 19): the set and its reasons; a POST starts it as a practice session (nobody
    # here has a history, so the page is shown again with nothing to practise)
    "practice/smart/": Row(
        lambda w: "/practice/smart/", get=DURING_EXAM, post=DURING_EXAM, data=lambda w: {}
    ),
    # 练习组 and the wrong book's actions (closed to the staff member sitting an exam).
    "practice/session/": Row(
        lambda w: "/practice/session/",
        get={**signed_in(405), "staff": 403},
        post={**signed_in(ELSEWHERE), "staff": 403},  # a session of 10 random questions
        data=lambda w: {"scope": "random", "kind": "question", "length": "10"},
    ),
    "practice/session/<str:session_id>/": Row(
        lambda w: "/practice/session/0123456789ab/",  # not one of the person's sessions
        get={**signed_in(404), "staff": 403},
    ),
    "practice/session/<str:session_id>/finish/": Row(
        lambda w: "/practice/session/0123456789ab/finish/",
        get={**signed_in(405), "staff": 403},
        post={**signed_in(404), "staff": 403},
        data=lambda w: {},
    ),
    "wrongbook/<int:entry_id>/remove/": Row(
        lambda w: "/wrongbook/999999/remove/",
        get={**signed_in(405), "staff": 403},
        post={**signed_in(404), "staff": 403},
        data=lambda w: {},
    ),
    "wrongbook/remove/": Row(
        lambda w: "/wrongbook/remove/",
        get={**signed_in(405), "staff": 403},
        post={**signed_in(ELSEWHERE), "staff": 403},  # not confirmed: nothing removed
        data=lambda w: {},
    ),
    "wrongbook/practise/": Row(
        lambda w: "/wrongbook/practise/",
        get={**signed_in(405), "staff": 403},
        post={**signed_in(400), "staff": 403},  # an empty wrong book: a Chinese message
        data=lambda w: {},
    ),
    # Marking
    "marking/": Row(lambda w: "/marking/", get=VIEWERS),
    "marking/marked/": Row(lambda w: "/marking/marked/", get=VIEWERS),
    "marking/<int:item_id>/": Row(
        lambda w: f"/marking/{w.short_item.pk}/",
        get=VIEWERS,
        post=VIEWERS,  # an empty marking form is shown again with its errors
        data=lambda w: {},
    ),
    # 班组考试
    "team/exams/": Row(lambda w: "/team/exams/", get=VIEWERS),
    "team/exams/new/": Row(
        lambda w: "/team/exams/new/",
        get=SUPERVISOR_ONLY,
        post=SUPERVISOR_ONLY,  # empty form: errors, nothing scheduled
        data=lambda w: {},
    ),
    "team/exams/<int:exam_id>/": Row(lambda w: f"/team/exams/{w.exam.pk}/", get=VIEWERS),
    "team/exams/<int:exam_id>/progress.json": Row(
        lambda w: f"/team/exams/{w.exam.pk}/progress.json", get=VIEWERS
    ),
    "team/exams/<int:exam_id>/extra-time/": Row(
        lambda w: f"/team/exams/{w.exam.pk}/extra-time/",
        get=signed_in(405),
        post=by_role(
            staff=403,
            hr=403,
            editor=403,
            team_leader=ELSEWHERE,
            hall_head=ELSEWHERE,
            admin=ELSEWHERE,
        ),
        data=lambda w: {"attempt": w.sitting.pk, "minutes": 5},
    ),
    "team/exams/<int:exam_id>/void/": Row(
        lambda w: f"/team/exams/{w.exam.pk}/void/",
        get=signed_in(405),
        post=by_role(
            staff=403,
            hr=403,
            editor=403,
            team_leader=ELSEWHERE,
            hall_head=ELSEWHERE,
            admin=ELSEWHERE,
        ),
        data=lambda w: {"attempt": w.sitting.pk, "reason": ""},  # no reason: refused
    ),
    # Changing a published exam: only the person who scheduled it (or the superuser); the
    # 值长 sees the exam but is sent back to its progress page.
    "team/exams/<int:exam_id>/edit/": Row(
        lambda w: f"/team/exams/{w.exam.pk}/edit/",
        get=by_role(staff=403, hr=403, editor=403, team_leader=200, hall_head=ELSEWHERE, admin=200),
        post=by_role(
            staff=403, hr=403, editor=403, team_leader=200, hall_head=ELSEWHERE, admin=200
        ),
        data=lambda w: {"action": "cancel", "reason": ""},  # no reason: refused
    ),
    "team/exams/<int:exam_id>/export/": Row(
        lambda w: f"/team/exams/{w.exam.pk}/export/?format=csv", get=VIEWERS
    ),
    # 站内通知: everyone's own notices
    "notifications/": Row(lambda w: "/notifications/", get=signed_in(200)),
    "notifications/unread.json": Row(lambda w: "/notifications/unread.json", get=signed_in(200)),
    "notifications/<int:notification_id>/open/": Row(
        lambda w: "/notifications/999999/open/",
        get=signed_in(405),
        post=signed_in(404),
        data=lambda w: {},
    ),
    "notifications/read-all/": Row(
        lambda w: "/notifications/read-all/",
        get=signed_in(405),
        post=signed_in(ELSEWHERE),
        data=lambda w: {},
    ),
    # 考核录入
    "team/records/": Row(
        lambda w: f"/team/records/?month={MONTH}&unit=CG-YYT-2",
        get=SUPERVISOR_ONLY,
        post=by_role(
            staff=403,
            hr=403,
            editor=403,
            team_leader=ELSEWHERE,
            hall_head=ELSEWHERE,
            admin=ELSEWHERE,
        ),
        data=lambda w: {"action": "save"},  # nothing changed
    ),
    "team/records/upload/": Row(
        lambda w: f"/team/records/upload/?month={MONTH}&unit=CG-YYT-2",
        get=signed_in(405),
        post=SUPERVISOR_ONLY,  # no file: the page again with the form's error
        data=lambda w: {},
    ),
    # Submitting the month: the confirmation page; a POST without a reason (incomplete) is
    # refused with the page shown again.
    "team/records/submit/": Row(
        lambda w: f"/team/records/submit/?month={MONTH}&unit=CG-YYT-2",
        get=SUPERVISOR_ONLY,
        post=SUPERVISOR_ONLY,
        data=lambda w: {"reason": ""},
    ),
    "team/stars/": Row(
        lambda w: f"/team/stars/?month={MONTH}&unit=CG-YYT-2",
        get=SUPERVISOR_ONLY,
        post=SUPERVISOR_ONLY,  # nobody chosen and 本月不评选 not ticked: refused, page again
        data=lambda w: {},
    ),
    "team/records/template.xlsx": Row(
        lambda w: f"/team/records/template.xlsx?month={MONTH}&unit=CG-YYT-2",
        get=SUPERVISOR_ONLY,
    ),
    # 考核汇总 (HR)
    "hr/assessments/": Row(lambda w: f"/hr/assessments/?month={MONTH}", get=VIEWERS),
    "hr/assessments/export.csv": Row(
        lambda w: f"/hr/assessments/export.csv?month={MONTH}", get=VIEWERS
    ),
    "hr/assessments/export.xlsx": Row(
        lambda w: f"/hr/assessments/export.xlsx?month={MONTH}", get=VIEWERS
    ),
    # GET: the confirmation page (what is incomplete); POST: lock, refused here (the month is
    # open) with the page shown again.
    "hr/assessments/lock/": Row(
        lambda w: f"/hr/assessments/lock/?unit=CG-YYT-2&month={MONTH}",
        get=by_role(staff=403, team_leader=403, hall_head=403, editor=403, hr=200, admin=200),
        post=by_role(staff=403, team_leader=403, hall_head=403, editor=403, hr=200, admin=200),
        data=lambda w: {"unit": "CG-YYT-2", "month": MONTH},
    ),
    "hr/audit/": Row(lambda w: f"/hr/audit/?month={MONTH}", get=VIEWERS),
    "hr/assessments/reopen/": Row(
        lambda w: "/hr/assessments/reopen/",
        get=signed_in(405),
        post=by_role(
            staff=403, team_leader=403, hall_head=403, editor=403, hr=ELSEWHERE, admin=ELSEWHERE
        ),
        data=lambda w: {"unit": "CG-YYT-2", "month": MONTH, "reason": ""},
    ),
    "hr/held-scores/": Row(lambda w: "/hr/held-scores/", get=VIEWERS),
    "hr/held-scores/<int:change_id>/decide/": Row(
        lambda w: "/hr/held-scores/999999/decide/",
        get=signed_in(405),
        # an unknown change: a Chinese message back on the list, nothing decided
        post=by_role(
            staff=403,
            editor=403,
            team_leader=ELSEWHERE,
            hall_head=ELSEWHERE,
            hr=ELSEWHERE,
            admin=ELSEWHERE,
        ),
        data=lambda w: {"decision": "dismiss", "note": "测试"},
    ),
    "my/assessments/": Row(lambda w: "/my/assessments/", get=signed_in(200)),
    # 学习分析 (issue 19): supervisors their scope, HR every unit
    "team/analytics/": Row(lambda w: f"/team/analytics/?month={MONTH}", get=VIEWERS),
    "team/analytics/export.xlsx": Row(
        lambda w: f"/team/analytics/export.xlsx?month={MONTH}", get=VIEWERS
    ),
    # Wagtail's front end: pages, documents, page-privacy forms
    "^((?:[\\w\\-]+/)*)$": Row(lambda w: w.case.url, get=signed_in(200)),
    # Documents and every uploaded file need a login (a login restriction on the root
    # collection; MEDIA_ROOT through a login-only view in every mode).
    "documents/^(\\d+)/(.*)$": Row(lambda w: w.document_url, get=signed_in(200)),
    "media/<path:path>": Row(lambda w: w.media_url, get=signed_in(200)),
    "documents/authenticate_with_password/<int:restriction_id>/": Row(
        lambda w: "/documents/authenticate_with_password/999999/", get=dict.fromkeys(ROLES, 404)
    ),
    "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/": Row(
        lambda w: "/_util/authenticate_with_password/999999/999999/",
        get=dict.fromkeys(ROLES, 404),
    ),
    "_util/login/": Row(lambda w: "/_util/login/", get=dict.fromkeys(ROLES, 200)),
}


def project_routes() -> set[str]:
    """Every URL pattern outside the Wagtail admin, as its route text."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    return {route for route in walk(get_resolver().url_patterns) if not route.startswith("admin/")}


def test_every_url_is_in_the_matrix():
    routes = project_routes()
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, f"新网址未列入权限矩阵，请为每个角色写明预期状态：{missing}"
    assert not stale, f"权限矩阵中的网址已不存在：{stale}"


def client_for(role: str, **options) -> Client:
    client = Client(**options)
    if role != "anonymous":
        client.force_login(get_user_model().objects.get(username=USERNAMES[role]))
    return client


def problem(response, expected) -> str | None:
    status = response.status_code
    if expected == LOGIN:
        if status == 302 and "/login/" in response["Location"]:
            return None
        return f"期望跳转到登录页，实际 {status} {response.get('Location', '')}"
    if expected == ELSEWHERE:
        if status == 302 and "/login/" not in response["Location"]:
            return None
        return f"期望 302 跳转，实际 {status} {response.get('Location', '')}"
    if status != expected:
        return f"期望 {expected}，实际 {status}"
    # Our 403 pages explain themselves in Chinese (the general page, or a page's own message).
    html = "text/html" in response.get("Content-Type", "")
    body = response.content.decode() if html else ""
    if status == 403 and html and "无权访问" not in body and 'role="alert"' not in body:
        return "403 页面没有中文说明"
    return None


def post(client, url, payload):
    if isinstance(payload, tuple):
        body, content_type = payload
        return client.post(url, body, content_type=content_type)
    return client.post(url, payload)


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_get(route, world):
    row = MATRIX[route]
    url = row.url(world)
    problems = []
    for role in ROLES:
        issue = problem(client_for(role).get(url), row.get[role])
        if issue:
            problems.append(f"{role} GET {url}: {issue}")
    assert not problems, "\n".join(problems)


WRITE_ROUTES = sorted(route for route, row in MATRIX.items() if row.post is not None)


@pytest.mark.parametrize("route", WRITE_ROUTES)
def test_post(route, staff_user, team_leader):
    problems = []
    for role in ROLES:
        # A fresh world for each role: one role's POST (a submit, a lock) must not decide the
        # next role's answer.
        world = build_world(staff_user, team_leader)
        row = MATRIX[route]
        url = row.url(world)
        issue = problem(post(client_for(role), url, row.data(world)), row.post[role])
        if issue:
            problems.append(f"{role} POST {url}: {issue}")
        Exam.objects.filter(pk__in=[world.exam.pk, world.done.exam_id]).update(
            status=Exam.Status.CLOSED
        )
    assert not problems, "\n".join(problems)


def snapshot() -> dict:
    """What a write could change, to show that a refused POST changed nothing."""
    return {
        "attempts": list(
            Attempt.objects.order_by("pk").values_list("pk", "status", "extra_minutes")
        ),
        "answers": list(
            AttemptQuestion.objects.order_by("pk").values_list("pk", "response", "awarded")
        ),
        "exams": Exam.objects.count(),
        "records": list(AssessmentRecord.objects.order_by("pk").values_list("pk", "version")),
        "months": list(AssessmentMonth.objects.order_by("pk").values_list("pk", "status")),
        "audit": AuditEntry.objects.count(),
    }


@pytest.mark.parametrize("route", WRITE_ROUTES)
def test_post_without_csrf_token_is_refused(route, world):
    row = MATRIX[route]
    # The role the POST is meant for (the first whose POST is not refused anyway).
    role = next(
        (r for r in ROLES if row.post[r] not in (403, 404, LOGIN, 405)),
        "anonymous",
    )
    client = client_for(role, enforce_csrf_checks=True)
    before = snapshot()
    response = post(client, row.url(world), row.data(world))
    assert response.status_code == 403, (role, response.status_code)
    assert "CSRF" in response.content.decode()
    assert snapshot() == before
    if role != "anonymous":
        assert "_auth_user_id" in client.session  # not even logged out


# Wagtail admin: a sample per role -----------------------------------------------------------------

# Wagtail answers a signed-in person without admin access with a redirect to its login page, and
# an editor (or HR, there for 后台任务) without the permission with a redirect to the admin home
# ("DENIED").
DENIED = "denied"
NO_ADMIN = {r: LOGIN for r in ("anonymous", "staff", "team_leader", "hall_head")} | {"hr": DENIED}
ADMIN_MATRIX = {
    "/admin/": {**NO_ADMIN, "hr": 200, "editor": 200, "admin": 200},
    "/admin/snippets/cases/qaitem/": {**NO_ADMIN, "editor": 200, "admin": 200},
    "/admin/snippets/cases/ruleitem/": {**NO_ADMIN, "editor": 200, "admin": 200},
    "/admin/quizzes/categories/": {**NO_ADMIN, "editor": 200, "admin": 200},
    "/admin/quizzes/questions/": {**NO_ADMIN, "editor": 200, "admin": 200},
    "/admin/quizzes/questions/report/": {**NO_ADMIN, "editor": 200, "admin": 200},
    "/admin/quizzes/materials/": {**NO_ADMIN, "editor": 200, "admin": 200},
    "/admin/quizzes/exclusion-groups/": {**NO_ADMIN, "editor": 200, "admin": 200},
    "/admin/quizzes/blueprints/": {**NO_ADMIN, "editor": 200, "admin": 200},
    "/admin/quizzes/exams/": {**NO_ADMIN, "editor": 200, "admin": 200},
    "/admin/quizzes/imports/": {**NO_ADMIN, "editor": 200, "admin": 200},
    "/admin/assessment_audit/": {**NO_ADMIN, "editor": DENIED, "admin": 200},
    "/admin/assessment_schemes/": {**NO_ADMIN, "editor": DENIED, "admin": 200},
    # HR views people and units (its role's view permissions), read-only: no new or edit form.
    "/admin/units/": {**NO_ADMIN, "hr": 200, "editor": DENIED, "admin": 200},
    "/admin/units/new/": {**NO_ADMIN, "editor": DENIED, "admin": 200},
    "/admin/staff_profiles/": {**NO_ADMIN, "hr": 200, "editor": DENIED, "admin": 200},
    "/admin/staff_profiles/new/": {**NO_ADMIN, "editor": DENIED, "admin": 200},
    "/admin/users/": {**NO_ADMIN, "editor": DENIED, "admin": 200},
    "/admin/groups/": {**NO_ADMIN, "editor": DENIED, "admin": 200},
    # Background jobs' runs, failed first (portal/jobs): the superuser and HR, read-only.
    "/admin/jobs/": {**NO_ADMIN, "hr": 200, "editor": DENIED, "admin": 200},
}


@pytest.mark.parametrize("url", sorted(ADMIN_MATRIX))
def test_admin_sample(url, demo_org):
    problems = []
    for role in ROLES:
        response = client_for(role).get(url)
        expected = ADMIN_MATRIX[url][role]
        if expected == DENIED:
            ok = response.status_code == 302 and response["Location"] == "/admin/"
            issue = None if ok else f"期望跳回后台首页，实际 {response.status_code}"
        else:
            issue = problem(response, expected)
        if issue:
            problems.append(f"{role} GET {url}: {issue}")
    assert not problems, "\n".join(problems)


# Guessing other people's ids ----------------------------------------------------------------------


def test_another_persons_attempt_answer_and_result_cannot_be_reached(
    world, user_by_username, staff_user
):
    """A colleague in the same team (and the team leader, and HR) gets 404 for every attempt URL,
    whether the id is real or made up, and nothing changes."""
    before = snapshot()
    for username in ("DL1021", "DL1019", "hr", "admin"):
        client = client_for("anonymous")
        client.force_login(user_by_username(username))
        for public_id in (world.sitting.public_id, world.done.public_id, uuid.uuid4()):
            for suffix in ("", "result/"):
                assert client.get(f"/attempts/{public_id}/{suffix}").status_code == 404
            reply = client.post(
                f"/attempts/{public_id}/answers/",
                json.dumps({"position": 1, "response": False}),
                content_type="application/json",
            )
            assert reply.status_code == 404
            reply = client.post(
                f"/attempts/{public_id}/flags/",
                json.dumps({"position": 1, "flagged": True}),
                content_type="application/json",
            )
            assert reply.status_code == 404
            assert client.get(f"/attempts/{public_id}/status/").status_code == 404
            assert client.post(f"/attempts/{public_id}/submit/").status_code == 404
    assert snapshot() == before
    # Malformed ids do not even reach a view.
    client = client_for("staff")
    assert client.get("/attempts/12345/").status_code == 404
    assert client.get(f"/attempts/{world.sitting.pk}/").status_code == 404


def test_marking_items_outside_the_scope_are_not_found(world, user_by_username):
    other_leader = user_by_username("DL1013")  # 营业一班 班组长
    client = client_for("anonymous")
    client.force_login(other_leader)
    before = snapshot()
    assert client.get(f"/marking/{world.short_item.pk}/").status_code == 404
    response = client.post(
        f"/marking/{world.short_item.pk}/", {"point-0": "on", "comment": "猜测的编号"}
    )
    assert response.status_code == 404
    assert snapshot() == before
    # An objective question of the same paper and a made-up id: 404 for the right leader too.
    objective = world.done.questions.exclude(type=QuestionType.SHORT).first()
    client = client_for("team_leader")
    assert client.get(f"/marking/{objective.pk}/").status_code == 404
    assert client.get("/marking/99999999/").status_code == 404
    # Nobody marks their own paper: staff get 403 for the page, whatever the id.
    assert client_for("staff").get(f"/marking/{world.short_item.pk}/").status_code == 403


def test_team_exams_of_another_team_are_not_found(world, user_by_username):
    client = client_for("anonymous")
    client.force_login(user_by_username("DL1013"))
    before = snapshot()
    exam_id = world.exam.pk
    for url in (f"/team/exams/{exam_id}/", f"/team/exams/{exam_id}/progress.json"):
        assert client.get(url).status_code == 404
    for action, data in (
        ("extra-time", {"attempt": world.sitting.pk, "minutes": 30}),
        ("void", {"attempt": world.sitting.pk, "reason": "猜测的编号"}),
    ):
        assert client.post(f"/team/exams/{exam_id}/{action}/", data).status_code == 404
    assert snapshot() == before
    # The right leader cannot act on an attempt of another exam through this exam's URL.
    other_exam = schedule(
        user_by_username("DL1019"), "另一场考试", world.exam.blueprint, attempts_allowed=1
    )
    client = client_for("team_leader")
    response = client.post(
        f"/team/exams/{other_exam.pk}/extra-time/", {"attempt": world.sitting.pk, "minutes": 30}
    )
    assert response.status_code == 302
    world.sitting.refresh_from_db()
    assert world.sitting.extra_minutes == 0


def test_records_and_exports_of_another_unit_are_not_found(world, user_by_username):
    client = client_for("anonymous")
    client.force_login(user_by_username("DL1019"))  # 营业二班 only
    before = snapshot()
    for url in (
        f"/team/records/?month={MONTH}&unit=CG-YYT-1",
        f"/team/records/template.xlsx?month={MONTH}&unit=CG-YYT-1",
        f"/hr/assessments/?month={MONTH}&unit=CG-YYT-1",
        f"/hr/assessments/export.csv?month={MONTH}&unit=CG-YYT-1",
        f"/hr/assessments/export.xlsx?month={MONTH}&unit=CG-YYT-1",
        f"/hr/assessments/export.csv?month={MONTH}&unit=CG",
        f"/hr/assessments/export.csv?month={MONTH}&unit=NO-SUCH",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(f"/team/records/?month={MONTH}&unit=CG-YYT-1", {"action": "save"})
    assert response.status_code == 404
    assert snapshot() == before


def test_grid_fields_naming_another_units_people_are_ignored(world, user_by_username):
    """The grid's field names carry the people's ids (p<id>-…); naming a person of another team
    in a POST changes nothing there."""
    other = user_by_username("DL1014")  # 营业一班
    month = month_of(timezone.now())
    record = AssessmentRecord.objects.create(
        profile=other.staff_profile, unit=other.staff_profile.unit, month=month
    )
    client = client_for("team_leader")
    response = client.post(
        f"/team/records/?month={month:%Y-%m}&unit=CG-YYT-2",
        {
            "action": "save",
            f"p{record.profile_id}-version": record.version,
            f"p{record.profile_id}-attendance_rate": "1",
            f"p{record.profile_id}-error_rate": "",
            f"p{record.profile_id}-complaints": "9",
            f"p{record.profile_id}-satisfaction": "",
            f"p{record.profile_id}-etiquette_score": "",
        },
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.attendance_rate is None and record.complaints is None
    assert not AuditEntry.objects.filter(record=record).exists()


# Answer keys --------------------------------------------------------------------------------------


def normalised(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'data-remaining="\d+"', "", html)
    return html


def test_paper_and_save_json_do_not_depend_on_the_answer_key(client, staff_user):
    """If a response carried anything about the key, changing the key would change it."""
    blueprint = make_blueprint(
        ("单选", [QuestionType.SINGLE], 3, 2),
        ("多选", [QuestionType.MULTIPLE], 2, 2),
        ("判断", [QuestionType.TRUE_FALSE], 2, 2),
        ("填空", [QuestionType.FILL], 2, 2),
        ("简答", [QuestionType.SHORT], 1, 2),
        name="答案泄露检查",
    )
    attempt = services.start_attempt(exam=make_exam(blueprint), user=staff_user, now=timezone.now())
    client.force_login(staff_user)
    url = attempt.get_absolute_url()

    def responses():
        saves = []
        for item in attempt.questions.order_by("position"):
            reply = client.post(
                f"{url}answers/",
                json.dumps({"position": item.position, "response": None}),
                content_type="application/json",
            ).json()
            assert set(reply) == {
                "saved",
                "position",
                "saved_at",
                "saved_at_display",
                "remaining_seconds",
                "status",
            }
            # The paper's live status says whether and why it is open, nothing about answers.
            assert set(reply["status"]) == {
                "state",
                "open",
                "remaining_seconds",
                "deadline",
                "extra_minutes",
                "voided",
                "void_reason",
                "cancelled",
                "auto_submitted",
                "message",
                "result_url",
            }
            saves.append((reply["saved"], reply["position"]))
        html = normalised(client.get(url).content.decode())
        return re.sub(r"\d\d:\d\d:\d\d", "", html), saves

    before = responses()
    for item in attempt.questions.all():
        if item.type == QuestionType.SINGLE:
            item.answer_key = [(item.answer_key[0] + 1) % len(item.options)]
        elif item.type == QuestionType.MULTIPLE:
            item.answer_key = [i for i in range(len(item.options)) if i not in item.answer_key]
        elif item.type == QuestionType.TRUE_FALSE:
            item.answer_key = [not item.answer_key[0]]
        elif item.type == QuestionType.FILL:
            item.answer_key = [["改动后的答案"] for _ in item.answer_key]
        else:
            item.answer_key = ["改动后的要点"]
        item.explanation = "改动后的解析"
        item.save(update_fields=["answer_key", "explanation"])
    assert responses() == before


def test_result_page_hides_answers_until_the_rules_allow(client, staff_user):
    blueprint = make_blueprint(
        ("填空", [QuestionType.FILL], 3, 2),
        name="交卷后不显示答案",
        answers_shown="close",
        review_visibility="full",
    )
    exam = make_exam(blueprint, closes_at=timezone.now() + timedelta(hours=1))
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    attempt = services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    client.force_login(staff_user)
    url = f"/attempts/{attempt.public_id}/result/"
    html_before = normalised(client.get(url).content.decode())
    AttemptQuestion.objects.filter(attempt=attempt).update(
        answer_key=[["改动后的答案"]], explanation="改动后的解析"
    )
    assert normalised(client.get(url).content.decode()) == html_before
    assert "改动后的答案" not in html_before
    # Once the exam has closed the same page shows the (changed) key.
    Exam.objects.filter(pk=exam.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    assert "改动后的答案" in client.get(url).content.decode()


def test_monitor_json_carries_no_question_or_answer(client, world):
    client.force_login(get_user_model().objects.get(username="DL1019"))
    text = client.get(f"/team/exams/{world.exam.pk}/progress.json").content.decode()
    for item in world.sitting.questions.all():
        assert item.stem not in text
        for part in json.dumps(item.answer_key, ensure_ascii=False).strip("[]").split(","):
            part = part.strip().strip('"')
            if len(part) > 3:
                assert part not in text
    person = json.loads(text)["people"][0]
    assert set(person) <= {
        "id",
        "employee_number",
        "name",
        "unit",
        "state",
        "state_label",
        "attempt_id",
        "attempt_number",
        "seconds_left",
        "time_left_label",
        "extra_minutes",
        "score",
        "max_score",
        "score_label",
        "void_reason",
    }
