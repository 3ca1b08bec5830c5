"""What a team has not learned (read side): for the people in a unit's subtree and a period, the
share of points earned in graded exam answers per knowledge point, rule set and case (with the
number of answers behind each), weakest first; the trend over the months; the people below a
threshold per knowledge point; and a people × rule sets matrix for the heat map.

Two grouped queries, whatever the period: points earned per (person, question) and per (month,
question); the questions' rule sets and cases come from two through-table queries. Where the
unit holds more people than a heat map can show, its rows are the unit's sub-units instead.

The page reads it through `cached_team_mastery`: kept in the shared cache per unit, period and
threshold, under a stamp of its evidence (the unit's graded papers in the period — how many, the
newest, their points — and the latest statistics run), so a new graded paper, a re-mark, a voided
paper or a new statistics run is seen at once; anything else (a question's links) within
CACHE_SECONDS.
"""

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from portal.months import months_ending, shift_month
from portal.organisation.models import StaffProfile, Unit

from ..bank.models import Question
from ..papers.models import Attempt, AttemptQuestion
from .models import StatsRun

logger = logging.getLogger("quizzes.analysis")

DEFAULT_THRESHOLD = 0.6
CACHE_SECONDS = 600
DEFAULT_MONTHS = 3
PEOPLE_ROWS_UP_TO = 60  # more people than this: the heat map shows sub-units
NO_POINT = "（未标注知识点）"


@dataclass
class Share:
    label: str
    earned: Decimal = Decimal(0)
    possible: Decimal = Decimal(0)
    answers: int = 0
    code: str = ""  # a rule set's code or a case's slug (practice links)

    def add(self, earned, possible, answers) -> None:
        self.earned += earned
        self.possible += possible
        self.answers += answers

    @property
    def share(self) -> float | None:
        return float(self.earned / self.possible) if self.possible else None


@dataclass
class PersonBelow:
    name: str
    employee_number: str
    share: float
    answers: int


@dataclass
class Mastery:
    unit: Unit
    months: list[date]
    threshold: float
    people: int = 0
    answers: int = 0
    knowledge_points: list[Share] = field(default_factory=list)
    rule_sets: list[Share] = field(default_factory=list)
    cases: list[Share] = field(default_factory=list)
    # month → share over every answer; rule set label → [share per month]
    trend: list[tuple[date, float | None, int]] = field(default_factory=list)
    rule_set_trend: dict[str, list[float | None]] = field(default_factory=dict)
    below: dict[str, list[PersonBelow]] = field(default_factory=dict)
    heat_rows: list[str] = field(default_factory=list)  # people (or sub-units)
    heat_columns: list[str] = field(default_factory=list)  # rule sets, weakest first
    heat: dict[tuple[str, str], Share] = field(default_factory=dict)
    rows_are_units: bool = False


def period(*, end: date, months: int = DEFAULT_MONTHS) -> list[date]:
    return months_ending(end, max(1, min(months, 24)))


def _bounds(months: list[date]) -> tuple[datetime, datetime]:
    start = months[0]
    after = shift_month(months[-1], 1)
    aware = timezone.get_current_timezone()
    return (
        datetime(start.year, start.month, 1, tzinfo=aware),
        datetime(after.year, after.month, 1, tzinfo=aware),
    )


def answers_in(*, unit: Unit, months: list[date]):
    """Graded exam answers (voided and unfinished papers never count) of the unit's people."""
    start, end = _bounds(months)
    people = StaffProfile.objects.in_unit(unit).values("user_id")
    return AttemptQuestion.objects.filter(
        attempt__status=Attempt.Status.GRADED,
        attempt__user_id__in=people,
        attempt__submitted_at__gte=start,
        attempt__submitted_at__lt=end,
        awarded__isnull=False,
        question__isnull=False,
    ).order_by()


def _links(question_ids) -> tuple[dict, dict, dict]:
    """question → knowledge point; question → [(rule set code, name)]; question → [(slug, title)]"""
    points = dict(Question.objects.filter(pk__in=question_ids).values_list("pk", "knowledge_point"))
    rule_sets = defaultdict(set)
    for question_id, code, name in Question.rules.through.objects.filter(
        question_id__in=question_ids
    ).values_list("question_id", "ruleitem__rule_set__code", "ruleitem__rule_set__name"):
        rule_sets[question_id].add((code, name))
    cases = defaultdict(set)
    for question_id, slug, title in Question.cases.through.objects.filter(
        question_id__in=question_ids
    ).values_list("question_id", "casepage__slug", "casepage__title"):
        cases[question_id].add((slug, title))
    return points, rule_sets, cases


