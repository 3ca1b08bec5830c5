"""What changes assessment records: exam scores flowing in, supervisors' entries, the month's
workflow. Every change of a value writes an AuditEntry in the same transaction."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from portal.organisation.models import StaffProfile, Unit
from portal.organisation.selectors import can_see_everyone, supervised_units, visible_profiles

from .models import (
    ENTERED_COMPONENTS,
    AssessmentMonth,
    AssessmentRecord,
    AssessmentScheme,
    AuditEntry,
)
from .scoring import composite, exam_percentage


class AssessmentError(Exception):
    """Refused; the message (Chinese) is shown as it is."""


class ConflictError(AssessmentError):
    pass


def month_of(moment: datetime | date) -> date:
    """The assessment month of a moment, in local time (Asia/Shanghai), as the month's first day."""
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment).date()
    return moment.replace(day=1)


def scheme_for(unit: Unit) -> AssessmentScheme:
    """The nearest scheme on the unit's path; the default weights where none is set."""
    ids = unit.ancestor_ids
    schemes = {s.unit_id: s for s in AssessmentScheme.objects.filter(unit_id__in=ids)}
    for unit_id in reversed(ids):
        if unit_id in schemes:
            return schemes[unit_id]
    return AssessmentScheme(name="默认考核方案")


def month_status(*, unit: Unit, month: date) -> str:
    """A record's month is governed by the states of its unit and every unit above it."""
    ids = unit.ancestor_ids
    statuses = set(
        AssessmentMonth.objects.filter(unit_id__in=ids, month=month).values_list(
            "status", flat=True
        )
    )
    for status in (AssessmentMonth.Status.LOCKED, AssessmentMonth.Status.SUBMITTED):
        if status in statuses:
            return status
    return AssessmentMonth.Status.OPEN


def _text(value) -> str:
    return "" if value is None else str(value)


def _audit(record, field, old, new, reason, by) -> AuditEntry | None:
    if _text(old) == _text(new):
        return None
    return AuditEntry(
        record=record,
        field=field,
        old_value=_text(old)[:100],
        new_value=_text(new)[:100],
        reason=reason[:300],
        changed_by=by,
    )


def record_for(*, profile: StaffProfile, month: date) -> AssessmentRecord:
    record, _ = AssessmentRecord.objects.get_or_create(
        profile=profile, month=month, defaults={"unit_id": profile.unit_id}
    )
    return record


def _recompute(record: AssessmentRecord, reason: str, by, entries: list) -> None:
    scheme = scheme_for(record.unit)
    values = {name: getattr(record, name) for name in scheme.weights()}
    result = composite(values=values, scheme=scheme)
    for field, new in (
        ("composite", result.score),
        ("grade", result.grade),
        ("bonus_coefficient", result.bonus_coefficient),
    ):
        entry = _audit(record, field, getattr(record, field), new, reason, by)
        if entry:
            entries.append(entry)
        setattr(record, field, new)


def _save(record: AssessmentRecord, entries: list, expected_version: int | None = None) -> None:
    fields = {
        name: getattr(record, name)
        for name in [
            "exam_state",
            "exam_score",
            *ENTERED_COMPONENTS,
            "composite",
            "grade",
            "bonus_coefficient",
        ]
    }
    rows = AssessmentRecord.objects.filter(pk=record.pk)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    if not rows.update(**fields, version=F("version") + 1, updated_at=timezone.now()):
        raise ConflictError(
            "该考核记录已被他人修改，您的修改未保存。请刷新页面查看最新数据后重新填写。"
        )
    AuditEntry.objects.bulk_create(entries)
    record.version = (expected_version or record.version) + 1


