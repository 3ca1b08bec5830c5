"""What changes exam state: start (draw), save an answer, submit and grade, mark short answers.

Every function takes keyword-only arguments and the current time from the caller (the server's
clock: views pass timezone.now()), so deadlines never depend on the browser.
"""

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction

from portal.thesaurus.selectors import current_thesaurus

from .. import results
from ..bank.answers import blank_count
from ..bank.choices import QuestionType
from ..practice.models import AnswerRecord
from ..practice.services import record_results
from . import disclosure
from .autosave import store_answer
from .bulk_rows import insert_rows
from .drawing import DrawnQuestion, draw_paper, snapshot_paper
from .grading import grade, marking_score, normalise_response
from .models import (
    Attempt,
    AttemptMaterial,
    AttemptQuestion,
    Blueprint,
    BlueprintSection,
    Exam,
    MarkingEvent,
    SectionKind,
)
from .selectors import exams_for, makeup_eligible
from .timing import SAVE_GRACE, exam_window_problem


class ExamError(Exception):
    """A request the exam rules refuse; the message is shown to the person as it is."""


class AnswerRefused(ExamError):
    pass


def _own_attempts(*, exam: Exam, user) -> tuple[Attempt | None, int, int]:
    """The person's open attempt at the exam (if any), the attempts that count against the limit
    (all but voided ones) and all of them: one query for a first start."""
    statuses = list(exam.attempts.filter(user=user).values_list("pk", "status"))
    open_ids = [pk for pk, status in statuses if status == Attempt.Status.IN_PROGRESS]
    existing = Attempt.objects.get(pk=open_ids[0]) if open_ids else None
    used = sum(1 for _, status in statuses if status != Attempt.Status.VOIDED)
    return existing, used, len(statuses)


def rules_snapshot(exam: Exam) -> dict:
    blueprint = exam.blueprint
    return {
        "pass_mark": str(blueprint.pass_mark),
        "pass_text": blueprint.pass_text,
        "fail_text": blueprint.fail_text,
        "answers_shown": blueprint.answers_shown,
        "review_visibility": blueprint.review_visibility,
        "multiple_scoring": blueprint.multiple_scoring,
        "time_limit_minutes": exam.effective_time_limit,
    }


def store_paper(*, attempt: Attempt, drawn: list[DrawnQuestion], respond=None) -> None:
    """Write a drawn paper's snapshot: its materials (text and links copied), then its questions,
    a case-analysis sub-question pointing at its material. `respond(item)`, if given, fills each
    question's answer first (the demo history's sittings). Two inserts (the questions by COPY on
    PostgreSQL), one more query when the paper holds materials."""
    materials, items = snapshot_paper(drawn, attempt)
    if respond is not None:
        for item in items:
            respond(item)
    if materials:
        AttemptMaterial.objects.bulk_create(materials)
    insert_rows(AttemptQuestion, items)


def paper_score(drawn: list[DrawnQuestion]) -> Decimal:
    """Full marks of a drawn paper: every question's score (a sub-question keeps its own)."""
    return sum((d.score for d in drawn), Decimal(0))


