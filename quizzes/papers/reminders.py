"""站内通知 of the exam engine: what it announces when it happens (a new exam, a change, extra
time) and what the worker's clock finds due once a minute (deadlines 24 h and 1 h ahead, people
not started, answers waiting to be marked, results released, re-marks). Every notice is keyed by
the person and the event, so a scan that runs again — or a worker that resumes after dying —
gives nobody a second one."""

from datetime import datetime, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from portal.notifications.models import Event, Kind
from portal.notifications.services import announce, subject_of
from portal.organisation.models import StaffProfile, Unit

from . import selectors
from .models import Attempt, Exam, MarkingEvent

THRESHOLDS = ((timedelta(hours=24), "24h", "24 小时"), (timedelta(hours=1), "1h", "1 小时"))
RECENT = timedelta(days=7)  # results released and re-marks older than this are not announced


def _when(value) -> str:
    return f"{timezone.localtime(value):%m月%d日 %H:%M}" if value else "不限"


def _window(exam: Exam) -> str:
    return f"{_when(exam.opens_at)} – {_when(exam.closes_at)}"


def _exam_url() -> str:
    return reverse("quizzes:exam_list")


def _cancelled(exam: Exam) -> bool:
    return exam.changes.filter(kind="cancel").exists()


# Announced when it happens ----------------------------------------------------------------------


def exam_published(*, exam: Exam):
    audience = selectors.audience_profiles(exam).values_list("user_id", flat=True)
    return announce(
        key=f"exam:{exam.pk}:published",
        kind=Kind.EXAM_PUBLISHED,
        recipient_ids=audience,
        title=f"新考试：{exam.title}",
        body=f"考试时间 {_window(exam)}。{exam.notice}".strip(),
        url=_exam_url(),
        subject=subject_of(exam),
    )


def exam_changed(*, exam: Exam, change, recipient_ids) -> None:
    cancelled = change.kind == "cancel"
    body = "；".join(f"{c['label']}：{c['old'] or '—'} → {c['new'] or '—'}" for c in change.changes)
    if change.reason:
        body = f"{body}\n原因：{change.reason}"
    announce(
        key=f"exam:{exam.pk}:change:{change.pk}",
        kind=Kind.EXAM_CANCELLED if cancelled else Kind.EXAM_CHANGED,
        recipient_ids=recipient_ids,
        title=f"考试已取消：{exam.title}" if cancelled else f"考试有变更：{exam.title}",
        body=body,
        url=_exam_url(),
        subject=subject_of(exam),
    )


def extra_time(*, attempt: Attempt, minutes: int) -> None:
    announce(
        key=f"attempt:{attempt.pk}:extra:{attempt.extra_minutes}",
        kind=Kind.EXTRA_TIME,
        recipient_ids=[attempt.user_id],
        title=f"考试延长 {minutes} 分钟",
        body=f"您的作答截止时间延至 {_when(attempt.deadline_at)}。",
        url=reverse("quizzes:attempt", args=[attempt.public_id]),
        subject=subject_of(attempt),
    )


# The worker's clock ----------------------------------------------------------------------------


def scan(*, now: datetime) -> int:
    """Announce everything due now; returns the number of events recorded (0 when all were
    announced before)."""
    count = 0
    live = Exam.objects.filter(status=Exam.Status.PUBLISHED).exclude(changes__kind="cancel")
    for exam in live.filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now)):
        if not Event.objects.filter(key=f"exam:{exam.pk}:published").exists():
            count += exam_published(exam=exam) is not None
        count += _deadlines(exam, now)
    count += _to_mark(now)
    count += _released(now)
    count += _remarked(now)
    return count


def _not_finished(exam: Exam) -> tuple[list[StaffProfile], set[int]]:
    """The audience who have not submitted a paper, and those of them who have not started."""
    people = list(selectors.audience_profiles(exam))
    attempts = exam.attempts.exclude(status=Attempt.Status.VOIDED).values_list("user_id", "status")
    submitted = {user for user, status in attempts if status != Attempt.Status.IN_PROGRESS}
    started = {user for user, _ in attempts}
    waiting = [person for person in people if person.user_id not in submitted]
    return waiting, {person.user_id for person in waiting if person.user_id not in started}


def _deadlines(exam: Exam, now: datetime) -> int:
    if exam.closes_at is None or (exam.opens_at and exam.opens_at > now + THRESHOLDS[0][0]):
        return 0
    count = 0
    for ahead, code, text in THRESHOLDS:
        if not exam.closes_at - ahead <= now < exam.closes_at:
            continue
        waiting, not_started = _not_finished(exam)
        event = announce(
            key=f"exam:{exam.pk}:due{code}",
            kind=Kind.EXAM_DUE,
            recipient_ids=[person.user_id for person in waiting],
            title=f"考试将在 {text}内截止：{exam.title}",
            body=f"截止时间 {_when(exam.closes_at)}，请及时参加。",
            url=_exam_url(),
            subject=f"quizzes.Exam:{exam.pk}",
        )
        count += event is not None
        count += _supervisors_not_started(
            exam, code, text, [person for person in waiting if person.user_id in not_started]
        )
    return count


