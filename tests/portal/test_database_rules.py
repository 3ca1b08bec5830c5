"""Rules the database itself holds (CheckConstraint), so no code path can break them, and subtree
moves that rewrite every descendant's path in one statement."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessment.models import AssessmentMonth, AssessmentRecord, AssessmentScheme, AuditEntry
from portal.organisation.models import StaffProfile, Unit
from quizzes.models import Attempt, AttemptQuestion, BlueprintSection, Question, QuestionCategory
from quizzes.papers import services
from tests.quizzes.factories import single_choice_exam

pytestmark = pytest.mark.django_db


def refused(queryset, **values) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**values)


def test_an_exam_closes_after_it_opens():
    exam = single_choice_exam(1)
    now = timezone.now()
    refused(type(exam).objects.filter(pk=exam.pk), opens_at=now, closes_at=now - timedelta(hours=1))
    refused(type(exam).objects.filter(pk=exam.pk), opens_at=now, closes_at=now)
    type(exam).objects.filter(pk=exam.pk).update(opens_at=now, closes_at=None)  # open-ended: fine


def test_scores_stay_within_full_marks(staff_user):
    exam = single_choice_exam(2)
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    attempts = Attempt.objects.filter(pk=attempt.pk)
    refused(attempts, score=attempt.max_score + 1)
    refused(attempts, score=Decimal("-0.5"))
    items = AttemptQuestion.objects.filter(attempt=attempt)
    refused(items, awarded=Decimal("1.01"))  # each question is worth 1
    refused(items, awarded=Decimal(-1))
    section = BlueprintSection.objects.filter(blueprint=exam.blueprint)
    refused(section, question_count=0)
    refused(section, score_per_question=0)
    refused(Question.objects.filter(pk=items.first().question_id), default_score=0)


def test_audit_entries_name_exactly_one_target(staff_user, team_leader):
    record = AssessmentRecord.objects.create(
        profile=staff_user.staff_profile,
        unit=staff_user.staff_profile.unit,
        month=date(2026, 11, 1),
    )
    state = AssessmentMonth.objects.create(unit=record.unit, month=record.month)
    fields = {"field": "status", "reason": "测试", "changed_by": team_leader}
    for targets in ({}, {"record": record, "month_state": state}):
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditEntry.objects.create(**fields, **targets)
    AuditEntry.objects.create(**fields, record=record)
    AuditEntry.objects.create(**fields, month_state=state)


def test_assessment_values_stay_in_range(staff_user):
    record = AssessmentRecord.objects.create(
        profile=staff_user.staff_profile,
        unit=staff_user.staff_profile.unit,
        month=date(2026, 11, 1),
    )
    records = AssessmentRecord.objects.filter(pk=record.pk)
    for name in ("exam_score", "attendance_rate", "error_rate", "satisfaction", "composite"):
        refused(records, **{name: Decimal("100.01")})
        refused(records, **{name: Decimal(-1)})
    refused(records, complaints=1000)
    refused(records, bonus_coefficient=Decimal("-0.1"))
    scheme = AssessmentScheme.objects.create(unit=record.unit, name="测试方案")
    refused(AssessmentScheme.objects.filter(pk=scheme.pk), missed_exam_score=120)
    refused(AssessmentScheme.objects.filter(pk=scheme.pk), exam_weight=-5)


def updates_of(context, table: str) -> int:
    return sum(
        1 for query in context.captured_queries if query["sql"].startswith(f'UPDATE "{table}"')
    )


def test_moving_a_unit_rewrites_its_subtree_in_one_statement():
    hall = Unit.objects.get(code="CG-YYT")
    team = Unit.objects.get(code="CG-YYT-2")
    station = Unit.objects.get(code="CG-GDS")
    people = StaffProfile.objects.in_unit(hall).count()
    hall.parent = station
    with CaptureQueriesContext(connection) as context:
        hall.save()
    assert updates_of(context, Unit._meta.db_table) == 2  # the unit's own row, then the subtree
    team.refresh_from_db()
    assert team.path == f"{station.path}{hall.pk}/{team.pk}/"
    assert StaffProfile.objects.in_unit(station).filter(unit=team).exists()
    assert StaffProfile.objects.in_unit(Unit.objects.get(pk=hall.pk)).count() == people


def test_renaming_a_category_rewrites_its_subtree_in_one_statement():
    leaf = QuestionCategory.for_path("规则测试/甲/乙")
    top = QuestionCategory.objects.get(path="规则测试")
    top.name = "规则测试改"
    with CaptureQueriesContext(connection) as context:
        top.save()
    assert updates_of(context, QuestionCategory._meta.db_table) == 2
    leaf.refresh_from_db()
    assert leaf.path == "规则测试改/甲/乙"
    assert QuestionCategory.objects.in_category(top).count() == 3
