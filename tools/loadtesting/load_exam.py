"""Load and crash tests (`make loadtest`, `make crashtest`): many simulated staff sit one monthly
exam against the production-mode server; afterwards the database must hold every answer the server
acknowledged, every attempt must have been graded exactly once, and (once the background worker
has run the record jobs a monthly submit queues) every graded person's monthly assessment record
must hold the exam's result.

`prepare_load_exam` sets the exam up and signs the simulated staff in; `verify_load_run` is the
check. Both are called by management commands of the same names; the HTTP client that plays the
staff lives in tests/load/.
"""

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from assessment.listeners import refresh_exam_record
from assessment.models import AssessmentRecord
from portal.organisation.models import Position, StaffProfile, Unit
from portal.organisation.roles import Role, ensure_role_groups
from quizzes.bank.answers import blank_count
from quizzes.bank.seed import DEMO_SECTIONS
from quizzes.models import AnswerRecord, Attempt, AttemptQuestion, Blueprint, Exam
from quizzes.papers.grading import normalise_response
from quizzes.papers.scheduling import ExamPlan, schedule_exam
from quizzes.papers.services import ensure_blueprint

from .load_check import SaveEvent, expected_answers

LOAD_UNIT_CODE = "LOADTEST"
LOAD_UNIT_NAME = "负载测试单位"
LOAD_BLUEPRINT_NAME = "月度考试（负载测试）"
USERNAME_PREFIX = "LT"
# The backend a password login through our login page records in the session.
LOGIN_BACKEND = "portal.organisation.backends.LoginBackend"


class LoadExamError(Exception):
    pass


@dataclass
class PreparedExam:
    exam_id: int
    title: str
    start_path: str
    # (username, session key) for every simulated person, in username order.
    sessions: list[tuple[str, str]]
    users_created: int


def load_usernames(count: int) -> list[str]:
    width = max(4, len(str(count)))
    return [f"{USERNAME_PREFIX}{number:0{width}d}" for number in range(1, count + 1)]


def _load_unit() -> Unit:
    unit, _ = Unit.objects.get_or_create(
        code=LOAD_UNIT_CODE, defaults={"name": LOAD_UNIT_NAME, "kind": Unit.Kind.TEAM}
    )
    return unit


def _ensure_people(unit: Unit, usernames: list[str]) -> int:
    """Create the simulated staff that do not exist yet, in bulk (no password: they never log in
    with one; their sessions are made directly)."""
    user_model = get_user_model()
    existing = set(
        user_model.objects.filter(username__in=usernames).values_list("username", flat=True)
    )
    missing = [name for name in usernames if name not in existing]
    unusable = make_password(None)
    user_model.objects.bulk_create(
        [
            user_model(
                username=name, first_name=f"压测{name[len(USERNAME_PREFIX) :]}", password=unusable
            )
            for name in missing
        ],
        batch_size=1000,
    )
    users = {user.username: user for user in user_model.objects.filter(username__in=missing)}
    StaffProfile.objects.bulk_create(
        [
            StaffProfile(
                user=users[name],
                employee_number=name,
                name=users[name].first_name,
                unit=unit,
                position=Position.COUNTER_CLERK,
            )
            for name in missing
        ],
        batch_size=1000,
    )
    staff_group: Group = ensure_role_groups()[Role.STAFF]
    membership = user_model.groups.through
    membership.objects.bulk_create(
        [membership(user_id=users[name].pk, group_id=staff_group.pk) for name in missing],
        batch_size=1000,
    )
    return len(missing)


def _load_blueprint() -> Blueprint:
    """The demo paper's shape (single, multiple, true/false, fill, short) drawn from the seed bank."""
    blueprint, _ = ensure_blueprint(
        LOAD_BLUEPRINT_NAME,
        sections=DEMO_SECTIONS,
        description="负载测试与崩溃测试用的月度考试组卷规则，题型同综合知识考试。",
        pass_mark=Decimal(60),
        time_limit_minutes=60,
    )
    return blueprint


