"""Drawing a paper from a blueprint: reproducible from a seed, no repeats, least-seen first;
whole case-analysis materials for a material section; never two questions of one exclusion group
(nor two materials of one case), nor a true/false that states another question's key, in a paper.
Also the paper's snapshot rows."""

import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet, Sum, prefetch_related_objects
from django.db.models.functions import Coalesce

from cases.models import RuleItem

from ..bank.choices import QuestionType
from ..bank.models import (
    ExclusionGroup,
    Material,
    Question,
    QuestionCategory,
    in_category_condition,
)
from ..practice.models import AnswerRecord
from .models import Attempt, AttemptMaterial, AttemptQuestion, Blueprint, BlueprintSection
from .reveals import PairFacts, RevealingPair, facts_of, revealing_pairs
from .reveals import _normal as normal_point  # how revealing_pairs groups by knowledge point


class DrawError(Exception):
    """A blueprint cannot be drawn; the message (Chinese) names the section and the shortfall."""


@dataclass
class DrawnQuestion:
    position: int
    section: BlueprintSection
    question: Question
    option_order: list[int]  # displayed option i is the question's option option_order[i]
    score: Decimal = Decimal(0)  # the section's score per question, or a sub-question's own
    material: Material | None = None  # a case-analysis sub-question's material


@dataclass(frozen=True)
class Avoided:
    """Something a draw passed over so that the paper stays fair (shown by 试抽一份)."""

    section_title: str
    question_id: int | None  # a question left out because of `with_question_id`'s group
    material_id: int | None  # a material left out (its sub-question's group, or its case)
    with_question_id: int | None
    group_id: int | None  # None: a material of a case already in the paper, or `reveals`
    reveals: bool = False  # a true/false stating the key of the other question (or the reverse)


@dataclass
class DrawReport:
    """Filled by draw_paper when given: what it avoided."""

    avoided: list[Avoided] = field(default_factory=list)


def usage_filter(blueprint: Blueprint, prefix: str = "") -> Q:
    """The question uses (练习 / 考试专用 / 通用) a blueprint draws from; empty: any."""
    usages = list(blueprint.question_usages or [])
    return Q(**{f"{prefix}usage__in": usages}) if usages else Q()


def section_pool_filter(section: BlueprintSection) -> Q:
    """A question section's pool: active questions that are not a material's sub-questions."""
    condition = Q(status=Question.Status.ACTIVE, material__isnull=True) & usage_filter(
        section.blueprint
    )
    if section.types:
        condition &= Q(type__in=section.types)
    if section.difficulties:
        condition &= Q(difficulty__in=section.difficulties)
    category_condition = Q()
    for category in section.categories.all():
        category_condition |= in_category_condition(category.path, "category__path")
    return condition & category_condition


ACTIVE_SUBQUESTIONS = Q(subquestions__status=Question.Status.ACTIVE)


def material_pool(section: BlueprintSection) -> QuerySet[Material]:
    """A material section's pool: active materials of the blueprint's uses, the section's
    categories, difficulties and case kinds, whose active sub-questions add up to the section's
    score per material (annotated `total` and `subquestion_count`)."""
    materials = Material.objects.filter(
        Q(status=Material.Status.ACTIVE) & usage_filter(section.blueprint)
    )
    if section.difficulties:
        materials = materials.filter(difficulty__in=section.difficulties)
    if section.case_kinds:
        materials = materials.filter(case__kind__in=section.case_kinds)
    category_condition = Q()
    for category in section.categories.all():
        category_condition |= in_category_condition(category.path, "category__path")
    return (
        materials.filter(category_condition)
        .annotate(
            total=Coalesce(
                Sum("subquestions__default_score", filter=ACTIVE_SUBQUESTIONS), Decimal(0)
            ),
            subquestion_count=Count("subquestions", filter=ACTIVE_SUBQUESTIONS),
        )
        .filter(total=section.score_per_question, subquestion_count__gt=0)
    )


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
SPARES_PER_POOL = 8
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
    # Unmet questions of the pool the draw met but did not need, in the order met: the first
    # replacements when a drawn question turns out to answer another (see _replace_revealing).
    spares: list[int] = field(default_factory=list)
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
        condition = Q(status=Question.Status.ACTIVE, material__isnull=True)
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