def refresh_exam_score(
    *, profile: StaffProfile, month: date, reason: str
) -> AssessmentRecord | None:
    """Recompute a person's exam component from their monthly exams (the best counted score)."""
    from quizzes.models import Attempt, Exam

    with transaction.atomic():
        record = record_for(profile=profile, month=month)
        record = (
            AssessmentRecord.objects.select_for_update().select_related("unit").get(pk=record.pk)
        )
        if month_status(unit=record.unit, month=month) == AssessmentMonth.Status.LOCKED:
            return None  # a locked month changes only after HR reopens it
        exams = Exam.objects.filter(month=month).exclude(status=Exam.Status.DRAFT)
        attempts = list(
            Attempt.objects.filter(exam__in=exams, user_id=profile.user_id)
            .exclude(status=Attempt.Status.VOIDED)
            .only("status", "score", "max_score")
        )
        graded = [a for a in attempts if a.status == Attempt.Status.GRADED]
        if graded:
            state = AssessmentRecord.ExamState.GRADED
            score = max(exam_percentage(a.score, a.max_score) for a in graded)
        elif attempts:
            state, score = AssessmentRecord.ExamState.PENDING, None
        elif any(
            is_in_audience(exam=exam, profile=profile)
            for exam in exams.filter(makeup_of=None, status=Exam.Status.CLOSED)
        ):
            state = AssessmentRecord.ExamState.MISSED
            score = scheme_for(record.unit).missed_exam_score
        elif exams.exists():
            state, score = AssessmentRecord.ExamState.PENDING, None
        else:
            state, score = AssessmentRecord.ExamState.NOT_SCHEDULED, None
        entries = [
            entry
            for entry in (
                _audit(
                    record,
                    "exam_state",
                    record.get_exam_state_display(),
                    AssessmentRecord.ExamState(state).label,
                    reason,
                    None,
                ),
                _audit(record, "exam_score", record.exam_score, score, reason, None),
            )
            if entry
        ]
        if not entries:
            return record
        record.exam_state, record.exam_score = state, score
        _recompute(record, reason, None, entries)
        _save(record, entries)
        return record


def is_in_audience(*, exam, profile: StaffProfile) -> bool:
    unit_ids = {unit.pk: unit.path for unit in exam.audience_units.all()}
    user_ids = {user.pk for user in exam.audience_users.all()}
    if not unit_ids and not user_ids:
        return True
    if profile.user_id in user_ids:
        return True
    return any(profile.unit.path.startswith(path) for path in unit_ids.values())


# Supervisors' entries ------------------------------------------------------------------------

LIMITS = {
    "attendance_rate": (Decimal(0), Decimal(100), "出勤率应在 0–100 之间"),
    "error_rate": (Decimal(0), Decimal(100), "差错率应在 0–100 之间"),
    "complaints": (Decimal(0), Decimal(999), "投诉次数应为 0–999 的整数"),
    "satisfaction": (Decimal(0), Decimal(100), "满意度应在 0–100 之间"),
    "etiquette_score": (Decimal(0), Decimal(100), "服务礼仪得分应在 0–100 之间"),
}


