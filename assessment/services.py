"""What changes assessment records: exam scores flowing in, supervisors' entries, the month's
workflow. Every change of a value writes an AuditEntry in the same transaction."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from portal.notifications.models import Kind
from portal.notifications.services import announce
from portal.organisation.models import StaffProfile, Unit
from portal.organisation.permissions import (
    can_edit_records,
    can_manage_months,
    is_supervisor_of,
)
from portal.organisation.selectors import hr_user_ids, supervisor_user_ids, visible_profiles
from quizzes import results

from .entries import Entry, Problem, parse_component
from .models import (
    ENTERED_COMPONENTS,
    AssessmentMonth,
    AssessmentRecord,
    AuditEntry,
    HeldScoreChange,
)
from .scoring import complaint_rate, composite
from .selectors import held_changes_for, month_gaps, scheme_for


class AssessmentError(Exception):
    """Refused; the message (Chinese) is shown as it is."""


class ConflictError(AssessmentError):
    pass


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


def _audit(record, field, old, new, reason, by, job: str = "") -> AuditEntry | None:
    """An audit entry for a changed value; every entry names a person (`by`) or a job."""
    if _text(old) == _text(new):
        return None
    if by is None and not job:
        raise ValueError("a change must name the person or the job that made it")
    return AuditEntry(
        record=record,
        field=field,
        old_value=_text(old)[:100],
        new_value=_text(new)[:100],
        reason=reason[:300],
        changed_by=by,
        changed_by_job=job[:100],
    )


def record_for(*, profile: StaffProfile, month: date) -> AssessmentRecord:
    """The person's record for the month, created (empty, in their current unit) if missing."""
    record, _ = AssessmentRecord.objects.get_or_create(
        profile=profile, month=month, defaults={"unit_id": profile.unit_id}
    )
    return record


def create_missing_records(*, people: list[StaffProfile], month: date) -> set[int]:
    """Create the month's empty record of everyone in `people` who has none (saving a team's
    grid does this, so HR sees the whole team); the ids of the profiles whose record was made."""
    have = set(
        AssessmentRecord.objects.filter(month=month, profile__in=people).values_list(
            "profile_id", flat=True
        )
    )
    created = set()
    for person in people:
        if person.pk not in have:
            record_for(profile=person, month=month)
            created.add(person.pk)
    return created


def _recompute(record: AssessmentRecord, reason: str, by, entries: list, job: str = "") -> None:
    scheme = scheme_for(record.unit)
    rate = complaint_rate(complaints=record.complaints, contacts=record.contacts)
    values = {name: getattr(record, name) for name in scheme.weights()}
    values["complaint_rate"] = rate
    result = composite(values=values, scheme=scheme)
    for field, new in (
        ("complaint_rate", rate),
        ("composite", result.score),
        ("grade", result.grade),
        ("bonus_coefficient", result.bonus_coefficient),
    ):
        entry = _audit(record, field, getattr(record, field), new, reason, by, job)
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
            "complaint_rate",
            "composite",
            "grade",
            "bonus_coefficient",
            "service_star",
            "star_votes",
            "star_note",
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


def exam_component(*, profile: StaffProfile, month: date, unit: Unit) -> tuple[str, Decimal | None]:
    """The exam state and score (a percentage) the person's monthly exams give now: the best
    graded attempt (quizzes.results decides); 缺考 counts as the unit's scheme says."""
    outcome = results.month_outcome(profile=profile, month=month)
    if outcome.state == results.MISSED:
        return AssessmentRecord.ExamState.MISSED, scheme_for(unit).missed_exam_score
    return AssessmentRecord.ExamState(outcome.state), outcome.best


def record_exam_result(change: results.ResultChange) -> None:
    """A monthly exam result changed, so the person's record for that month is recomputed (or
    the new score held, for a closed month). Run by listeners.refresh_exam_record's job."""
    profile = StaffProfile.objects.select_related("unit").filter(user_id=change.user_id).first()
    if profile is not None:
        refresh_exam_score(
            profile=profile, month=change.month, reason=change.reason, by=change.by, job=change.job
        )


