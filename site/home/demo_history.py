"""Demo history (`load_initial_data`): drives both domains, the exam engine and the monthly
assessment, as people would. The three months before the current one, each with a closed monthly exam that the
demo staff sat (papers drawn, answered, graded and marked through the real services, so the
snapshots, scores and audit entries are real), every other component entered by the supervisors,
the oldest month locked by HR and the middle one submitted. Reproducible (every random choice
comes from a fixed seed) and idempotent (a month whose exam exists is left alone)."""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assessment import services
from assessment.listeners import records_at_once
from assessment.models import ENTERED_COMPONENTS, AssessmentMonth, AssessmentRecord
from portal.months import month_of, months_ending, shift_month
from portal.organisation.models import StaffProfile, Unit
from portal.thesaurus.keypoints import example_phrase
from quizzes.bank.answers import blank_count
from quizzes.models import Attempt, AttemptQuestion, Blueprint, Exam, QuestionType, SectionKind
from quizzes.papers import scheduling, selectors
from quizzes.papers import services as exam_services
from quizzes.papers.drawing import draw_paper
from quizzes.papers.grading import normalise_response
from quizzes.papers.services import ensure_blueprint

BASE_SEED = 20260501
HISTORY_MONTHS = 3
AUDIENCE_UNITS = ["CG-GDS", "CG-YYT", "CG-KFZX", "CG-QXB"]
BLUEPRINT_NAME = "月度考试（演示，100分）"
# 70 points of single questions and a case-analysis section of two 15-point materials (30 %).
SECTIONS = [
    ("一、单项选择题", QuestionType.SINGLE, 6, "3"),
    ("二、多项选择题", QuestionType.MULTIPLE, 4, "4"),
    ("三、判断题", QuestionType.TRUE_FALSE, 8, "2"),
    ("四、填空题", QuestionType.FILL, 5, "2"),
    ("五、简答题", QuestionType.SHORT, 1, "10"),
    ("六、案例分析题", SectionKind.MATERIALS, 2, "15"),
]
MISS_CHANCE = 0.05
DEMO_REASON = "演示数据"


@dataclass
class DemoHistoryResult:
    exams: int = 0
    attempts: int = 0
    records_filled: int = 0
    months_locked: int = 0


def history_months(today: date) -> list[date]:
    """The HISTORY_MONTHS months before today's month, oldest first."""
    return months_ending(shift_month(month_of(today), -1), HISTORY_MONTHS)


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _blueprint() -> Blueprint:
    blueprint, _ = ensure_blueprint(
        BLUEPRINT_NAME,
        sections=SECTIONS,
        description="演示用月度考试：单选、多选、判断、填空各若干，简答一道，案例分析两份材料。",
        pass_mark=Decimal(60),
        time_limit_minutes=60,
        attempts_allowed=1,
    )
    return blueprint


class _Supervisors:
    """Who enters a person's components and submits a unit's month: the nearest supervisor above
    (never the person themselves); the administrator where there is none."""

    def __init__(self):
        through = StaffProfile.supervised_units.through
        self.scopes = [
            (row.unit.path, row.staffprofile.user)
            for row in through.objects.select_related("unit", "staffprofile__user")
        ]
        self.scopes.sort(key=lambda scope: len(scope[0]), reverse=True)
        self.admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()

    def for_unit(self, unit: Unit, *, not_user_id: int | None = None):
        for path, user in self.scopes:
            if unit.path.startswith(path) and user.pk != not_user_id:
                return user
        return None

    def for_person(self, profile: StaffProfile):
        return self.for_unit(profile.unit, not_user_id=profile.user_id) or self.admin


def _answer(item: AttemptQuestion, right: bool, rng: random.Random):
    key = item.answer_key
    count = len(item.options)
    if item.type == QuestionType.SINGLE:
        return key[0] if right else rng.choice([i for i in range(count) if i != key[0]] or [0])
    if item.type == QuestionType.MULTIPLE:
        if right:
            return list(key)
        wrong = sorted(set(key[:-1]) | {rng.randrange(count)})
        return wrong if wrong != sorted(key) else key[:-1] or [0]
    if item.type == QuestionType.TRUE_FALSE:
        return key[0] if right else not key[0]
    if item.type == QuestionType.FILL:
        return [alternatives[0] if right else "不清楚" for alternatives in key]
    # Short answer: the key points the person remembered, in their own sentence.
    remembered = [point for point in key if right or rng.random() < 0.4]
    return "；".join(example_phrase(point) for point in remembered) or "按规定办理，耐心解释。"


