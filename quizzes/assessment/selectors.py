"""Read side of the monthly assessment: the rows HR exports, a month's states per unit, a team's
exam statistics and trend, a person's own history. Every query is restricted to what the viewer
may see (portal.organisation.selectors.visible_profiles); nothing here writes."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Avg, Count, DecimalField, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.organisation.models import StaffProfile, Unit
from portal.organisation.permissions import can_see_everyone, can_view_reports, supervised_units
from portal.organisation.selectors import visible_profiles, visible_units

from .models import COMPONENTS, AssessmentMonth, AssessmentRecord, HeldScoreChange
from .scoring import exam_percentage

EXPORT_HEADER = [
    "工号",
    "姓名",
    "单位",
    "班组",
    "岗位",
    "月份",
    *[label for _, label, _ in COMPONENTS],
    "综合得分",
    "等级",
    "奖金系数",
    "考试状态",
]
COMPONENT_FIELDS = [name for name, _, _ in COMPONENTS]
NUMBER_COLUMNS = {*COMPONENT_FIELDS, "composite", "bonus_coefficient"}
EXPORT_CHUNK = 500


def default_unit(user) -> Unit | None:
    """The unit a report opens on: the company for HR, the first supervised unit otherwise."""
    if can_see_everyone(user):
        return Unit.objects.filter(parent=None).order_by("sort_order", "path").first()
    return supervised_units(user).order_by("path").first()


# Held score changes ----------------------------------------------------------------------------


def held_changes_for(*, user) -> QuerySet[HeldScoreChange]:
    """Held score changes this user may see and decide: HR and administrators every one; a
    supervisor those of people in their scope, never their own record; anyone else none."""
    changes = HeldScoreChange.objects.all()
    if can_see_everyone(user):
        return changes
    if not can_view_reports(user):
        return changes.none()
    return changes.filter(record__profile__in=visible_profiles(user)).exclude(
        record__profile__user=user
    )


def held_changes_page(*, user, status: str = "pending") -> QuerySet[HeldScoreChange]:
    changes = held_changes_for(user=user).select_related(
        "record__profile__unit", "caused_by__staff_profile", "decided_by__staff_profile"
    )
    if status in HeldScoreChange.Status.values:
        changes = changes.filter(status=status)
    return changes.order_by("-created_at", "-pk")


# Export rows -----------------------------------------------------------------------------------


def month_records(*, month: date, unit: Unit | None, viewer=None) -> QuerySet[AssessmentRecord]:
    """A month's records in a unit subtree (by the unit the person was assessed in).

    `viewer`: restrict to the people they may see; None only for the command-line export (HR)."""
    records = AssessmentRecord.objects.filter(month=month).select_related("profile", "unit")
    if unit is not None:
        records = records.filter(unit__path__startswith=unit.path)
    if viewer is not None:
        records = records.filter(profile__in=visible_profiles(viewer))
    return records.order_by("unit__sort_order", "unit__path", "profile__employee_number")


def tree_sorted(units) -> list[Unit]:
    """Units in tree order (parents first, siblings by their sort order), whatever their ids."""
    units = list(units)
    order = {unit.pk: (unit.sort_order, unit.pk) for unit in units}

    def key(unit: Unit):
        ids = unit.ancestor_ids
        return [order.get(i, (0, i)) for i in ids]

    return sorted(units, key=key)


@dataclass
class UnitNames:
    """All units in one query: the 单位 (just below the company) and 班组 of any unit."""

    by_id: dict[int, Unit] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "UnitNames":
        return cls({unit.pk: unit for unit in Unit.objects.only("name", "kind", "path")})

    def division_and_team(self, unit: Unit) -> tuple[str, str]:
        ids = unit.ancestor_ids
        division = self.by_id.get(ids[1]) if len(ids) > 1 else None
        division_name = division.name if division else unit.name
        team = unit.name if unit.kind == Unit.Kind.TEAM and len(ids) > 2 else ""
        return division_name, team


def export_row(record: AssessmentRecord, names: UnitNames) -> list:
    """One row in EXPORT_HEADER order; numbers as stored (Decimal / int / None)."""
    division, team = names.division_and_team(record.unit)
    profile = record.profile
    return [
        profile.employee_number,
        profile.name,
        division,
        team,
        profile.get_position_display(),
        f"{record.month:%Y-%m}",
        *[getattr(record, name) for name in COMPONENT_FIELDS],
        record.composite,
        record.grade,
        record.bonus_coefficient,
        record.get_exam_state_display(),
    ]


def export_rows(*, month: date, unit: Unit | None, viewer=None):
    """Rows for CSV / XLSX, streamed from the database in chunks (memory stays flat)."""
    names = UnitNames.load()
    records = month_records(month=month, unit=unit, viewer=viewer)
    for record in records.iterator(chunk_size=EXPORT_CHUNK):
        yield export_row(record, names)


def latest_month_with_records(*, user, unit: Unit) -> date | None:
    return (
        AssessmentRecord.objects.filter(
            unit__path__startswith=unit.path, profile__in=visible_profiles(user)
        )
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )


# A month's states per unit ---------------------------------------------------------------------


@dataclass
class UnitMonthRow:
    unit: Unit
    depth: int
    own_status: str
    status: str  # effective: the strictest of its own and every unit above it
    records: int = 0
    complete: int = 0
    average: Decimal | None = None

    @property
    def status_label(self) -> str:
        return AssessmentMonth.Status(self.status).label

    @property
    def inherited(self) -> bool:
        """Submitted or locked because a unit above it is."""
        return _STRICTNESS[self.status] > _STRICTNESS[self.own_status]


_STRICTNESS = {
    "": 0,
    AssessmentMonth.Status.OPEN: 0,
    AssessmentMonth.Status.SUBMITTED: 1,
    AssessmentMonth.Status.LOCKED: 2,
}


def month_overview(*, user, unit: Unit, month: date) -> list[UnitMonthRow]:
    """Every unit of the subtree with its month state and its records' completeness (3 queries)."""
    subtree = tree_sorted(visible_units(user).filter(path__startswith=unit.path))
    ancestor_ids = unit.ancestor_ids
    states = dict(
        AssessmentMonth.objects.filter(
            Q(unit__path__startswith=unit.path) | Q(unit_id__in=ancestor_ids), month=month
        ).values_list("unit_id", "status")
    )
    totals: dict[int, dict] = {
        row["unit_id"]: row
        for row in AssessmentRecord.objects.filter(
            month=month,
            unit__path__startswith=unit.path,
            profile__in=visible_profiles(user),
        )
        .values("unit_id")
        .annotate(
            records=Count("pk"),
            complete=Count("composite"),
            composite_sum=Coalesce(Sum("composite"), Decimal(0), output_field=DecimalField()),
        )
    }
    paths = {member.pk: member.path for member in subtree}
    rows = []
    for member in subtree:
        ids = member.ancestor_ids
        effective = max((states.get(i, "") for i in ids), key=lambda s: _STRICTNESS[s])
        records = complete = 0
        composite_sum = Decimal(0)
        for unit_id, row in totals.items():
            # Roll records up: a unit counts everyone assessed in it and below it.
            if paths.get(unit_id, "").startswith(member.path):
                records += row["records"]
                complete += row["complete"]
                composite_sum += Decimal(row["composite_sum"])
        rows.append(
            UnitMonthRow(
                unit=member,
                depth=len(ids) - len(ancestor_ids),
                own_status=states.get(member.pk, ""),
                status=effective or AssessmentMonth.Status.OPEN,
                records=records,
                complete=complete,
                average=(composite_sum / complete).quantize(Decimal("0.01")) if complete else None,
            )
        )
    return rows


