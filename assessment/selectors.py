"""Read side of the monthly assessment: the rows HR exports, a month's states per unit, a team's
exam statistics and trend, a person's own history. Every query is restricted to what the viewer
may see (portal.organisation.selectors.visible_profiles); nothing here writes."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Avg, Count, DecimalField, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from portal.organisation.models import Position, StaffProfile, Unit, subtree_condition
from portal.organisation.permissions import can_see_everyone, can_view_reports, supervised_units
from portal.organisation.selectors import visible_profiles, visible_units
from quizzes import results

from .models import (
    COMPONENTS,
    ENTERED_COMPONENTS,
    ENTERED_LABELS,
    AssessmentMonth,
    AssessmentRecord,
    AssessmentScheme,
    HeldScoreChange,
)

EXPORT_HEADER = [
    "工号",
    "姓名",
    "单位",
    "班组",
    "岗位",
    "月份",
    "考试状态",
    "月度考试",
    "出勤率",
    "工作差错率",
    "投诉次数",
    "服务客户数",
    "投诉率",
    "满意率",
    "服务礼仪",
    "综合得分",
    "等级",
    "奖金系数",
    "服务明星",
    "得票数",
    "考核方案",
]
COMPONENT_FIELDS = [name for name, _, _ in COMPONENTS]
NUMBER_COLUMNS = {*COMPONENT_FIELDS, "composite", "bonus_coefficient"}
EXPORT_CHUNK = 2000
MAX_EXPORT_MONTHS = 36


def scheme_for(unit: Unit) -> AssessmentScheme:
    """The nearest scheme on the unit's path; the default (example) weights where none is set."""
    ids = unit.ancestor_ids
    schemes = {s.unit_id: s for s in AssessmentScheme.objects.filter(unit_id__in=ids)}
    for unit_id in reversed(ids):
        if unit_id in schemes:
            return schemes[unit_id]
    return AssessmentScheme(name="默认考核方案")


def scheme_label(scheme: AssessmentScheme) -> str:
    return f"{scheme.name}（{scheme.note}）" if scheme.note else scheme.name


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
    return range_records(first=month, last=month, unit=unit, viewer=viewer).select_related(
        "profile", "unit"
    )


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
    "month",
    "exam_state",
    "exam_score",
    "attendance_rate",
    "error_rate",
    "complaints",
    "contacts",
    "complaint_rate",
    "satisfaction",
    "etiquette_score",
    "composite",
    "grade",
    "bonus_coefficient",
    "service_star",
    "star_votes",
)
POSITION_LABELS = dict(Position.choices)
EXAM_STATE_LABELS = dict(AssessmentRecord.ExamState.choices)


def export_values(records: QuerySet[AssessmentRecord]) -> QuerySet:
    """The records as plain tuples of EXPORT_VALUES: no model instances (building three per
    record was most of an export's time)."""
    return records.values_list(*EXPORT_VALUES)


class SchemeLabels:
    """Each unit's scheme as printed in exports, looked up once per unit."""

    def __init__(self, names: UnitNames):
        self.names = names
        self.labels: dict[int, str] = {}

    def __call__(self, unit_id: int) -> str:
        if unit_id not in self.labels:
            self.labels[unit_id] = scheme_label(scheme_for(self.names.by_id[unit_id]))
        return self.labels[unit_id]


def export_rows_of(rows: Iterable[tuple], *, names: UnitNames, month=None) -> Iterator[list]:
    """Rows in EXPORT_HEADER order from export_values tuples; numbers as stored (Decimal / int /
    None). The one shape of a row, for the page, the CSV and the XLSX alike."""
    columns: dict[int, tuple[str, str]] = {}
    schemes = SchemeLabels(names)
    for number, name, unit_id, position, month_value, state, *values, star, votes in rows:
        division_and_team = columns.get(unit_id)
        if division_and_team is None:
            division_and_team = columns[unit_id] = names.division_and_team(names.by_id[unit_id])
        yield [
            number,
            name,
            *division_and_team,
            POSITION_LABELS.get(position, position),
            f"{month_value:%Y-%m}",
            EXAM_STATE_LABELS.get(state, state),
            *values,
            "是" if star else "",
            votes,
            schemes(unit_id),
        ]


