"""The one gate for exam secrets: whether an exam question's key, explanation or correctness may be
shown to someone now, and whether a person may practise at all.

Every page, JSON response and export that could show an exam question's result asks here: the
result page and review, the wrong-answer book (an exam's answers enter it only once this gate
opens), practice feedback, marking. Nothing else decides it.

An exam's review policy (`Exam.review_policy`) says when; the blueprint's review visibility
(copied into `Attempt.rules`) says what. "After the exam" means after the whole *family* is over:
the exam, its make-ups, and — for a monthly exam — every exam drawn from the same blueprint for
the same month, each past its closing time with no paper still open (extra time included).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from portal.organisation.permissions import can_mark_attempt

from ..bank.choices import QuestionUsage
from ..bank.models import Material, Question
from .models import AnswersShown, Attempt, Exam, ReviewVisibility
from .timing import SAVE_GRACE


@dataclass(frozen=True)
class Disclosure:
    correctness: bool  # per question: right or wrong, points awarded
    answers: bool  # per question: the key, key points, explanation, links to the rules
    note: str = ""  # why not (Chinese, shown on the page)


NOTHING = Disclosure(False, False)
EVERYTHING = Disclosure(True, True)

POLICY_NOTES = {
    AnswersShown.AFTER_CLOSE: "本场考试在所有考生（含补考、延时）结束作答后公布每题对错和正确答案。",
    AnswersShown.AFTER_MARKING: "本场考试在考试结束且全部阅卷完成后公布每题对错和正确答案。",
    AnswersShown.NEVER: "本场考试不公布每题对错和正确答案。",
}
SCORE_ONLY_NOTE = "本场考试只公布总分。"


def exam_family(exam: Exam) -> Q:
    """The exams whose papers share what this exam's review would reveal (see module doc)."""
    root_id = exam.makeup_of_id or exam.pk
    family = Q(pk=root_id) | Q(makeup_of_id=root_id)
    if exam.month is not None:
        family |= Q(month=exam.month, blueprint_id=exam.blueprint_id)
    return family


def family_over(*, exam: Exam, now: datetime) -> bool:
    """Is every exam of the family past its close, with no paper open? (Two queries.)"""
    exams = Exam.objects.filter(exam_family(exam)).exclude(status=Exam.Status.DRAFT)
    for status, closes_at in exams.values_list("status", "closes_at"):
        if status != Exam.Status.CLOSED and (closes_at is None or closes_at > now):
            return False
    return not Attempt.objects.filter(exam__in=exams, status=Attempt.Status.IN_PROGRESS).exists()


def family_marked(*, exam: Exam) -> bool:
    exams = Exam.objects.filter(exam_family(exam))
    return not Attempt.objects.filter(exam__in=exams, status=Attempt.Status.PENDING_REVIEW).exists()


def exam_policy_open(*, exam: Exam, now: datetime) -> bool:
    """Has the exam's review policy opened (for its submitted papers)?"""
    policy = exam.review_policy or AnswersShown.AFTER_CLOSE
    if policy == AnswersShown.NEVER:
        return False
    if policy == AnswersShown.AFTER_SUBMIT:
        return exam.month is None  # a monthly exam never reveals before it is over
    if not family_over(exam=exam, now=now):
        return False
    return policy != AnswersShown.AFTER_MARKING or family_marked(exam=exam)


def policy_open(*, attempt: Attempt, now: datetime) -> bool:
    """Has the exam's review policy opened for this attempt (submitted, not voided)?"""
    if attempt.status in (Attempt.Status.IN_PROGRESS, Attempt.Status.VOIDED):
        return False
    return exam_policy_open(exam=attempt.exam, now=now)


def attempt_disclosure(*, attempt: Attempt, viewer, now: datetime) -> Disclosure:
    """What `viewer` may see of each question of `attempt` now.

    The candidate: as the exam's policy and the blueprint's review visibility allow. A marker
    (a supervisor in scope, HR, an administrator — never for their own paper): everything, for
    marking and re-marking. Anyone else: nothing.
    """
    return disclosures(attempts=[attempt], viewer=viewer, now=now)[attempt.pk]