def start_attempt(*, exam: Exam, user, now: datetime) -> Attempt:
    """Resume the person's open attempt, or draw a new paper if the rules allow one."""
    existing, used, sat = _own_attempts(exam=exam, user=user)
    if existing is not None:
        if now > existing.deadline_at + SAVE_GRACE:
            submit_attempt(attempt_id=existing.pk, now=now, auto=True)
            existing.refresh_from_db()
        return existing
    problem = exam_window_problem(exam, now)
    if problem:
        raise ExamError(problem)
    if user is not None and not exams_for(user).filter(pk=exam.pk).exists():
        raise ExamError("本场考试不是安排给您的。")
    if user is not None and not makeup_eligible(exam=exam, user=user):
        raise ExamError("您已通过原考试，无需参加补考。")
    allowed = exam.effective_attempts_allowed
    if allowed and used >= allowed:
        # The last attempt allowed may have been started a moment ago in another tab (after the
        # check above): that paper is the one to resume.
        existing = exam.attempts.filter(user=user, status=Attempt.Status.IN_PROGRESS).first()
        if existing is not None:
            return existing
        raise ExamError(f"本场考试允许作答 {allowed} 次，您已用完。")

    seed = secrets.randbits(62)
    drawn = draw_paper(blueprint=exam.blueprint, seed=seed, user=user)
    deadline = now + timedelta(minutes=exam.effective_time_limit)
    if exam.closes_at:
        deadline = min(deadline, exam.closes_at)
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                exam=exam,
                user=user,
                number=sat + 1,
                random_seed=seed,
                rules=rules_snapshot(exam),
                started_at=now,
                deadline_at=deadline,
                max_score=paper_score(drawn),
                question_count=len(drawn),
            )
            store_paper(attempt=attempt, drawn=drawn)
    except IntegrityError:
        # The same person started twice at once (two tabs, a double click): keep the first paper.
        existing = exam.attempts.filter(user=user, status=Attempt.Status.IN_PROGRESS).first()
        if existing is None:
            raise
        return existing
    return attempt


def _locked_open_attempt(attempt_id: int) -> Attempt:
    return Attempt.objects.select_for_update().get(pk=attempt_id)


@dataclass
class SaveResult:
    saved_at: datetime
    deadline_at: datetime
    exam_id: int | None = None  # known on the fast path (the reply reads the status with it)


def save_answer(
    *,
    position: int,
    raw_response,
    now: datetime,
    attempt_id: int | None = None,
    public_id=None,
    user=None,
) -> SaveResult:
    """Store one answer. Refused (AnswerRefused) after the deadline or for a question not in the paper.

    The attempt is named by its id, or (the autosave view) by its public id and owner; an attempt
    that is not theirs raises Attempt.DoesNotExist. This runs for every autosave of every person
    sitting an exam: on PostgreSQL a save is one statement (quizzes/autosave.py); otherwise, and
    for every refusal, the question and its attempt are read together with the attempt's row
    locked (FOR UPDATE OF), so a save never slips in while submit_attempt grades.
    """
    stored = store_answer(
        position=position,
        raw_response=raw_response,
        now=now,
        grace=SAVE_GRACE,
        attempt_id=attempt_id,
        public_id=public_id,
        user_id=getattr(user, "pk", None),
    )
    if stored is not None:
        return SaveResult(saved_at=now, deadline_at=stored.deadline_at, exam_id=stored.exam_id)
    # The careful path: every refusal, and every save on a database other than PostgreSQL.
    if attempt_id is not None:
        of_attempt, attempt_lookup = {"attempt_id": attempt_id}, {"pk": attempt_id}
    else:
        of_attempt = {"attempt__public_id": public_id, "attempt__user": user}
        attempt_lookup = {"public_id": public_id, "user": user}
    with transaction.atomic():
        item = (
            AttemptQuestion.objects.select_for_update(of=("attempt",))
            .select_related("attempt")
            .only("type", "options", "stem", "attempt__status", "attempt__deadline_at")
            .filter(position=position, **of_attempt)
            .order_by()
            .first()
        )
        if item is None:
            # Rare: the question is not in this paper (or the attempt is not this person's).
            attempt = (
                Attempt.objects.select_for_update()
                .only("status", "deadline_at")
                .get(**attempt_lookup)
            )
        else:
            attempt = item.attempt
        if attempt.status != Attempt.Status.IN_PROGRESS:
            raise AnswerRefused("试卷已提交，不能再修改答案。")
        late = now > attempt.deadline_at + SAVE_GRACE
        if not late:
            if item is None:
                raise AnswerRefused("该题不在您的试卷中，答案未保存。")
            try:
                response = normalise_response(
                    item.type, raw_response, len(item.options), blank_count(item.stem)
                )
            except ValueError as error:
                raise AnswerRefused(f"第 {position} 题答案格式不正确：{error}") from error
            AttemptQuestion.objects.filter(pk=item.pk).update(response=response, saved_at=now)
    if late:
        submit_attempt(attempt_id=attempt.pk, now=now, auto=True)
        raise AnswerRefused("考试时间已到，该答案未保存，试卷已自动提交。")
    return SaveResult(saved_at=now, deadline_at=attempt.deadline_at)