# Team statistics -------------------------------------------------------------------------------

SCORE_BANDS = [
    ("<60", Decimal(0), Decimal(60)),
    ("60–69", Decimal(60), Decimal(70)),
    ("70–79", Decimal(70), Decimal(80)),
    ("80–89", Decimal(80), Decimal(90)),
    ("90–100", Decimal(90), Decimal(101)),
]


@dataclass
class TeamExamStats:
    team: str
    sat: int
    passed: int
    average: Decimal | None

    @property
    def pass_rate(self) -> Decimal | None:
        if not self.sat:
            return None
        return (Decimal(self.passed) * 100 / self.sat).quantize(Decimal("0.1"))


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
        if not self.sat:
            return None
        return (Decimal(self.passed) * 100 / self.sat).quantize(Decimal("0.1"))


def _graded_attempts(*, user, unit: Unit, month: date):
    from quizzes.models import Attempt

    people = visible_profiles(user).filter(unit__path__startswith=unit.path)
    return Attempt.objects.filter(
        exam__month=month,
        status=Attempt.Status.GRADED,
        user__staff_profile__in=people,
    )


def exam_stats(*, user, unit: Unit, month: date) -> list[ExamStats]:
    """Score distribution and pass rate of the month's exams, overall and per team (1 query)."""
    attempts = _graded_attempts(user=user, unit=unit, month=month).values(
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
        percentage = exam_percentage(row["score"] or Decimal(0), row["max_score"])
        stats.sat += 1
        stats.passed += bool(row["passed"])
        for index, (_, low, high) in enumerate(SCORE_BANDS):
            if low <= percentage < high:
                stats.distribution[index] += 1
                break
        teams.setdefault((row["exam_id"], row["user__staff_profile__unit__name"]), []).append(
            (percentage, bool(row["passed"]))
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


def weakest_categories(*, user, unit: Unit, month: date, limit: int = 8) -> list[CategoryStats]:
    """Question categories where the team's graded exam papers scored the lowest share (1 query)."""
    from quizzes.models import AttemptQuestion

    rows = (
        AttemptQuestion.objects.filter(
            attempt__in=_graded_attempts(user=user, unit=unit, month=month)
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


@dataclass
class TrendPoint:
    month: date
    people: int
    composite: Decimal | None
    exam: Decimal | None

    @property
    def label(self) -> str:
        return f"{self.month:%Y-%m}"


def team_trend(*, user, unit: Unit, months: int = 12) -> list[TrendPoint]:
    """Average composite and exam score per month of the unit subtree, oldest first (1 query)."""
    rows = (
        AssessmentRecord.objects.filter(
            unit__path__startswith=unit.path, profile__in=visible_profiles(user)
        )
        .values("month")
        .annotate(people=Count("pk"), composite=Avg("composite"), exam=Avg("exam_score"))
        .order_by("-month")[:months]
    )
    return [
        TrendPoint(row["month"], row["people"], _cent(row["composite"]), _cent(row["exam"]))
        for row in reversed(list(rows))
    ]


def _cent(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


# A person's own history ------------------------------------------------------------------------


def own_records(*, profile: StaffProfile, months: int = 24) -> list[AssessmentRecord]:
    return list(
        AssessmentRecord.objects.filter(profile=profile)
        .select_related("unit")
        .order_by("-month")[:months]
    )


@dataclass
class AttemptLosses:
    attempt: object
    percentage: Decimal | None
    losses: list[tuple[str, Decimal]]  # (category, points lost), largest first


def own_attempts(*, user, limit: int = 20) -> list[AttemptLosses]:
    """A person's submitted exam attempts with the points lost per question category (2 queries).

    Losses are shown only where the exam's rules let the person see per-question results."""
    from quizzes.disclosure import disclosures
    from quizzes.models import Attempt, AttemptQuestion

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
        percentage = (
            exam_percentage(attempt.score, attempt.max_score) if attempt.score is not None else None
        )
        result.append(AttemptLosses(attempt, percentage, items))
    return result


def total_losses(attempts: list[AttemptLosses], limit: int = 8) -> list[tuple[str, Decimal]]:
    totals: dict[str, Decimal] = {}
    for item in attempts:
        for category, lost in item.losses:
            totals[category] = totals.get(category, Decimal(0)) + lost
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:limit]
