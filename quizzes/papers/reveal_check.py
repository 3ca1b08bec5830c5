"""The blueprint check's list of questions that answer one another: every pair of
quizzes.papers.reveals that a blueprint's pools hold, with the exclusion groups already holding
both. Reads only."""

from dataclasses import dataclass

from django.db.models import Q

from ..bank.models import Question
from .drawing import material_pool, section_pool_filter
from .reveals import RevealingPair, facts_of, revealing_pairs


@dataclass(frozen=True)
class PoolPair:
    """A revealing pair that a blueprint's pools hold, as the blueprint check lists it."""

    pair: RevealingPair
    asked: object  # Question
    statement: object  # Question
    groups: tuple[str, ...]  # names of exclusion groups that already hold both


# Comparing every true/false with every question of its knowledge point grows with the square of
# the pools: a load-test blueprint over 100,000 questions is not checked pair by pair.
PAIR_CHECK_LIMIT = 5_000


@dataclass(frozen=True)
class PairCheck:
    pairs: list[PoolPair]
    questions: int  # questions with a knowledge point in the blueprint's pools
    checked: bool  # False: more than PAIR_CHECK_LIMIT, not compared


def pairs_in_blueprint(blueprint, *, limit: int = PAIR_CHECK_LIMIT) -> PairCheck:
    """Every revealing pair whose two questions are both in some pool of the blueprint (question
    sections' pools and the sub-questions of material sections' materials), with the exclusion
    groups already holding both (four queries), unless the pools hold more than `limit`
    questions with a knowledge point."""
    condition = Q(pk__in=[])
    for section in blueprint.sections.prefetch_related("categories"):
        section.blueprint = blueprint
        if section.draws_materials:
            condition |= Q(
                status=Question.Status.ACTIVE,
                material__in=material_pool(section).values("pk"),
            )
        else:
            condition |= section_pool_filter(section)
    in_pools = Question.objects.filter(condition).exclude(knowledge_point="")
    size = in_pools.count()
    if size > limit:
        return PairCheck([], size, checked=False)
    questions = in_pools.only(
        "code", "type", "stem", "options", "answer", "knowledge_point", "material_id"
    ).in_bulk()
    pairs = revealing_pairs(facts_of(question) for question in questions.values())
    involved = {pk for pair in pairs for pk in (pair.asked_id, pair.statement_id)}
    groups_of: dict[int, dict[int, str]] = {}
    through = Question.exclusion_groups.through
    for question_id, group_id, name in through.objects.filter(question_id__in=involved).values_list(
        "question_id", "exclusiongroup_id", "exclusiongroup__name"
    ):
        groups_of.setdefault(question_id, {})[group_id] = name
    listed = []
    for pair in sorted(pairs, key=lambda p: (p.knowledge_point, p.asked_id, p.statement_id)):
        asked, statement = groups_of.get(pair.asked_id, {}), groups_of.get(pair.statement_id, {})
        shared = tuple(sorted(asked[group] for group in asked.keys() & statement.keys()))
        listed.append(
            PoolPair(pair, questions[pair.asked_id], questions[pair.statement_id], shared)
        )
    return PairCheck(listed, size, checked=True)