def parse_component(name: str, raw) -> Decimal | int | None:
    """A component value from a form or spreadsheet cell; ValueError with a Chinese message."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ValueError(LIMITS[name][2])
    text = str(raw).strip().rstrip("%％")
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise ValueError(f"{LIMITS[name][2]}，“{raw}”不是数字") from error
    low, high, message = LIMITS[name]
    if not value.is_finite() or not low <= value <= high:
        raise ValueError(message)
    if name == "complaints":
        if value != value.to_integral_value():
            raise ValueError(message)
        return int(value)
    return value.quantize(Decimal("0.01"))


def can_edit_records(user) -> bool:
    return user.is_authenticated and (user.is_superuser or supervised_units(user).exists())


def update_components(
    *, record_id: int, by, values: dict, expected_version: int, reason: str = "班组长录入"
) -> AssessmentRecord:
    """Apply a supervisor's entries. Refused outside their scope, in a submitted or locked month,
    with a bad value, or if someone saved a newer version in the meantime (ConflictError)."""
    parsed = {}
    for name, raw in values.items():
        if name not in ENTERED_COMPONENTS:
            raise AssessmentError(f"不能录入“{name}”。")
        parsed[name] = parse_component(name, raw)
    with transaction.atomic():
        record = (
            AssessmentRecord.objects.select_for_update()
            .select_related("unit", "profile")
            .filter(pk=record_id, profile__in=visible_profiles(by))
            .first()
        )
        if (
            record is None
            or not can_edit_records(by)
            or record.profile.user_id == by.pk
            and not by.is_superuser
        ):
            raise AssessmentError("您无权修改这条考核记录。")
        status = month_status(unit=record.unit, month=record.month)
        if status != AssessmentMonth.Status.OPEN:
            raise AssessmentError(
                f"{record.month:%Y年%m月}的考核已{AssessmentMonth.Status(status).label}，不能修改。"
            )
        if record.version != expected_version:
            raise ConflictError(
                "该考核记录已被他人修改，您的修改未保存。请刷新页面查看最新数据后重新填写。"
            )
        entries = []
        for name, value in parsed.items():
            entry = _audit(record, name, getattr(record, name), value, reason, by)
            if entry:
                entries.append(entry)
                setattr(record, name, value)
        if not entries:
            return record
        _recompute(record, reason, by, entries)
        _save(record, entries, expected_version=expected_version)
        return record


# The month's workflow ------------------------------------------------------------------------


def _change_month(
    *, unit: Unit, month: date, by, to: str, allowed_from: set, reason: str
) -> AssessmentMonth:
    with transaction.atomic():
        state, _ = AssessmentMonth.objects.select_for_update().get_or_create(unit=unit, month=month)
        if state.status not in allowed_from:
            raise AssessmentError(
                f"{unit.name}{month:%Y年%m月}当前为“{state.get_status_display()}”，不能改为“{AssessmentMonth.Status(to).label}”。"
            )
        AuditEntry.objects.create(
            month_state=state,
            field="status",
            old_value=state.get_status_display(),
            new_value=AssessmentMonth.Status(to).label,
            reason=reason,
            changed_by=by,
        )
        state.status, state.changed_by, state.changed_at = to, by, timezone.now()
        state.save()
        return state


def _require_supervisor_of(unit: Unit, by, message: str) -> None:
    if not supervised_units(by).filter(pk__in=unit.ancestor_ids).exists():
        raise AssessmentError(message)


def submit_month(*, unit: Unit, month: date, by) -> AssessmentMonth:
    _require_supervisor_of(unit, by, "只有该单位的班组长（或上级）可以提交本月考核。")
    return _change_month(
        unit=unit,
        month=month,
        by=by,
        to=AssessmentMonth.Status.SUBMITTED,
        allowed_from={AssessmentMonth.Status.OPEN},
        reason="班组长提交",
    )


def withdraw_month(*, unit: Unit, month: date, by, reason: str) -> AssessmentMonth:
    _require_supervisor_of(unit, by, "只有该单位的班组长（或上级）可以撤回提交。")
    return _change_month(
        unit=unit,
        month=month,
        by=by,
        to=AssessmentMonth.Status.OPEN,
        allowed_from={AssessmentMonth.Status.SUBMITTED},
        reason=reason or "班组长撤回",
    )


def lock_month(*, unit: Unit, month: date, by) -> AssessmentMonth:
    if not can_see_everyone(by):
        raise AssessmentError("只有人资可以锁定月份。")
    return _change_month(
        unit=unit,
        month=month,
        by=by,
        to=AssessmentMonth.Status.LOCKED,
        allowed_from={AssessmentMonth.Status.SUBMITTED},
        reason="人资锁定",
    )


def reopen_month(*, unit: Unit, month: date, by, reason: str) -> AssessmentMonth:
    if not can_see_everyone(by):
        raise AssessmentError("只有人资可以重新开放已锁定的月份。")
    if not (reason or "").strip():
        raise AssessmentError("重新开放必须填写原因。")
    return _change_month(
        unit=unit,
        month=month,
        by=by,
        to=AssessmentMonth.Status.OPEN,
        allowed_from={AssessmentMonth.Status.LOCKED, AssessmentMonth.Status.SUBMITTED},
        reason=reason.strip(),
    )