def disclosures(*, attempts: list[Attempt], viewer, now: datetime) -> dict[int, Disclosure]:
    """attempt_disclosure for many attempts, checking each exam's policy once."""
    policy_by_exam: dict[int, bool] = {}
    result = {}
    for attempt in attempts:
        if attempt.exam_id not in policy_by_exam:
            policy_by_exam[attempt.exam_id] = exam_policy_open(exam=attempt.exam, now=now)
        result[attempt.pk] = _disclosure(attempt, viewer, policy_by_exam[attempt.exam_id])
    return result


def _disclosure(attempt: Attempt, viewer, is_open: bool) -> Disclosure:
    if viewer is None or not viewer.is_authenticated:
        return NOTHING
    if attempt.user_id != viewer.pk:
        return EVERYTHING if can_mark_attempt(viewer, attempt) else NOTHING
    if attempt.status in (Attempt.Status.IN_PROGRESS, Attempt.Status.VOIDED):
        return NOTHING
    visibility = attempt.rules.get("review_visibility", ReviewVisibility.FULL)
    if visibility == ReviewVisibility.SCORE_ONLY:
        return Disclosure(False, False, SCORE_ONLY_NOTE)
    if not is_open:
        policy = attempt.exam.review_policy or AnswersShown.AFTER_CLOSE
        return Disclosure(False, False, POLICY_NOTES.get(policy, POLICY_NOTES["close"]))
    if visibility == ReviewVisibility.CORRECTNESS:
        return Disclosure(True, False, "本场考试只公布每题对错，不公布正确答案。")
    return EVERYTHING


def results_releasable(*, attempt: Attempt, now: datetime) -> bool:
    """May the attempt's graded answers enter the person's wrong-answer book (which shows keys)?"""
    visibility = attempt.rules.get("review_visibility", ReviewVisibility.FULL)
    return visibility == ReviewVisibility.FULL and policy_open(attempt=attempt, now=now)


# Practice ---------------------------------------------------------------------------------------

EXAM_IN_PROGRESS = (
    "您正在参加考试，考试期间练习和错题本暂停开放。请先完成考试（交卷或到时自动交卷）后再来练习。"
)
EXAM_ONLY = "该题为考试专用题，不能在练习中作答。请换一道题。"
MATERIAL_EXAM_ONLY = "该案例分析材料为考试专用，不能在练习中作答。请换一份材料。"
SUBQUESTION_ALONE = "这是案例分析材料的小题，请在“案例练习”中连同材料一起作答。"


def open_attempt_exists(*, user, now: datetime) -> bool:
    """Is the person sitting an exam right now (a paper open and not yet past its deadline)?"""
    return Attempt.objects.filter(
        user=user, status=Attempt.Status.IN_PROGRESS, deadline_at__gt=now - SAVE_GRACE
    ).exists()


def practice_problem(*, user, now: datetime) -> str:
    """Why the person may not practise or open the wrong-answer book now ("" when they may)."""
    return EXAM_IN_PROGRESS if open_attempt_exists(user=user, now=now) else ""


def practice_question_problem(*, question: Question) -> str:
    """Why a question may not be answered (and its key shown) in practice ("" when it may)."""
    if question.usage == QuestionUsage.EXAM:
        return EXAM_ONLY
    if question.status != Question.Status.ACTIVE:
        return "该题已停用，不能再练习，请换一道题。"
    if question.material_id is not None:
        return SUBQUESTION_ALONE
    return ""


def practice_material_problem(*, material: Material) -> str:
    """Why a case-analysis material may not be answered (and its keys shown) in practice."""
    if material.usage == QuestionUsage.EXAM:
        return MATERIAL_EXAM_ONLY
    if material.status != Material.Status.ACTIVE:
        return "该案例分析材料已停用，不能再练习，请换一份材料。"
    return ""
