"""Self-study (练习), the write side: grading one practice answer at once (or a case-analysis
material's sub-questions together), recording it, and the wrong-answer book (错题本: a question
answered wrongly stays until answered right twice in a row), which exam results enter too
(quizzes.papers.services, once the review policy allows)."""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects

from portal.thesaurus.keypoints import grade_blanks
from portal.thesaurus.selectors import current_thesaurus

from ..bank.answers import blank_count
from ..bank.choices import QuestionType
from ..bank.models import Material, Question
from ..papers import disclosure
from ..papers.grading import grade, normalise_response
from ..papers.models import MultipleScoring
from .models import AnswerRecord, WrongAnswer
from .selectors import (
    Link,
    PracticeError,
    PracticeRefused,
    answer_text,
    letter,
    link_prefetches,
    material_links,
    question_links,
    rate_limit_problem,
    response_text,
)

RETIRE_AFTER_CORRECT = 2


def record_results(*, user_id: int, results: dict[int, bool], now: datetime) -> None:
    """Apply a batch of graded answers (question id → correct?) in a fixed number of queries.

    Call inside a transaction: the entries are locked so that an exam submit and a practice answer
    arriving together for the same question cannot lose one of the updates.
    """
    if not results:
        return
    entries = {
        entry.question_id: entry
        for entry in WrongAnswer.objects.select_for_update().filter(
            user_id=user_id, question_id__in=list(results)
        )
    }
    new, changed = [], []
    for question_id, correct in results.items():
        entry = entries.get(question_id)
        if entry is None:
            if not correct:
                new.append(
                    WrongAnswer(
                        user_id=user_id, question_id=question_id, wrong_count=1, last_wrong_at=now
                    )
                )
            continue
        if correct:
            if entry.retired_at is not None:
                continue
            entry.correct_streak += 1
            if entry.correct_streak >= RETIRE_AFTER_CORRECT:
                entry.retired_at = now
        else:
            entry.wrong_count += 1
            entry.correct_streak = 0
            entry.last_wrong_at = now
            entry.retired_at = None
        changed.append(entry)
    if new:
        WrongAnswer.objects.bulk_create(new, ignore_conflicts=True)
    if changed:
        WrongAnswer.objects.bulk_update(
            changed, ["wrong_count", "correct_streak", "last_wrong_at", "retired_at"]
        )


# Feedback ---------------------------------------------------------------------------------------


@dataclass
class OptionRow:
    letter: str
    text: str
    is_answer: bool
    chosen: bool


@dataclass
class BlankRow:
    number: int
    given: str
    accepted: list[str]
    right: bool


@dataclass
class KeyPointRow:
    point: str
    found: bool
    words: list[str] = field(default_factory=list)  # the words of the answer that matched


@dataclass
class PracticeFeedback:
    question: Question
    correct: bool
    response_text: str
    answer_text: str
    explanation: str
    links: list[Link]
    options: list[OptionRow] = field(default_factory=list)
    blanks: list[BlankRow] = field(default_factory=list)
    key_points: list[KeyPointRow] = field(default_factory=list)
    wrongbook_note: str = ""


def _unanswered(qtype: str, response) -> bool:
    if response is None:
        return True
    if qtype == QuestionType.FILL:
        return not any(given.strip() for given in response)
    if qtype == QuestionType.SHORT:
        return not response.strip()
    return qtype == QuestionType.MULTIPLE and not response


def _wrongbook_note(entry: WrongAnswer | None, correct: bool, now: datetime) -> str:
    if entry is None:
        return ""
    if not correct:
        return f"本题已记入错题本（累计答错 {entry.wrong_count} 次）。"
    if entry.retired_at is None:
        left = RETIRE_AFTER_CORRECT - entry.correct_streak
        return f"错题本：已连续答对 {entry.correct_streak} 次，再答对 {left} 次即移出错题本。"
    if entry.retired_at == now:
        return f"连续答对 {RETIRE_AFTER_CORRECT} 次，本题已移出错题本。"
    return ""