def _sit(*, exam: Exam, profile: StaffProfile, rng: random.Random, ability: float, marker) -> None:
    user = profile.user
    seed = rng.getrandbits(62)
    drawn = draw_paper(blueprint=exam.blueprint, seed=seed, user=user)
    # Sat on one of the three exam days, during working hours.
    started = exam.opens_at + timedelta(days=rng.randrange(3), minutes=rng.randrange(0, 8 * 60))
    deadline = min(started + timedelta(minutes=exam.effective_time_limit), exam.closes_at)
    attempt = Attempt.objects.create(
        exam=exam,
        user=user,
        number=1,
        random_seed=seed,
        rules=exam_services.rules_snapshot(exam),
        started_at=started,
        deadline_at=deadline,
        max_score=exam_services.paper_score(drawn),
        question_count=len(drawn),
    )
    saved = min(started + timedelta(minutes=rng.randrange(20, 50)), deadline)

    def respond(item: AttemptQuestion) -> None:
        # The answers, as the paper's autosave would have stored them.
        raw = _answer(item, rng.random() < ability, rng)
        item.response = normalise_response(
            item.type, raw, len(item.options), blank_count(item.stem)
        )
        item.saved_at = saved

    exam_services.store_paper(attempt=attempt, drawn=drawn, respond=respond)
    exam_services.submit_attempt(attempt_id=attempt.pk, now=saved)
    for item in AttemptQuestion.objects.filter(attempt=attempt, needs_review=True):
        decisions = [
            (entry["matched"] or rng.random() < 0.25, "" if entry["matched"] else "要点未答全")
            for entry in item.marking
        ]
        exam_services.mark_short_answer(
            item_id=item.pk, reviewer=marker, decisions=decisions, now=saved + timedelta(days=1)
        )


def _components(rng: random.Random, ability: float) -> dict:
    complaints = 0 if rng.random() < 0.8 else (1 if rng.random() < 0.8 else 2)
    return {
        "attendance_rate": f"{rng.uniform(92, 100):.2f}",
        "error_rate": f"{max(0.0, rng.gauss(1.2 - ability, 0.3)):.2f}",
        "complaints": complaints,
        "contacts": 300 + int(ability * 600),  # 投诉率 = complaints over the contacts handled
        "satisfaction": f"{min(100.0, rng.uniform(88, 96) + ability * 4):.2f}",
        "etiquette_score": f"{min(100.0, rng.uniform(75, 92) + ability * 8):.2f}",
    }


def _month(month: date, *, blueprint, units, supervisors, result) -> None:
    title = f"{month.year}年{month.month}月月度考试"
    if Exam.objects.filter(month=month, title=title).exists():
        return
    opens_at = _local(month.replace(day=10), 9)
    exam = scheduling.schedule_exam(
        by=supervisors.admin,
        plan=scheduling.ExamPlan(
            title=title,
            blueprint=blueprint,
            month=month,
            opens_at=opens_at,
            closes_at=opens_at + timedelta(days=2, hours=9),
            units=units,
            people=[],
            notice=f"{month.month}月月度考试：10日至12日完成，限时 60 分钟，只能作答一次。",
        ),
        publish=True,
    )
    result.exams += 1
    audience = sorted(selectors.audience_profiles(exam), key=lambda p: p.employee_number)
    abilities, sat = {}, set()
    for profile in audience:
        rng = random.Random(f"{BASE_SEED}-{month:%Y-%m}-{profile.employee_number}")
        abilities[profile.pk] = random.Random(f"{BASE_SEED}-{profile.employee_number}").uniform(
            0.6, 0.97
        )
        if rng.random() < MISS_CHANCE:
            continue
        _sit(
            exam=exam,
            profile=profile,
            rng=rng,
            ability=abilities[profile.pk],
            marker=supervisors.for_person(profile),
        )
        sat.add(profile.pk)
        result.attempts += 1
    Exam.objects.filter(pk=exam.pk).update(status=Exam.Status.CLOSED)
    for profile in audience:
        if profile.pk not in sat:  # 缺考, as closing the exam records it
            services.refresh_exam_score(
                profile=profile, month=month, reason=f"缺考：{title}", by=None, job="演示数据"
            )
    records = AssessmentRecord.objects.filter(month=month, profile__in=audience).select_related(
        "profile", "unit"
    )
    for record in records:
        if any(getattr(record, name) is not None for name in ENTERED_COMPONENTS):
            continue
        rng = random.Random(f"{BASE_SEED}-{month:%Y-%m}-{record.profile.employee_number}-items")
        services.update_components(
            record_id=record.pk,
            by=supervisors.for_person(record.profile),
            values=_components(rng, abilities.get(record.profile_id, 0.8)),
            expected_version=record.version,
            reason=f"班组长录入（{DEMO_REASON}）",
        )
        result.records_filled += 1
    _elect_stars(month, supervisors=supervisors)


