"""Question statistics from graded exam papers (practice never counts, voided papers never do).

One pass over the papers' answers, streamed in any order (no numpy, no per-question query):
each answer is filed under its question *version* — the paper snapshots that agree on stem,
options (as a set: options are shuffled per paper) and key — so a question edited after papers
were drawn is analysed per version. Then the figures of formulas.py per version, the choice
frequencies, the key-point hit rates, the estimated time and the flags editors act on.
"""

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import F, FloatField, Func, Q, QuerySet, TextField, Window
from django.db.models.functions import Cast, Lag
from django.utils import timezone

from ..bank.choices import Difficulty, QuestionType
from ..bank.models import Question
from ..papers.models import Attempt, AttemptQuestion
from . import formulas

# Fewer answers than this: no discrimination, no correlation, no flag (too few to say).
MIN_ATTEMPTS = 30
# Fewer answers than this: not even the facility is stated.
MIN_FACILITY_ATTEMPTS = 5
TOO_EASY = 0.95
TOO_HARD = 0.2
WEAK_DISCRIMINATION = 0.1
DEAD_DISTRACTOR = 0.02
# Measured difficulty from the facility (难度系数 P): P ≥ 0.7 易, 0.4 ≤ P < 0.7 中, P < 0.4 难.
EASY_FROM, HARD_BELOW = 0.7, 0.4
# A gap between two saves longer than this is not time spent on the later question.
LONGEST_GAP = timedelta(minutes=30)
CHUNK = 5000
UNANSWERED = "（未作答）"
TRUE_FALSE_TEXT = {True: "对", False: "错"}

FLAG_LABELS = {
    "too_easy": "过易（得分率 > 95%）",
    "too_hard": "过难（得分率 < 20%）",
    "negative_discrimination": "区分度为负（可能答案有误）",
    "weak_discrimination": "区分度接近零",
    "dead_distractor": "无效干扰项（选择率 < 2%）",
    "unmatched_key_point": "要点从未命中",
    "difficulty_mismatch": "标注难度与实测不符",
}


def measured_difficulty(facility: float | None) -> int | None:
    if facility is None:
        return None
    if facility >= EASY_FROM:
        return Difficulty.EASY
    return Difficulty.MEDIUM if facility >= HARD_BELOW else Difficulty.HARD


@dataclass
class ItemFigures:
    question_id: int | None
    code: str
    version: int
    versions: int
    type: str
    stem: str
    knowledge_point: str
    stated_difficulty: int | None
    attempts: int
    facility: float | None
    sd: float | None
    discrimination: float | None
    point_biserial: float | None
    corrected_r: float | None
    median_seconds: float | None
    measured_difficulty: int | None
    options: list[dict]
    key_points: list[dict]
    flags: list[str]

    @property
    def note(self) -> str:
        if self.attempts < MIN_FACILITY_ATTEMPTS:
            return f"作答仅 {self.attempts} 次，不足 {MIN_FACILITY_ATTEMPTS} 次，不计算得分率"
        if self.attempts < MIN_ATTEMPTS:
            return f"作答仅 {self.attempts} 次，不足 {MIN_ATTEMPTS} 次，不计算区分度和相关系数"
        return ""

    def as_json(self) -> dict:
        data = {key: value for key, value in self.__dict__.items() if key != "question_id"}
        data["note"] = self.note
        return data


@dataclass
class _Version:
    """The answers of one question version, as they stream past."""

    question_id: int | None
    type: str
    stem: str
    first_attempt: int | None
    option_texts: list[str]
    key_texts: frozenset
    key_points: list[str]
    scores: list[float] = field(default_factory=list)
    totals: list[float] = field(default_factory=list)
    rests: list[float] = field(default_factory=list)
    chosen: Counter = field(default_factory=Counter)
    hits: Counter = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)
    responses: dict[tuple, int] = field(default_factory=dict)  # (options, response) texts → n
    markings: dict[str | None, int] = field(default_factory=dict)  # marking text → n


@dataclass
class ExamFigures:
    exam_id: int
    title: str
    attempts: int = 0
    totals: list[float] = field(default_factory=list)
    minutes: list[float] = field(default_factory=list)

    def as_json(self) -> dict:
        median = formulas.median_or_none(self.minutes)
        return {
            "exam_id": self.exam_id,
            "title": self.title,
            "attempts": self.attempts,
            "mean": _round(formulas.mean(self.totals)),
            "sd": _round(formulas.standard_deviation(self.totals)),
            "median_minutes": _round(median, 1),
        }


