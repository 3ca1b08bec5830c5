"""The contract between the exam engine and the domains that use its results: the one module of
quizzes that other domains (assessment) may import.

- Listeners of "a monthly exam result changed for a person" (graded on submit, on automatic
  submission or by marking; voided; missed when the exam closed), registered in an AppConfig's
  ready() with `on_result_changed`; the engine calls `announce` after its own transaction.
- Scheduling checks, registered with `add_scheduling_check`: asked before a monthly exam is
  scheduled (is the month still open for every unit the audience touches?); score-change checks,
  registered with `add_score_change_check`: asked before a re-mark (is the month locked?).
- What a listener may read about exams: a person's outcome for a month, the month's exam
  statistics and weakest categories for a unit, a person's attempts with the marks they lost,
  why a person has no result yet and which exams are still open (closing a month), and the
  exams' change log (edits, extensions, cancellations).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, F, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.organisation.models import StaffProfile
from portal.organisation.selectors import visible_profiles

from .changes.models import ExamChange
from .papers.disclosure import disclosures
from .papers.models import Attempt, AttemptQuestion, Exam

# Listeners ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultChange:
    """A person's monthly exam result changed. `by` is the person whose action caused it (the
    candidate submitting, a marker, a supervisor voiding); None for a system task, which `job`
    names (超时自动交卷, 考试结束登记缺考 …)."""

    user_id: int
    month: date
    reason: str
    by: object | None
    job: str


_listeners: list[Callable[[ResultChange], None]] = []
_scheduling_checks: list[Callable[..., list[str]]] = []
_score_checks: list[Callable[..., list[str]]] = []


def on_result_changed(listener: Callable[[ResultChange], None]) -> None:
    """Call `listener(change)` whenever a person's monthly exam result changes (once per listener,
    however often an app's ready() runs)."""
    if listener not in _listeners:
        _listeners.append(listener)


def announce(*, user_id: int, month: date, reason: str, by, job: str) -> None:
    """Tell every listener that `user_id`'s result for `month` changed."""
    change = ResultChange(user_id=user_id, month=month, reason=reason, by=by, job=job)
    for listener in list(_listeners):
        listener(change)


def add_scheduling_check(check: Callable[..., list[str]]) -> None:
    """`check(month=, unit_paths=)` returns the reasons (Chinese) a monthly exam for units and
    people under these paths may not count for `month`; empty when it may."""
    if check not in _scheduling_checks:
        _scheduling_checks.append(check)


def add_score_change_check(check: Callable[..., list[str]]) -> None:
    """`check(user_id=, month=)` returns why a person's monthly exam score may not be changed by
    a person now (a locked month); empty when it may. Asked before a re-mark (复核)."""
    if check not in _score_checks:
        _score_checks.append(check)


def score_change_problems(*, user_id: int, month: date) -> list[str]:
    problems = []
    for check in list(_score_checks):
        problems += check(user_id=user_id, month=month)
    return problems


def scheduling_problems(*, month: date, unit_paths: list[str]) -> list[str]:
    problems = []
    for check in list(_scheduling_checks):
        problems += check(month=month, unit_paths=unit_paths)
    return problems


# A person's month --------------------------------------------------------------------------------

