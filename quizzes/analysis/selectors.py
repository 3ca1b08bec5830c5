"""The read side of item analysis: the latest statistics, the report's rows filtered and sorted
by flag, difficulty mismatches, a question's recent answers."""

from dataclasses import dataclass

from django.db.models import F, FloatField, IntegerField, JSONField, OuterRef, QuerySet, Subquery

from ..bank.choices import Difficulty
from ..bank.models import Question
from ..papers.models import Attempt, AttemptQuestion
from .itemstats import FLAG_LABELS, MIN_ATTEMPTS, ItemFigures
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


# The question list's flags: the report's, in a word or two, and 样本不足 (answered, but fewer
# than MIN_ATTEMPTS times: no flag can be trusted yet).
FEW_ANSWERS = "few_answers"
SHORT_FLAG_LABELS = {
    "too_easy": "过易",
    "too_hard": "过难",
    "negative_discrimination": "区分度为负",
    "weak_discrimination": "区分度接近零",
    "dead_distractor": "无效干扰项",
    "unmatched_key_point": "要点从未命中",
    "difficulty_mismatch": "难度不符",
    FEW_ANSWERS: "样本不足",
}


def _latest_items() -> QuerySet[ItemStatistic]:
    """The latest run's figures of each question's current version (the highest version number:
    the one its newest papers carry), the latest run found inside the same query."""
    latest = StatsRun.objects.filter(status=StatsRun.Status.DONE).order_by("-requested_at", "-pk")
    return ItemStatistic.objects.filter(
        run_id=Subquery(latest.values("pk")[:1]), version=F("versions")
    )


def with_latest_statistics(questions: QuerySet[Question]) -> QuerySet[Question]:
    """Annotate each question with its figures in the latest statistics run (ia_item, ia_attempts,
    ia_facility, ia_discrimination, ia_flags; None where it was not analysed), as subqueries of
    the list's own query: no query per row."""
    current = _latest_items().filter(question_id=OuterRef("pk"))

    def figure(name: str, output_field):
        return Subquery(current.values(name)[:1], output_field=output_field)

    return questions.annotate(
        ia_item=figure("pk", IntegerField()),
        ia_attempts=figure("attempts", IntegerField()),
        ia_facility=figure("facility", FloatField()),
        ia_discrimination=figure("discrimination", FloatField()),
        ia_flags=figure("flags", JSONField()),
    )


def listing_flags(question: Question) -> list[tuple[str, str]]:
    """(flag, short label) of an annotated question (see with_latest_statistics)."""
    if getattr(question, "ia_item", None) is None:
        return []
    if question.ia_attempts < MIN_ATTEMPTS:
        return [(FEW_ANSWERS, SHORT_FLAG_LABELS[FEW_ANSWERS])]
    return [(flag, SHORT_FLAG_LABELS.get(flag, flag)) for flag in question.ia_flags or []]


def with_flag(questions: QuerySet[Question], *, flag: str) -> QuerySet[Question]:
    """The questions whose current version carries `flag` in the latest run (one query reads the
    run's flags; JSON containment is not portable to SQLite)."""
    items = _latest_items().filter(question_id__isnull=False)
    if flag == FEW_ANSWERS:
        return questions.filter(
            pk__in=items.filter(attempts__lt=MIN_ATTEMPTS).values("question_id")
        )
    chosen = [
        pk
        for pk, flags in items.filter(attempts__gte=MIN_ATTEMPTS).values_list(
            "question_id", "flags"
        )
        if flag in flags
    ]
    return questions.filter(pk__in=chosen)


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


def latest_figures(*, question_id: int) -> ItemStatistic | None:
    """The question's current version in the latest statistics run (None if not analysed)."""
    return (
        _latest_items()
        .filter(question_id=question_id)
        .select_related("run")
        .order_by("-version")
        .first()
    )


def recent_actions(*, limit: int = 30) -> QuerySet[EditorAction]:
    return EditorAction.objects.select_related("by")[:limit]