def refresh_exam_score(
    *, profile: StaffProfile, month: date, reason: str, by, job: str
) -> AssessmentRecord | None:
    """Recompute a person's exam component from their monthly exams (the best counted score).

    `by` is the person whose action caused it (a candidate submitting, a marker, a supervisor
    voiding), or None with `job` naming the system task. Only an open month changes: for a
    submitted or locked month the new value is held (HeldScoreChange) for HR or the supervisor
    to decide, and None is returned."""
    with transaction.atomic():
        record = record_for(profile=profile, month=month)
        record = (
            AssessmentRecord.objects.select_for_update().select_related("unit").get(pk=record.pk)
        )
        state, score = exam_component(profile=profile, month=month, unit=record.unit)
        status = month_status(unit=record.unit, month=month)
        if status != AssessmentMonth.Status.OPEN:
            _hold(record, state, score, status=status, reason=reason, by=by, job=job)
            return None
        entries = [
            entry
            for entry in (
                _audit(
                    record,
                    "exam_state",
                    record.get_exam_state_display(),
                    AssessmentRecord.ExamState(state).label,
                    reason,
                    by,
                    job,
                ),
                _audit(record, "exam_score", record.exam_score, score, reason, by, job),
            )
            if entry
        ]
        # Whatever was held for this record is now settled by this recomputation.
        HeldScoreChange.objects.filter(record=record, status=HeldScoreChange.Status.PENDING).update(
            status=HeldScoreChange.Status.SUPERSEDED, decided_at=timezone.now()
        )
        if not entries:
            return record
        record.exam_state, record.exam_score = state, score
        _recompute(record, reason, by, entries, job)
        _save(record, entries)
        return record


def _hold(record, state, score, *, status: str, reason: str, by, job: str) -> None:
    """Keep a score that arrived for a closed month aside (one pending change per record)."""
    same = record.exam_state == state and _text(record.exam_score) == _text(score)
    pending = HeldScoreChange.objects.filter(record=record, status=HeldScoreChange.Status.PENDING)
    if same:
        pending.update(status=HeldScoreChange.Status.SUPERSEDED, decided_at=timezone.now())
        return
    held = list(pending.only("exam_state", "exam_score", "month_status"))
    if len(held) == 1 and (held[0].exam_state, _text(held[0].exam_score), held[0].month_status) == (
        state,
        _text(score),
        status,
    ):
        return  # held already (the background job ran twice): nothing new to tell anyone
    pending.update(status=HeldScoreChange.Status.SUPERSEDED, decided_at=timezone.now())
    change = HeldScoreChange.objects.create(
        record=record,
        month_status=status,
        exam_state=state,
        exam_score=score,
        reason=reason[:300],
        caused_by=by,
        caused_by_job=(job or "")[:100],
    )
    _announce_held(change, record)


def _announce_held(change: HeldScoreChange, record: AssessmentRecord) -> None:
    """提交后变更: the supervisor and HR are told; a locked month's change waits for HR."""
    locked = change.month_status == AssessmentMonth.Status.LOCKED
    shown = f"{AssessmentRecord.ExamState(change.exam_state).label} {_text(change.exam_score)}"
    announce(
        key=f"held:{change.pk}",
        kind=Kind.LATE_SCORE,
        recipient_ids=[*supervisor_user_ids(record.unit), *hr_user_ids()],
        title=(
            f"提交后变更：{record.profile.name}{record.month:%Y年%m月}的月度考试成绩"
            + ("（月份已锁定，待人资决定）" if locked else "")
        ),
        body=(
            f"该月考核{'已锁定' if locked else '已提交'}后才算出新的成绩（{shown.strip()}），"
            f"未改动考核记录。原因：{change.reason}。"
            + ("请人资决定重新开放该月或维持原记录。" if locked else "可撤回提交后采用，或不采用。")
        ),
        url=reverse("assessment:held_scores"),
        subject=f"assessment.HeldScoreChange:{change.pk}",
    )


