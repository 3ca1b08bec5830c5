"""Monthly exams (月度考试): scheduling within a supervisor's scope, the audience, extra time,
voiding, and closing (automatic submission and 缺考) — called by views, admin and `close_exams`."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction

from portal.organisation.models import StaffProfile, Unit
from portal.organisation.selectors import visible_profiles, visible_units

from .. import results
from . import selectors, services
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