class _Exclusions:
    """The exclusion groups (互斥组): which groups each question is in, and each group's members."""

    def __init__(self) -> None:
        self.groups_of: dict[int, list[int]] = {}
        self.members: dict[int, list[int]] = {}
        self.revealing: set[tuple[int, int]] = set()

    def add_revealing(self, pair: RevealingPair) -> bool:
        """Keep the two apart like a group of two (negative ids: no ExclusionGroup row); False
        when they already were."""
        members = (pair.asked_id, pair.statement_id)
        if members in self.revealing or self.clash(pair.asked_id, {pair.statement_id}):
            return False
        self.revealing.add(members)
        group_id = -len(self.revealing)
        for question_id in members:
            self.add(group_id, question_id)
        return True

    def add(self, group_id: int, question_id: int) -> None:
        self.groups_of.setdefault(question_id, []).append(group_id)
        self.members.setdefault(group_id, []).append(question_id)

    def clash(self, key: int, chosen: set[int]) -> tuple[int, int] | None:
        """(group, chosen question) when `key` shares a group with a question already chosen."""
        for group in self.groups_of.get(key, ()):
            for other in self.members[group]:
                if other != key and other in chosen:
                    return group, other
        return None


def _facts(blueprint: Blueprint, user) -> tuple[dict[int, set[int]], Counter, tuple, _Exclusions]:
    """In one query: each section's chosen categories with all their subcategories, how often
    the person has met each question (exam papers and practice), the bank's lowest and highest
    key, the exclusion groups' members. Tagged rows of three numbers, so the draw needs no
    separate trip for each."""
    link = BlueprintSection.categories.through
    group_link = ExclusionGroup.questions.through
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
        f"""SELECT 'x', {_column(group_link, "exclusiongroup")}, {_column(group_link, "question")}
        FROM {_table(group_link)}""",
    ]
    params: list = [blueprint.pk]
    if user is not None:
        paper_attempt = f"paper.{_column(AttemptQuestion, 'attempt')}"
        own_attempts = f"SELECT id FROM {_table(Attempt)} WHERE {_column(Attempt, 'user')} = %s"
        if connection.vendor == "postgresql":
            # The person's few attempts first, then their papers by the attempt index: a join
            # lets the planner scan every paper when the table has just grown (its statistics
            # lag on exam day, when thousands of papers are written within minutes).
            of_person = f"{paper_attempt} = ANY(ARRAY({own_attempts}))"
        else:
            of_person = f"{paper_attempt} IN ({own_attempts})"
        parts.append(
            f"""SELECT 'e', paper.{_column(AttemptQuestion, "question")}, count(*)
            FROM {_table(AttemptQuestion)} paper
            WHERE {of_person} AND paper.{_column(AttemptQuestion, "question")} IS NOT NULL
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
    exclusions = _Exclusions()
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for tag, first, second in cursor.fetchall():
            if tag == "c":
                subtree.setdefault(first, set()).add(second)
            elif tag == "b":
                bounds = (first, second)
            elif tag == "x":
                exclusions.add(first, second)
            else:
                seen[first] += second
    return subtree, seen, bounds, exclusions


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
                WHERE id = ANY(%s::bigint[]) AND status = %s
                    AND {_column(Question, "material")} IS NULL{usage_sql}""",
                params,
            )
            return {
                pk: (category_id, qtype, difficulty)
                for pk, category_id, qtype, difficulty in cursor
            }
    rows = Question.objects.filter(
        pk__in=keys, status=Question.Status.ACTIVE, material__isnull=True
    )
    if usages is not None:
        rows = rows.filter(usage__in=sorted(usages))
    rows = rows.values_list("pk", "category_id", "type", "difficulty")
    return {pk: (category_id, qtype, difficulty) for pk, category_id, qtype, difficulty in rows}


