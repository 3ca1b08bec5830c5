"""Questions that answer one another: a true/false whose stem states the key of a choice or fill-in
question of the same knowledge point ("…需在几声内接听？" with key 三声, and the true/false
"…铃响三声内接听…"). One paper never holds both (drawing.py); the blueprint check lists the pairs a
blueprint's pools hold (reveal_check.py). Key and stem are compared in the grading's normal form
(portal.thesaurus.text.normalise), so 三声 and 3声 match. Pure functions, no database access."""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from portal.thesaurus.text import normalise

from ..bank.answers import BLANK
from ..bank.choices import QuestionType

# A key shorter than this (after normalising) is too common a string to count as stated ("3").
MIN_KEY_LENGTH = 2
SHORT_FILL_KEY = 4
KEYED_TYPES = (QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.FILL)


@dataclass(frozen=True)
class RevealingPair:
    """`statement` (a true/false) states a key of `asked` (a single, multiple or fill-in question);
    both are of `knowledge_point`; `key` is the key text found in the statement."""

    asked_id: int
    statement_id: int
    knowledge_point: str
    key: str


@lru_cache(maxsize=4096)
def _normal(text: str) -> str:
    return normalise(text)


def _fill_keys(stem: str, answer) -> list[str]:
    """Each blank's alternatives; a short one (under four characters: 三, 客户) only with the
    stem's character next to it (铃响____声内 with 三 → 3声, 响3), so that a true/false stating it
    must restate the sentence, not merely use a common word."""
    parts = stem.split(BLANK)
    keys = []
    for number, alternatives in enumerate(answer or []):
        after = _normal(parts[number + 1])[:1] if number + 1 < len(parts) else ""
        before = _normal(parts[number])[-1:] if number < len(parts) else ""
        for alternative in alternatives if isinstance(alternatives, list) else [alternatives]:
            key = _normal(str(alternative))
            if len(key) >= SHORT_FILL_KEY:
                keys.append(key)
            elif key:
                keys += [key + after if after else "", before + key if before else ""]
    return keys


def key_texts(qtype: str, stem: str, options, answer) -> list[str]:
    """The key of a single, multiple or fill-in question as comparable texts (the right options'
    texts, each blank's alternatives); none for other types."""
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        options = list(options or [])
        keys = [
            _normal(options[i]) for i in answer or [] if isinstance(i, int) and i < len(options)
        ]
    elif qtype == QuestionType.FILL:
        keys = _fill_keys(stem, answer)
    else:
        return []
    return [key for key in dict.fromkeys(keys) if len(key) >= MIN_KEY_LENGTH]


@dataclass(frozen=True)
class PairFacts:
    """What the comparison needs of a question."""

    pk: int
    type: str
    knowledge_point: str
    stem: str
    options: tuple
    answer: object
    material_id: int | None = None


def facts_of(question) -> PairFacts:
    return PairFacts(
        pk=question.pk,
        material_id=question.material_id,
        type=question.type,
        knowledge_point=question.knowledge_point or "",
        stem=question.stem,
        options=tuple(question.options or ()),
        answer=question.answer,
    )


def revealing_pairs(questions: Iterable[PairFacts]) -> list[RevealingPair]:
    """Every pair among `questions` where a true/false's stem states a key of a single, multiple
    or fill-in question of the same (non-empty) knowledge point. Two sub-questions of one material
    are not a pair: they are asked together by design."""
    by_point: dict[str, tuple[list, list]] = {}
    for question in questions:
        point = _normal(question.knowledge_point)
        if not point:
            continue
        asked, statements = by_point.setdefault(point, ([], []))
        if question.type == QuestionType.TRUE_FALSE:
            statements.append(question)
        elif question.type in KEYED_TYPES:
            asked.append(question)
    pairs = []
    for asked, statements in by_point.values():
        if not asked or not statements:
            continue
        stems = [(statement, _normal(statement.stem)) for statement in statements]
        for question in asked:
            keys = key_texts(question.type, question.stem, question.options, question.answer)
            for statement, stem in stems:
                if question.material_id and question.material_id == statement.material_id:
                    continue
                key = next((key for key in keys if key in stem), None)
                if key is not None:
                    pairs.append(
                        RevealingPair(question.pk, statement.pk, question.knowledge_point, key)
                    )
    return pairs
