"""Read-side questions for marking short answers (阅卷): who may mark, and what is waiting for them."""

from django.db.models import Count, QuerySet
from django.http import Http404

from portal.organisation.permissions import can_mark, can_see_everyone
from portal.organisation.selectors import visible_profiles

from ..bank.choices import QuestionType
from .models import Attempt, AttemptQuestion

MARKED_STATUSES = [Attempt.Status.PENDING_REVIEW, Attempt.Status.GRADED]


def _markable_items(*, user) -> QuerySet[AttemptQuestion]:
    """Short answers of submitted papers by people this user may see, never the user's own."""
    if not can_mark(user):
        return AttemptQuestion.objects.none()
    items = AttemptQuestion.objects.filter(
        type=QuestionType.SHORT, attempt__status__in=MARKED_STATUSES
    ).exclude(attempt__user=user)
    if not can_see_everyone(user):
        items = items.filter(attempt__user__staff_profile__in=visible_profiles(user))
    return items


def pending_short_answers(*, user) -> QuerySet[AttemptQuestion]:
    """The marking queue: short answers waiting for a person, oldest paper first.

    Loads the attempt, its exam, and the candidate's profile and unit with each row, so a page of
    the queue costs one query however long it is.
    """
    return (
        _markable_items(user=user)
        .filter(needs_review=True, attempt__status=Attempt.Status.PENDING_REVIEW)
        .select_related("attempt__exam", "attempt__user__staff_profile__unit")
        .defer("answer_key", "options")
        .order_by("attempt__submitted_at", "attempt_id", "position")
    )


def pending_by_exam(*, user) -> list[dict]:
    """Per exam: how many short answers wait (for the queue's exam filter), in one query."""
    return list(
        pending_short_answers(user=user)
        .order_by()
        .values("attempt__exam_id", "attempt__exam__title")
        .annotate(count=Count("pk"))
        .order_by("attempt__exam__title")
    )


def markable_item_or_404(*, user, item_id: int) -> AttemptQuestion:
    """One short answer this user may mark (or has marked). Outside their scope: 404, like missing."""
    item = (
        _markable_items(user=user)
        .select_related(
            "attempt__exam", "attempt__user__staff_profile__unit", "reviewed_by__staff_profile"
        )
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise Http404("没有这道待阅的题目")
    return item


def remaining_in_attempt(*, attempt_id: int) -> int:
    return AttemptQuestion.objects.filter(attempt_id=attempt_id, needs_review=True).count()


def marked_short_answers(
    *, user, exam_id: int | None = None, marker_id: int | None = None
) -> QuerySet[AttemptQuestion]:
    """Short answers already marked that this user may see and re-mark (复核), newest first;
    optionally of one exam and by one marker. One query for a page."""
    items = (
        _markable_items(user=user)
        .filter(needs_review=False, reviewed_by__isnull=False)
        .select_related(
            "attempt__exam", "attempt__user__staff_profile__unit", "reviewed_by__staff_profile"
        )
        .defer("answer_key", "options", "explanation")
        .order_by("-reviewed_at", "-pk")
    )
    if exam_id is not None:
        items = items.filter(attempt__exam_id=exam_id)
    if marker_id is not None:
        items = items.filter(reviewed_by_id=marker_id)
    return items


def marked_filters(*, user) -> tuple[list[dict], list[dict]]:
    """The exams and markers of the marked answers this user may see (two queries)."""
    marked = _markable_items(user=user).filter(needs_review=False, reviewed_by__isnull=False)
    exams = list(
        marked.order_by()
        .values("attempt__exam_id", "attempt__exam__title")
        .annotate(count=Count("pk"))
        .order_by("attempt__exam__title")
    )
    markers = list(
        marked.order_by()
        .values("reviewed_by_id", "reviewed_by__username", "reviewed_by__staff_profile__name")
        .annotate(count=Count("pk"))
        .order_by("reviewed_by__username")
    )
    return exams, markers


def marking_history(*, item: AttemptQuestion) -> list:
    """The item's marking log, oldest first."""
    return list(item.events.select_related("by__staff_profile").order_by("at", "pk"))
