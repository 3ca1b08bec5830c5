"""Read-side queries for exams and attempts: who an exam is for, my exams, the paper and its
review, the team-exam pages (which exams a supervisor sees, the live progress), the blueprint and
exam admin (totals, pool sizes, what blocks a delete)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.db.models import DecimalField, F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from cases.models import RuleItem
from portal.organisation.models import StaffProfile, path_ids, subtree_condition
from portal.organisation.permissions import can_see_everyone, supervised_units
from portal.organisation.selectors import visible_profiles, visible_units

from ..bank.models import Question
from .disclosure import Disclosure, attempt_disclosure
from .drawing import material_pool, section_pool_filter
from .models import Attempt, AttemptMaterial, AttemptQuestion, Blueprint, BlueprintSection, Exam
from .timing import exam_window_problem


@dataclass
class ExamRow:
    exam: Exam
    state: str
    attempts: list[Attempt]
    open_attempt: Attempt | None
    can_start: bool
    note: str

    @property
    def group(self) -> int:
        """0 open now (being sat or can be started), 1 upcoming, 2 finished."""
        if self.state in OPEN_STATES:
            return 0
        return 1 if self.state == "未开始" else 2

    @property
    def deadline(self) -> datetime | None:
        """When the person must be done: their paper's deadline, else the exam's closing time."""
        if self.open_attempt is not None:
            return self.open_attempt.deadline_at
        return self.exam.closes_at


OPEN_STATES = ("进行中", "可参加")
FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


def _row_order(row: ExamRow) -> tuple:
    """Open exams first, the one being sat and then the nearest deadline on top; then upcoming,
    the soonest first; then finished ones, the latest first (their order from the query)."""
    if row.group == 0:
        return (0, row.state != "进行中", row.deadline or FAR_FUTURE)
    if row.group == 1:
        return (1, False, row.exam.opens_at or FAR_FUTURE)
    return (2, False, FAR_FUTURE)


def exams_for(user):
    """Exams on a person's list: published or closed, with no audience or with them in it, and
    never one they scheduled themselves."""
    profile = StaffProfile.objects.select_related("unit").filter(user=user).first()
    exams = Exam.objects.exclude(status=Exam.Status.DRAFT).exclude(created_by=user)
    open_to_all = Q(audience_units=None, audience_users=None)
    mine = Q(audience_users=user)
    if profile is not None:
        ancestor_ids = profile.unit.ancestor_ids
        mine |= Q(audience_units__in=ancestor_ids)
    return exams.filter(open_to_all | mine).distinct()


def makeup_eligible(*, exam: Exam, user) -> bool:
    """补考: open to those who missed or failed the original exam."""
    if exam.makeup_of_id is None:
        return True
    original = exam.makeup_of.attempts.filter(user=user).exclude(status=Attempt.Status.VOIDED)
    return not original.filter(passed=True).exists()


def audience_profiles(exam: Exam):
    """Everyone the exam is for (empty audience: every active staff member)."""
    condition = subtree_condition("unit__path", exam.audience_units.values_list("path", flat=True))
    user_ids = list(exam.audience_users.values_list("pk", flat=True))
    if user_ids:
        condition = (
            Q(user_id__in=user_ids) if condition is None else condition | Q(user_id__in=user_ids)
        )
    profiles = StaffProfile.objects.filter(user__is_active=True).select_related("unit", "user")
    if exam.created_by_id is not None:
        profiles = profiles.exclude(user_id=exam.created_by_id)  # never the scheduler
    return profiles.filter(condition) if condition is not None else profiles


def exam_rows(*, user, now: datetime) -> list[ExamRow]:
    """我的考试: every published exam, with the person's state in it (three queries): open ones
    first, then upcoming, then finished (_row_order)."""
    exams = list(
        exams_for(user)
        .select_related("blueprint")
        .prefetch_related("blueprint__sections")  # the full marks, in one query for all exams
        .order_by("-opens_at", "-created_at")
    )
    attempts_by_exam: dict[int, list[Attempt]] = {}
    for attempt in Attempt.objects.filter(user=user, exam__in=exams).order_by("number"):
        attempts_by_exam.setdefault(attempt.exam_id, []).append(attempt)
    rows = []
    for exam in exams:
        attempts = attempts_by_exam.get(exam.pk, [])
        counted = [a for a in attempts if a.status != Attempt.Status.VOIDED]
        open_attempt = next((a for a in attempts if a.status == Attempt.Status.IN_PROGRESS), None)
        problem = exam_window_problem(exam, now)
        allowed = exam.effective_attempts_allowed
        left = (allowed - len(counted)) if allowed else None
        if open_attempt:
            left_minutes = max(0, int((open_attempt.deadline_at - now).total_seconds() // 60))
            state, note = "进行中", f"剩余约 {left_minutes} 分钟"
        elif exam.opens_at and now < exam.opens_at:
            state, note = "未开始", problem
        elif any(a.status == Attempt.Status.PENDING_REVIEW for a in counted):
            state, note = "待阅卷", "客观题已出分，简答题等待阅卷"
        elif counted and (left == 0 or problem):
            state, note = "已出分", ""
        elif problem:
            state, note = "缺考" if not counted else "已出分", problem
        else:
            state = "可参加"
            note = "不限次数" if left is None else f"还可作答 {left} 次"
        can_start = bool(open_attempt) or (not problem and (left is None or left > 0))
        rows.append(ExamRow(exam, state, attempts, open_attempt, can_start, note))
    return sorted(rows, key=_row_order)


def exams_to_do(*, user, now: datetime) -> list[ExamRow]:
    """The home page's list: exams being sat or open to start, then upcoming ones, each with its
    deadline (the rows of 我的考试 that still ask something of the person)."""
    return [
        row
        for row in exam_rows(user=user, now=now)
        if row.group == 0 and row.can_start or row.group == 1
    ]


def startable_exam_or_404(exam_id: int) -> Exam:
    """An exam that is not a draft (whether this person may start it, services decide)."""
    exam = (
        Exam.objects.select_related("blueprint")
        .exclude(status=Exam.Status.DRAFT)
        .filter(pk=exam_id)
        .first()
    )
    if exam is None:
        raise Http404("考试不存在")
    return exam


def schedulable_blueprints() -> QuerySet[Blueprint]:
    return Blueprint.objects.filter(status=Blueprint.Status.READY).order_by("name")


def schedulable_people(user) -> QuerySet:
    """Whom a supervisor may name in an exam's audience: active people in scope, never themselves."""
    return (
        visible_profiles(user)
        .filter(user__is_active=True)
        .exclude(user=user)
        .select_related("unit")
        .order_by("unit__path", "employee_number")
    )