@dataclass
class Statistics:
    items: list[ItemFigures]
    exams: list[dict]
    attempts: int
    answers: int


def _round(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def graded_attempts(*, exam_id: int | None = None, since: date | None = None) -> QuerySet[Attempt]:
    """Graded exam papers (a voided or unfinished paper never counts), of one exam or all, from
    the month `since` on (a monthly exam by its month, a mock exam by when it was handed in)."""
    attempts = Attempt.objects.filter(status=Attempt.Status.GRADED, score__isnull=False)
    if exam_id is not None:
        attempts = attempts.filter(exam_id=exam_id)
    if since is not None:
        start = timezone.make_aware(datetime(since.year, since.month, 1))
        attempts = attempts.filter(
            Q(exam__month__gte=since) | Q(exam__month__isnull=True, submitted_at__gte=start)
        )
    return attempts


def _share(part, whole) -> float:
    return float(part) / float(whole) if whole else 0.0


def _texts(row_type: str, options: list, key) -> tuple[list[str], frozenset]:
    if row_type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return [str(text) for text in options], frozenset(str(options[i]) for i in key)
    if row_type == QuestionType.TRUE_FALSE:
        return ["对", "错"], frozenset(TRUE_FALSE_TEXT[bool(value)] for value in key)
    return [], frozenset()


def _chosen_texts(row_type: str, options: list, response) -> list[str]:
    if response is None or response == [] or response == "":
        return [UNANSWERED]
    if row_type == QuestionType.SINGLE:
        return [str(options[response])] if 0 <= response < len(options) else [UNANSWERED]
    if row_type == QuestionType.MULTIPLE:
        return [str(options[i]) for i in response if 0 <= i < len(options)]
    if row_type == QuestionType.TRUE_FALSE:
        return [TRUE_FALSE_TEXT[bool(response)]]
    return []


def _point_text(raw) -> str:
    """A key point's text as marking names it (a weighted point is {"point", "weight"})."""
    return str((raw.get("point", "") if isinstance(raw, dict) else raw) or "").strip()


def _point_hits(marking: list) -> Iterator[tuple[str, bool]]:
    for entry in marking or []:
        accepted = entry.get("accepted")
        yield (
            str(entry.get("point", "")),
            bool(accepted if accepted is not None else entry.get("matched")),
        )


class _Collector:
    """Files each answer under its version, one row at a time in any order. The rows carry the
    JSON columns as text, the scores as floats and the seconds since the paper's previous save
    (computed by the database: no datetimes to parse); each distinct stem/options/key is decoded
    once, and the chosen options and matched key points are tallied by their text during the
    pass and decoded once per distinct text after it."""

    def __init__(self, attempts: dict[int, tuple]):
        self.attempts = attempts  # id → (score, max_score, total share), floats
        self.versions: dict[tuple, _Version] = {}
        self.by_shape: dict[tuple, _Version] = {}  # the row's raw identity → its version
        self.answers = 0

    def _version(self, question_id, row_type, stem, options_text, key_text) -> _Version:
        options = json.loads(options_text) if options_text else []
        key = json.loads(key_text) if key_text else None
        texts, key_texts = _texts(row_type, options, key)
        signature_part = (
            (tuple(sorted(map(str, options))), tuple(sorted(key_texts)))
            if row_type in (QuestionType.SINGLE, QuestionType.MULTIPLE)
            else key_text
        )
        signature = (question_id, row_type, stem, signature_part)
        version = self.versions.get(signature)
        if version is None:
            version = self.versions[signature] = _Version(
                question_id=question_id,
                type=row_type,
                stem=stem,
                first_attempt=None,
                option_texts=sorted(texts) if row_type != QuestionType.TRUE_FALSE else texts,
                key_texts=key_texts,
                key_points=[_point_text(point) for point in key or []]
                if row_type == QuestionType.SHORT
                else [],
            )
        return version

    def add(self, rows: Iterable[tuple]) -> None:
        attempts, by_shape = self.attempts, self.by_shape
        choice_types = CHOICE_TYPES
        short = QuestionType.SHORT
        longest = LONGEST_GAP.total_seconds()
        answers = 0
        for row in rows:
            (attempt_id, question_id, row_type, stem, options_text, key_text) = row[:6]
            response_text, awarded, item_max, marking_text, gap = row[6:]
            shape = (question_id, row_type, stem, options_text, key_text)
            version = by_shape.get(shape)
            if version is None:
                version = by_shape[shape] = self._version(*shape)
            if version.first_attempt is None or attempt_id < version.first_attempt:
                version.first_attempt = attempt_id
            score, max_score, total = attempts[attempt_id]
            version.scores.append(awarded / item_max if item_max else 0.0)
            version.totals.append(total)
            rest_max = max_score - item_max
            version.rests.append((score - awarded) / rest_max if rest_max > 0 else 0.0)
            if row_type in choice_types:
                tally = version.responses
                tally[(options_text, response_text)] = (
                    tally.get((options_text, response_text), 0) + 1
                )
            elif row_type == short:
                version.markings[marking_text] = version.markings.get(marking_text, 0) + 1
            if gap is not None and 0 < gap <= longest:
                version.seconds.append(gap)
            answers += 1
        self.answers += answers

    def tally(self) -> None:
        """The chosen options and the matched key points, from the texts tallied in the pass."""
        decoded: dict[str, object] = {}

        def load(text):
            if text is None:
                return None
            if text not in decoded:
                decoded[text] = json.loads(text)
            return decoded[text]

        for version in self.versions.values():
            for (options_text, response_text), count in version.responses.items():
                chosen = _chosen_texts(version.type, load(options_text) or [], load(response_text))
                for text in chosen:
                    version.chosen[text] += count
            for marking_text, count in version.markings.items():
                for point, hit in _point_hits(load(marking_text) or []):
                    if hit:
                        version.hits[point] += count


CHOICE_TYPES = frozenset({QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUE_FALSE})


class _SecondsBetween(Func):
    """Seconds from the second expression to the first, as a float (NULL if either is NULL), on
    PostgreSQL and SQLite alike."""

    arity = 2
    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        later, earlier = (compiler.compile(expression) for expression in self.source_expressions)
        sql = self.template_for(connection.vendor) % (later[0], earlier[0])
        return sql, (*later[1], *earlier[1])

    @staticmethod
    def template_for(vendor: str) -> str:
        if vendor == "postgresql":
            return "CAST(EXTRACT(EPOCH FROM (%s - %s)) AS double precision)"
        return "((julianday(%s) - julianday(%s)) * 86400.0)"


def _rows(attempts: QuerySet[Attempt]) -> Iterable[tuple]:
    return _row_query(attempts).iterator(chunk_size=CHUNK)


def _row_query(attempts: QuerySet[Attempt]) -> QuerySet:
    """Every answer of the papers, with the seconds since the same paper's previous save (the
    paper's start for its first save; NULL when this answer was never saved)."""
    text = TextField()
    previous_save = Window(
        Lag("saved_at", default=F("attempt__started_at")),
        partition_by=F("attempt_id"),
        order_by=[F("saved_at").asc(nulls_last=True), F("pk").asc()],
    )
    return (
        AttemptQuestion.objects.filter(attempt__in=attempts, awarded__isnull=False)
        .order_by()
        .annotate(
            options_text=Cast("options", text),
            key_text=Cast("answer_key", text),
            response_text=Cast("response", text),
            marking_text=Cast("marking", text),
            awarded_float=Cast("awarded", FloatField()),
            max_float=Cast("max_score", FloatField()),
            gap=_SecondsBetween(F("saved_at"), previous_save),
        )
        .values_list(
            "attempt_id",
            "question_id",
            "type",
            "stem",
            "options_text",
            "key_text",
            "response_text",
            "awarded_float",
            "max_float",
            "marking_text",
            "gap",
        )
    )


def _collect(attempts: QuerySet[Attempt]) -> tuple[_Collector, dict[int, ExamFigures]]:
    papers = {}
    exams: dict[int, ExamFigures] = {}
    for pk, exam_id, title, score, max_score, started, submitted in attempts.values_list(
        "pk", "exam_id", "exam__title", "score", "max_score", "started_at", "submitted_at"
    ).iterator(chunk_size=CHUNK):
        score, max_score = float(score), float(max_score)
        papers[pk] = (score, max_score, _share(score, max_score))
        exam = exams.setdefault(exam_id, ExamFigures(exam_id, title))
        exam.attempts += 1
        exam.totals.append(_share(score, max_score))
        if submitted and started and submitted > started:
            exam.minutes.append((submitted - started).total_seconds() / 60)
    collector = _Collector(papers)
    collector.add(_rows(attempts))
    collector.tally()
    return collector, exams


def flags_for(figures: ItemFigures) -> list[str]:
    """What an editor should look at, only where there are enough answers to say so."""
    if figures.attempts < MIN_ATTEMPTS or figures.facility is None:
        return []
    flags = []
    if figures.facility > TOO_EASY:
        flags.append("too_easy")
    if figures.facility < TOO_HARD:
        flags.append("too_hard")
    if figures.discrimination is not None:
        if figures.discrimination < 0:
            flags.append("negative_discrimination")
        elif figures.discrimination < WEAK_DISCRIMINATION:
            flags.append("weak_discrimination")
    if figures.type != QuestionType.TRUE_FALSE and any(
        not row["key"] and row["share"] < DEAD_DISTRACTOR for row in figures.options
    ):
        flags.append("dead_distractor")
    if any(row["hits"] == 0 for row in figures.key_points):
        flags.append("unmatched_key_point")
    if (
        figures.stated_difficulty is not None
        and figures.measured_difficulty is not None
        and figures.stated_difficulty != figures.measured_difficulty
    ):
        flags.append("difficulty_mismatch")
    return flags


def _figures(version: _Version, number: int, count: int, question) -> ItemFigures:
    n = len(version.scores)
    enough = n >= MIN_ATTEMPTS
    facility = formulas.mean(version.scores) if n >= MIN_FACILITY_ATTEMPTS else None
    options = [
        {
            "text": text,
            "key": text in version.key_texts,
            "chosen": version.chosen[text],
            "share": _round(version.chosen[text] / n) if n else 0,
        }
        for text in version.option_texts
    ]
    if version.chosen[UNANSWERED]:
        options.append(
            {
                "text": UNANSWERED,
                "key": False,
                "chosen": version.chosen[UNANSWERED],
                "share": _round(version.chosen[UNANSWERED] / n),
            }
        )
    figures = ItemFigures(
        question_id=version.question_id,
        code=question.code if question else "（已删除的试题）",
        version=number,
        versions=count,
        type=version.type,
        stem=version.stem,
        knowledge_point=question.knowledge_point if question else "",
        stated_difficulty=question.difficulty if question else None,
        attempts=n,
        facility=_round(facility),
        sd=_round(formulas.standard_deviation(version.scores)) if facility is not None else None,
        discrimination=(
            _round(formulas.discrimination_index(version.scores, version.totals))
            if enough
            else None
        ),
        point_biserial=_round(formulas.correlation(version.scores, version.totals))
        if enough
        else None,
        corrected_r=_round(formulas.correlation(version.scores, version.rests)) if enough else None,
        median_seconds=_round(formulas.median_or_none(version.seconds), 1),
        measured_difficulty=measured_difficulty(facility) if enough else None,
        options=options if version.option_texts else [],
        key_points=[
            {"point": point, "hits": version.hits[point], "share": _round(version.hits[point] / n)}
            for point in version.key_points
        ],
        flags=[],
    )
    figures.flags = flags_for(figures)
    return figures


def compute(*, exam_id: int | None = None, since: date | None = None) -> Statistics:
    """Every question version's figures over the graded papers chosen (see graded_attempts)."""
    attempts = graded_attempts(exam_id=exam_id, since=since)
    collector, exams = _collect(attempts)
    by_question: dict[int | None, list[_Version]] = defaultdict(list)
    for version in collector.versions.values():
        by_question[version.question_id].append(version)
    questions = Question.objects.only("pk", "code", "knowledge_point", "difficulty").in_bulk(
        [pk for pk in by_question if pk is not None]
    )
    items = []
    for question_id, versions in by_question.items():
        versions.sort(key=lambda version: version.first_attempt)
        question = questions.get(question_id)
        for number, version in enumerate(versions, start=1):
            items.append(_figures(version, number, len(versions), question))
    items.sort(key=lambda item: (item.code, item.version))
    return Statistics(
        items=items,
        exams=[exam.as_json() for exam in exams.values()],
        attempts=len(collector.attempts),
        answers=collector.answers,
    )
