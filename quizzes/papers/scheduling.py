"""Monthly exams (月度考试): scheduling within a supervisor's scope, the audience, changes after
publishing (edit before anyone starts, extend, cancel — each logged in quizzes.changes), extra
time, voiding, and closing (automatic submission and 缺考) — called by views, admin,
`close_exams` and the background worker."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from portal.organisation.models import StaffProfile, Unit
from portal.organisation.selectors import visible_profiles, visible_units

from .. import results
from ..changes.models import ExamChange
from . import reminders, selectors, services
from .drawing import DrawError, draw_paper
from .models import MONTHLY_POLICY_MESSAGE, AnswersShown, Attempt, Blueprint, Exam


@dataclass
class ExamPlan:
    title: str
    blueprint: Blueprint
    month: date | None
    opens_at: datetime
    closes_at: datetime
    units: list[Unit]
    people: list[StaffProfile]
    time_limit_minutes: int | None = None
    attempts_allowed: int | None = 1
    makeup_of: Exam | None = None
    notice: str = ""
    review_policy: str = (
        ""  # empty: 考试结束后 for a monthly exam, the blueprint's default otherwise
    )


def _plan_problems(*, by, plan: ExamPlan) -> list[str]:
    problems = []
    if plan.closes_at <= plan.opens_at:
        problems.append("截止时间必须晚于开始时间。")
    if not plan.units and not plan.people:
        problems.append("请至少选择一个参考单位或参考人员。")
    allowed_units = set(visible_units(by).values_list("pk", flat=True))
    outside = [unit.name for unit in plan.units if unit.pk not in allowed_units]
    allowed_people = set(visible_profiles(by).values_list("pk", flat=True))
    outside += [person.name for person in plan.people if person.pk not in allowed_people]
    if outside:
        problems.append(
            "只能为所辖单位和人员安排考试，以下不在您的管辖范围内：" + "、".join(outside)
        )
    if any(person.user_id == by.pk for person in plan.people):
        problems.append("安排考试的人不能参加自己安排的考试，请从参考人员中去掉自己。")
    if plan.blueprint.status != Blueprint.Status.READY:
        problems.append("所选组卷规则还是草稿，不能用于考试。")
    else:
        try:
            draw_paper(blueprint=plan.blueprint, seed=1)
        except DrawError as error:
            problems.append(str(error))
    if plan.month and plan.month.day != 1:
        problems.append("考核月份应为某月 1 日。")
    if plan.month and plan.review_policy == AnswersShown.AFTER_SUBMIT:
        problems.append(MONTHLY_POLICY_MESSAGE)
    if plan.review_policy and plan.review_policy not in AnswersShown.values:
        problems.append("公布答案时机无效。")
    if plan.month and not problems:
        # The month must still be open (填报中) for every unit the audience touches: the
        # monthly assessment registered that check (quizzes.results).
        paths = [unit.path for unit in plan.units] + [person.unit.path for person in plan.people]
        problems += results.scheduling_problems(month=plan.month, unit_paths=paths)
    return problems


def schedule_exam(*, by, plan: ExamPlan, publish: bool) -> Exam:
    """Create (and optionally publish) an exam for units and people within `by`'s scope.

    The person who schedules an exam is never in its audience (services.start_attempt and the
    audience below leave them out), and a monthly exam goes only into a month still open for
    every unit it touches."""
    problems = _plan_problems(by=by, plan=plan)
    if problems:
        raise services.ExamError(" ".join(problems))
    with transaction.atomic():
        exam = Exam.objects.create(
            title=plan.title,
            blueprint=plan.blueprint,
            status=Exam.Status.PUBLISHED if publish else Exam.Status.DRAFT,
            opens_at=plan.opens_at,
            closes_at=plan.closes_at,
            month=plan.month,
            time_limit_minutes=plan.time_limit_minutes,
            attempts_allowed=plan.attempts_allowed,
            makeup_of=plan.makeup_of,
            notice=plan.notice,
            review_policy=plan.review_policy,
            created_by=by,
        )
        exam.audience_units.set(plan.units)
        exam.audience_users.set([person.user_id for person in plan.people])
        if publish:
            reminders.exam_published(exam=exam)
    return exam


def _in_scope_attempt(by, attempt: Attempt) -> None:
    if (
        not visible_profiles(by).filter(user_id=attempt.user_id).exists()
        or attempt.user_id == by.pk
    ):
        raise services.ExamError("该考生不在您的管辖范围内。")


def grant_extra_time(*, by, attempt_id: int, minutes: int, now: datetime) -> Attempt:
    if not 1 <= minutes <= 120:
        raise services.ExamError("延长时间应为 1–120 分钟。")
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt_id)
        _in_scope_attempt(by, attempt)
        if attempt.status != Attempt.Status.IN_PROGRESS:
            raise services.ExamError("只能为正在作答的考生延长时间。")
        attempt.deadline_at = max(attempt.deadline_at, now) + timedelta(minutes=minutes)
        attempt.extra_minutes += minutes
        attempt.save(update_fields=["deadline_at", "extra_minutes"])
        reminders.extra_time(attempt=attempt, minutes=minutes)
    return attempt


def void_attempt(*, by, attempt_id: int, reason: str, now: datetime) -> Attempt:
    if not (reason or "").strip():
        raise services.ExamError("作废必须填写原因。")
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("exam").get(pk=attempt_id)
        _in_scope_attempt(by, attempt)
        if attempt.status == Attempt.Status.VOIDED:
            raise services.ExamError("该作答已作废。")
        attempt.status = Attempt.Status.VOIDED
        attempt.void_reason = reason.strip()[:300]
        attempt.voided_by = by
        attempt.save(update_fields=["status", "void_reason", "voided_by"])
    if attempt.exam.month:
        results.announce(
            user_id=attempt.user_id,
            month=attempt.exam.month,
            reason=f"作答作废（{attempt.exam.title}）：{attempt.void_reason}",
            by=by,
            job="作废作答",
        )
    return attempt


@dataclass
class CloseSummary:
    submitted: int = 0
    closed_exams: int = 0
    missed: int = 0
    released: int = 0  # papers whose answers entered the wrong-answer book (review policy open)


def close_due_exams(*, now: datetime) -> CloseSummary:
    """Submit every attempt whose time is up; close exams past their closing time and record 缺考."""
    summary = CloseSummary()
    overdue = Attempt.objects.filter(
        status=Attempt.Status.IN_PROGRESS, deadline_at__lt=now - services.SAVE_GRACE
    ).values_list("pk", flat=True)
    for attempt_id in list(overdue):
        services.submit_attempt(attempt_id=attempt_id, now=now, auto=True)
        summary.submitted += 1
    due = Exam.objects.filter(status=Exam.Status.PUBLISHED, closes_at__lte=now)
    for exam in due:
        if exam.attempts.filter(status=Attempt.Status.IN_PROGRESS).exists():
            continue  # someone still has extra time
        exam.status = Exam.Status.CLOSED
        exam.save(update_fields=["status"])
        summary.closed_exams += 1
        if exam.month and exam.makeup_of_id is None:
            sat = set(
                exam.attempts.exclude(status=Attempt.Status.VOIDED).values_list(
                    "user_id", flat=True
                )
            )
            for profile in selectors.audience_profiles(exam):
                if profile.user_id not in sat:
                    results.announce(
                        user_id=profile.user_id,
                        month=exam.month,
                        reason=f"缺考：{exam.title}",
                        by=None,
                        job="考试结束登记缺考",
                    )
                    summary.missed += 1
    summary.released = services.release_due_results(now=now)
    return summary


# After publishing: edit before anyone starts, then extend or cancel -----------------------------


def _may_change(by, exam: Exam) -> None:
    if not (by.is_superuser or exam.created_by_id == by.pk):
        raise services.ExamError("只有安排这场考试的人可以修改或取消它。")
    if results.is_cancelled(exam_id=exam.pk):
        raise services.ExamError("这场考试已取消，不能再修改。")


def has_started(exam: Exam) -> bool:
    """Someone has opened a paper of this exam (whatever became of it)."""
    return exam.attempts.exists()


def _when(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def _audience_text(units, people) -> str:
    names = [unit.name for unit in units] + [person.name for person in people]
    return "、".join(names) or "全体员工"


def edit_exam(
    *,
    by,
    exam_id: int,
    opens_at: datetime,
    closes_at: datetime,
    units: list[Unit],
    people: list[StaffProfile],
    notice: str,
    reason: str = "",
) -> Exam:
    """Change a published (or draft) exam's window, audience and notice — only before anyone has
    started it. The plan is checked as when it was scheduled; the change is logged and the old
    and new audience are told."""
    with transaction.atomic():
        exam = Exam.objects.select_for_update().select_related("blueprint").get(pk=exam_id)
        _may_change(by, exam)
        if exam.status == Exam.Status.CLOSED:
            raise services.ExamError("考试已结束，不能修改。")
        if has_started(exam):
            raise services.ExamError(
                "已有考生开始作答，不能再修改时间、参考人员或通知；只能延长截止时间或取消考试。"
            )
        old_units = list(exam.audience_units.all())
        old_people = list(StaffProfile.objects.filter(user__in=exam.audience_users.all()))
        old_audience = selectors.audience_profiles(exam).values_list("user_id", flat=True)
        old_ids = set(old_audience)
        plan = ExamPlan(
            title=exam.title,
            blueprint=exam.blueprint,
            month=exam.month,
            opens_at=opens_at,
            closes_at=closes_at,
            units=units,
            people=people,
            notice=notice,
            review_policy=exam.review_policy,
        )
        problems = _plan_problems(by=by, plan=plan)
        if problems:
            raise services.ExamError(" ".join(problems))
        diffs = [
            ("opens_at", "开始时间", _when(exam.opens_at), _when(opens_at)),
            ("closes_at", "截止时间", _when(exam.closes_at), _when(closes_at)),
            (
                "audience",
                "参考范围",
                _audience_text(old_units, old_people),
                _audience_text(units, people),
            ),
            ("notice", "考试通知", exam.notice, notice),
        ]
        changes = [
            {"field": field, "label": label, "old": old[:200], "new": new[:200]}
            for field, label, old, new in diffs
            if old != new
        ]
        if not changes:
            return exam
        exam.opens_at, exam.closes_at, exam.notice = opens_at, closes_at, notice
        exam.save(update_fields=["opens_at", "closes_at", "notice"])
        exam.audience_units.set(units)
        exam.audience_users.set([person.user_id for person in people])
        change = ExamChange.objects.create(
            exam=exam,
            kind=ExamChange.Kind.EDIT,
            changes=changes,
            reason=(reason or "").strip()[:300],
            changed_by=by,
        )
        new_ids = set(selectors.audience_profiles(exam).values_list("user_id", flat=True))
        if exam.status == Exam.Status.PUBLISHED:
            reminders.exam_changed(exam=exam, change=change, recipient_ids=old_ids | new_ids)
    return exam


def extend_exam(*, by, exam_id: int, closes_at: datetime, reason: str, now: datetime) -> Exam:
    """Move a published exam's closing time later (also once people have started): the papers
    being sat get the new time, up to their own time limit. A reason is required: the people
    who have not finished are told it."""
    reason = (reason or "").strip()
    if not reason:
        raise services.ExamError("延长截止时间必须填写原因。")
    with transaction.atomic():
        exam = Exam.objects.select_for_update().select_related("blueprint").get(pk=exam_id)
        _may_change(by, exam)
        if exam.status != Exam.Status.PUBLISHED:
            raise services.ExamError("只能延长已发布、尚未结束的考试。")
        if exam.closes_at is None or closes_at <= exam.closes_at:
            raise services.ExamError("新的截止时间必须晚于原截止时间。")
        if closes_at <= now:
            raise services.ExamError("新的截止时间必须晚于现在。")
        old = exam.closes_at
        exam.closes_at = closes_at
        exam.save(update_fields=["closes_at"])
        limit = timedelta(minutes=exam.effective_time_limit)
        for attempt in exam.attempts.select_for_update().filter(status=Attempt.Status.IN_PROGRESS):
            own = attempt.started_at + limit + timedelta(minutes=attempt.extra_minutes)
            attempt.deadline_at = max(attempt.deadline_at, min(own, closes_at))
            attempt.save(update_fields=["deadline_at"])
        change = ExamChange.objects.create(
            exam=exam,
            kind=ExamChange.Kind.EXTEND,
            changes=[
                {
                    "field": "closes_at",
                    "label": "截止时间",
                    "old": _when(old),
                    "new": _when(closes_at),
                }
            ],
            reason=(reason or "").strip()[:300],
            changed_by=by,
        )
        finished = set(
            exam.attempts.exclude(
                status__in=[Attempt.Status.IN_PROGRESS, Attempt.Status.VOIDED]
            ).values_list("user_id", flat=True)
        )
        audience = set(selectors.audience_profiles(exam).values_list("user_id", flat=True))
        reminders.exam_changed(exam=exam, change=change, recipient_ids=audience - finished)
    return exam


def cancel_exam(*, by, exam_id: int, reason: str, now: datetime) -> Exam:
    """Cancel a published exam with a reason: it closes, papers being sat are submitted (kept,
    but no score of a cancelled exam counts for the month and nobody is 缺考 for it), every
    affected month record is recomputed, and the audience is told why."""
    reason = (reason or "").strip()
    if not reason:
        raise services.ExamError("取消考试必须填写原因。")
    with transaction.atomic():
        exam = Exam.objects.select_for_update().get(pk=exam_id)
        _may_change(by, exam)
        if exam.status == Exam.Status.DRAFT:
            raise services.ExamError("草稿考试无需取消，直接修改或不发布即可。")
        if exam.status == Exam.Status.CLOSED:
            raise services.ExamError("考试已结束，不能取消。")
        change = ExamChange.objects.create(
            exam=exam,
            kind=ExamChange.Kind.CANCEL,
            changes=[{"field": "status", "label": "状态", "old": "已发布", "new": "已取消"}],
            reason=reason[:300],
            changed_by=by,
        )
        exam.status = Exam.Status.CLOSED
        exam.save(update_fields=["status"])
        audience = set(selectors.audience_profiles(exam).values_list("user_id", flat=True))
        reminders.exam_changed(exam=exam, change=change, recipient_ids=audience)
    sitting = exam.attempts.filter(status=Attempt.Status.IN_PROGRESS).values_list("pk", flat=True)
    for attempt_id in list(sitting):
        services.submit_attempt(attempt_id=attempt_id, now=now, auto=True)
    if exam.month:
        for user_id in set(exam.attempts.values_list("user_id", flat=True)):
            results.announce(
                user_id=user_id,
                month=exam.month,
                reason=f"考试取消（{exam.title}）：{reason}"[:300],
                by=by,
                job="取消考试",
            )
    return exam


def close_and_release(*, now: datetime) -> str:
    """What `manage.py close_exams` does, on the background worker's clock (a job of
    settings.BACKGROUND_JOBS): submit papers whose time is up, close exams past their closing
    time (缺考), release results whose review policy opened."""
    return str(close_due_exams(now=now))