# 无考试 / 未出分 on a record while the person's exam is open: say why instead -----------------------

_UNCLEAR_STATES = {AssessmentRecord.ExamState.NOT_SCHEDULED, AssessmentRecord.ExamState.PENDING}
_LIVE_PROGRESS = {results.NOT_STARTED, results.SITTING, results.AWAITING_MARKING}


def live_exam_labels(*, profiles: list[StaffProfile], month: date) -> dict[int, str]:
    """profile pk → 未开考 / 作答中 / 待阅卷 for people with an exam of the month not finished:
    what a record's stored 无考试 or 未出分 means right now. A fixed number of queries."""
    if not profiles:
        return {}
    progress = results.month_progress(profiles=profiles, month=month)
    return {pk: state.label for pk, state in progress.items() if state.state in _LIVE_PROGRESS}


def with_live_exam_state(rows: list[list]) -> list[list]:
    """Export rows (EXPORT_HEADER order) whose 考试状态 is 无考试 or 未出分 while the person has an
    exam of that month open say 未开考 / 作答中 / 待阅卷 instead; grouped by month, a few queries
    per month."""
    column = EXPORT_HEADER.index("考试状态")
    unclear = {EXAM_STATE_LABELS[state] for state in _UNCLEAR_STATES}
    waiting: dict[str, list[list]] = {}
    for row in rows:
        if row[column] in unclear:
            waiting.setdefault(row[5], []).append(row)
    for month_text, month_rows in waiting.items():
        people = list(
            StaffProfile.objects.filter(
                employee_number__in={row[0] for row in month_rows}
            ).select_related("unit")
        )
        year, number = month_text.split("-")
        labels = live_exam_labels(profiles=people, month=date(int(year), int(number), 1))
        by_number = {person.employee_number: labels.get(person.pk) for person in people}
        for row in month_rows:
            row[column] = by_number.get(row[0]) or row[column]
    return rows


def range_records(
    *, first: date, last: date, unit: Unit | None, viewer=None
) -> QuerySet[AssessmentRecord]:
    """The records of the months first..last in a unit subtree (by the unit the person was
    assessed in), month by month. `viewer`: only the people they may see; None for the command
    line (HR)."""
    records = AssessmentRecord.objects.filter(month__gte=first, month__lte=last)
    if unit is not None:
        records = records.in_unit(unit)
    if viewer is not None:
        records = records.filter(profile__in=visible_profiles(viewer))
    return records.order_by("month", "unit__sort_order", "unit__path", "profile__employee_number")