@dataclass
class _Draw:
    """What the draw has decided so far, shared by every section."""

    rng: random.Random
    seen: Counter
    exclusions: _Exclusions
    report: DrawReport | None
    chosen: set[int] = field(default_factory=set)  # every question in the paper so far
    facts: dict[int, PairFacts] = field(default_factory=dict)  # what reveals compares, by key

    def facts_of(self, question: Question) -> PairFacts:
        found = self.facts.get(question.pk)
        if found is None:
            found = self.facts[question.pk] = facts_of(question)
        return found

    def clash(self, key: int) -> tuple[int, int] | None:
        return self.exclusions.clash(key, self.chosen)

    def avoid(self, section: BlueprintSection, **what) -> None:
        if self.report is not None:
            if (what.get("group_id") or 0) < 0:  # a revealing pair, not an ExclusionGroup
                what.update(group_id=None, reveals=True)
            self.report.avoided.append(Avoided(section_title=section.title, **what))


def _keep_spare(pools: list[_Pool], takers: list[int], key: int, draw: _Draw) -> None:
    """Note an unmet question as a possible replacement in the first pool that holds it (the
    first few of each pool only)."""
    if not takers:
        return
    spares = pools[takers[0]].spares
    if (
        len(spares) < SPARES_PER_POOL
        and key not in draw.chosen
        and key not in spares
        and not draw.seen[key]
    ):
        spares.append(key)


def _sample(pools: list[_Pool], draw: _Draw, bounds: tuple) -> None:
    """Fill what rejection sampling can fill with unmet questions, each equally likely.

    One stream of random keys serves every section. A key goes to the first unfinished section
    whose pool holds it; a section whose pool overlaps an earlier unfinished one's waits until
    that one is full, so it samples only from what the earlier sections left, as drawing them one
    after the other would. A key that shares an exclusion group with a question already in the
    paper is passed over. The keys chosen are added to `draw.chosen`."""
    chosen = draw.chosen
    low, high = bounds
    if low is None:
        return
    span = high - low + 1
    earlier_overlapping = [
        [j for j in range(i) if pools[j].overlaps(pools[i])] for i in range(len(pools))
    ]
    admitting: dict[tuple, list[int]] = {}
    probes = min(MAX_PROBES, max(64, sum(p.missing for p in pools) * PROBES_PER_QUESTION))
    uniform = draw.rng.random
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
                if not blocked and key not in chosen and not draw.seen[key]:
                    clash = draw.clash(key)
                    if clash is None:
                        pool.picked.append(key)
                        pool.missing -= 1
                        chosen.add(key)
                    else:
                        draw.avoid(
                            pool.section,
                            question_id=key,
                            material_id=None,
                            with_question_id=clash[1],
                            group_id=clash[0],
                        )
                break
            _keep_spare(pools, takers, key, draw)  # after the take: only what was left
        short = [pool for pool in pools if pool.missing > 0]
        if not short:
            return
        # The next round's size from the densities seen so far; too sparse a pool is read whole.
        needed = 0
        for pool in short:
            usable = len(pool.picked) or pool.hits
            if not usable:
                return
            needed = max(needed, int(pool.missing * pool.probes / usable * 2) + 16)
        if needed > MAX_PROBES or needed > span * 4:
            return
        probes = needed


def _shortfall(section: BlueprintSection, wanted: int, found: int, *, materials: bool) -> str:
    what, pool, unit = ("案例分析材料", "材料", "份") if materials else ("题目", "试题", "道")
    return (
        f"大题“{section.title}”{what}不足：需要 {wanted} {unit}，"
        f"符合条件的启用{pool}只有 {found} {unit}，还差 {wanted - found} {unit}。"
    )


