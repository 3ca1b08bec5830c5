"""A supervisor's entries, before anything is saved: reading a component value as typed in the
grid or a sheet, the rows to save (Entry) and the problems to show (Problem). No database access."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from portal.organisation.models import StaffProfile

from .models import AssessmentRecord

LIMITS = {
    "attendance_rate": (Decimal(0), Decimal(100), "出勤率应在 0–100 之间"),
    "error_rate": (Decimal(0), Decimal(100), "工作差错率应在 0–100 之间"),
    "complaints": (Decimal(0), Decimal(999), "投诉次数应为 0–999 的整数"),
    "contacts": (Decimal(0), Decimal(999999), "服务客户数应为 0–999999 的整数"),
    "satisfaction": (Decimal(0), Decimal(100), "满意率应在 0–100 之间"),
    "etiquette_score": (Decimal(0), Decimal(100), "服务礼仪得分应在 0–100 之间"),
}
COUNTS = {"complaints", "contacts"}


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
    if name in COUNTS:
        if value != value.to_integral_value():
            raise ValueError(message)
        return int(value)
    return value.quantize(Decimal("0.01"))


@dataclass
class Problem:
    line: int
    who: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.line} 行（{self.who}）：{self.message}"


@dataclass
class Entry:
    """One person's entered components, ready for services.update_components. `record` is None
    when the person had no record for the month when the grid or sheet was read."""

    line: int
    profile: StaffProfile
    record: AssessmentRecord | None
    values: dict = field(default_factory=dict)
    expected_version: int | None = None

    @property
    def who(self) -> str:
        return f"{self.profile.employee_number} {self.profile.name}"


def changed_values(record: AssessmentRecord | None, raw: dict) -> tuple[dict, list[str]]:
    """The entries that differ from the record (raw, as typed), and Chinese problems with any."""
    changes, problems = {}, []
    for name, value in raw.items():
        try:
            parsed = parse_component(name, value)
        except ValueError as error:
            problems.append(str(error))
            continue
        current = getattr(record, name) if record is not None else None
        if parsed != current:
            changes[name] = value
    return changes, problems
