"""Read side of the monthly assessment: the rows HR exports, a month's states per unit, a team's
exam statistics and trend, a person's own history. Every query is restricted to what the viewer
may see (portal.organisation.selectors.visible_profiles); nothing here writes."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Avg, Count, DecimalField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from portal.organisation.models import Position, StaffProfile, Unit, subtree_condition
from portal.organisation.permissions import can_see_everyone, can_view_reports, supervised_units
from portal.organisation.selectors import visible_profiles, visible_units
from quizzes import results

from .models import COMPONENTS, AssessmentMonth, AssessmentRecord, HeldScoreChange

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
EXPORT_CHUNK = 2000


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
        records = records.in_unit(unit)
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


EXPORT_VALUES = (
    "profile__employee_number",
    "profile__name",
    "unit_id",
    "profile__position",
    *COMPONENT_FIELDS,
    "composite",
    "grade",
    "bonus_coefficient",
    "exam_state",
)
POSITION_LABELS = dict(Position.choices)
EXAM_STATE_LABELS = dict(AssessmentRecord.ExamState.choices)


def export_values(records: QuerySet[AssessmentRecord]) -> QuerySet:
    """The records as plain tuples of EXPORT_VALUES: no model instances (building three per
    record was most of an export's time)."""
    return records.values_list(*EXPORT_VALUES)


def export_rows_of(rows: Iterable[tuple], *, month: date, names: UnitNames) -> Iterator[list]:
    """Rows in EXPORT_HEADER order from export_values tuples; numbers as stored (Decimal / int /
    None). The one shape of a row, for the page, the CSV and the XLSX alike."""
    columns: dict[int, tuple[str, str]] = {}
    month_text = f"{month:%Y-%m}"
    for number, name, unit_id, position, *values, state in rows:
        division_and_team = columns.get(unit_id)
        if division_and_team is None:
            division_and_team = columns[unit_id] = names.division_and_team(names.by_id[unit_id])
        yield [
            number,
            name,
            *division_and_team,
            POSITION_LABELS.get(position, position),
            month_text,
            *values,
            EXAM_STATE_LABELS.get(state, state),
        ]


def export_rows(*, month: date, unit: Unit | None, viewer=None) -> Iterator[list]:
    """The month's rows, streamed from the database in chunks, so memory stays flat however many
    there are. `viewer`: only the people they may see; None for the command line (HR)."""
    records = export_values(month_records(month=month, unit=unit, viewer=viewer))
    yield from export_rows_of(
        records.iterator(chunk_size=EXPORT_CHUNK), month=month, names=UnitNames.load()
    )


def latest_month_with_records(*, user, unit: Unit) -> date | None:
    return (
        AssessmentRecord.objects.in_unit(unit)
        .filter(profile__in=visible_profiles(user))
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
    subtree = tree_sorted(visible_units(user).in_unit(unit))
    ancestor_ids = unit.ancestor_ids
    states = dict(
        AssessmentMonth.objects.filter(
            subtree_condition("unit__path", [unit.path]) | Q(unit_id__in=ancestor_ids),
            month=month,
        ).values_list("unit_id", "status")
    )
    totals: dict[int, dict] = {
        row["unit_id"]: row
        for row in AssessmentRecord.objects.in_unit(unit)
        .filter(month=month, profile__in=visible_profiles(user))
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


# A team's month (the grid, the template, an uploaded sheet) -----------------------------------


def team_people(*, by, unit: Unit) -> QuerySet[StaffProfile]:
    """Active people of a unit's subtree whose records `by` enters (never their own)."""
    return (
        visible_profiles(by)
        .in_unit(unit)
        .filter(user__is_active=True)
        .exclude(user=by)
        .select_related("unit")
        .order_by("unit__path", "employee_number")
    )


def team_records(
    *, by, unit: Unit, month: date
) -> list[tuple[StaffProfile, AssessmentRecord | None]]:
    """Everyone `by` enters records for, with their record for the month (None: not made yet)."""
    people = list(team_people(by=by, unit=unit))
    records = {
        record.profile_id: record
        for record in AssessmentRecord.objects.filter(month=month, profile__in=people)
    }
    return [(person, records.get(person.pk)) for person in people]


def existing_employee_numbers(numbers) -> set[str]:
    """Which of these 工号 belong to someone (an uploaded sheet's rows are checked against it)."""
    return set(
        StaffProfile.objects.filter(employee_number__in=numbers).values_list(
            "employee_number", flat=True
        )
    )


def closed_month_problems(*, month: date, unit_paths: list[str]) -> list[str]:
    """A monthly exam's month must be open (填报中) for every unit its audience touches: a closed
    month of a unit above the audience, or of any unit inside it, would be changed. (Registered
    with quizzes.results as a scheduling check.)"""
    closed = (
        AssessmentMonth.objects.filter(month=month)
        .exclude(status=AssessmentMonth.Status.OPEN)
        .select_related("unit")
    )
    names = sorted(
        {
            f"{state.unit.name}（{state.get_status_display()}）"
            for state in closed
            if any(
                path.startswith(state.unit.path) or state.unit.path.startswith(path)
                for path in unit_paths
            )
        }
    )
    if not names:
        return []
    return [
        f"{month:%Y年%m月}的考核在以下单位已提交或锁定，不能再安排计入该月的考试："
        + "、".join(names)
        + "。请选择其他月份，或先由班组长撤回提交、人资重新开放该月。"
    ]


def locked_month_problems(*, user_id: int, month: date) -> list[str]:
    """A person's score for a locked month may not be changed by marking (复核): HR must reopen
    the month first. (Registered with quizzes.results as a score-change check.)"""
    profile = StaffProfile.objects.select_related("unit").filter(user_id=user_id).first()
    if profile is None:
        return []
    locked = AssessmentMonth.objects.filter(
        month=month,
        unit_id__in=profile.unit.ancestor_ids,
        status=AssessmentMonth.Status.LOCKED,
    ).exists()
    if not locked:
        return []
    return [
        f"{profile.name}{month:%Y年%m月}的考核已锁定，复核不能改变该月成绩。"
        "请先由人资重新开放该月（写明原因），再复核。"
    ]


# Trend ------------------------------------------------------------------------------------------


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
        AssessmentRecord.objects.in_unit(unit)
        .filter(profile__in=visible_profiles(user))
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


def total_losses(
    attempts: list[results.AttemptLosses], limit: int = 8
) -> list[tuple[str, Decimal]]:
    totals: dict[str, Decimal] = {}
    for item in attempts:
        for category, lost in item.losses:
            totals[category] = totals.get(category, Decimal(0)) + lost
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:limit]