def supervisors_of(people: list[StaffProfile]) -> dict[int, list[StaffProfile]]:
    """Each supervisor's user id → the people of this list in their scope (never themselves)."""
    units = (
        Unit.objects.filter(supervisors__isnull=False)
        .prefetch_related("supervisors__user")
        .distinct()
    )
    by_supervisor: dict[int, list[StaffProfile]] = {}
    for unit in units:
        inside = [person for person in people if person.unit.path.startswith(unit.path)]
        for supervisor in unit.supervisors.all():
            if not supervisor.user.is_active:
                continue
            mine = by_supervisor.setdefault(supervisor.user_id, [])
            for person in inside:
                if person.user_id != supervisor.user_id and person not in mine:
                    mine.append(person)
    return {user_id: people for user_id, people in by_supervisor.items() if people}


def _supervisors_not_started(exam: Exam, code: str, text: str, people) -> int:
    count = 0
    for supervisor_id, mine in supervisors_of(people).items():
        names = "、".join(person.name for person in mine[:20])
        more = f" 等 {len(mine)} 人" if len(mine) > 20 else f"（{len(mine)} 人）"
        event = announce(
            key=f"exam:{exam.pk}:notstarted{code}:u{supervisor_id}",
            kind=Kind.NOT_STARTED,
            recipient_ids=[supervisor_id],
            title=f"{exam.title} 将在 {text}内截止，仍有人未开考",
            body=f"尚未开始作答：{names}{more}。",
            url=reverse("quizzes:team_exam_monitor", args=[exam.pk]),
            subject=f"quizzes.Exam:{exam.pk}",
        )
        count += event is not None
    return count


def _to_mark(now: datetime) -> int:
    """Once a day per exam and supervisor while answers of their people wait to be marked."""
    waiting = (
        Attempt.objects.filter(status=Attempt.Status.PENDING_REVIEW)
        .exclude(exam__changes__kind="cancel")
        .select_related("exam")
    )
    by_exam: dict[int, tuple[Exam, list[int]]] = {}
    for attempt in waiting:
        by_exam.setdefault(attempt.exam_id, (attempt.exam, []))[1].append(attempt.user_id)
    today = f"{timezone.localtime(now):%Y%m%d}"
    count = 0
    for exam_id, (exam, user_ids) in by_exam.items():
        people = list(StaffProfile.objects.filter(user_id__in=user_ids).select_related("unit"))
        for supervisor_id, mine in supervisors_of(people).items():
            event = announce(
                key=f"exam:{exam_id}:tomark:{today}:u{supervisor_id}",
                kind=Kind.TO_MARK,
                recipient_ids=[supervisor_id],
                title=f"{exam.title}：{len(mine)} 份答卷待阅卷",
                body="请到“阅卷”中评阅简答题。",
                url=reverse("quizzes:marking_queue"),
                subject=f"quizzes.Exam:{exam_id}",
            )
            count += event is not None
    return count


def _released(now: datetime) -> int:
    released = Attempt.objects.filter(
        results_released_at__gt=now - RECENT, status=Attempt.Status.GRADED
    ).select_related("exam")
    count = 0
    for attempt in released:
        event = announce(
            key=f"attempt:{attempt.pk}:released",
            kind=Kind.RESULT_RELEASED,
            recipient_ids=[attempt.user_id],
            title=f"成绩已公布：{attempt.exam.title}",
            body=f"得分 {attempt.score} / {attempt.max_score}，可查看每题对错和解析。",
            url=reverse("quizzes:result", args=[attempt.public_id]),
            subject=subject_of(attempt),
        )
        count += event is not None
    return count


def _remarked(now: datetime) -> int:
    events = MarkingEvent.objects.filter(
        kind=MarkingEvent.Kind.REMARK, at__gt=now - RECENT
    ).select_related("item__attempt__exam")
    count = 0
    for remark in events:
        attempt = remark.item.attempt
        event = announce(
            key=f"remark:{remark.pk}",
            kind=Kind.REMARKED,
            recipient_ids=[attempt.user_id],
            title=f"答卷已复核：{attempt.exam.title}",
            body=f"一道简答题的得分由 {remark.old_awarded} 改为 {remark.new_awarded}。",
            url=reverse("quizzes:result", args=[attempt.public_id]),
            subject=subject_of(attempt),
        )
        count += event is not None
    return count