def _normalised(question: Question, raw_response, where: str = ""):
    """The response as stored; PracticeError for a malformed or empty one (`where` names a
    material's sub-question)."""
    try:
        response = normalise_response(
            question.type, raw_response, len(question.options or []), blank_count(question.stem)
        )
    except ValueError as error:
        raise PracticeError(f"{where}答案格式不正确：{error}") from error
    if _unanswered(question.type, response):
        raise PracticeError(f"请先作答{where or ''}再提交。")
    return response


def _answerable_response(*, user, question: Question, raw_response, now: datetime):
    """The response as stored, or the refusal: PracticeRefused (nothing of the key shown) while
    the person sits an exam or for a question practice may not serve; PracticeError for a
    malformed or empty response."""
    problem = disclosure.practice_problem(user=user, now=now)
    if problem:
        raise PracticeRefused(problem, 403)
    problem = disclosure.practice_question_problem(question=question)
    if problem:
        raise PracticeRefused(problem, 403)
    return _normalised(question, raw_response)


def _record(
    *, user, results: dict[int, bool], now: datetime, ticket_nonce: str, refused: str
) -> None:
    """The answers and the wrong-answer book, within the rate limit and once per ticket (one
    answer: the nonce itself; a material's sub-questions: the nonce and their number)."""
    nonces = (
        [ticket_nonce]
        if len(results) == 1
        else [f"{ticket_nonce}-{n}" for n in range(1, len(results) + 1)]
    )
    try:
        with transaction.atomic():
            # One practice answer of a person at a time (a row lock on PostgreSQL), so that two
            # submits at once can neither both count nor lose an update of the wrong book.
            list(
                get_user_model()
                .objects.select_for_update()
                .filter(pk=user.pk)
                .values_list("pk", flat=True)
            )
            problem = rate_limit_problem(user=user, now=now, adding=len(results))
            if problem:
                raise PracticeRefused(problem, 429)
            AnswerRecord.objects.bulk_create(
                [
                    AnswerRecord(
                        user=user,
                        question_id=question_id,
                        origin=AnswerRecord.Origin.PRACTICE,
                        is_correct=correct,
                        ticket=nonce,
                    )
                    for (question_id, correct), nonce in zip(results.items(), nonces, strict=True)
                ]
            )
            record_results(user_id=user.pk, results=results, now=now)
    except IntegrityError:
        raise PracticeRefused(refused, 409) from None


ALREADY_ANSWERED = "这道题您已经提交过了（同一题目页只能提交一次）。请点“下一题”继续练习。"


def _feedback_detail(feedback: PracticeFeedback, question: Question, response, result) -> None:
    """Option by option, blank by blank or key point by key point, what was right."""
    if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        chosen = {response} if question.type == QuestionType.SINGLE else set(response)
        feedback.options = [
            OptionRow(letter(i), str(text), i in question.answer, i in chosen)
            for i, text in enumerate(question.options)
        ]
    elif question.type == QuestionType.FILL:
        right = grade_blanks(
            response,
            question.answer,
            unordered=question.blanks_unordered,
            thesaurus=current_thesaurus(),
        )
        feedback.blanks = [
            BlankRow(number, given, list(alternatives), right[number - 1])
            for number, (given, alternatives) in enumerate(
                zip(response, question.answer, strict=True), start=1
            )
        ]
    elif question.type == QuestionType.SHORT:
        feedback.key_points = [
            KeyPointRow(point["point"], point["matched"], point.get("found", []))
            for point in result.marking
        ]


def answer_question(
    *,
    user,
    question: Question,
    raw_response,
    now: datetime,
    ticket_nonce: str,
) -> PracticeFeedback:
    """Grade one practice answer at once, record it and update the wrong-answer book.

    The question comes from a ticket (redeem_ticket): only the question the server showed the
    person, once (`ticket_nonce` is stored with the answer and is unique), within the rate limit
    and never while they sit an exam. Practice is all-or-nothing: a multiple choice is right
    only with every right option and no other; a short answer is right when every key point is
    found in it. A malformed or empty response raises PracticeError and records nothing; a
    refusal of the ticket raises PracticeRefused and shows nothing of the key.
    """
    response = _answerable_response(
        user=user, question=question, raw_response=raw_response, now=now
    )
    result, correct = _graded(question, response)
    _record(
        user=user,
        results={question.pk: correct},
        now=now,
        ticket_nonce=ticket_nonce,
        refused=ALREADY_ANSWERED,
    )
    entry = WrongAnswer.objects.filter(user=user, question=question).first()

    prefetch_related_objects([question], *link_prefetches())
    return _feedback(question, response, result, correct, entry, now, question_links(question))


