"""The exam clock: the grace a late save gets, and whether an exam's window is open now
(imported by services, selectors and the disclosure gate)."""

from datetime import datetime, timedelta

from .models import Exam

# A save that set off before the deadline may arrive a little after it.
SAVE_GRACE = timedelta(seconds=30)


def exam_window_problem(exam: Exam, now: datetime) -> str:
    """Why the exam cannot be started now ("" when it can)."""
    if exam.status != Exam.Status.PUBLISHED:
        return "本场考试未发布或已结束。"
    if exam.opens_at and now < exam.opens_at:
        return "考试尚未开始。"
    if exam.closes_at and now >= exam.closes_at:
        return "考试已结束，不能再开始作答。"
    return ""