def _elect_stars(month: date, *, supervisors) -> None:
    """服务明星 (004: 月初民主选举产生上月服务明星): each team's best composite, with its votes."""
    records = AssessmentRecord.objects.filter(month=month, composite__isnull=False)
    best: dict[int, AssessmentRecord] = {}
    for record in records.select_related("unit").order_by("-composite", "pk"):
        best.setdefault(record.unit_id, record)
    for record in best.values():
        by = supervisors.for_unit(record.unit, not_user_id=record.profile.user_id)
        if by is None or record.service_star:
            continue
        votes = 3 + int(record.composite) % 4
        services.record_service_stars(
            by=by, unit=record.unit, month=month, stars={record.profile_id: (votes, "")}
        )


DEMO_CLOSING_REASON = "演示数据：历史月份按当时的记录结账"


def _close_month(month: date, *, lock: bool, supervisors, hr_user, result) -> None:
    """Submit each unit that has records (by its supervisor); lock it too if asked (by HR)."""
    unit_ids = AssessmentRecord.objects.filter(month=month).values_list("unit_id", flat=True)
    for unit in Unit.objects.filter(pk__in=set(unit_ids)).order_by("path"):
        state = AssessmentMonth.objects.filter(unit=unit, month=month).first()
        status = state.status if state else AssessmentMonth.Status.OPEN
        if status == AssessmentMonth.Status.OPEN:
            by = supervisors.for_unit(unit)
            if by is None:
                continue
            # A past month may be incomplete (the demo's 缺考): closed with a reason, as the
            # services require of anyone closing an incomplete month.
            services.submit_month(unit=unit, month=month, by=by, reason=DEMO_CLOSING_REASON)
            status = AssessmentMonth.Status.SUBMITTED
        if lock and hr_user and status == AssessmentMonth.Status.SUBMITTED:
            services.lock_month(unit=unit, month=month, by=hr_user, reason=DEMO_CLOSING_REASON)
            result.months_locked += 1


def load_demo_history(*, today: date | None = None) -> DemoHistoryResult:
    """Create the demo exams and assessment records of the three months before `today`'s month."""
    result = DemoHistoryResult()
    today = today or timezone.localdate()
    units = list(Unit.objects.filter(code__in=AUDIENCE_UNITS))
    if not units:
        return result  # no demo organisation loaded
    hr_user = get_user_model().objects.filter(username="hr").first()
    supervisors = _Supervisors()
    if supervisors.admin is None:
        return result
    months = history_months(today)
    with transaction.atomic():
        blueprint = _blueprint()
    # The months are closed right below: their records must hold the exams' scores now, not
    # once the background worker has run.
    with records_at_once():
        for month in months:
            with transaction.atomic():
                _month(
                    month,
                    blueprint=blueprint,
                    units=units,
                    supervisors=supervisors,
                    result=result,
                )
        with transaction.atomic():
            _close_month(
                months[0], lock=True, supervisors=supervisors, hr_user=hr_user, result=result
            )
            _close_month(
                months[1], lock=False, supervisors=supervisors, hr_user=hr_user, result=result
            )
    # The past exams are over: their answers enter the wrong-answer books, as close_exams does.
    exam_services.release_due_results(now=timezone.now())
    return result