def flag_question(*, public_id, user, position: int, flagged: bool, now: datetime) -> None:
    """Set or clear the person's flag (标记) on one question of their open paper; it is kept with
    the answer, so a reload or another device shows it. Someone else's attempt raises
    Attempt.DoesNotExist (404); a submitted paper, a paper past its time or a question not in it
    raise AnswerRefused and nothing changes. The attempt's row is locked as for a save, so a flag
    never lands while the paper is being graded."""
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update()
            .only("status", "deadline_at")
            .get(public_id=public_id, user=user)
        )
        if attempt.status == Attempt.Status.VOIDED:
            raise AnswerRefused("本次作答已作废，不能再标记题目。")
        if attempt.status != Attempt.Status.IN_PROGRESS:
            raise AnswerRefused("试卷已提交，不能再标记题目。")
        if now > attempt.deadline_at + SAVE_GRACE:
            raise AnswerRefused("考试时间已到，不能再标记题目。")
        changed = AttemptQuestion.objects.filter(attempt=attempt, position=position).update(
            flagged=bool(flagged)
        )
        if not changed:
            raise AnswerRefused("该题不在您的试卷中。")


def _finish_grading(attempt: Attempt, items: list[AttemptQuestion]) -> None:
    attempt.score = sum((item.awarded or Decimal(0) for item in items), Decimal(0))
    if any(item.needs_review for item in items):
        attempt.status = Attempt.Status.PENDING_REVIEW
        attempt.passed = None
    else:
        attempt.status = Attempt.Status.GRADED
        attempt.passed = attempt.score >= Decimal(attempt.rules.get("pass_mark", "60"))


def _store_grades(items: list[AttemptQuestion]) -> None:
    """Write every item's grade in one statement. Django's bulk_update builds a CASE expression
    per row and field (hundreds of expressions for one paper, slower than the grading itself);
    on PostgreSQL the new values travel as five arrays instead."""
    if connection.vendor != "postgresql":
        AttemptQuestion.objects.bulk_update(
            items, ["awarded", "is_correct", "needs_review", "marking"]
        )
        return
    table = connection.ops.quote_name(AttemptQuestion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} AS item
            SET awarded = new.awarded, is_correct = new.is_correct,
                needs_review = new.needs_review, marking = new.marking
            FROM unnest(%s::bigint[], %s::numeric[], %s::boolean[], %s::boolean[], %s::jsonb[])
                AS new(id, awarded, is_correct, needs_review, marking)
            WHERE item.id = new.id""",
            [
                [item.pk for item in items],
                [item.awarded for item in items],
                [item.is_correct for item in items],
                [item.needs_review for item in items],
                [json.dumps(item.marking) for item in items],
            ],
        )


def submit_attempt(*, attempt_id: int, now: datetime, auto: bool = False, by=None) -> Attempt:
    """Grade and close the attempt. Submitting again (two tabs) returns the same result. `by`:
    the person submitting, if the caller has them at hand (the attempt's owner; else read)."""
    with transaction.atomic():
        # The exam comes along (it says whether the result counts for a month), locking only
        # the attempt's row.
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("exam")
            .get(pk=attempt_id)
        )
        if attempt.status != Attempt.Status.IN_PROGRESS:
            return attempt
        items = list(
            AttemptQuestion.objects.filter(attempt_id=attempt_id)
            .only(
                "pk",
                "type",
                "answer_key",
                "response",
                "max_score",
                "question_id",
                "blanks_unordered",
            )
            .order_by("position")
        )
        scoring = attempt.rules.get("multiple_scoring", "all")
        thesaurus = current_thesaurus()
        for item in items:
            result = grade(
                item.type,
                item.answer_key,
                item.response,
                item.max_score,
                scoring,
                thesaurus=thesaurus,
                blanks_unordered=item.blanks_unordered,
            )
            item.awarded = result.awarded
            item.is_correct = result.is_correct
            item.needs_review = result.needs_review
            item.marking = result.marking
        _store_grades(items)
        attempt.submitted_at = now
        attempt.auto_submitted = auto
        _finish_grading(attempt, items)
        # The answers enter the answer records and the wrong-answer book (which shows keys) only
        # once the exam's review policy allows it; otherwise close_exams releases them later.
        if disclosure.results_releasable(attempt=attempt, now=now):
            _apply_results(attempt, _judged(items), now)
            attempt.results_released_at = now
        attempt.save(
            update_fields=[
                "status",
                "score",
                "passed",
                "submitted_at",
                "auto_submitted",
                "results_released_at",
            ]
        )
    if auto:
        announce_result(attempt, by=None, job="超时自动交卷")
    else:
        owner = by if by is not None and by.pk == attempt.user_id else attempt.user
        announce_result(attempt, by=owner, job="考生交卷")
    return attempt


