"""The write side of item analysis: statistics runs (queued for the worker, then computed and
stored), and what editors do from the report — 停用 in bulk with a reason, adopting the measured
difficulty — each logged with who did it."""

import logging
import time
from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ..bank.choices import Difficulty
from ..bank.models import Question
from . import itemstats
from .models import EditorAction, ItemStatistic, StatsRun

logger = logging.getLogger("quizzes.analysis")

KEEP_RUNS = 20
REASON_REQUIRED = "请填写停用原因（例如“区分度为负，答案待核实”）。"
REASON_TOO_LONG = "停用原因最多 200 个字。"
NOTHING_CHOSEN = "请先勾选要处理的试题。"


class AnalysisError(Exception):
    """A request the analysis refuses; the message (Chinese) says why, nothing was changed."""


def request_run(*, by, exam=None, since: date | None = None) -> StatsRun:
    """A new statistics run, waiting to be computed (tasks.queue_statistics queues it for the
    worker; `manage.py item_stats` computes it at once)."""
    return StatsRun.objects.create(exam=exam, since=since, requested_by=by)


def store(*, run: StatsRun, statistics: itemstats.Statistics, seconds: float) -> StatsRun:
    with transaction.atomic():
        ItemStatistic.objects.filter(run=run).delete()
        ItemStatistic.objects.bulk_create(
            [ItemStatistic(run=run, **_fields(item)) for item in statistics.items],
            batch_size=2000,
        )
        run.status = StatsRun.Status.DONE
        run.finished_at = timezone.now()
        run.seconds = round(seconds, 2)
        run.attempts = statistics.attempts
        run.answers = statistics.answers
        run.exams = statistics.exams
        run.error = ""
        run.save()
    _forget_old_runs()
    return run


def _fields(item: itemstats.ItemFigures) -> dict:
    data = dict(item.__dict__)
    return data


def _forget_old_runs() -> None:
    keep = list(
        StatsRun.objects.filter(status=StatsRun.Status.DONE).values_list("pk", flat=True)[
            :KEEP_RUNS
        ]
    )
    StatsRun.objects.filter(status=StatsRun.Status.DONE).exclude(pk__in=keep).delete()


def run_statistics(*, run_id: int) -> StatsRun:
    """Compute and store a queued run (the worker's job; `manage.py item_stats` too)."""
    run = StatsRun.objects.get(pk=run_id)
    StatsRun.objects.filter(pk=run.pk).update(status=StatsRun.Status.RUNNING)
    started = time.perf_counter()
    try:
        statistics = itemstats.compute(exam_id=run.exam_id, since=run.since)
    except Exception as error:  # recorded on the run for the editor; the worker logs it too
        logger.exception("试题统计 #%s 失败", run.pk)
        StatsRun.objects.filter(pk=run.pk).update(
            status=StatsRun.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    return store(run=run, statistics=statistics, seconds=time.perf_counter() - started)


def retire_questions(*, questions: QuerySet[Question], reason: str, by) -> int:
    """停用 the chosen questions (those not retired already) with the reason, one log entry
    each; AnalysisError and nothing changed when the reason is missing or nothing is chosen."""
    reason = (reason or "").strip()
    if not reason:
        raise AnalysisError(REASON_REQUIRED)
    if len(reason) > 200:
        raise AnalysisError(REASON_TOO_LONG)
    with transaction.atomic():
        chosen = list(
            questions.select_for_update()
            .exclude(status=Question.Status.RETIRED)
            .only("pk", "code", "status")
        )
        if not chosen:
            raise AnalysisError(NOTHING_CHOSEN)
        labels = dict(Question.Status.choices)
        Question.objects.filter(pk__in=[q.pk for q in chosen]).update(
            status=Question.Status.RETIRED, retire_reason=reason, updated_at=timezone.now()
        )
        EditorAction.objects.bulk_create(
            EditorAction(
                question=question,
                code=question.code,
                kind=EditorAction.Kind.RETIRE,
                old_value=labels[question.status],
                new_value=labels[Question.Status.RETIRED],
                reason=reason,
                by=by,
            )
            for question in chosen
        )
    return len(chosen)


def adopt_measured_difficulty(*, items: QuerySet[ItemStatistic], by) -> int:
    """Set each chosen question's difficulty to the level its facility measured (latest version
    only; a question whose measured level is unknown or already stated is left alone)."""
    labels = dict(Difficulty.choices)
    changed = 0
    with transaction.atomic():
        for item in items.filter(measured_difficulty__isnull=False, question__isnull=False):
            if item.version != item.versions:
                continue  # an older version's evidence does not describe the question now
            question = (
                Question.objects.select_for_update()
                .only("pk", "code", "difficulty")
                .get(pk=item.question_id)
            )
            if question.difficulty == item.measured_difficulty:
                continue
            EditorAction.objects.create(
                question=question,
                code=question.code,
                kind=EditorAction.Kind.DIFFICULTY,
                old_value=labels[question.difficulty],
                new_value=labels[item.measured_difficulty],
                reason=f"得分率 {item.facility:.0%}（{item.attempts} 次作答）",
                by=by,
            )
            Question.objects.filter(pk=question.pk).update(
                difficulty=item.measured_difficulty, updated_at=timezone.now()
            )
            changed += 1
    if not changed:
        raise AnalysisError("所选试题的标注难度已与实测一致，或作答不足，未作修改。")
    return changed