def _fill_from_whole_pool(pool: _Pool, draw: _Draw) -> None:
    """Read the section's whole pool: least seen first, random among equals (the seed's order),
    passing over questions that share an exclusion group with one already in the paper."""
    chosen = draw.chosen
    chosen.difference_update(pool.picked)
    candidates = list(
        Question.objects.filter(pool.condition())
        .exclude(pk__in=chosen)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    section = pool.section
    wanted = section.question_count
    if len(candidates) < wanted:
        raise DrawError(_shortfall(section, wanted, len(candidates), materials=False))
    draw.rng.shuffle(candidates)
    candidates.sort(key=lambda pk: draw.seen[pk])  # stable: random among equally seen questions
    picked: list[int] = []
    clashing = 0
    for pk in candidates:
        if len(picked) == wanted:
            break
        clash = draw.clash(pk)
        if clash is not None:
            clashing += 1
            draw.avoid(
                section,
                question_id=pk,
                material_id=None,
                with_question_id=clash[1],
                group_id=clash[0],
            )
            continue
        picked.append(pk)
        chosen.add(pk)
    pool.spares = [pk for pk in candidates if pk not in chosen][:SPARES_PER_POOL]
    if len(picked) < wanted:
        raise DrawError(
            f"大题“{section.title}”题目不足：需要 {wanted} 道，符合条件的 {len(candidates)} 道"
            f"启用试题中有 {clashing} 道与本卷其他试题同属互斥组（同一考点），"
            f"只能抽到 {len(picked)} 道，还差 {wanted - len(picked)} 道。"
        )
    pool.picked = picked
    pool.missing = 0


# Case-analysis materials ---------------------------------------------------------------------


@dataclass
class _Unit:
    """A material as the draw sees it: its facts and its active sub-questions in order."""

    material_id: int
    category_id: int
    difficulty: int
    case_id: int | None
    case_kind: str | None
    subquestions: list[int] = field(default_factory=list)
    total: Decimal = Decimal(0)


def _units(usages: frozenset[str] | None) -> list[_Unit]:
    """Every active material of these uses with its active sub-questions (one query, whatever
    the number of material sections)."""
    rows = Question.objects.filter(
        status=Question.Status.ACTIVE, material__status=Material.Status.ACTIVE
    )
    if usages is not None:
        rows = rows.filter(material__usage__in=sorted(usages))
    units: dict[int, _Unit] = {}
    for pk, material_id, score, category_id, difficulty, case_id, case_kind in rows.order_by(
        "material_id", "material_order", "pk"
    ).values_list(
        "pk",
        "material_id",
        "default_score",
        "material__category_id",
        "material__difficulty",
        "material__case_id",
        "material__case__kind",
    ):
        unit = units.get(material_id)
        if unit is None:
            unit = units[material_id] = _Unit(
                material_id, category_id, difficulty, case_id, case_kind
            )
        unit.subquestions.append(pk)
        unit.total += Decimal(score)
    return list(units.values())


def _admits(section: BlueprintSection, category_ids: frozenset[int] | None, unit: _Unit) -> bool:
    return (
        (category_ids is None or unit.category_id in category_ids)
        and (not section.difficulties or unit.difficulty in section.difficulties)
        and (not section.case_kinds or unit.case_kind in section.case_kinds)
        and unit.total == Decimal(section.score_per_question)
    )


def _draw_materials(
    section: BlueprintSection,
    eligible: list[_Unit],
    draw: _Draw,
    taken: dict[int, _Unit],
    cases: set[int],
) -> list[_Unit]:
    """N whole materials for a material section: least seen first (a material's sub-questions'
    meetings added up), random among equals; never a material of a case already in the paper,
    nor one whose sub-question shares an exclusion group with a question already in it."""
    candidates = sorted(
        (unit for unit in eligible if unit.material_id not in taken), key=lambda u: u.material_id
    )
    draw.rng.shuffle(candidates)
    candidates.sort(key=lambda unit: sum(draw.seen[pk] for pk in unit.subquestions))
    wanted = section.question_count
    picked: list[_Unit] = []
    passed_over = 0
    for unit in candidates:
        if len(picked) == wanted:
            break
        if unit.case_id is not None and unit.case_id in cases:
            passed_over += 1
            draw.avoid(
                section,
                question_id=None,
                material_id=unit.material_id,
                with_question_id=None,
                group_id=None,
            )
            continue
        clash = next(filter(None, (draw.clash(pk) for pk in unit.subquestions)), None)
        if clash is not None:
            passed_over += 1
            draw.avoid(
                section,
                question_id=None,
                material_id=unit.material_id,
                with_question_id=clash[1],
                group_id=clash[0],
            )
            continue
        picked.append(unit)
        taken[unit.material_id] = unit
        if unit.case_id is not None:
            cases.add(unit.case_id)
        draw.chosen.update(unit.subquestions)
    if len(picked) < wanted:
        message = _shortfall(section, wanted, len(candidates), materials=True)
        if len(candidates) >= wanted:
            message = (
                f"大题“{section.title}”案例分析材料不足：需要 {wanted} 份，符合条件的 "
                f"{len(candidates)} 份材料中有 {passed_over} 份与本卷其他材料同属一个案例或小题"
                f"同属互斥组，只能抽到 {len(picked)} 份，还差 {wanted - len(picked)} 份。"
            )
        raise DrawError(
            f"{message}（只抽小题分值合计为 {section.score_per_question.normalize():f} 分的材料。）"
        )
    return picked


def _sections(blueprint: Blueprint) -> list[BlueprintSection]:
    """The sections in order; no query when the caller prefetched them (prefetch_related)."""
    sections = sorted(
        blueprint.sections.all(), key=lambda section: (section.sort_order, section.pk)
    )
    if not sections:
        raise DrawError(f"组卷规则“{blueprint.name}”还没有大题，无法抽题。")
    for section in sections:
        section.blueprint = blueprint  # usage_filter reads it: no query per section
    return sections


# Each redraw keeps apart one more pair of questions that answer one another; a bank needing more
# than this is refused rather than drawn for ever.
MAX_REDRAWS = 50


def draw_paper(
    *, blueprint: Blueprint, seed: int, user=None, report: DrawReport | None = None
) -> list[DrawnQuestion]:
    """The same seed, bank and history always give the same paper.

    Every question of a section's pool is equally likely, except that questions the person has
    met less come first; no question appears twice, and no two questions of one exclusion group.
    A material section draws whole materials (each with all its active sub-questions, each at
    its own score), first of all sections, so that the questions drawn after them avoid their
    sub-questions' exclusion groups. When the paper holds a true/false that states the key of
    another question of its knowledge point (quizzes.papers.reveals), the two are kept apart
    and the paper is drawn again from the same seed. A fixed number of queries whatever the
    bank's size: four or five, one more when the blueprint has material sections, and one more
    for each section whose pool has to be read whole (and the same again for each redraw).
    `report`, if given, collects what the draw passed over."""
    sections = _sections(blueprint)
    subtree, seen, bounds, exclusions = _facts(blueprint, user)
    for _ in range(MAX_REDRAWS + 1):
        if report is not None:
            report.avoided.clear()
        draw = _Draw(random.Random(seed), seen, exclusions, report)
        pools, materials = _draw_sections(blueprint, sections, subtree, bounds, draw)
        questions = _load_questions(pools, materials)
        while True:
            pairs = revealing_pairs(draw.facts_of(questions[pk]) for pk in sorted(draw.chosen))
            new_pairs = [pair for pair in pairs if exclusions.add_revealing(pair)]
            if not new_pairs:
                return _assemble(blueprint, sections, pools, materials, draw.rng, questions)
            if not _replace_revealing(new_pairs, pools, questions, draw):
                break  # no spare left: draw again from the seed, keeping the pairs apart
    raise DrawError(
        f"组卷规则“{blueprint.name}”抽题失败：题库中互相泄露答案的判断题与选择、填空题太多"
        f"（同一知识点下判断题题干写出了另一题的答案），请先在题库中处理后再抽题。"
    )


def _draw_sections(blueprint, sections, subtree, bounds, draw: _Draw):
    """One draw of every section: the material sections first, then the question sections."""
    usages = frozenset(blueprint.question_usages) if blueprint.question_usages else None

    def categories(section) -> frozenset[int] | None:
        return frozenset(subtree[section.pk]) if section.pk in subtree else None

    materials: dict[int, list[_Unit]] = {}
    material_sections = [section for section in sections if section.draws_materials]
    if material_sections:
        units = _units(usages)
        taken: dict[int, _Unit] = {}
        cases: set[int] = set()
        for section in material_sections:
            scope = categories(section)
            eligible = [unit for unit in units if _admits(section, scope, unit)]
            materials[section.pk] = _draw_materials(section, eligible, draw, taken, cases)
    pools = [
        _Pool(
            section=section,
            category_ids=categories(section),
            types=frozenset(section.types) if section.types else None,
            difficulties=frozenset(section.difficulties) if section.difficulties else None,
            usages=usages,
            picked=[],
            missing=section.question_count,
        )
        for section in sections
        if not section.draws_materials
    ]
    if pools:
        _sample(pools, draw, bounds)
    for pool in pools:
        if pool.missing > 0:
            _fill_from_whole_pool(pool, draw)
        if not blueprint.shuffle_questions:
            pool.picked.sort()
    for picked in materials.values():
        if not blueprint.shuffle_questions:
            picked.sort(key=lambda unit: unit.material_id)
    return pools, materials


def _replace_revealing(pairs, pools: list[_Pool], questions: dict, draw: _Draw) -> bool:
    """Take one half of each pair out of the paper (the true/false, unless it is a material's
    sub-question) and put in its place a spare of the same pool that neither shares an exclusion
    group with nor answers a question of the paper. One query (the spares); False when a pair
    lies within material sections or a pool runs out of spares."""
    pool_of = {pk: pool for pool in pools for pk in pool.picked}
    for pair in pairs:
        if not {pair.asked_id, pair.statement_id} <= draw.chosen:
            continue  # one half is already out
        drop = next((pk for pk in (pair.statement_id, pair.asked_id) if pk in pool_of), None)
        if drop is None:
            return False
        pool = pool_of.pop(drop)
        pool.picked.remove(drop)
        draw.chosen.discard(drop)
        pool.missing += 1
        group, other = draw.clash(drop)
        draw.avoid(
            pool.section,
            question_id=drop,
            material_id=None,
            with_question_id=other,
            group_id=group,
        )
    short = [pool for pool in pools if pool.missing > 0]
    wanted = {pk for pool in short for pk in pool.spares} - questions.keys()
    questions.update(Question.objects.select_related("category").in_bulk(wanted))
    for pool in short:
        for pk in pool.spares:
            if pool.missing == 0:
                break
            if pk in draw.chosen or draw.clash(pk) is not None or pk not in questions:
                continue
            spare = draw.facts_of(questions[pk])
            point = normal_point(spare.knowledge_point)
            # Only questions of the spare's knowledge point can pair with it.
            paper = [
                facts
                for facts in (draw.facts_of(questions[key]) for key in sorted(draw.chosen))
                if point and normal_point(facts.knowledge_point) == point
            ]
            found = [
                pair
                for pair in revealing_pairs([*paper, spare])
                if pk in (pair.asked_id, pair.statement_id)
            ]
            if found:
                for pair in found:
                    draw.exclusions.add_revealing(pair)
                continue
            pool.picked.append(pk)
            pool.missing -= 1
            draw.chosen.add(pk)
        if pool.missing > 0:
            return False
        if not pool.section.blueprint.shuffle_questions:
            pool.picked.sort()
    return True


# What a paper never shows nor checks: not read when the drawn questions are loaded.
UNASKED_FIELDS = ("quote", "note", "source_note", "retire_reason", "created_at", "updated_at")


def _load_questions(pools, materials) -> dict[int, Question]:
    """Every drawn question with its category (and, when the paper holds materials, its material
    and case), in one query. A pool never holds a material's sub-question, so a paper without
    materials needs no join to them."""
    keys = [pk for pool in pools for pk in pool.picked]
    keys += [pk for units in materials.values() for unit in units for pk in unit.subquestions]
    related = ("category", "material", "material__case") if materials else ("category",)
    return Question.objects.select_related(*related).defer(*UNASKED_FIELDS).in_bulk(keys)


def _assemble(blueprint, sections, pools, materials, rng, questions) -> list[DrawnQuestion]:
    """The paper in section order (a material's sub-questions together, in their order), each
    question's options shuffled if the blueprint says so."""
    pool_of = {pool.section.pk: pool for pool in pools}
    drawn: list[DrawnQuestion] = []

    def add(section, question, score, material=None) -> None:
        order = list(range(len(question.options or [])))
        if blueprint.shuffle_options and question.type in (
            QuestionType.SINGLE,
            QuestionType.MULTIPLE,
        ):
            rng.shuffle(order)
        drawn.append(DrawnQuestion(len(drawn) + 1, section, question, order, score, material))

    for section in sections:
        if section.draws_materials:
            for unit in materials[section.pk]:
                for pk in unit.subquestions:
                    question = questions[pk]
                    add(section, question, Decimal(question.default_score), question.material)
        else:
            for pk in pool_of[section.pk].picked:
                add(section, questions[pk], Decimal(section.score_per_question))
    return drawn


# The paper's snapshot -------------------------------------------------------------------------


def snapshot(
    drawn: DrawnQuestion, attempt, material: AttemptMaterial | None = None
) -> AttemptQuestion:
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
        material=material,
        question=question,
        type=question.type,
        stem=question.stem,
        options=options,
        answer_key=key,
        explanation=question.explanation,
        category_path=question.category.path if question.category_id else "",
        max_score=drawn.score or Decimal(drawn.section.score_per_question),
        blanks_unordered=question.blanks_unordered,
    )