def _judged(items) -> dict[int, bool]:
    return {
        item.question_id: item.is_correct
        for item in items
        if item.question_id and item.is_correct is not None
    }


def _apply_results(attempt: Attempt, judged: dict[int, bool], now: datetime) -> None:
    AnswerRecord.objects.bulk_create(
        [
            AnswerRecord(
                user_id=attempt.user_id,
                question_id=question_id,
                origin=AnswerRecord.Origin.EXAM,
                is_correct=correct,
            )
            for question_id, correct in judged.items()
        ]
    )
    record_results(user_id=attempt.user_id, results=judged, now=now)


def release_results(*, attempt_id: int, now: datetime) -> bool:
    """Put a submitted attempt's graded answers into the answer records and the wrong-answer
    book, once, if the review policy allows it now. True when released by this call."""
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("exam")
            .get(pk=attempt_id)
        )
        if attempt.results_released_at is not None or attempt.status not in (
            Attempt.Status.GRADED,
            Attempt.Status.PENDING_REVIEW,
        ):
            return False
        if not disclosure.results_releasable(attempt=attempt, now=now):
            return False
        items = AttemptQuestion.objects.filter(attempt_id=attempt_id).only(
            "question_id", "is_correct"
        )
        _apply_results(attempt, _judged(items), now)
        attempt.results_released_at = now
        attempt.save(update_fields=["results_released_at"])
        return True


def release_due_results(*, now: datetime) -> int:
    """Release every held attempt whose exam's review policy has opened (run by close_exams).
    Returns how many attempts were released."""
    held = (
        Attempt.objects.filter(
            results_released_at__isnull=True,
            status__in=[Attempt.Status.GRADED, Attempt.Status.PENDING_REVIEW],
        )
        .exclude(exam__review_policy="never")
        .select_related("exam")
    )
    released = 0
    checked: dict[int, bool] = {}
    for attempt in held.order_by("exam_id", "pk"):
        # The gate depends on the exam (and the family), so one check per exam is enough.
        if attempt.exam_id not in checked:
            checked[attempt.exam_id] = disclosure.exam_policy_open(exam=attempt.exam, now=now)
        if checked[attempt.exam_id]:
            released += release_results(attempt_id=attempt.pk, now=now)
    return released


def announce_result(attempt: Attempt, *, by, job: str) -> None:
    """A monthly exam's result changed: whoever listens (the monthly assessment) is told."""
    if Attempt.exam.is_cached(attempt):
        exam = attempt.exam
    else:
        exam = Exam.objects.only("month", "title", "created_by_id").get(pk=attempt.exam_id)
    if exam.month is None:
        return
    results.announce(
        user_id=attempt.user_id, month=exam.month, reason=f"考试计分：{exam.title}", by=by, job=job
    )


