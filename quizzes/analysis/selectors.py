"""The read side of item analysis: the latest statistics, the report's rows filtered and sorted
by flag, difficulty mismatches, a question's recent answers."""

from dataclasses import dataclass

from django.db.models import QuerySet

from ..bank.choices import Difficulty
from ..papers.models import Attempt, AttemptQuestion
from .itemstats import FLAG_LABELS, ItemFigures
from .models import EditorAction, ItemStatistic, StatsRun

SORTS = {
    "code": ["code", "version"],
    "facility": ["facility", "code"],
    "-facility": ["-facility", "code"],
    "discrimination": ["discrimination", "code"],
    "-attempts": ["-attempts", "code"],
}
RECENT_ANSWERS = 50


def latest_run() -> StatsRun | None:
    return StatsRun.objects.filter(status=StatsRun.Status.DONE).select_related("exam").first()


def pending_runs() -> QuerySet[StatsRun]:
    return StatsRun.objects.filter(status__in=[StatsRun.Status.QUEUED, StatsRun.Status.RUNNING])


def figures_of(item: ItemStatistic) -> ItemFigures:
    return ItemFigures(
        question_id=item.question_id,
        **{
            name: getattr(item, name)
            for name in ItemFigures.__dataclass_fields__
            if name != "question_id"
        },
    )


def run_figures(*, run: StatsRun) -> list[ItemFigures]:
    return [figures_of(item) for item in run.items.order_by("code", "version")]


@dataclass
class ReportRow:
    item: ItemStatistic
    flag_labels: list[str]
    note: str


def report_rows(*, run: StatsRun, flag: str = "", sort: str = "code", query: str = "") -> list:
    """The report's rows: all, or those with `flag` (an unknown flag shows every row), sorted."""
    items = run.items.select_related("question")
    if query:
        items = items.filter(code__icontains=query) | items.filter(stem__icontains=query)
    rows = []
    for item in items.order_by(*SORTS.get(sort, SORTS["code"])):
        if flag in FLAG_LABELS and flag not in item.flags:
            continue
        if flag == "any" and not item.flags:
            continue
        rows.append(ReportRow(item, [FLAG_LABELS[f] for f in item.flags], figures_of(item).note))
    return rows


def flag_counts(*, run: StatsRun) -> dict[str, int]:
    counts = dict.fromkeys(FLAG_LABELS, 0)
    for flags in run.items.values_list("flags", flat=True):
        for flag in flags:
            counts[flag] = counts.get(flag, 0) + 1
    return counts


def difficulty_mismatches(*, run: StatsRun) -> list[ItemStatistic]:
    """Questions (their current version) whose stated 易/中/难 differs from the measured level."""
    return [
        item
        for item in run.items.select_related("question").order_by("code")
        if "difficulty_mismatch" in item.flags and item.version == item.versions
    ]


DIFFICULTY_LABELS = dict(Difficulty.choices)


def recent_answers(*, question_id: int, limit: int = RECENT_ANSWERS) -> QuerySet[AttemptQuestion]:
    """The latest graded exam answers to a question (for editors checking a flag: no names)."""
    return (
        AttemptQuestion.objects.filter(
            question_id=question_id, attempt__status=Attempt.Status.GRADED
        )
        .select_related("attempt__exam")
        .order_by("-attempt__submitted_at", "-pk")[:limit]
    )


def recent_actions(*, limit: int = 30) -> QuerySet[EditorAction]:
    return EditorAction.objects.select_related("by")[:limit]