def material_links(material: Material) -> list[dict]:
    """The case page and the rule items a material concerns, as links (rules prefetched)."""
    links = []
    case = material.case
    if case is not None:
        links.append(
            {"kind": "案例", "title": case.title, "url": case.url or f"/cases/{case.slug}/"}
        )
    for rule in material.rules.all():
        links.append({"kind": "规范", "title": str(rule), "url": rule.get_absolute_url()})
    return links


def snapshot_paper(
    drawn: list[DrawnQuestion], attempt
) -> tuple[list[AttemptMaterial], list[AttemptQuestion]]:
    """The paper's rows, unsaved: each material once (its text, note and links copied), then
    every question, a sub-question pointing at its material's row. One query when the paper
    holds materials (their rule items), none otherwise."""
    # One object per material (each sub-question brought its own copy), so the prefetch serves all.
    materials = {d.material.pk: d.material for d in drawn if d.material is not None}
    if materials:
        prefetch_related_objects(
            list(materials.values()),
            Prefetch("rules", queryset=RuleItem.objects.select_related("rule_set")),
        )
    rows: dict[int, AttemptMaterial] = {}
    items = []
    for item in drawn:
        row = None
        if item.material is not None:
            row = rows.get(item.material.pk)
            if row is None:
                material = materials[item.material.pk]
                row = rows[material.pk] = AttemptMaterial(
                    attempt=attempt,
                    position=len(rows) + 1,
                    section_title=item.section.title,
                    material=material,
                    text=material.text,
                    note=material.note,
                    links=material_links(material),
                    case=material.case,
                )
        items.append(snapshot(item, attempt, row))
    return list(rows.values()), items