def mark_short_answer(
    *,
    item_id: int,
    reviewer,
    decisions: list[tuple[bool, str]],
    now: datetime,
    score: Decimal | None = None,
    comment: str = "",
) -> Attempt:
    """A person accepts or rejects each key point (with a comment), may type the question's score
    and an overall comment; the attempt is regraded. Re-marking a marked answer is
    marking_services.remark_short_answer."""
    with transaction.atomic():
        attempt_id = AttemptQuestion.objects.values_list("attempt_id", flat=True).get(pk=item_id)
        attempt = _locked_open_attempt(attempt_id)
        # Read the item only under the attempt's lock: two reviewers marking at once must not
        # silently overwrite each other.
        item = AttemptQuestion.objects.get(pk=item_id)
        if not item.needs_review:
            raise ExamError("该题已由他人阅卷，请刷新后查看。")
        check_markable(attempt, item, decisions)
        provisional = item.awarded
        apply_marking(item, decisions=decisions, score=score, comment=comment, by=reviewer, now=now)
        MarkingEvent.objects.create(
            item=item,
            kind=MarkingEvent.Kind.MARK,
            by=reviewer,
            old_awarded=provisional,
            new_awarded=item.awarded,
        )
        regrade_attempt(attempt, item, now)
    announce_result(attempt, by=reviewer, job="阅卷")
    # Marking may be what the review policy waited for (阅卷完成后).
    release_due_results(now=now)
    return attempt


def check_markable(attempt: Attempt, item: AttemptQuestion, decisions: list) -> None:
    if item.type != QuestionType.SHORT:
        raise ExamError("只有简答题需要人工阅卷。")
    if attempt.status in (Attempt.Status.IN_PROGRESS, Attempt.Status.VOIDED):
        raise ExamError("试卷未提交或已作废，不能阅卷。")
    if len(decisions) != len(item.marking):
        raise ExamError("每个要点都要给出评判。")


def apply_marking(
    item: AttemptQuestion, *, decisions, score: Decimal | None, comment: str, by, now: datetime
) -> None:
    """Store a marker's decisions on the item: per key point, the typed score if any, else the
    weighted share of accepted points."""
    if score is not None and not (0 <= score <= item.max_score):
        raise ExamError(f"给分应在 0 到 {item.max_score.normalize():f} 分之间。")
    for entry, (accepted, point_comment) in zip(item.marking, decisions, strict=True):
        entry["accepted"] = bool(accepted)
        entry["comment"] = (point_comment or "").strip()[:500]
    item.marker_score = score
    item.marker_comment = (comment or "").strip()[:1000]
    item.awarded = score if score is not None else marking_score(item.marking, item.max_score)
    item.is_correct = item.awarded == item.max_score
    item.needs_review = False
    item.reviewed_by = by
    item.reviewed_at = now
    item.save(
        update_fields=[
            "marking",
            "marker_score",
            "marker_comment",
            "awarded",
            "is_correct",
            "needs_review",
            "reviewed_by",
            "reviewed_at",
        ]
    )


def regrade_attempt(attempt: Attempt, item: AttemptQuestion, now: datetime) -> None:
    """The attempt's score and verdict after a marked item changed (inside the caller's lock)."""
    items = list(
        AttemptQuestion.objects.filter(attempt_id=attempt.pk).only("awarded", "needs_review")
    )
    _finish_grading(attempt, items)
    attempt.save(update_fields=["status", "score", "passed"])
    if attempt.results_released_at is not None and item.question_id:
        # Already in the wrong-answer book: the marked answer follows the others.
        _apply_results(attempt, {item.question_id: item.is_correct}, now)


# Blueprints made by code (the seed's demo paper, the demo history, the load tools) ---------------


def ensure_blueprint(name: str, *, sections, **fields) -> tuple[Blueprint, bool]:
    """The ready blueprint called `name`, created with `sections` if there is none yet; returns it
    and whether it was created. A section is (title, question type, count, score per question),
    or (title, SectionKind.MATERIALS, number of materials, each material's total score)."""
    blueprint = Blueprint.objects.filter(name=name).first()
    if blueprint is not None:
        return blueprint, False
    blueprint = Blueprint.objects.create(name=name, status=Blueprint.Status.READY, **fields)
    for order, (title, qtype, count, score) in enumerate(sections):
        materials = qtype == SectionKind.MATERIALS
        BlueprintSection.objects.create(
            blueprint=blueprint,
            title=title,
            sort_order=order,
            kind=SectionKind.MATERIALS if materials else SectionKind.QUESTIONS,
            question_count=count,
            score_per_question=Decimal(score),
            types=[] if materials else [qtype],
        )
    return blueprint, True