def sign_in_sessions(users) -> list[str]:
    """A signed-in session for each user, in whatever session store the settings name (with
    cached_db: the database and the shared cache), exactly as a password login would leave it.
    Logging 2,000 people in through the password hasher would only measure the hasher."""
    engine = import_module(settings.SESSION_ENGINE)
    backend = LOGIN_BACKEND if LOGIN_BACKEND in settings.AUTHENTICATION_BACKENDS else None
    backend = backend or settings.AUTHENTICATION_BACKENDS[-1]
    keys = []
    for user in users:
        store = engine.SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys.append(store.session_key)
    return keys


def prepare_load_exam(*, takers: int, now: datetime, time_limit_minutes: int = 60) -> PreparedExam:
    """A published monthly exam for `takers` simulated staff of the load unit, and their sessions.

    Each call schedules a new exam (the people are reused), so runs never see each other's attempts.
    """
    if not 1 <= takers <= 20_000:
        raise LoadExamError("考生人数应为 1–20000。")
    scheduler = get_user_model().objects.filter(is_superuser=True, is_active=True).first()
    if scheduler is None:
        raise LoadExamError("没有可用的管理员账号来安排考试，请先运行 load_initial_data。")
    usernames = load_usernames(takers)
    with transaction.atomic():
        unit = _load_unit()
        created = _ensure_people(unit, usernames)
        blueprint = _load_blueprint()
    local = timezone.localtime(now)
    title = f"负载测试月考 {local:%Y-%m-%d %H:%M:%S}"
    exam = schedule_exam(
        by=scheduler,
        plan=ExamPlan(
            title=title,
            blueprint=blueprint,
            month=date(local.year, local.month, 1),
            opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(hours=3),
            units=[unit],
            people=[],
            time_limit_minutes=time_limit_minutes,
            attempts_allowed=1,
            notice="负载测试自动安排的考试。",
        ),
        publish=True,
    )
    users = list(get_user_model().objects.filter(username__in=usernames).order_by("username"))
    keys = sign_in_sessions(users)
    return PreparedExam(
        exam_id=exam.pk,
        title=title,
        start_path=f"/exams/{exam.pk}/start/",
        sessions=[(user.username, key) for user, key in zip(users, keys, strict=True)],
        users_created=created,
    )


# The check -----------------------------------------------------------------------------------


@dataclass
class VerifyResult:
    acknowledged: int = 0  # acknowledged saves in the events
    answers_checked: int = 0  # (attempt, question) pairs whose last acknowledged save was checked
    answers_found: int = 0
    missing: list[str] = field(default_factory=list)
    attempts: int = 0
    graded_once: int = 0
    grading_problems: list[str] = field(default_factory=list)
    records_checked: int = 0  # graded people whose monthly record holds the exam's result

    @property
    def ok(self) -> bool:
        return not self.missing and not self.grading_problems


def verify_load_run(
    *, exam_id: int, events: list[SaveEvent], submitted: list[str] | None = None
) -> VerifyResult:
    """Is every acknowledged save in the database, and (given the attempts the client submitted)
    is each of them graded exactly once?"""
    result = VerifyResult(acknowledged=sum(1 for event in events if event.acknowledged))
    allowed = expected_answers(events)
    public_ids = {attempt for attempt, _ in allowed}
    rows = AttemptQuestion.objects.filter(
        attempt__exam_id=exam_id, attempt__public_id__in=public_ids
    ).values_list("attempt__public_id", "position", "type", "options", "stem", "response")
    stored = {
        (str(public_id), position): (qtype, options, stem, response)
        for public_id, position, qtype, options, stem, response in rows
    }
    for (attempt, position), values in sorted(allowed.items()):
        result.answers_checked += 1
        row = stored.get((attempt, position))
        if row is None:
            result.missing.append(f"{attempt} 第 {position} 题：数据库中没有这道题")
            continue
        qtype, options, stem, response = row
        wanted = []
        for value in values:
            try:
                wanted.append(normalise_response(qtype, value, len(options), blank_count(stem)))
            except ValueError:
                wanted.append(value)
        if response in wanted:
            result.answers_found += 1
        else:
            result.missing.append(
                f"{attempt} 第 {position} 题：已确认保存 {values[0]!r}，数据库中为 {response!r}"
            )
    if submitted is not None:
        _verify_grading(exam_id, submitted, result)
    return result