def decide_held_change(*, change_id: int, by, apply: bool, note: str) -> HeldScoreChange:
    """HR (any record) or a supervisor (their scope, never their own record) applies a held
    score — only once the month is open again — or dismisses it with a reason."""
    with transaction.atomic():
        change = (
            held_changes_for(user=by)
            .select_for_update(of=("self",))
            .select_related("record__unit", "record__profile")
            .filter(pk=change_id)
            .first()
        )
        if change is None:
            raise AssessmentError("没有这条待处理的成绩变更，或您无权处理。")
        if change.status != HeldScoreChange.Status.PENDING:
            raise AssessmentError(f"这条成绩变更已{change.get_status_display()}，无需再处理。")
        note = (note or "").strip()
        if not note:
            raise AssessmentError("请填写处理说明。")
        record = change.record
        if apply:
            status = month_status(unit=record.unit, month=record.month)
            if status != AssessmentMonth.Status.OPEN:
                raise AssessmentError(
                    f"{record.month:%Y年%m月}的考核已{AssessmentMonth.Status(status).label}，"
                    "成绩只能在填报中的月份变更：请先由班组长撤回提交或由人资重新开放该月，再采用。"
                )
    if apply:
        refresh_exam_score(
            profile=record.profile,
            month=record.month,
            reason=f"采用待处理成绩变更：{note}",
            by=by,
            job="",
        )
        status = HeldScoreChange.Status.APPLIED
    else:
        status = HeldScoreChange.Status.DISMISSED
    HeldScoreChange.objects.filter(pk=change.pk).update(
        status=status, decided_by=by, decided_at=timezone.now(), decision_note=note[:300]
    )
    change.refresh_from_db()
    return change


# Supervisors' entries ------------------------------------------------------------------------


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
        _check_counts(record)
        _recompute(record, reason, by, entries)
        _save(record, entries, expected_version=expected_version)
        return record


def _check_counts(record: AssessmentRecord) -> None:
    if record.complaints and record.contacts is not None and record.complaints > record.contacts:
        raise AssessmentError(
            f"投诉次数（{record.complaints}）不能多于服务客户数（{record.contacts}）：投诉率 = 投诉次数 ÷ 服务客户数。"
        )


# 服务明星 (004: 月初民主选举产生上月服务明星) -----------------------------------------------------


def record_service_stars(
    *, by, unit: Unit, month: date, stars: dict[int, tuple[int | None, str]]
) -> list[AssessmentRecord]:
    """The team's election result for `month`: {profile id: (votes, note)} — one or more people,
    each with a vote count or a note. Whoever of the team was star and is not in `stars` any
    more is unset. Only in an open month, only people the supervisor enters records for; every
    change is audited. Returns the records of the stars."""
    from .selectors import team_people

    if not is_supervisor_of(by, unit) and not by.is_superuser:
        raise AssessmentError("只有该单位的班组长（或上级）可以录入服务明星。")
    status = month_status(unit=unit, month=month)
    if status != AssessmentMonth.Status.OPEN:
        raise AssessmentError(
            f"{month:%Y年%m月}的考核已{AssessmentMonth.Status(status).label}，不能再录入服务明星。"
        )
    people = list(team_people(by=by, unit=unit))
    allowed = {person.pk for person in people}
    outside = set(stars) - allowed
    if outside:
        raise AssessmentError("服务明星只能从本单位在职人员中选出。")
    for votes, note in stars.values():
        if votes is None and not (note or "").strip():
            raise AssessmentError("每位服务明星都要填写得票数或评选说明。")
    chosen = []
    with transaction.atomic():
        create_missing_records(people=people, month=month)
        records = AssessmentRecord.objects.select_for_update().filter(
            month=month, profile_id__in=allowed
        )
        for record in records.select_related("profile"):
            votes, note = stars.get(record.profile_id, (None, ""))
            star = record.profile_id in stars
            new = (star, votes if star else None, (note or "").strip()[:200] if star else "")
            old = (record.service_star, record.star_votes, record.star_note)
            if new == old:
                if star:
                    chosen.append(record)
                continue
            entry = _audit(
                record, "service_star", _star_text(*old), _star_text(*new), "民主选举服务明星", by
            )
            record.service_star, record.star_votes, record.star_note = new
            _save(record, [entry] if entry else [])
            if star:
                chosen.append(record)
    return chosen