def month_span(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def check_range(first: date, last: date) -> None:
    """ValueError (Chinese) for a reversed range or one longer than 36 months."""
    if last < first:
        raise ValueError("结束月份不能早于开始月份。")
    if month_span(first, last) > MAX_EXPORT_MONTHS:
        raise ValueError(
            f"一次最多导出 {MAX_EXPORT_MONTHS} 个月，所选范围为 {month_span(first, last)} 个月，请缩小范围。"
        )


def export_rows(
    *, month: date | None = None, unit: Unit | None, viewer=None, first=None, last=None
) -> Iterator[list]:
    """One month's (or the months first..last's) rows, streamed from the database in chunks, so
    memory stays flat however many there are."""
    first = first or month
    last = last or month
    records = export_values(range_records(first=first, last=last, unit=unit, viewer=viewer))
    chunk: list[list] = []
    for row in export_rows_of(records.iterator(chunk_size=EXPORT_CHUNK), names=UnitNames.load()):
        chunk.append(row)
        if len(chunk) >= EXPORT_CHUNK:
            yield from with_live_exam_state(chunk)
            chunk = []
    yield from with_live_exam_state(chunk)


# Per-unit summary ------------------------------------------------------------------------------

PASS_SCORE = Decimal(60)
SUMMARY_HEADER = [
    "月份",
    "单位",
    "班组",
    "人数",
    "已算出综合分",
    "平均综合分",
    "最高分",
    "最低分",
    "及格率（%）",
    "等级分布",
    "排名",
    "服务明星",
]


def unit_summary(*, first: date, last: date, unit: Unit | None, viewer=None) -> list[list]:
    """Per month and assessed unit: headcount, average / best / worst composite, pass rate
    (composite ≥ 60), grade distribution, the unit's rank in that month by average, and its
    服务明星. Two aggregate queries and one for the stars."""
    records = range_records(first=first, last=last, unit=unit, viewer=viewer).order_by()
    names = UnitNames.load()
    totals = records.values("month", "unit_id").annotate(
        people=Count("pk"),
        complete=Count("composite"),
        average=Avg("composite"),
        best=Max("composite"),
        worst=Min("composite"),
        passed=Count("pk", filter=Q(composite__gte=PASS_SCORE)),
    )
    grades: dict[tuple, list[str]] = {}
    for row in (
        records.exclude(grade="")
        .values("month", "unit_id", "grade")
        .annotate(n=Count("pk"))
        .order_by("month", "unit_id", "-n", "grade")
    ):
        grades.setdefault((row["month"], row["unit_id"]), []).append(f"{row['grade']} {row['n']}")
    stars: dict[tuple, list[str]] = {}
    for month_value, unit_id, name, votes in records.filter(service_star=True).values_list(
        "month", "unit_id", "profile__name", "star_votes"
    ):
        stars.setdefault((month_value, unit_id), []).append(
            f"{name}（{votes} 票）" if votes is not None else name
        )
    rows = []
    by_month: dict[date, list[dict]] = {}
    for row in totals:
        by_month.setdefault(row["month"], []).append(row)
    for month_value in sorted(by_month):
        ranked = sorted(
            by_month[month_value],
            key=lambda r: (r["average"] is None, -(r["average"] or 0), r["unit_id"]),
        )
        for position, row in enumerate(ranked, start=1):
            key = (month_value, row["unit_id"])
            division, team = names.division_and_team(names.by_id[row["unit_id"]])
            rows.append(
                [
                    f"{month_value:%Y-%m}",
                    division,
                    team or names.by_id[row["unit_id"]].name,
                    row["people"],
                    row["complete"],
                    _cent(row["average"]),
                    row["best"],
                    row["worst"],
                    _percent(row["passed"], row["complete"]),
                    "，".join(grades.get(key, [])),
                    position if row["average"] is not None else None,
                    "、".join(stars.get(key, [])),
                ]
            )
    return rows


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"))


def schemes_are_examples(*, unit: Unit | None) -> bool:
    """Whether a scheme that applies anywhere in the subtree is marked 示例 (the default scheme,
    used where a unit has none on its path, always is). Two queries."""
    units = list((Unit.objects.all() if unit is None else Unit.objects.in_unit(unit)).only("path"))
    schemes = {s.unit_id: s for s in AssessmentScheme.objects.select_related("unit")}
    paths = {s.unit.path: s for s in schemes.values()}
    for member in units:
        applying = [s for path, s in paths.items() if member.path.startswith(path)]
        if not applying:
            return True
        nearest = max(applying, key=lambda s: len(s.unit.path))
        if nearest.weights_are_examples:
            return True
    return False


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


# Closing a month: what is still missing -------------------------------------------------------


@dataclass
class PersonGap:
    profile: StaffProfile
    exam: results.ExamProgress | None = None  # no exam result yet, and why
    missing: list[str] = field(default_factory=list)  # components not entered


@dataclass
class MonthGaps:
    people: list[PersonGap]
    open_exams: list[results.OpenExam]
    headcount: int = 0

    @property
    def without_result(self) -> list[PersonGap]:
        """未开考 / 作答中 / 待阅卷: the result is still to come."""
        return [
            gap for gap in self.people if gap.exam is not None and gap.exam.state != results.MISSED
        ]

    @property
    def missed(self) -> list[PersonGap]:
        """缺考: listed so the supervisor knows, but a result (the scheme's missed-exam score)."""
        return [
            gap for gap in self.people if gap.exam is not None and gap.exam.state == results.MISSED
        ]

    @property
    def missing_components(self) -> list[PersonGap]:
        return [gap for gap in self.people if gap.missing]

    @property
    def complete(self) -> bool:
        return not self.without_result and not self.missing_components and not self.open_exams

    @property
    def summary(self) -> str:
        parts = []
        if self.without_result:
            parts.append(f"{len(self.without_result)} 人无考试成绩")
        if self.missed:
            parts.append(f"{len(self.missed)} 人缺考")
        if self.missing_components:
            parts.append(f"{len(self.missing_components)} 人考核项目未录全")
        if self.open_exams:
            parts.append(f"{len(self.open_exams)} 场考试今天之后才截止")
        return "，".join(parts) or "完整"


def month_gaps(*, unit: Unit, month: date, now) -> MonthGaps:
    """What is incomplete in a unit subtree's month: active people without an exam result (未开考
    / 作答中 / 待阅卷 / 缺考), people with components not entered, and the month's exams touching the
    unit that close after today. A fixed number of queries."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    people = list(
        StaffProfile.objects.in_unit(unit)
        .filter(user__is_active=True)
        .select_related("unit")
        .order_by("unit__path", "employee_number")
    )
    records = {
        record.profile_id: record
        for record in AssessmentRecord.objects.filter(month=month, profile__in=people)
    }
    progress = results.month_progress(profiles=people, month=month)
    gaps = []
    for person in people:
        record = records.get(person.pk)
        missing = [
            ENTERED_LABELS[name]
            for name in ENTERED_COMPONENTS
            if record is None or getattr(record, name) is None
        ]
        state = progress[person.pk]
        # 缺考 is listed too (MonthGaps.missed): it counts as the scheme's missed-exam score, so
        # it does not make the month incomplete, but the supervisor should know before closing.
        exam = None if state.state in (results.GRADED, results.NONE) else state
        if exam is not None or missing:
            gaps.append(PersonGap(person, exam, missing))
    today = timezone.localtime(now).date()
    end_of_today = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    return MonthGaps(
        people=gaps,
        open_exams=results.open_exams(month=month, unit_paths=[unit.path], after=end_of_today),
        headcount=len(people),
    )


def exam_progress(*, people: list[StaffProfile], month: date) -> dict[int, results.ExamProgress]:
    """Each person's exam state for the grid (未开考 / 作答中 / 待阅卷 / 缺考 / 已出分 / 无考试)."""
    return results.month_progress(profiles=people, month=month)


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


# What the supervisor's month page flags ---------------------------------------------------------


def held_record_ids(*, record_ids: list[int]) -> set[int]:
    """The records with a score that arrived after the month was submitted or locked (提交后变更)
    and waits for a decision."""
    return set(
        HeldScoreChange.objects.filter(
            record_id__in=record_ids, status=HeldScoreChange.Status.PENDING
        ).values_list("record_id", flat=True)
    )


def last_reopening(*, unit: Unit, month: date):
    """HR's latest reopening of this month (of the unit or a unit above it) while the month is
    open again: the audit entry, whose reason the supervisor is shown; None otherwise."""
    from .models import AuditEntry

    latest = (
        AuditEntry.objects.filter(
            month_state__unit_id__in=unit.ancestor_ids, month_state__month=month, field="status"
        )
        .select_related("changed_by__staff_profile", "month_state__unit")
        .order_by("-changed_at", "-pk")
        .first()
    )
    if latest is None or latest.new_value != AssessmentMonth.Status.OPEN.label:
        return None
    if latest.old_value == AssessmentMonth.Status.SUBMITTED.label and latest.reason == "班组长撤回":
        return None
    if latest.changed_by is not None and not can_see_everyone(latest.changed_by):
        return None  # withdrawn by a supervisor, not reopened by HR
    return latest


# The change log (变更记录) as HR, supervisors and staff read it ----------------------------------

AUDIT_KINDS = {
    "components": ("考核项目", [*ENTERED_COMPONENTS, "complaint_rate"]),
    "exam": ("月度考试", ["exam_state", "exam_score"]),
    "result": ("综合结果", ["composite", "grade", "bonus_coefficient"]),
    "star": ("服务明星", ["service_star"]),
    "month": ("月份状态", []),
}
FIELD_LABELS = {
    **ENTERED_LABELS,
    "exam_state": "考试状态",
    "exam_score": "月度考试",
    "complaint_rate": "投诉率",
    "composite": "综合得分",
    "grade": "等级",
    "bonus_coefficient": "奖金系数",
    "service_star": "服务明星",
    "status": "月份状态",
}
AUDIT_HEADER = ["时间", "月份", "单位", "工号", "姓名", "项目", "原值", "新值", "原因", "操作人"]


def audit_entries(
    *,
    viewer,
    unit: Unit | None = None,
    person: StaffProfile | None = None,
    month: date | None = None,
    kind: str = "",
) -> QuerySet:
    """Audit entries the viewer may read: HR every one; a supervisor those of the people and
    units in their scope (never their own record); nobody else any. Filtered by unit subtree,
    person, month and kind; newest first."""
    from .models import AuditEntry

    entries = AuditEntry.objects.select_related(
        "record__profile", "record__unit", "month_state__unit", "changed_by__staff_profile"
    )
    if not can_see_everyone(viewer):
        if not can_view_reports(viewer):
            return entries.none()
        units = visible_units(viewer)
        entries = entries.filter(
            Q(record__profile__in=visible_profiles(viewer).exclude(user=viewer))
            | Q(month_state__unit__in=units)
        )
    if unit is not None:
        entries = entries.filter(
            subtree_condition("record__unit__path", [unit.path])
            | subtree_condition("month_state__unit__path", [unit.path])
        )
    if person is not None:
        entries = entries.filter(record__profile=person)
    if month is not None:
        entries = entries.filter(Q(record__month=month) | Q(month_state__month=month))
    if kind == "month":
        entries = entries.filter(month_state__isnull=False)
    elif kind in AUDIT_KINDS:
        entries = entries.filter(field__in=AUDIT_KINDS[kind][1])
    return entries.order_by("-changed_at", "-pk")


def audit_row(entry) -> list:
    """An entry as a row of AUDIT_HEADER (the page and the exports)."""
    from django.utils import timezone

    if entry.record_id:
        record = entry.record
        where = (f"{record.month:%Y-%m}", record.unit.name)
        who = (record.profile.employee_number, record.profile.name)
    else:
        state = entry.month_state
        where = (f"{state.month:%Y-%m}", state.unit.name)
        who = ("", "")
    return [
        f"{timezone.localtime(entry.changed_at):%Y-%m-%d %H:%M}",
        *where,
        *who,
        FIELD_LABELS.get(entry.field, entry.field),
        entry.old_value,
        entry.new_value,
        entry.reason,
        entry.cause,
    ]


def own_audit(*, profile: StaffProfile, limit: int = 200) -> list:
    """The change history of a person's own records (我的考核)."""
    from .models import AuditEntry

    entries = (
        AuditEntry.objects.filter(record__profile=profile)
        .select_related("record__profile", "record__unit", "changed_by__staff_profile")
        .order_by("-changed_at", "-pk")[:limit]
    )
    return [audit_row(entry) for entry in entries]


def month_stars(*, user, unit: Unit, month: date) -> list[AssessmentRecord]:
    """The month's 服务明星 in the unit subtree that the user may see."""
    return list(
        AssessmentRecord.objects.in_unit(unit)
        .filter(month=month, service_star=True, profile__in=visible_profiles(user))
        .select_related("profile", "unit")
        .order_by("unit__path", "profile__employee_number")
    )
