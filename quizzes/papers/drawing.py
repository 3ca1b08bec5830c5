"""Drawing a paper from a blueprint: reproducible from a seed, no repeats, least-seen first."""

import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q

from ..bank.choices import QuestionType
from ..bank.models import Question, QuestionCategory, in_category_condition
from ..practice.models import AnswerRecord
from .models import Attempt, AttemptQuestion, Blueprint, BlueprintSection


class DrawError(Exception):
    """A blueprint cannot be drawn; the message (Chinese) names the section and the shortfall."""


@dataclass
class DrawnQuestion:
    position: int
    section: BlueprintSection
    question: Question
    option_order: list[int]  # displayed option i is the question's option option_order[i]


def usage_filter(blueprint: Blueprint) -> Q:
    """The question uses (练习 / 考试专用 / 通用) a blueprint draws from; empty: any."""
    usages = list(blueprint.question_usages or [])
    return Q(usage__in=usages) if usages else Q()


def section_pool_filter(section: BlueprintSection) -> Q:
    condition = Q(status=Question.Status.ACTIVE) & usage_filter(section.blueprint)
    if section.types:
        condition &= Q(type__in=section.types)
    if section.difficulties:
        condition &= Q(difficulty__in=section.difficulties)
    category_condition = Q()
    for category in section.categories.all():
        category_condition |= in_category_condition(category.path, "category__path")
    return condition & category_condition


def times_seen(user) -> Counter:
    """How often the person has met each question: in exam papers and in practice (one query)."""
    seen: Counter = Counter()
    if user is None:
        return seen
    exam_rows = (
        AttemptQuestion.objects.filter(attempt__user=user, question__isnull=False)
        .order_by()
        .values("question_id")
        .annotate(times=Count("id"))
    )
    practice_rows = (
        AnswerRecord.objects.filter(user=user, origin=AnswerRecord.Origin.PRACTICE)
        .order_by()
        .values("question_id")
        .annotate(times=Count("id"))
    )
    for question_id, times in exam_rows.union(practice_rows, all=True).values_list(
        "question_id", "times"
    ):
        seen[question_id] += times
    return seen


# A section's questions are sampled by drawing random primary keys between the bank's lowest and
# highest and keeping those that are in the section's pool (rejection sampling): every question of
# the pool is equally likely, and the cost follows the paper's size, not the bank's. Where that
# would take too many probes (a small pool in a large bank, or a person who has met most of the
# pool), the section's whole pool is read instead, as any draw of a small pool does.
PROBES_PER_QUESTION = 12  # first round: random keys per question wanted
MAX_PROBES = 20_000  # more would cost more than reading the pool
ROUNDS = 2


@dataclass
class _Pool:
    """One section's pool as conditions on a question's category, type and difficulty."""

    section: BlueprintSection
    category_ids: frozenset[int] | None  # None: any category
    types: frozenset[str] | None
    difficulties: frozenset[int] | None
    usages: frozenset[str] | None
    picked: list[int]
    missing: int = 0
    hits: int = 0  # probes that landed in the pool (usable or not)
    probes: int = 0

    def admits(self, category_id: int, qtype: str, difficulty: int) -> bool:
        return (
            (self.category_ids is None or category_id in self.category_ids)
            and (self.types is None or qtype in self.types)
            and (self.difficulties is None or difficulty in self.difficulties)
        )

    def overlaps(self, other: "_Pool") -> bool:
        def meet(a, b) -> bool:
            return a is None or b is None or bool(a & b)

        return (
            meet(self.category_ids, other.category_ids)
            and meet(self.types, other.types)
            and meet(self.difficulties, other.difficulties)
        )

    def condition(self) -> Q:
        condition = Q(status=Question.Status.ACTIVE)
        if self.category_ids is not None:
            condition &= Q(category_id__in=sorted(self.category_ids))
        if self.types is not None:
            condition &= Q(type__in=sorted(self.types))
        if self.difficulties is not None:
            condition &= Q(difficulty__in=sorted(self.difficulties))
        if self.usages is not None:
            condition &= Q(usage__in=sorted(self.usages))
        return condition


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