def _graded(question: Question, response):
    """Practice is all-or-nothing: (the grade, right or not)."""
    result = grade(
        question.type,
        question.answer,
        response,
        question.default_score,
        MultipleScoring.ALL_OR_NOTHING,
        thesaurus=current_thesaurus(),
        blanks_unordered=question.blanks_unordered,
    )
    if question.type == QuestionType.SHORT:
        correct = bool(result.marking) and all(point["matched"] for point in result.marking)
    else:
        correct = bool(result.is_correct)
    return result, correct


def _feedback(question, response, result, correct, entry, now, links) -> PracticeFeedback:
    feedback = PracticeFeedback(
        question=question,
        correct=correct,
        response_text=response_text(question, response),
        answer_text=answer_text(question),
        explanation=question.explanation,
        links=links,
        wrongbook_note=_wrongbook_note(entry, correct, now),
    )
    _feedback_detail(feedback, question, response, result)
    return feedback


# Case-analysis practice (案例练习) ---------------------------------------------------------------


@dataclass
class MaterialFeedback:
    material: Material
    items: list[PracticeFeedback]
    links: list[Link]

    @property
    def right(self) -> int:
        return sum(1 for item in self.items if item.correct)


def answer_material(
    *, user, material: Material, raw_responses: dict[int, object], now: datetime, ticket_nonce: str
) -> MaterialFeedback:
    """Grade a material's sub-questions together (every one answered), record each answer and
    update the wrong-answer book, and give feedback per sub-question.

    `material` comes from a ticket (redeem_material_ticket) with its active sub-questions and
    their keys (`active_subquestions`); `raw_responses` maps each sub-question's id to the
    response given. The same rules as one question: never while the person sits an exam, never
    an exam-only or retired material, within the rate limit (each sub-question counts as one
    answer), once per ticket. PracticeRefused shows nothing of any key; PracticeError names the
    sub-question to fix and records nothing."""
    problem = disclosure.practice_problem(user=user, now=now)
    if problem:
        raise PracticeRefused(problem, 403)
    problem = disclosure.practice_material_problem(material=material)
    if problem:
        raise PracticeRefused(problem, 403)
    questions = list(material.active_subquestions)
    if not questions:
        raise PracticeRefused("这份材料没有可作答的小题，请换一份材料。", 403)
    responses = [
        _normalised(question, raw_responses.get(question.pk), f"第 {number} 小题")
        for number, question in enumerate(questions, start=1)
    ]
    graded = [
        _graded(question, response) for question, response in zip(questions, responses, strict=True)
    ]
    _record(
        user=user,
        results={
            question.pk: correct for question, (_, correct) in zip(questions, graded, strict=True)
        },
        now=now,
        ticket_nonce=ticket_nonce,
        refused="这份材料您已经提交过了（同一材料页只能提交一次）。请点“下一份材料”继续练习。",
    )
    entries = {
        entry.question_id: entry
        for entry in WrongAnswer.objects.filter(user=user, question__in=questions)
    }
    prefetch_related_objects(questions, *link_prefetches())
    items = [
        _feedback(
            question,
            response,
            result,
            correct,
            entries.get(question.pk),
            now,
            [link for link in question_links(question) if link.kind != "案例"],
        )
        for question, response, (result, correct) in zip(questions, responses, graded, strict=True)
    ]
    return MaterialFeedback(material=material, items=items, links=material_links(material))


# Taking questions out of the wrong book by hand -------------------------------------------------


def remove_from_wrongbook(*, user, entries, now: datetime) -> int:
    """移出错题本: retire the person's open entries among `entries` (a WrongAnswer QuerySet);
    another person's entries are never touched. A later wrong answer puts a question back, as
    for one retired by answering it right. Returns how many were taken out."""
    return (
        entries.filter(user=user, retired_at__isnull=True)
        .order_by()
        .update(retired_at=now, correct_streak=0)
    )
