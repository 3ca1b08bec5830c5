"""What a person answered (practice and exams alike) and their wrong-answer book (错题本)."""

from django.conf import settings
from django.db import models

from ..bank.models import Question


class AnswerRecord(models.Model):
    """Every graded answer a person gave, in practice or in an exam: progress and 'seen least'."""

    class Origin(models.TextChoices):
        PRACTICE = "practice", "练习"
        EXAM = "exam", "考试"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answer_records")
    origin = models.CharField(max_length=10, choices=Origin.choices)
    is_correct = models.BooleanField()
    answered_at = models.DateTimeField(auto_now_add=True)
    # Practice: the single-use ticket the question page was issued with (quizzes/practice.py).
    ticket = models.CharField(max_length=32, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = "答题记录"
        verbose_name_plural = "答题记录"
        indexes = [
            models.Index(fields=["user", "question"]),
            models.Index(fields=["user", "origin", "answered_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.question_id} · {'对' if self.is_correct else '错'}"


class WrongAnswer(models.Model):
    """错题本: a question the person got wrong, until they answer it right twice in a row."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    wrong_count = models.PositiveIntegerField("答错次数", default=0)
    correct_streak = models.PositiveIntegerField("连续答对次数", default=0)
    last_wrong_at = models.DateTimeField("最近答错时间")
    retired_at = models.DateTimeField("移出错题本时间", null=True, blank=True)

    class Meta:
        verbose_name = "错题"
        verbose_name_plural = "错题本"
        constraints = [models.UniqueConstraint(fields=["user", "question"], name="one_wrong_entry")]
        ordering = ["-last_wrong_at"]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.question_id}"
