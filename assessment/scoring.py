"""Assessment arithmetic as plain functions: sub-scores, composite, grade. No database access."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def _clamp(value: Decimal) -> Decimal:
    return max(Decimal(0), min(HUNDRED, value))


def sub_scores(*, values: dict, scheme) -> dict[str, Decimal] | None:
    """Each component on a 0–100 scale, or None if a component is still missing."""
    if any(values.get(name) is None for name in scheme.weights()):
        return None
    return {
        "exam_score": _clamp(Decimal(values["exam_score"])),
        "attendance_rate": _clamp(Decimal(values["attendance_rate"])),
        "error_rate": _clamp(HUNDRED - Decimal(values["error_rate"]) * scheme.error_penalty),
        "complaint_rate": _clamp(
            HUNDRED - Decimal(values["complaint_rate"]) * scheme.complaint_penalty
        ),
        "satisfaction": _clamp(Decimal(values["satisfaction"])),
        "etiquette_score": _clamp(Decimal(values["etiquette_score"])),
    }


@dataclass
class Composite:
    score: Decimal | None
    grade: str
    bonus_coefficient: Decimal | None


def composite(*, values: dict, scheme) -> Composite:
    scores = sub_scores(values=values, scheme=scheme)
    if scores is None:
        return Composite(None, "", None)
    weights = scheme.weights()
    total = sum((scores[name] * weight for name, weight in weights.items()), Decimal(0))
    score = (total / sum(weights.values())).quantize(CENT, rounding=ROUND_HALF_UP)
    for band in sorted(scheme.grade_bands, key=lambda b: Decimal(str(b["min"])), reverse=True):
        if score >= Decimal(str(band["min"])):
            coefficient = band.get("coefficient")
            return Composite(
                score,
                band["name"],
                Decimal(str(coefficient)) if coefficient not in (None, "") else None,
            )
    return Composite(score, "", None)


def validate_bands(bands) -> list[str]:
    if not isinstance(bands, list) or not bands:
        return ["至少需要一个等级。"]
    problems = []
    for band in bands:
        if not isinstance(band, dict) or not str(band.get("name", "")).strip():
            problems.append("每个等级都要有名称。")
            continue
        try:
            minimum = Decimal(str(band.get("min")))
        except ArithmeticError:
            problems.append(f"等级“{band['name']}”的最低分不是数字。")
            continue
        if not 0 <= minimum <= 100:
            problems.append(f"等级“{band['name']}”的最低分必须在 0–100 之间。")
    if not problems and min(Decimal(str(b["min"])) for b in bands) != 0:
        problems.append("最低一级的最低分必须为 0，使每个综合分都有等级。")
    return problems


def exam_percentage(score: Decimal, max_score: Decimal) -> Decimal:
    if not max_score:
        return Decimal(0)
    return (Decimal(score) * HUNDRED / Decimal(max_score)).quantize(CENT, rounding=ROUND_HALF_UP)


MILLI = Decimal("0.001")


def complaint_rate(*, complaints: int | None, contacts: int | None) -> Decimal | None:
    """投诉率 (%): complaints over the contacts handled, to three places; None until both are
    known. No contacts and no complaints is a rate of 0; complaints without contacts is refused
    where they are entered (entries.py)."""
    if complaints is None or contacts is None:
        return None
    if not contacts:
        return Decimal(0) if not complaints else None
    return (Decimal(complaints) * HUNDRED / Decimal(contacts)).quantize(
        MILLI, rounding=ROUND_HALF_UP
    )