def _star_text(star: bool, votes, note: str) -> str:
    if not star:
        return "否"
    parts = ["服务明星"]
    if votes is not None:
        parts.append(f"{votes} 票")
    if note:
        parts.append(note)
    return " ".join(parts)


# The month's workflow ------------------------------------------------------------------------


def _change_month(
    *, unit: Unit, month: date, by, to: str, allowed_from: set, reason: str
) -> tuple[AssessmentMonth, AuditEntry | None]:
    """Move the month to `to`; asking for the state it is already in changes nothing (a lock
    requested twice locks once) and returns no audit entry."""
    with transaction.atomic():
        state, _ = AssessmentMonth.objects.select_for_update().get_or_create(unit=unit, month=month)
        if state.status == to:
            return state, None
        if state.status not in allowed_from:
            raise AssessmentError(
                f"{unit.name}{month:%Y年%m月}当前为“{state.get_status_display()}”，不能改为“{AssessmentMonth.Status(to).label}”。"
            )
        entry = AuditEntry.objects.create(
            month_state=state,
            field="status",
            old_value=state.get_status_display(),
            new_value=AssessmentMonth.Status(to).label,
            reason=reason,
            changed_by=by,
        )
        state.status, state.changed_by, state.changed_at = to, by, timezone.now()
        state.save()
        return state, entry


def _require_supervisor_of(unit: Unit, by, message: str) -> None:
    if not is_supervisor_of(by, unit):
        raise AssessmentError(message)


def _require_status(unit: Unit, month: date, allowed: str, to: str) -> None:
    """Refuse early (before listing what is incomplete) a change the month's state forbids."""
    state = AssessmentMonth.objects.filter(unit=unit, month=month).first()
    current = state.status if state else AssessmentMonth.Status.OPEN
    if current not in (allowed, to):
        raise AssessmentError(
            f"{unit.name}{month:%Y年%m月}当前为“{AssessmentMonth.Status(current).label}”，"
            f"不能改为“{AssessmentMonth.Status(to).label}”。"
        )


class IncompleteMonth(AssessmentError):
    """Submitting or locking an incomplete month needs a reason; `gaps` says what is missing."""

    def __init__(self, message: str, gaps):
        super().__init__(message)
        self.gaps = gaps


def _closing_reason(*, unit: Unit, month: date, base: str, reason: str, now) -> str:
    """The audit reason for submitting or locking; refused without a reason when incomplete."""
    gaps = month_gaps(unit=unit, month=month, now=now)
    reason = (reason or "").strip()
    if gaps.complete:
        return f"{base}：{reason}" if reason else base
    if not reason:
        raise IncompleteMonth(
            f"{unit.name}{month:%Y年%m月}的考核尚不完整（{gaps.summary}），"
            "如仍要继续，请填写原因。",
            gaps,
        )
    return f"{base}（不完整：{gaps.summary}）：{reason}"


def submit_month(*, unit: Unit, month: date, by, reason: str = "", now=None) -> AssessmentMonth:
    """班组长 submits the month. Incomplete (people without an exam result, components missing,
    exams still open after today) only with a reason; HR is told."""
    _require_supervisor_of(unit, by, "只有该单位的班组长（或上级）可以提交本月考核。")
    _require_status(unit, month, AssessmentMonth.Status.OPEN, AssessmentMonth.Status.SUBMITTED)
    text = _closing_reason(
        unit=unit, month=month, base="班组长提交", reason=reason, now=now or timezone.now()
    )
    state, entry = _change_month(
        unit=unit,
        month=month,
        by=by,
        to=AssessmentMonth.Status.SUBMITTED,
        allowed_from={AssessmentMonth.Status.OPEN},
        reason=text[:300],
    )
    if entry is not None:
        announce(
            key=f"month:{state.pk}:submitted:{entry.pk}",
            kind=Kind.MONTH_SUBMITTED,
            recipient_ids=hr_user_ids(),
            title=f"{unit.name}{month:%Y年%m月}考核已提交",
            body=f"{entry.cause}提交。{text}",
            url=f"{reverse('assessment:hr_assessments')}?month={month:%Y-%m}&unit={unit.code}",
            subject=f"assessment.AssessmentMonth:{state.pk}",
        )
    return state