def _facts(blueprint: Blueprint, user) -> tuple[dict[int, set[int]], Counter, tuple]:
    """In one query: each section's chosen categories with all their subcategories, how often
    the person has met each question (exam papers and practice), the bank's lowest and highest
    key. Tagged rows of three numbers, so the draw needs no separate trip for each."""
    link = BlueprintSection.categories.through
    category = _table(QuestionCategory)
    parts = [
        f"""SELECT 'c', link.{_column(link, "blueprintsection")}, sub.id
        FROM {_table(link)} link
        JOIN {_table(BlueprintSection)} section
            ON section.id = link.{_column(link, "blueprintsection")}
        JOIN {category} chosen ON chosen.id = link.{_column(link, "questioncategory")}
        JOIN {category} sub ON sub.path = chosen.path
            OR substr(sub.path, 1, length(chosen.path) + 1) = chosen.path || '/'
        WHERE section.{_column(BlueprintSection, "blueprint")} = %s""",
        f"SELECT 'b', min(id), max(id) FROM {_table(Question)}",
    ]
    params: list = [blueprint.pk]
    if user is not None:
        parts.append(
            f"""SELECT 'e', paper.{_column(AttemptQuestion, "question")}, count(*)
            FROM {_table(AttemptQuestion)} paper
            JOIN {_table(Attempt)} attempt
                ON attempt.id = paper.{_column(AttemptQuestion, "attempt")}
            WHERE attempt.{_column(Attempt, "user")} = %s
                AND paper.{_column(AttemptQuestion, "question")} IS NOT NULL
            GROUP BY paper.{_column(AttemptQuestion, "question")}"""
        )
        parts.append(
            f"""SELECT 'p', {_column(AnswerRecord, "question")}, count(*)
            FROM {_table(AnswerRecord)}
            WHERE {_column(AnswerRecord, "user")} = %s AND origin = %s
            GROUP BY {_column(AnswerRecord, "question")}"""
        )
        params += [user.pk, user.pk, AnswerRecord.Origin.PRACTICE]
    subtree: dict[int, set[int]] = {}
    seen: Counter = Counter()
    bounds: tuple = (None, None)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for tag, first, second in cursor.fetchall():
            if tag == "c":
                subtree.setdefault(first, set()).add(second)
            elif tag == "b":
                bounds = (first, second)
            else:
                seen[first] += second
    return subtree, seen, bounds