def own_attempt_or_404(*, user, public_id) -> Attempt:
    attempt = (
        Attempt.objects.select_related("exam", "exam__blueprint")
        .filter(public_id=public_id, user=user)
        .first()
    )
    if attempt is None:
        raise Http404("作答记录不存在")
    return attempt


def paper_questions(attempt: Attempt) -> QuerySet[AttemptQuestion]:
    """What the paper page may show: never the answer key (it is deferred, not even loaded), nor
    a material's editor's note and links (they name the clauses it tests)."""
    return (
        AttemptQuestion.objects.filter(attempt=attempt)
        .select_related("material")
        .defer(
            "answer_key",
            "explanation",
            "marking",
            "awarded",
            "is_correct",
            "material__note",
            "material__links",
        )
        .order_by("position")
    )


def is_answered(item: AttemptQuestion) -> bool:
    response = item.response
    if isinstance(response, list):
        return any(str(part).strip() for part in response)
    return response not in (None, "")


@dataclass
class CardSection:
    """One section of the answer card (答题卡): its title and its questions' numbers, each with
    whether it is answered and flagged (a case-analysis sub-question is numbered like any other)."""

    title: str
    cells: list[dict]


def answer_card(items: list[AttemptQuestion]) -> list[CardSection]:
    sections: list[CardSection] = []
    for item in items:
        if not sections or sections[-1].title != item.section_title:
            sections.append(CardSection(item.section_title, []))
        sections[-1].cells.append(
            {
                "position": item.position,
                "answered": is_answered(item),
                "flagged": item.flagged,
                "material": item.material.position if item.material_id else None,
            }
        )
    return sections


def review_questions(attempt: Attempt) -> list[AttemptQuestion]:
    return list(
        AttemptQuestion.objects.filter(attempt=attempt)
        .select_related("question", "material")
        .prefetch_related(
            Prefetch("question__rules", queryset=RuleItem.objects.select_related("rule_set")),
            "question__qa_items",
            "question__cases",
        )
        .order_by("position")
    )


@dataclass
class PaperBlock:
    """What a paper or a review shows as one piece: a single question, or a case-analysis material
    with its sub-questions (the material beside them on a desktop, above them on a phone)."""

    section_title: str
    starts_section: bool
    material: AttemptMaterial | None
    items: list[AttemptQuestion]

    @property
    def first(self) -> int:
        return self.items[0].position

    @property
    def last(self) -> int:
        return self.items[-1].position


def paper_blocks(items: list[AttemptQuestion]) -> list[PaperBlock]:
    """The paper's questions in order, a material's sub-questions gathered under it (no query:
    the items come with their material)."""
    blocks: list[PaperBlock] = []
    section = None
    for item in items:
        material = item.material if item.material_id else None
        last = blocks[-1] if blocks else None
        if material is not None and last and last.material and last.material.pk == material.pk:
            last.items.append(item)
            continue
        starts = item.section_title != section
        section = item.section_title
        blocks.append(PaperBlock(item.section_title, starts, material, [item]))
    return blocks


def review_rules(*, attempt: Attempt, viewer, now: datetime) -> Disclosure:
    """What the review of this attempt may show this viewer now: the gate decides."""
    return attempt_disclosure(attempt=attempt, viewer=viewer, now=now)


# Team exams (班组考试) ---------------------------------------------------------------------------