def _weakest(shares: dict[str, Share]) -> list[Share]:
    return sorted(shares.values(), key=lambda s: (s.share if s.share is not None else 2, s.label))


def _row_labels(*, unit: Unit, people: list[StaffProfile]) -> tuple[dict[int, str], bool]:
    """user id → heat-map row: the person, or (many people) the sub-unit they belong to."""
    if len(people) <= PEOPLE_ROWS_UP_TO:
        return {p.user_id: f"{p.name}（{p.employee_number}）" for p in people}, False
    children = {child.path: child.name for child in unit.children.all()}
    labels = {}
    for person in people:
        path = person.unit.path
        labels[person.user_id] = next(
            (name for prefix, name in children.items() if path.startswith(prefix)), unit.name
        )
    return labels, True


def evidence_stamp(*, unit: Unit, months: list[date]) -> str:
    """What the figures of a unit and period rest on, in two small queries: the unit's graded
    papers in the period (how many, the newest, their points) and the latest statistics run."""
    start, end = _bounds(months)
    papers = Attempt.objects.filter(
        status=Attempt.Status.GRADED,
        user_id__in=StaffProfile.objects.in_unit(unit).values("user_id"),
        submitted_at__gte=start,
        submitted_at__lt=end,
    ).aggregate(n=Count("pk"), last=Max("pk"), points=Sum("score"))
    run = (
        StatsRun.objects.filter(status=StatsRun.Status.DONE)
        .order_by("-requested_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return f"{papers['n']}:{papers['last']}:{papers['points']}:{run}"


def cached_team_mastery(
    *, unit: Unit, months: list[date], threshold: float = DEFAULT_THRESHOLD
) -> Mastery:
    """team_mastery, from the shared cache while its evidence is unchanged (see the module's
    docstring); computed and stored otherwise. A cache that fails only costs the computation."""
    stamp = evidence_stamp(unit=unit, months=months)
    digest = hashlib.md5(stamp.encode(), usedforsecurity=False).hexdigest()
    key = (
        f"analysis:mastery:{unit.pk}:{months[0]:%Y%m}-{months[-1]:%Y%m}:"
        f"{round(threshold * 100)}:{digest}"
    )
    try:
        found = cache.get(key)
    except Exception:  # the cache is an optimisation: without it, compute
        logger.warning("学习分析缓存不可用", exc_info=True)
        found = None
    if isinstance(found, Mastery):
        return found
    result = team_mastery(unit=unit, months=months, threshold=threshold)
    try:
        cache.set(key, result, CACHE_SECONDS)
    except Exception:
        logger.warning("学习分析缓存不可用", exc_info=True)
    return result


def team_mastery(
    *, unit: Unit, months: list[date], threshold: float = DEFAULT_THRESHOLD
) -> Mastery:
    result = Mastery(unit=unit, months=months, threshold=threshold)
    people = list(
        StaffProfile.objects.in_unit(unit)
        .select_related("unit")
        .only("user_id", "name", "employee_number", "unit__path")
    )
    result.people = len(people)
    answers = answers_in(unit=unit, months=months)
    by_person = list(
        answers.values("attempt__user_id", "question_id").annotate(
            earned=Sum("awarded"), possible=Sum("max_score"), n=Count("pk")
        )
    )
    by_month = list(
        answers.annotate(month=TruncMonth("attempt__submitted_at"))
        .values("month", "question_id")
        .annotate(earned=Sum("awarded"), possible=Sum("max_score"), n=Count("pk"))
    )
    question_ids = {row["question_id"] for row in by_person}
    points, rule_sets, cases = _links(question_ids)
    _aggregate(result, by_person, points, rule_sets, cases)
    _people(result, by_person, people, points, rule_sets, unit)
    _trend(result, by_month, rule_sets)
    return result


def _aggregate(result: Mastery, rows, points, rule_sets, cases) -> None:
    by_point: dict[str, Share] = {}
    by_rule_set: dict[str, Share] = {}
    by_case: dict[str, Share] = {}
    for row in rows:
        values = (row["earned"], row["possible"], row["n"])
        result.answers += row["n"]
        point = points.get(row["question_id"]) or NO_POINT
        by_point.setdefault(point, Share(point)).add(*values)
        for code, name in rule_sets.get(row["question_id"], ()):
            by_rule_set.setdefault(name, Share(name, code=code)).add(*values)
        for slug, title in cases.get(row["question_id"], ()):
            by_case.setdefault(title, Share(title, code=slug)).add(*values)
    result.knowledge_points = _weakest(by_point)
    result.rule_sets = _weakest(by_rule_set)
    result.cases = _weakest(by_case)


def _people(result: Mastery, rows, people, points, rule_sets, unit) -> None:
    names = {p.user_id: p for p in people}
    per_point: dict[tuple[int, str], Share] = {}
    labels, result.rows_are_units = _row_labels(unit=unit, people=people)
    for row in rows:
        user_id, question_id = row["attempt__user_id"], row["question_id"]
        values = (row["earned"], row["possible"], row["n"])
        point = points.get(question_id) or NO_POINT
        per_point.setdefault((user_id, point), Share(point)).add(*values)
        for _, name in rule_sets.get(question_id, ()):
            label = labels.get(user_id, "")
            result.heat.setdefault((label, name), Share(name)).add(*values)
    for (user_id, point), share in per_point.items():
        if share.share is not None and share.share < result.threshold and user_id in names:
            person = names[user_id]
            result.below.setdefault(point, []).append(
                PersonBelow(person.name, person.employee_number, share.share, share.answers)
            )
    order = {share.label: index for index, share in enumerate(result.knowledge_points)}
    result.below = {
        point: sorted(found, key=lambda p: (p.share, p.employee_number))
        for point, found in sorted(result.below.items(), key=lambda kv: order.get(kv[0], 0))
    }
    result.heat_columns = [share.label for share in result.rule_sets]
    seen = {label for label, _ in result.heat}
    result.heat_rows = sorted(seen, key=lambda label: _row_share(result, label))


def _row_share(result: Mastery, label: str) -> float:
    earned = possible = Decimal(0)
    for (row, _), share in result.heat.items():
        if row == label:
            earned += share.earned
            possible += share.possible
    return float(earned / possible) if possible else 2.0


def _trend(result: Mastery, rows, rule_sets) -> None:
    overall: dict[date, Share] = {month: Share(f"{month:%Y-%m}") for month in result.months}
    per_set: dict[str, dict[date, Share]] = defaultdict(dict)
    for row in rows:
        month = row["month"]
        month = timezone.localtime(month) if isinstance(month, datetime) else month
        month = date(month.year, month.month, 1)
        values = (row["earned"], row["possible"], row["n"])
        if month in overall:
            overall[month].add(*values)
        for _, name in rule_sets.get(row["question_id"], ()):
            per_set[name].setdefault(month, Share(name)).add(*values)
    result.trend = [
        (month, overall[month].share, overall[month].answers) for month in result.months
    ]
    result.rule_set_trend = {
        share.label: [
            per_set[share.label][m].share if m in per_set[share.label] else None
            for m in result.months
        ]
        for share in result.rule_sets
    }


def person_shares(*, user, since: datetime) -> tuple[list[Share], list[Share]]:
    """One person's own weakest knowledge points and rule sets, from the answers recorded for
    them (practice, and exam answers once their results were released)."""
    from ..practice.models import AnswerRecord

    rows = list(
        AnswerRecord.objects.filter(user=user, answered_at__gte=since)
        .order_by()
        .values("question_id")
        .annotate(right=Count("pk", filter=Q(is_correct=True)), n=Count("pk"))
    )
    question_ids = {row["question_id"] for row in rows}
    points, rule_sets, _ = _links(question_ids)
    by_point: dict[str, Share] = {}
    by_rule_set: dict[str, Share] = {}
    for row in rows:
        values = (Decimal(row["right"]), Decimal(row["n"]), row["n"])
        point = points.get(row["question_id"])
        if point:
            by_point.setdefault(point, Share(point)).add(*values)
        for code, name in rule_sets.get(row["question_id"], ()):
            by_rule_set.setdefault(code, Share(name, code=code)).add(*values)
    return _weakest(by_point), _weakest(by_rule_set)