def _verify_grading(exam_id: int, submitted: list[str], result: VerifyResult) -> None:
    """Graded exactly once: submitted, scored, one attempt per person, and as many exam answer
    records written since the attempt started as the paper has auto-graded questions (a second
    grading would write them twice)."""
    attempts = list(
        Attempt.objects.filter(exam_id=exam_id)
        .exclude(status=Attempt.Status.VOIDED)
        .annotate(
            judged=Count(
                "questions",
                filter=Q(questions__is_correct__isnull=False, questions__question__isnull=False),
            )
        )
    )
    result.attempts = len(attempts)
    by_public_id = {str(attempt.public_id): attempt for attempt in attempts}
    for public_id in submitted:
        if public_id not in by_public_id:
            result.grading_problems.append(f"{public_id}：客户端已交卷，但数据库中没有这份作答")
    per_user: dict[int, int] = {}
    for attempt in attempts:
        per_user[attempt.user_id] = per_user.get(attempt.user_id, 0) + 1
    for attempt in attempts:
        label = str(attempt.public_id)
        if attempt.status not in (Attempt.Status.GRADED, Attempt.Status.PENDING_REVIEW):
            if label in submitted:
                result.grading_problems.append(f"{label}：已交卷但状态为 {attempt.status}")
            continue
        problems = []
        if attempt.submitted_at is None or attempt.score is None:
            problems.append("没有交卷时间或得分")
        if per_user[attempt.user_id] != 1:
            problems.append(f"同一考生有 {per_user[attempt.user_id]} 份作答")
        records = AnswerRecord.objects.filter(
            user_id=attempt.user_id,
            origin=AnswerRecord.Origin.EXAM,
            answered_at__gte=attempt.started_at,
        ).count()
        if records != attempt.judged:
            problems.append(f"答题记录 {records} 条，应为 {attempt.judged} 条")
        if problems:
            result.grading_problems.append(f"{label}：" + "；".join(problems))
        else:
            result.graded_once += 1
    _verify_records(exam_id, attempts, result)


# How long the check waits for the background worker to run the queued record jobs.
RECORD_JOBS_WAIT_SECONDS = 300


def record_jobs_pending() -> int:
    return DBTaskResult.objects.filter(
        task_path=refresh_exam_record.module_path, status__in=["READY", "RUNNING"]
    ).count()


def _verify_records(exam_id: int, attempts: list[Attempt], result: VerifyResult) -> None:
    """A monthly exam's submit queues a job that recomputes the person's record: once the worker
    has drained them (waiting at most RECORD_JOBS_WAIT_SECONDS), every graded person's record for
    the month must hold a result, and no record job may have failed."""
    month = Exam.objects.filter(pk=exam_id).values_list("month", flat=True).first()
    graded = [
        attempt
        for attempt in attempts
        if attempt.status in (Attempt.Status.GRADED, Attempt.Status.PENDING_REVIEW)
    ]
    if month is None or not graded:
        return
    deadline = time.monotonic() + RECORD_JOBS_WAIT_SECONDS
    while (pending := record_jobs_pending()) and time.monotonic() < deadline:
        time.sleep(1)
    if pending:
        result.grading_problems.append(
            f"考核记录：等待 {RECORD_JOBS_WAIT_SECONDS} 秒后仍有 {pending} 个记录任务未完成"
        )
    failed = DBTaskResult.objects.filter(
        task_path=refresh_exam_record.module_path, status="FAILED"
    ).count()
    if failed:
        result.grading_problems.append(f"考核记录：{failed} 个记录任务失败（见后台任务）")
    records = {
        user_id: (state, score)
        for user_id, state, score in AssessmentRecord.objects.filter(
            month=month, profile__user_id__in=[attempt.user_id for attempt in graded]
        ).values_list("profile__user_id", "exam_state", "exam_score")
    }
    for attempt in graded:
        state, score = records.get(attempt.user_id, (None, None))
        # A paper with short answers waiting for marking is 未出分 (pending) in the record.
        expected = (
            AssessmentRecord.ExamState.GRADED
            if attempt.status == Attempt.Status.GRADED
            else AssessmentRecord.ExamState.PENDING
        )
        if state != expected or (expected == AssessmentRecord.ExamState.GRADED and score is None):
            result.grading_problems.append(
                f"{attempt.public_id}：已交卷，但 {month:%Y-%m} 的考核记录考试状态为 "
                f"{state or '无记录'}，应为 {expected.label}"
            )
        else:
            result.records_checked += 1