def team_exams(user):
    """Monthly exams a supervisor may see: created by them, or for units or people in their scope
    (an exam for a unit above theirs is for their people too). HR and administrators: all."""
    exams = Exam.objects.select_related("blueprint", "created_by")
    if can_see_everyone(user):
        return exams.filter(Q(month__isnull=False) | Q(created_by=user))
    unit_ids = set(visible_units(user).values_list("pk", flat=True))
    for path in supervised_units(user).values_list("path", flat=True):
        unit_ids.update(path_ids(path))
    in_scope = (
        Q(audience_units__in=unit_ids)
        | Q(audience_users__staff_profile__in=visible_profiles(user))
        | Q(audience_units=None, audience_users=None)
    )
    return exams.filter(Q(created_by=user) | (Q(month__isnull=False) & in_scope)).distinct()


def attempt_in_exam(*, attempt_id: int, exam: Exam) -> bool:
    return Attempt.objects.filter(pk=attempt_id, exam=exam).exists()


STATE_LABELS = {
    "not_started": "未开考",
    "sitting": "作答中",
    "pending_review": "待阅卷",
    "graded": "已出分",
    "voided": "已作废",
}


@dataclass
class MonitorRow:
    profile: object
    state: str
    attempt: Attempt | None
    seconds_left: int | None

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def time_left_label(self) -> str:
        if self.seconds_left is None:
            return ""
        if self.seconds_left <= 0:
            return "时间已到，待自动交卷"
        return f"剩余 {(self.seconds_left + 59) // 60} 分钟"

    @property
    def score_label(self) -> str:
        attempt = self.attempt
        if attempt is None or attempt.score is None or self.state == "voided":
            return ""
        return f"{attempt.score.normalize():f} / {attempt.max_score.normalize():f}"

    def as_json(self) -> dict:
        attempt = self.attempt
        return {
            "id": self.profile.pk,
            "employee_number": self.profile.employee_number,
            "name": self.profile.name,
            "unit": self.profile.unit.name,
            "state": self.state,
            "state_label": self.state_label,
            "attempt_id": attempt.pk if attempt else None,
            "attempt_number": attempt.number if attempt else None,
            "seconds_left": self.seconds_left,
            "time_left_label": self.time_left_label,
            "extra_minutes": attempt.extra_minutes if attempt else 0,
            "score": f"{attempt.score:f}" if attempt and attempt.score is not None else None,
            "max_score": f"{attempt.max_score:f}" if attempt else None,
            "score_label": self.score_label,
            "void_reason": attempt.void_reason if attempt else "",
        }


def monitor_rows(*, exam: Exam, viewer, now: datetime) -> list[MonitorRow]:
    """The exam's audience within the viewer's scope, each with their latest attempt's state.
    A fixed number of queries, however many people or attempts."""
    people = list(
        audience_profiles(exam)
        .filter(pk__in=visible_profiles(viewer).values("pk"))
        .order_by("unit__path", "employee_number")
    )
    latest: dict[int, Attempt] = {}
    latest_voided: dict[int, Attempt] = {}
    attempts = (
        Attempt.objects.filter(exam=exam, user_id__in=[p.user_id for p in people])
        .only(
            "pk",
            "user_id",
            "number",
            "status",
            "deadline_at",
            "score",
            "max_score",
            "extra_minutes",
            "void_reason",
        )
        .order_by("number")
    )
    for attempt in attempts:
        target = latest_voided if attempt.status == Attempt.Status.VOIDED else latest
        target[attempt.user_id] = attempt
    rows = []
    for person in people:
        attempt = latest.get(person.user_id)
        seconds_left = None
        if attempt is None and person.user_id in latest_voided:
            state, attempt = "voided", latest_voided[person.user_id]
        elif attempt is None:
            state = "not_started"
        elif attempt.status == Attempt.Status.IN_PROGRESS:
            state = "sitting"
            seconds_left = max(0, int((attempt.deadline_at - now).total_seconds()))
        else:
            state = attempt.status
        rows.append(MonitorRow(person, state, attempt, seconds_left))
    return rows


# The blueprint and exam admin -------------------------------------------------------------------


def with_total_score(blueprints: QuerySet[Blueprint]) -> QuerySet[Blueprint]:
    return blueprints.annotate(
        total=Coalesce(
            Sum(
                F("sections__question_count") * F("sections__score_per_question"),
                output_field=DecimalField(max_digits=9, decimal_places=2),
            ),
            Value(Decimal(0)),
            output_field=DecimalField(max_digits=9, decimal_places=2),
        ),
        question_total=Coalesce(Sum("sections__question_count"), Value(0)),
    )


def section_pool_size(section: BlueprintSection) -> int:
    """How many active questions a section may draw from (materials, for a case-analysis
    section)."""
    if section.draws_materials:
        return material_pool(section).count()
    return Question.objects.filter(section_pool_filter(section)).count()


def blueprint_delete_problem(blueprint: Blueprint) -> str:
    exams = blueprint.exams.count()
    if exams:
        return f"已有 {exams} 场考试使用组卷规则“{blueprint.name}”，不能删除。"
    return ""


def exam_delete_problem(exam: Exam) -> str:
    attempts = exam.attempts.count()
    if attempts:
        return (
            f"考试“{exam.title}”已有 {attempts} 份作答记录，不能删除；"
            "不再开放请把状态改为“已结束”。"
        )
    return ""
