"""The bank report (题库概况) for editors: what the bank holds, by type, status, difficulty and
category; case-analysis materials and their sub-questions; cases covered and not; variants;
exclusion groups; questions per rule set (`manage.py bank_report`, the admin page)."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q

from cases.models import CasePage, RuleSet

from .choices import Difficulty, QuestionType
from .models import ExclusionGroup, Material, Question

ACTIVE = Question.Status.ACTIVE


@dataclass
class RuleSetRow:
    code: str
    name: str
    questions: int  # active questions (sub-questions included) linked to an item of the set
    materials: int  # active materials concerning an item of the set


@dataclass
class BankReport:
    questions_total: int = 0
    questions_active: int = 0  # active questions that can be asked: single ones, and the active
    # sub-questions of active materials
    standalone_active: int = 0
    subquestions_active: int = 0
    by_type: dict[str, int] = field(default_factory=dict)  # active, by type label
    by_status: dict[str, int] = field(default_factory=dict)  # every question, by status label
    by_difficulty: dict[str, int] = field(default_factory=dict)  # active, by difficulty label
    by_category: dict[str, int] = field(default_factory=dict)  # active, by category path
    materials_total: int = 0
    materials_active: int = 0
    material_subquestions_min: int = 0  # the fewest active sub-questions of any active material
    material_subquestions_max: int = 0
    variants: int = 0  # active variant materials
    cases_covered: int = 0  # distinct case pages with an active material
    cases_not_covered: list[str] = field(default_factory=list)  # titles of live cases without
    materials_naming_case_title: int = 0  # active materials whose text holds their case's title
    materials_naming_case_title_codes: list[str] = field(default_factory=list)
    exclusion_groups: int = 0
    exclusion_group_members: int = 0  # distinct questions in some group
    rule_sets: list[RuleSetRow] = field(default_factory=list)

    def as_json(self) -> dict:
        data = dict(self.__dict__)
        data["rule_sets"] = [row.__dict__ for row in self.rule_sets]
        return data


def _labels(choices, counts: dict) -> dict[str, int]:
    return {label: counts.get(value, 0) for value, label in choices}


def _questions(report: BankReport) -> None:
    askable = Q(status=ACTIVE) & (Q(material__isnull=True) | Q(material__status=ACTIVE))
    rows = (
        Question.objects.order_by()
        .values_list("type", "status", "difficulty", "category__path")
        .annotate(n=Count("pk"), askable=Count("pk", filter=askable))
    )
    by_type, by_status, by_difficulty, by_category = Counter(), Counter(), Counter(), Counter()
    for qtype, status, difficulty, path, n, askable_n in rows:
        report.questions_total += n
        by_status[status] += n
        by_type[qtype] += askable_n
        by_difficulty[difficulty] += askable_n
        if askable_n:
            by_category[path] += askable_n
    report.by_type = _labels(QuestionType.choices, by_type)
    report.by_status = _labels(Question.Status.choices, by_status)
    report.by_difficulty = _labels(Difficulty.choices, by_difficulty)
    report.by_category = dict(sorted(by_category.items()))
    report.questions_active = sum(by_type.values())
    report.subquestions_active = Question.objects.filter(askable, material__isnull=False).count()
    report.standalone_active = report.questions_active - report.subquestions_active


def _materials(report: BankReport) -> None:
    materials = list(
        Material.objects.select_related("case")
        .annotate(subquestions_active=Count("subquestions", filter=Q(subquestions__status=ACTIVE)))
        .only("code", "status", "text", "variant_of_id", "case__title", "case_id")
    )
    report.materials_total = len(materials)
    active = [m for m in materials if m.status == Material.Status.ACTIVE]
    report.materials_active = len(active)
    counts = [m.subquestions_active for m in active]
    report.material_subquestions_min = min(counts, default=0)
    report.material_subquestions_max = max(counts, default=0)
    report.variants = sum(1 for m in active if m.variant_of_id)
    covered = {m.case_id for m in active if m.case_id}
    report.cases_covered = len(covered)
    report.cases_not_covered = list(
        CasePage.objects.live()
        .exclude(pk__in=covered)
        .order_by("path")
        .values_list("title", flat=True)
    )
    naming = [m.code for m in active if m.case_id and m.case.title and m.case.title in m.text]
    report.materials_naming_case_title = len(naming)
    report.materials_naming_case_title_codes = naming


def _groups(report: BankReport) -> None:
    report.exclusion_groups = ExclusionGroup.objects.count()
    report.exclusion_group_members = (
        ExclusionGroup.questions.through.objects.values("question_id").distinct().count()
    )


def _rule_sets(report: BankReport) -> None:
    rule_sets = RuleSet.objects.annotate(
        question_count=Count(
            "items__questions", filter=Q(items__questions__status=ACTIVE), distinct=True
        ),
        material_count=Count(
            "items__materials",
            filter=Q(items__materials__status=Material.Status.ACTIVE),
            distinct=True,
        ),
    ).order_by("sort_order", "code")
    report.rule_sets = [
        RuleSetRow(rule_set.code, rule_set.name, rule_set.question_count, rule_set.material_count)
        for rule_set in rule_sets
    ]


def bank_report() -> BankReport:
    """The whole report (a fixed number of queries, whatever the size of the bank)."""
    report = BankReport()
    _questions(report)
    _materials(report)
    _groups(report)
    _rule_sets(report)
    return report