def _probe(keys: list[int], usages: frozenset[str] | None) -> dict[int, tuple]:
    """Which of these keys are active questions of the blueprint's uses, with their category,
    type and difficulty."""
    if connection.vendor == "postgresql":
        # One array literal rather than thousands of placeholders, and no model machinery:
        # this is the one query whose size grows with the sparsest section's pool.
        usage_sql, params = "", ["{" + ",".join(map(str, keys)) + "}", Question.Status.ACTIVE]
        if usages is not None:
            usage_sql = " AND usage = ANY(%s::text[])"
            params.append("{" + ",".join(sorted(usages)) + "}")
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT id, {_column(Question, "category")}, type, difficulty
                FROM {_table(Question)}
                WHERE id = ANY(%s::bigint[]) AND status = %s{usage_sql}""",
                params,
            )
            return {
                pk: (category_id, qtype, difficulty)
                for pk, category_id, qtype, difficulty in cursor
            }
    rows = Question.objects.filter(pk__in=keys, status=Question.Status.ACTIVE)
    if usages is not None:
        rows = rows.filter(usage__in=sorted(usages))
    rows = rows.values_list("pk", "category_id", "type", "difficulty")
    return {pk: (category_id, qtype, difficulty) for pk, category_id, qtype, difficulty in rows}


def _sample(pools: list[_Pool], rng: random.Random, seen: Counter, bounds: tuple) -> set[int]:
    """Fill what rejection sampling can fill with unmet questions, each equally likely.

    One stream of random keys serves every section. A key goes to the first unfinished section
    whose pool holds it; a section whose pool overlaps an earlier unfinished one's waits until
    that one is full, so it samples only from what the earlier sections left, as drawing them one
    after the other would. Returns the keys chosen."""
    chosen: set[int] = set()
    low, high = bounds
    if low is None:
        return chosen
    span = high - low + 1
    earlier_overlapping = [
        [j for j in range(i) if pools[j].overlaps(pools[i])] for i in range(len(pools))
    ]
    admitting: dict[tuple, list[int]] = {}
    probes = min(MAX_PROBES, max(64, sum(p.missing for p in pools) * PROBES_PER_QUESTION))
    uniform = rng.random
    for _ in range(ROUNDS):
        keys = [low + int(uniform() * span) for _ in range(probes)]
        open_pools = [pool for pool in pools if pool.missing > 0]
        found = _probe(sorted(set(keys)), pools[0].usages)
        for pool in open_pools:
            pool.probes += probes
        for key in keys:
            row = found.get(key)
            if row is None:
                continue
            takers = admitting.get(row)
            if takers is None:
                takers = admitting[row] = [i for i, p in enumerate(pools) if p.admits(*row)]
            for i in takers:
                pool = pools[i]
                if pool.missing <= 0:
                    continue
                pool.hits += 1
                # Any earlier pool that holds this key is full by now (else it took the key).
                blocked = any(pools[j].missing > 0 for j in earlier_overlapping[i])
                if not blocked and key not in chosen and not seen[key]:
                    pool.picked.append(key)
                    pool.missing -= 1
                    chosen.add(key)
                break
        short = [pool for pool in pools if pool.missing > 0]
        if not short:
            return chosen
        # The next round's size from the densities seen so far; too sparse a pool is read whole.
        needed = 0
        for pool in short:
            usable = len(pool.picked) or pool.hits
            if not usable:
                return chosen
            needed = max(needed, int(pool.missing * pool.probes / usable * 2) + 16)
        if needed > MAX_PROBES or needed > span * 4:
            return chosen
        probes = needed
    return chosen


def _fill_from_whole_pool(pool: _Pool, rng: random.Random, seen: Counter, chosen: set[int]) -> None:
    """Read the section's whole pool: least seen first, random among equals (the seed's order)."""
    chosen.difference_update(pool.picked)
    candidates = list(
        Question.objects.filter(pool.condition())
        .exclude(pk__in=chosen)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    section = pool.section
    if len(candidates) < section.question_count:
        raise DrawError(
            f"大题“{section.title}”题目不足：需要 {section.question_count} 道，"
            f"符合条件的启用试题只有 {len(candidates)} 道，"
            f"还差 {section.question_count - len(candidates)} 道。"
        )
    rng.shuffle(candidates)
    candidates.sort(key=lambda pk: seen[pk])  # stable: random order among equally seen questions
    pool.picked = candidates[: section.question_count]
    pool.missing = 0
    chosen.update(pool.picked)


def draw_paper(*, blueprint: Blueprint, seed: int, user=None) -> list[DrawnQuestion]:
    """The same seed, bank and history always give the same paper.

    Every question of a section's pool is equally likely, except that questions the person has
    met less come first; no question appears twice. A fixed number of queries whatever the bank's
    size: four or five, and one more for each section whose pool has to be read whole."""
    rng = random.Random(seed)
    sections = list(blueprint.sections.order_by("sort_order", "pk"))
    if not sections:
        raise DrawError(f"组卷规则“{blueprint.name}”还没有大题，无法抽题。")
    subtree, seen, bounds = _facts(blueprint, user)
    usages = frozenset(blueprint.question_usages) if blueprint.question_usages else None
    pools = [
        _Pool(
            section=section,
            category_ids=frozenset(subtree[section.pk]) if section.pk in subtree else None,
            types=frozenset(section.types) if section.types else None,
            difficulties=frozenset(section.difficulties) if section.difficulties else None,
            usages=usages,
            picked=[],
            missing=section.question_count,
        )
        for section in sections
    ]
    chosen = _sample(pools, rng, seen, bounds)
    for pool in pools:
        if pool.missing > 0:
            _fill_from_whole_pool(pool, rng, seen, chosen)
        if not blueprint.shuffle_questions:
            pool.picked.sort()

    questions = Question.objects.select_related("category").in_bulk(
        [pk for pool in pools for pk in pool.picked]
    )
    drawn = []
    for pool in pools:
        for pk in pool.picked:
            question = questions[pk]
            order = list(range(len(question.options or [])))
            if blueprint.shuffle_options and question.type in (
                QuestionType.SINGLE,
                QuestionType.MULTIPLE,
            ):
                rng.shuffle(order)
            drawn.append(DrawnQuestion(len(drawn) + 1, pool.section, question, order))
    return drawn


def snapshot(drawn: DrawnQuestion, attempt) -> AttemptQuestion:
    """Copy what is asked into the attempt, with the answer key in displayed option order."""
    question = drawn.question
    key = question.answer
    options = question.options or []
    if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        displayed_index = {original: shown for shown, original in enumerate(drawn.option_order)}
        options = [question.options[original] for original in drawn.option_order]
        key = sorted(displayed_index[i] for i in question.answer)
    return AttemptQuestion(
        attempt=attempt,
        position=drawn.position,
        section_title=drawn.section.title,
        question=question,
        type=question.type,
        stem=question.stem,
        options=options,
        answer_key=key,
        explanation=question.explanation,
        category_path=question.category.path if question.category_id else "",
        max_score=Decimal(drawn.section.score_per_question),
        blanks_unordered=question.blanks_unordered,
    )