GRADED, PENDING, MISSED, NONE = "graded", "pending", "missed", "none"
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def percentage(score: Decimal, max_score: Decimal) -> Decimal:
    """A score as a percentage of the paper's full marks, to the cent."""
    if not max_score:
        return Decimal(0)
    return (Decimal(score) * HUNDRED / Decimal(max_score)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class MonthOutcome:
    """What a person's monthly exams say now: `state` graded (`best` is the best counted
    attempt as a percentage), pending (sat, not all marked; or an exam still to come), missed
    (in the audience of a closed exam and never sat it) or none (no monthly exam for them)."""

    state: str
    best: Decimal | None = None


def in_audience(*, exam: Exam, profile: StaffProfile) -> bool:
    if exam.created_by_id == profile.user_id:
        return False  # the scheduler never sits their own exam
    unit_paths = [unit.path for unit in exam.audience_units.all()]
    user_ids = {user.pk for user in exam.audience_users.all()}
    if not unit_paths and not user_ids:
        return True
    if profile.user_id in user_ids:
        return True
    return any(profile.unit.path.startswith(path) for path in unit_paths)


def counting_exams() -> QuerySet[Exam]:
    """Exams whose scores may count: every exam but the cancelled ones."""
    return Exam.objects.exclude(
        pk__in=ExamChange.objects.filter(kind=ExamChange.Kind.CANCEL).values("exam_id")
    )


def month_outcome(*, profile: StaffProfile, month: date) -> MonthOutcome:
    """The person's monthly exam outcome: the best graded attempt; attempts at exams the person
    scheduled never count."""
    exams = (
        counting_exams()
        .filter(month=month)
        .exclude(status=Exam.Status.DRAFT)
        .exclude(created_by_id=profile.user_id)
    )
    attempts = list(
        Attempt.objects.filter(exam__in=exams, user_id=profile.user_id)
        .exclude(status=Attempt.Status.VOIDED)
        .only("status", "score", "max_score")
    )
    graded = [a for a in attempts if a.status == Attempt.Status.GRADED]
    if graded:
        return MonthOutcome(GRADED, max(percentage(a.score, a.max_score) for a in graded))
    if attempts:
        return MonthOutcome(PENDING)
    if any(
        in_audience(exam=exam, profile=profile)
        for exam in exams.filter(makeup_of=None, status=Exam.Status.CLOSED)
    ):
        return MonthOutcome(MISSED)
    if exams.exists():
        return MonthOutcome(PENDING)
    return MonthOutcome(NONE)


# A unit's month (HR and supervisors' charts) -----------------------------------------------------

SCORE_BANDS = [
    ("<60", Decimal(0), Decimal(60)),
    ("60–69", Decimal(60), Decimal(70)),
    ("70–79", Decimal(70), Decimal(80)),
    ("80–89", Decimal(80), Decimal(90)),
    ("90–100", Decimal(90), Decimal(101)),
]


def _pass_rate(sat: int, passed: int) -> Decimal | None:
    if not sat:
        return None
    return (Decimal(passed) * 100 / sat).quantize(Decimal("0.1"))


@dataclass
class TeamExamStats:
    team: str
    sat: int
    passed: int
    average: Decimal | None

    @property
    def pass_rate(self) -> Decimal | None:
        return _pass_rate(self.sat, self.passed)


@dataclass
class ExamStats:
    exam_id: int
    title: str
    sat: int = 0
    passed: int = 0
    distribution: list[int] = field(default_factory=lambda: [0] * len(SCORE_BANDS))
    teams: list[TeamExamStats] = field(default_factory=list)

    @property
    def pass_rate(self) -> Decimal | None:
        return _pass_rate(self.sat, self.passed)


def _graded_attempts(*, viewer, unit, month: date) -> QuerySet[Attempt]:
    people = visible_profiles(viewer).in_unit(unit)
    return Attempt.objects.filter(
        exam__month=month,
        status=Attempt.Status.GRADED,
        user__staff_profile__in=people,
    )


def exam_stats(*, viewer, unit, month: date) -> list[ExamStats]:
    """Score distribution and pass rate of the month's exams among the people of `unit`'s subtree
    that `viewer` may see, overall and per team (1 query)."""
    attempts = _graded_attempts(viewer=viewer, unit=unit, month=month).values(
        "exam_id",
        "exam__title",
        "score",
        "max_score",
        "passed",
        "user__staff_profile__unit__name",
    )
    exams: dict[int, ExamStats] = {}
    teams: dict[tuple[int, str], list] = {}
    for row in attempts.order_by("exam__opens_at", "exam_id"):
        stats = exams.setdefault(row["exam_id"], ExamStats(row["exam_id"], row["exam__title"]))
        share = percentage(row["score"] or Decimal(0), row["max_score"])
        stats.sat += 1
        stats.passed += bool(row["passed"])
        for index, (_, low, high) in enumerate(SCORE_BANDS):
            if low <= share < high:
                stats.distribution[index] += 1
                break
        teams.setdefault((row["exam_id"], row["user__staff_profile__unit__name"]), []).append(
            (share, bool(row["passed"]))
        )
    for (exam_id, team), results in sorted(teams.items(), key=lambda item: item[0]):
        exams[exam_id].teams.append(
            TeamExamStats(
                team=team,
                sat=len(results),
                passed=sum(passed for _, passed in results),
                average=(sum(p for p, _ in results) / len(results)).quantize(Decimal("0.01")),
            )
        )
    return list(exams.values())


@dataclass
class CategoryStats:
    category: str
    questions: int
    max_score: Decimal
    awarded: Decimal

    @property
    def rate(self) -> Decimal:
        if not self.max_score:
            return Decimal(0)
        return (self.awarded * 100 / self.max_score).quantize(Decimal("0.1"))

    @property
    def lost(self) -> Decimal:
        return self.max_score - self.awarded


def weakest_categories(*, viewer, unit, month: date, limit: int = 8) -> list[CategoryStats]:
    """Question categories where the unit's graded exam papers scored the lowest share (1 query)."""
    rows = (
        AttemptQuestion.objects.filter(
            attempt__in=_graded_attempts(viewer=viewer, unit=unit, month=month)
        )
        .values("category_path")
        .annotate(
            questions=Count("pk"),
            max_total=Sum("max_score"),
            awarded_total=Coalesce(Sum("awarded"), Decimal(0), output_field=DecimalField()),
        )
    )
    stats = [
        CategoryStats(
            row["category_path"] or "未分类",
            row["questions"],
            Decimal(row["max_total"] or 0),
            Decimal(row["awarded_total"]),
        )
        for row in rows
    ]
    stats.sort(key=lambda item: (item.rate, -item.lost, item.category))
    return stats[:limit]


# A person's own attempts -------------------------------------------------------------------------


@dataclass
class AttemptLosses:
    attempt: Attempt
    percentage: Decimal | None
    losses: list[tuple[str, Decimal]]  # (category, points lost), largest first


def attempts_with_losses(*, user, limit: int = 20) -> list[AttemptLosses]:
    """A person's submitted exam attempts with the points lost per question category (2 queries
    and the disclosure gate's).

    Losses are shown only where the exam's rules let the person see per-question results."""
    attempts = list(
        Attempt.objects.filter(user=user)
        .exclude(status__in=[Attempt.Status.IN_PROGRESS, Attempt.Status.VOIDED])
        .select_related("exam")
        .order_by("-submitted_at", "-pk")[:limit]
    )
    gate = disclosures(attempts=attempts, viewer=user, now=timezone.now())
    shown = [attempt.pk for attempt in attempts if gate[attempt.pk].correctness]
    losses: dict[int, list] = {}
    rows = (
        AttemptQuestion.objects.filter(attempt_id__in=shown)
        .values("attempt_id", "category_path")
        .annotate(
            lost=Sum(
                F("max_score") - Coalesce("awarded", Decimal(0), output_field=DecimalField()),
                output_field=DecimalField(),
            )
        )
    )
    for row in rows:
        lost = Decimal(row["lost"] or 0)
        if lost > 0:
            losses.setdefault(row["attempt_id"], []).append(
                (row["category_path"] or "未分类", lost.quantize(Decimal("0.01")))
            )
    result = []
    for attempt in attempts:
        items = sorted(losses.get(attempt.pk, []), key=lambda item: (-item[1], item[0]))
        share = percentage(attempt.score, attempt.max_score) if attempt.score is not None else None
        result.append(AttemptLosses(attempt, share, items))
    return result


# Closing a month: why a person has no result yet, which exams are still open -------------------

NOT_STARTED, SITTING, AWAITING_MARKING = "not_started", "sitting", "awaiting_marking"
PROGRESS_LABELS = {
    NOT_STARTED: "未开考",
    SITTING: "作答中",
    AWAITING_MARKING: "待阅卷",
    MISSED: "缺考",
    GRADED: "已出分",
    NONE: "无考试",
}


@dataclass(frozen=True)
class ExamProgress:
    """Where a person stands in the month's exams: the state that explains a missing result (a
    graded attempt wins; else sitting, awaiting marking, not started, missed) and the exams."""

    state: str
    exams: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return PROGRESS_LABELS[self.state]

    @property
    def has_result(self) -> bool:
        return self.state in (GRADED, MISSED, NONE)


def month_progress(*, profiles: list[StaffProfile], month: date) -> dict[int, ExamProgress]:
    """For each profile (by pk): why their monthly exam result is (not) there. A fixed number of
    queries: the month's exams, their audiences, and the attempts of these people."""
    exams = list(
        counting_exams()
        .filter(month=month)
        .exclude(status=Exam.Status.DRAFT)
        .prefetch_related("audience_units", "audience_users")
    )
    user_ids = [profile.user_id for profile in profiles]
    attempts: dict[int, list[Attempt]] = {}
    for attempt in (
        Attempt.objects.filter(exam__in=exams, user_id__in=user_ids)
        .exclude(status=Attempt.Status.VOIDED)
        .only("exam_id", "user_id", "status")
    ):
        attempts.setdefault(attempt.user_id, []).append(attempt)
    order = [GRADED, SITTING, AWAITING_MARKING, NOT_STARTED, MISSED]
    result = {}
    for profile in profiles:
        states: dict[str, list[str]] = {}
        mine = attempts.get(profile.user_id, [])
        for exam in exams:
            if not in_audience(exam=exam, profile=profile):
                continue
            sat = [a for a in mine if a.exam_id == exam.pk]
            state = _exam_state(exam, sat)
            if state:
                states.setdefault(state, []).append(exam.title)
        found = next((state for state in order if state in states), NONE)
        result[profile.pk] = ExamProgress(found, tuple(states.get(found, ())))
    return result


def _exam_state(exam: Exam, sat: list[Attempt]) -> str:
    statuses = {attempt.status for attempt in sat}
    if Attempt.Status.GRADED in statuses:
        return GRADED
    if Attempt.Status.IN_PROGRESS in statuses:
        return SITTING
    if Attempt.Status.PENDING_REVIEW in statuses:
        return AWAITING_MARKING
    if exam.makeup_of_id is not None:
        return ""  # a make-up nobody took leaves the original exam's state
    if exam.status == Exam.Status.CLOSED:
        return MISSED
    return NOT_STARTED


@dataclass(frozen=True)
class OpenExam:
    exam_id: int
    title: str
    closes_at: object


def open_exams(*, month: date, unit_paths: list[str], after) -> list[OpenExam]:
    """The month's published exams, not cancelled, that close after `after` and whose audience
    touches these units (an exam for everyone touches every unit)."""
    exams = (
        counting_exams()
        .filter(month=month, status=Exam.Status.PUBLISHED, closes_at__gt=after)
        .prefetch_related("audience_units")
        .order_by("closes_at", "pk")
    )
    found = []
    for exam in exams:
        paths = [unit.path for unit in exam.audience_units.all()]
        people = [
            path
            for path in exam.audience_users.values_list("staff_profile__unit__path", flat=True)
            if path
        ]
        touches = (not paths and not people) or any(
            mine.startswith(theirs) or theirs.startswith(mine)
            for mine in unit_paths
            for theirs in paths
        )
        touches = touches or any(p.startswith(mine) for p in people for mine in unit_paths)
        if touches:
            found.append(OpenExam(exam.pk, exam.title, exam.closes_at))
    return found


# The exams' change log ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamChangeRow:
    exam_id: int
    exam_title: str
    month: date | None
    kind: str
    summary: str
    reason: str
    by: object
    at: object


def exam_changes(*, month: date | None = None, exam_ids=None) -> list[ExamChangeRow]:
    """The change log of monthly exams (of one month, or of these exams), newest first."""
    changes = ExamChange.objects.select_related("exam", "changed_by__staff_profile")
    if month is not None:
        changes = changes.filter(exam__month=month)
    if exam_ids is not None:
        changes = changes.filter(exam_id__in=exam_ids)
    return [
        ExamChangeRow(
            change.exam_id,
            change.exam.title,
            change.exam.month,
            change.get_kind_display(),
            change.summary,
            change.reason,
            change.changed_by,
            change.changed_at,
        )
        for change in changes.order_by("-changed_at", "-pk")
    ]


def is_cancelled(*, exam_id: int) -> bool:
    return ExamChange.objects.filter(exam_id=exam_id, kind=ExamChange.Kind.CANCEL).exists()