def withdraw_month(*, unit: Unit, month: date, by, reason: str) -> AssessmentMonth:
    _require_supervisor_of(unit, by, "只有该单位的班组长（或上级）可以撤回提交。")
    state, _ = _change_month(
        unit=unit,
        month=month,
        by=by,
        to=AssessmentMonth.Status.OPEN,
        allowed_from={AssessmentMonth.Status.SUBMITTED},
        reason=reason or "班组长撤回",
    )
    return state


def lock_month(*, unit: Unit, month: date, by, reason: str = "", now=None) -> AssessmentMonth:
    """人资 locks a submitted month (incomplete only with a reason). A second request for a
    month already locked changes nothing."""
    if not can_manage_months(by):
        raise AssessmentError("只有人资可以锁定月份。")
    current = AssessmentMonth.objects.filter(unit=unit, month=month).first()
    if current is not None and current.status == AssessmentMonth.Status.LOCKED:
        return current
    _require_status(unit, month, AssessmentMonth.Status.SUBMITTED, AssessmentMonth.Status.LOCKED)
    text = _closing_reason(
        unit=unit, month=month, base="人资锁定", reason=reason, now=now or timezone.now()
    )
    state, _ = _change_month(
        unit=unit,
        month=month,
        by=by,
        to=AssessmentMonth.Status.LOCKED,
        allowed_from={AssessmentMonth.Status.SUBMITTED},
        reason=text[:300],
    )
    return state


def reopen_month(*, unit: Unit, month: date, by, reason: str) -> AssessmentMonth:
    """人资 reopens a submitted or locked month with a reason, which the supervisors see on the
    month page and in a notice."""
    if not can_manage_months(by):
        raise AssessmentError("只有人资可以重新开放已锁定的月份。")
    if not (reason or "").strip():
        raise AssessmentError("重新开放必须填写原因。")
    state, entry = _change_month(
        unit=unit,
        month=month,
        by=by,
        to=AssessmentMonth.Status.OPEN,
        allowed_from={AssessmentMonth.Status.LOCKED, AssessmentMonth.Status.SUBMITTED},
        reason=reason.strip(),
    )
    if entry is not None:
        announce(
            key=f"month:{state.pk}:reopened:{entry.pk}",
            kind=Kind.MONTH_REOPENED,
            recipient_ids=supervisor_user_ids(unit),
            title=f"人资重新开放了{unit.name}{month:%Y年%m月}的考核",
            body=f"原因：{reason.strip()}",
            url=f"{reverse('assessment:team_records')}?month={month:%Y-%m}&unit={unit.code}",
            subject=f"assessment.AssessmentMonth:{state.pk}",
        )
    return state


# Saving a grid or a sheet ----------------------------------------------------------------------


def save_entries(
    *, by, month: date, entries: list[Entry], reason: str, problems: list[Problem] | None = None
) -> list[Problem]:
    """Apply every entry in ONE transaction; if any is refused, nothing is saved and every
    problem is returned. `problems` already found (a value that does not parse) make the whole
    save roll back too, while every entry is still tried so that all refusals are listed. An
    entry for someone who had no record yet (a sheet row) goes into the record made now."""
    problems = list(problems or [])
    with transaction.atomic():
        for entry in entries:
            record, version = _entry_record(entry, month)
            try:
                update_components(
                    record_id=record.pk,
                    by=by,
                    values=entry.values,
                    expected_version=version,
                    reason=reason,
                )
            except (AssessmentError, ValueError) as error:
                problems.append(Problem(entry.line, entry.who, str(error)))
        if problems:
            transaction.set_rollback(True)
    return problems


def _entry_record(entry: Entry, month: date) -> tuple[AssessmentRecord, int]:
    if entry.record is not None:
        return entry.record, entry.expected_version
    record = record_for(profile=entry.profile, month=month)
    return record, record.version
