"""Self-study (练习), the read side: scopes ("<kind>:<value>", see below), the next question or
case-analysis material to practise, tickets (practice answers only the question or material the
server showed that person, once), the rate limit, the practice home's choices and progress, and
the wrong-answer book (错题本).

A practice scope is written "<kind>:<value>" (in URLs too): ``category:礼仪`` (with its
subcategories), ``ruleset:shi-ge-bu-zhun`` (questions linked to any item of the set),
``case:dian-xing-01`` (questions linked to the case), ``random`` (any active question) and
``wrongbook`` (the person's questions still in the wrong book). 案例练习 (case-analysis
practice) serves whole materials in the same scopes (a material is in a rule set's scope when it
concerns an item of the set), and ``material:m-nc01-a`` for one material. A material's
sub-questions never appear on their own in a question scope. Each query runs in a fixed number
of queries however large the bank or the person's history.
"""

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from cases.models import CasePage, QAItem, RuleItem, RuleSet

from ..bank.answers import describe_answer, describe_response, option_letter
from ..bank.choices import PRACTICE_USAGES, QuestionType
from ..bank.models import Material, Question, QuestionCategory, in_category_condition
from ..papers import disclosure
from .models import AnswerRecord, WrongAnswer

WRONGBOOK_PAGE_SIZE = 30
RETIRED_SHOWN = 50


class PracticeError(Exception):
    """A practice request that cannot be served; the message (Chinese) is shown as it is."""


class PracticeRefused(PracticeError):
    """Refused before grading: the response must not show anything of the question's key."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


# Scopes -----------------------------------------------------------------------------------------


class ScopeKind:
    CATEGORY = "category"
    RULE_SET = "ruleset"
    CASE = "case"
    RANDOM = "random"
    WRONGBOOK = "wrongbook"
    MATERIAL = "material"  # one case-analysis material (案例练习 only)


@dataclass(frozen=True)
class Scope:
    kind: str
    value: str = ""
    label: str = ""
    object_id: int | None = None  # the rule set's or case's primary key

    @property
    def param(self) -> str:
        """The scope as written in a URL (?scope=…)."""
        return f"{self.kind}:{self.value}" if self.value else self.kind


RANDOM_SCOPE = Scope(ScopeKind.RANDOM, label="随机练习")
WRONGBOOK_SCOPE = Scope(ScopeKind.WRONGBOOK, label="错题本")


def resolve_scope(*, raw: str) -> Scope:
    """Read "<kind>:<value>"; PracticeError (Chinese) when the kind or the thing named is unknown."""
    if "\x00" in (raw or ""):
        raise PracticeError("练习范围无效：请从练习首页选择分类、规范、案例、随机练习或错题本。")
    kind, _, value = (raw or "").strip().partition(":")
    kind, value = kind.strip(), value.strip()
    shown = value if len(value) <= 40 else value[:40] + "…"
    if kind == ScopeKind.RANDOM and not value:
        return RANDOM_SCOPE
    if kind == ScopeKind.WRONGBOOK and not value:
        return WRONGBOOK_SCOPE
    if kind == ScopeKind.CATEGORY and value:
        category = QuestionCategory.objects.filter(path=value).only("pk", "path").first()
        if category is None:
            raise PracticeError(f"没有名为“{shown}”的题库分类，请从练习首页重新选择。")
        return Scope(kind, category.path, f"分类：{category.path}", category.pk)
    if kind == ScopeKind.RULE_SET and value:
        rule_set = RuleSet.objects.filter(code=value).only("pk", "code", "name").first()
        if rule_set is None:
            raise PracticeError(f"没有编码为“{shown}”的规范，请从练习首页重新选择。")
        return Scope(kind, rule_set.code, f"规范：{rule_set.name}", rule_set.pk)
    if kind == ScopeKind.CASE and value:
        case = CasePage.objects.live().filter(slug=value).only("pk", "slug", "title").first()
        if case is None:
            raise PracticeError(f"没有找到案例“{shown}”，请从练习首页重新选择。")
        return Scope(kind, case.slug, f"案例：{case.title}", case.pk)
    if kind == ScopeKind.MATERIAL and value:
        material = Material.objects.filter(code=value).only("pk", "code").first()
        if material is None:
            raise PracticeError(f"没有编码为“{shown}”的案例分析材料，请从练习首页重新选择。")
        return Scope(kind, material.code, "案例分析：指定材料", material.pk)
    raise PracticeError("练习范围无效：请从练习首页选择分类、规范、案例、随机练习或错题本。")


def _scope_condition(scope: Scope, user) -> Q:
    if scope.kind == ScopeKind.CATEGORY:
        return in_category_condition(scope.value, "category__path")
    if scope.kind == ScopeKind.RULE_SET:
        linked = Question.rules.through.objects.filter(ruleitem__rule_set_id=scope.object_id)
        return Q(pk__in=linked.values("question_id"))
    if scope.kind == ScopeKind.CASE:
        linked = Question.cases.through.objects.filter(casepage_id=scope.object_id)
        return Q(pk__in=linked.values("question_id"))
    if scope.kind == ScopeKind.WRONGBOOK:
        open_entries = WrongAnswer.objects.filter(user=user, retired_at__isnull=True)
        return Q(pk__in=open_entries.values("question_id"))
    return Q()


def practice_pool() -> QuerySet[Question]:
    """Every question practice may serve on its own: active, for practice (练习 or 通用) — never
    考试专用 — and not a case-analysis sub-question (those come with their material)."""
    return Question.objects.filter(
        status=Question.Status.ACTIVE, usage__in=PRACTICE_USAGES, material__isnull=True
    )


def questions_in_scope(*, user, scope: Scope) -> QuerySet[Question]:
    """The practice questions a scope covers (the wrong book is the person's own)."""
    if scope.kind == ScopeKind.MATERIAL:
        return practice_pool().none()
    return practice_pool().filter(_scope_condition(scope, user))


# Case-analysis practice (案例练习) ---------------------------------------------------------------

ACTIVE_SUBQUESTION = Q(subquestions__status=Question.Status.ACTIVE)


def material_pool() -> QuerySet[Material]:
    """Every material 案例练习 may serve: active, for practice (练习 or 通用), with at least one
    active sub-question."""
    with_subquestions = Question.objects.filter(
        status=Question.Status.ACTIVE, material__isnull=False
    ).values("material_id")
    return Material.objects.filter(
        status=Material.Status.ACTIVE, usage__in=PRACTICE_USAGES, pk__in=with_subquestions
    )


def _material_scope_condition(scope: Scope, user) -> Q:
    if scope.kind == ScopeKind.CATEGORY:
        return in_category_condition(scope.value, "category__path")
    if scope.kind == ScopeKind.RULE_SET:
        linked = Material.rules.through.objects.filter(ruleitem__rule_set_id=scope.object_id)
        return Q(pk__in=linked.values("material_id"))
    if scope.kind == ScopeKind.CASE:
        return Q(case_id=scope.object_id)
    if scope.kind == ScopeKind.MATERIAL:
        return Q(pk=scope.object_id)
    if scope.kind == ScopeKind.WRONGBOOK:
        open_entries = WrongAnswer.objects.filter(
            user=user, retired_at__isnull=True, question__material__isnull=False
        )
        return Q(pk__in=open_entries.values("question__material_id"))
    return Q()


def materials_in_scope(*, user, scope: Scope) -> QuerySet[Material]:
    return material_pool().filter(_material_scope_condition(scope, user))


def subquestion_prefetch(*, with_keys: bool) -> Prefetch:
    """A material's active sub-questions in order; the page that asks leaves their keys out."""
    questions = Question.objects.filter(status=Question.Status.ACTIVE).order_by(
        "material_order", "pk"
    )
    if not with_keys:
        questions = questions.defer("answer", "explanation", "quote", "note")
    return Prefetch("subquestions", queryset=questions, to_attr="active_subquestions")


def next_material(
    *, user, scope: Scope | str, after: int | None = None, exclude: list[int] | None = None
) -> Material | None:
    """The material to practise next (two queries): the one whose sub-questions the person has
    answered least, at random among equals, not `after` while another is left, never one of
    `exclude` (those a practice session has asked). Its sub-questions come without their keys
    (`active_subquestions`); `times_answered` is annotated."""
    scope = _as_scope(scope)
    times = (
        AnswerRecord.objects.filter(user=user, question__material=OuterRef("pk"))
        .order_by()
        .values("question__material")
        .annotate(times=Count("pk"))
        .values("times")[:1]
    )
    materials = materials_in_scope(user=user, scope=scope).annotate(
        times_answered=Coalesce(Subquery(times, output_field=IntegerField()), Value(0))
    )
    if exclude:
        materials = materials.exclude(pk__in=exclude)
    ordering = ["times_answered", "?"]
    if after is not None:
        materials = materials.annotate(
            is_previous=Case(When(pk=after, then=Value(1)), default=Value(0))
        )
        ordering.insert(0, "is_previous")
    return (
        materials.select_related("category")
        .defer("quote", "note")
        .prefetch_related(subquestion_prefetch(with_keys=False))
        .order_by(*ordering)
        .first()
    )


def _as_scope(scope: Scope | str) -> Scope:
    return scope if isinstance(scope, Scope) else resolve_scope(raw=scope)


def next_question(
    *,
    user,
    scope: Scope | str,
    after: int | None = None,
    exclude: list[int] | None = None,
    only: list[int] | None = None,
) -> Question | None:
    """The question to practise next (one query): the one the person has answered least, at
    random among equals, and not `after` (the one just answered) while another is left; never
    one of `exclude` (asked already in a practice session) and, given `only` (a session of
    chosen questions), one of those.

    The answer key and explanation are not loaded: the question page must not show them.
    `times_answered` is annotated.
    """
    scope = _as_scope(scope)
    times = (
        AnswerRecord.objects.filter(user=user, question=OuterRef("pk"))
        .order_by()
        .values("question")
        .annotate(times=Count("pk"))
        .values("times")[:1]
    )
    questions = questions_in_scope(user=user, scope=scope).annotate(
        times_answered=Coalesce(Subquery(times, output_field=IntegerField()), Value(0))
    )
    if only is not None:
        questions = questions.filter(pk__in=only)
    if exclude:
        questions = questions.exclude(pk__in=exclude)
    ordering = ["times_answered", "?"]
    if after is not None:
        questions = questions.annotate(
            is_previous=Case(When(pk=after, then=Value(1)), default=Value(0))
        )
        ordering.insert(0, "is_previous")
    return (
        questions.select_related("category")
        .defer("answer", "explanation", "quote")
        .order_by(*ordering)
        .first()
    )


def as_pk(value) -> int | None:
    """A primary key from a form or URL value, or None (never a number the database refuses)."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk < 2**63 else None


# Tickets: practice answers only the question the server showed that person, once.
TICKET_SALT = "quizzes.practice.ticket"
TICKET_MAX_AGE = timedelta(hours=4)


def issue_ticket(*, user, question: Question) -> str:
    """A signed, single-use ticket for answering `question` (put in the question page's form)."""
    payload = {"u": user.pk, "q": question.pk, "n": secrets.token_hex(8)}
    return signing.dumps(payload, salt=TICKET_SALT, compress=False)


@dataclass(frozen=True)
class Ticket:
    question: Question
    nonce: str


def redeem_ticket(*, user, raw: str | None) -> Ticket:
    """The question a ticket was issued for (to this user, recently); PracticeError otherwise.
    Single use is enforced when the answer is recorded (AnswerRecord.ticket is unique)."""
    try:
        payload = signing.loads(raw or "", salt=TICKET_SALT, max_age=TICKET_MAX_AGE.total_seconds())
    except signing.SignatureExpired:
        raise PracticeError("这道题打开太久已失效，请重新打开题目后再作答。") from None
    except signing.BadSignature:
        raise PracticeError(
            "题目凭证无效：只能回答系统为您出示的题目，请从练习页重新开始。"
        ) from None
    if not isinstance(payload, dict) or payload.get("u") != user.pk:
        raise PracticeError("题目凭证无效：只能回答系统为您出示的题目，请从练习页重新开始。")
    pk, nonce = as_pk(payload.get("q")), payload.get("n")
    question = Question.objects.select_related("category").filter(pk=pk).first() if pk else None
    if question is None or not isinstance(nonce, str):
        raise PracticeError("该题不存在，请从练习首页重新开始。")
    problem = disclosure.practice_question_problem(question=question)
    if problem:
        raise PracticeError(problem)
    return Ticket(question, nonce)


MATERIAL_TICKET_SALT = "quizzes.practice.material-ticket"


def issue_material_ticket(*, user, material: Material) -> str:
    """A signed, single-use ticket for answering a material's sub-questions (all at once)."""
    payload = {"u": user.pk, "m": material.pk, "n": secrets.token_hex(8)}
    return signing.dumps(payload, salt=MATERIAL_TICKET_SALT, compress=False)


@dataclass(frozen=True)
class MaterialTicket:
    material: Material  # with its active sub-questions, keys included (`active_subquestions`)
    nonce: str


def redeem_material_ticket(*, user, raw: str | None) -> MaterialTicket:
    """The material a ticket was issued for (to this user, recently); PracticeError otherwise.
    Single use is enforced when the answers are recorded (AnswerRecord.ticket is unique)."""
    invalid = "材料凭证无效：只能回答系统为您出示的案例分析材料，请从练习页重新开始。"
    try:
        payload = signing.loads(
            raw or "", salt=MATERIAL_TICKET_SALT, max_age=TICKET_MAX_AGE.total_seconds()
        )
    except signing.SignatureExpired:
        raise PracticeError("这份材料打开太久已失效，请重新打开后再作答。") from None
    except signing.BadSignature:
        raise PracticeError(invalid) from None
    if not isinstance(payload, dict) or payload.get("u") != user.pk:
        raise PracticeError(invalid)
    pk, nonce = as_pk(payload.get("m")), payload.get("n")
    material = (
        Material.objects.select_related("category", "case")
        .prefetch_related(subquestion_prefetch(with_keys=True))
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if material is None or not isinstance(nonce, str):
        raise PracticeError("该材料不存在，请从练习首页重新开始。")
    problem = disclosure.practice_material_problem(material=material)
    if problem:
        raise PracticeError(problem)
    return MaterialTicket(material, nonce)


def rate_limit_problem(*, user, now: datetime, adding: int = 1) -> str:
    """Practice answers are limited per person (settings.PRACTICE_ANSWER_LIMITS: per window),
    counted in the database so every app server sees the same count. `adding`: how many answers
    the submission would record (a material's sub-questions count one each)."""
    for window_seconds, limit in getattr(settings, "PRACTICE_ANSWER_LIMITS", []):
        since = now - timedelta(seconds=window_seconds)
        recent = AnswerRecord.objects.filter(
            user=user, origin=AnswerRecord.Origin.PRACTICE, answered_at__gte=since
        ).count()
        if recent + adding > limit:
            minutes = max(1, window_seconds // 60)
            return (
                f"答题太快了：{minutes} 分钟内最多提交 {limit} 题。请认真读题，稍后再提交；"
                "本次答案没有记录。"
            )
    return ""


# Links to what explains a question -------------------------------------------------------------


@dataclass
class Link:
    kind: str  # 规范 / 问答 / 案例
    title: str
    url: str


def letter(index: int) -> str:
    return option_letter(index)


def answer_text(question: Question) -> str:
    return describe_answer(question.type, question.answer)


def response_text(question: Question, response) -> str:
    return describe_response(question.type, response)


def material_links(material: Material) -> list[Link]:
    """The case page and the rule items a material concerns (rules prefetched or one query)."""
    links = []
    if material.case_id and material.case is not None and material.case.live:
        links.append(Link("案例", material.case.title, material.case.url or ""))
    rules = material.rules.select_related("rule_set").only(
        "pk", "key", "number", "title", "rule_set__code", "rule_set__name"
    )
    links += [Link("规范", str(rule), rule.get_absolute_url()) for rule in rules]
    return links


def question_links(question: Question) -> list[Link]:
    """The rule items, Q&A items and cases that explain a question (uses prefetched rows)."""
    links = [Link("规范", str(rule), rule.get_absolute_url()) for rule in question.rules.all()]
    links += [
        Link("问答", item.question, item.get_absolute_url()) for item in question.qa_items.all()
    ]
    links += [Link("案例", case.title, case.url) for case in question.cases.all() if case.url]
    return links


def link_prefetches(prefix: str = "") -> list:
    return [
        Prefetch(
            f"{prefix}rules",
            queryset=RuleItem.objects.select_related("rule_set").only(
                "pk", "key", "number", "title", "rule_set__code", "rule_set__name"
            ),
        ),
        Prefetch(f"{prefix}qa_items", queryset=QAItem.objects.only("pk", "code", "question")),
        Prefetch(
            f"{prefix}cases",
            queryset=CasePage.objects.live().only("pk", "title", "url_path", "slug"),
        ),
    ]


# Choices and progress ---------------------------------------------------------------------------


@dataclass
class CategoryChoice:
    category: QuestionCategory
    depth: int
    question_count: int


@dataclass
class ProgressRow:
    category: QuestionCategory
    available: int = 0  # active questions in the category and its subcategories
    answered: int = 0  # distinct questions the person has answered (practice or exam)
    answers: int = 0
    correct_answers: int = 0
    wrong_book: int = 0  # questions still in the person's wrong book

    @property
    def correct_rate(self) -> int | None:
        """Share of the person's answers that were right, in whole percent; None before any."""
        if not self.answers:
            return None
        return round(100 * self.correct_answers / self.answers)


def _top_path(path: str) -> str:
    return path.split("/", 1)[0]


def _categories_and_counts() -> tuple[list[QuestionCategory], dict[int, int]]:
    categories = list(QuestionCategory.objects.order_by("path"))
    counts = {
        row["category_id"]: row["n"]
        for row in practice_pool().order_by().values("category_id").annotate(n=Count("pk"))
    }
    return categories, counts


def _progress(user, categories, counts) -> list[ProgressRow]:
    path_of = {category.pk: category.path for category in categories}
    rows = {
        category.path: ProgressRow(category)
        for category in categories
        if category.parent_id is None
    }

    def row_for(category_id: int) -> ProgressRow | None:
        path = path_of.get(category_id)
        return rows.get(_top_path(path)) if path else None

    for category_id, n in counts.items():
        if row := row_for(category_id):
            row.available += n
    records = (
        AnswerRecord.objects.filter(user=user, question__status=Question.Status.ACTIVE)
        .order_by()
        .values("question__category_id")
        .annotate(
            answers=Count("pk"),
            correct=Count("pk", filter=Q(is_correct=True)),
            answered=Count("question_id", distinct=True),
        )
    )
    for record in records:
        if row := row_for(record["question__category_id"]):
            row.answers += record["answers"]
            row.correct_answers += record["correct"]
            row.answered += record["answered"]
    wrong = (
        WrongAnswer.objects.filter(
            user=user, retired_at__isnull=True, question__status=Question.Status.ACTIVE
        )
        .order_by()
        .values("question__category_id")
        .annotate(n=Count("pk"))
    )
    for entry in wrong:
        if row := row_for(entry["question__category_id"]):
            row.wrong_book += entry["n"]
    return [row for row in rows.values() if row.available or row.answers]


def progress_by_category(*, user) -> list[ProgressRow]:
    """One row per top-level category (subcategories counted in): four queries."""
    categories, counts = _categories_and_counts()
    return _progress(user, categories, counts)


@dataclass
class PracticeChoices:
    categories: list[CategoryChoice]
    rule_sets: list[RuleSet]  # annotated with question_count and material_count
    cases: list[CasePage]  # annotated with question_count and material_count
    random_count: int
    wrongbook_count: int
    progress: list[ProgressRow]

    @property
    def material_count(self) -> int:
        """Materials 案例练习 may serve (each belongs to one case)."""
        return sum(case.material_count for case in self.cases)


def practice_choices(*, user) -> PracticeChoices:
    """What the practice home offers, with question counts, and the progress table (six queries)."""
    categories, counts = _categories_and_counts()
    subtree: dict[str, int] = defaultdict(int)
    path_of = {category.pk: category.path for category in categories}
    for category_id, n in counts.items():
        parts = path_of[category_id].split("/")
        for depth in range(1, len(parts) + 1):
            subtree["/".join(parts[:depth])] += n
    category_choices = [
        CategoryChoice(category, category.path.count("/"), subtree[category.path])
        for category in categories
        if subtree[category.path]
    ]
    active = Q(
        items__questions__status=Question.Status.ACTIVE,
        items__questions__usage__in=PRACTICE_USAGES,
        items__questions__material__isnull=True,
    )
    materials = material_pool().values("pk")
    rule_sets = list(
        RuleSet.objects.annotate(
            question_count=Count("items__questions", filter=active, distinct=True),
            material_count=Count(
                "items__materials", filter=Q(items__materials__in=materials), distinct=True
            ),
        )
        .filter(Q(question_count__gt=0) | Q(material_count__gt=0))
        .order_by("sort_order", "code")
    )
    cases = list(
        CasePage.objects.live()
        .annotate(
            question_count=Count(
                "questions",
                filter=Q(
                    questions__status=Question.Status.ACTIVE,
                    questions__usage__in=PRACTICE_USAGES,
                    questions__material__isnull=True,
                ),
                distinct=True,
            ),
            material_count=Count("materials", filter=Q(materials__in=materials), distinct=True),
        )
        .filter(Q(question_count__gt=0) | Q(material_count__gt=0))
        .only("pk", "title", "slug", "kind", "category", "number", "series", "path")
        .order_by("path")
    )
    progress = _progress(user, categories, counts)
    return PracticeChoices(
        categories=category_choices,
        rule_sets=rule_sets,
        cases=cases,
        random_count=sum(counts.values()),
        wrongbook_count=sum(row.wrong_book for row in progress),
        progress=progress,
    )


# The wrong-answer book --------------------------------------------------------------------------


@dataclass
class WrongbookEntry:
    entry: WrongAnswer
    question: Question
    answer_text: str
    links: list[Link]


@dataclass(frozen=True)
class WrongbookFilter:
    """What the wrong book is narrowed to (?category=…&ruleset=…&case=…&type=…); empty for all."""

    category: str = ""
    rule_set: str = ""
    case: str = ""
    type: str = ""

    @property
    def is_set(self) -> bool:
        return any((self.category, self.rule_set, self.case, self.type))

    @property
    def query(self) -> str:
        """The filter as a query string (for the pager and the forms' hidden fields)."""
        from urllib.parse import urlencode

        pairs = [
            ("category", self.category),
            ("ruleset", self.rule_set),
            ("case", self.case),
            ("type", self.type),
        ]
        return urlencode([(name, value) for name, value in pairs if value])


WRONGBOOK_TYPES = [*QuestionType.choices, ("material", "案例分析小题")]


def read_wrongbook_filter(data) -> tuple[WrongbookFilter, list[str]]:
    """The filter from a GET or POST, and a Chinese message for each value that names nothing
    (that part of the filter is dropped)."""
    problems = []
    category = (data.get("category") or "").strip()
    if category and not QuestionCategory.objects.filter(path=category).exists():
        problems.append(f"没有名为“{category[:40]}”的题库分类，已显示全部分类。")
        category = ""
    rule_set = (data.get("ruleset") or "").strip()
    if rule_set and not RuleSet.objects.filter(code=rule_set).exists():
        problems.append(f"没有编码为“{rule_set[:40]}”的规范，已显示全部规范。")
        rule_set = ""
    case = (data.get("case") or "").strip()
    if case and not CasePage.objects.live().filter(slug=case).exists():
        problems.append(f"没有找到案例“{case[:40]}”，已显示全部案例。")
        case = ""
    qtype = (data.get("type") or "").strip()
    if qtype and qtype not in dict(WRONGBOOK_TYPES):
        problems.append("题型无效，已显示全部题型。")
        qtype = ""
    return WrongbookFilter(category, rule_set, case, qtype), problems


def open_wrong_entries(*, user, chosen: WrongbookFilter | None = None) -> QuerySet[WrongAnswer]:
    """The person's entries still in the book (active questions), narrowed by the filter."""
    entries = WrongAnswer.objects.filter(
        user=user, retired_at__isnull=True, question__status=Question.Status.ACTIVE
    )
    chosen = chosen or WrongbookFilter()
    if chosen.category:
        entries = entries.filter(in_category_condition(chosen.category, "question__category__path"))
    if chosen.rule_set:
        linked = Question.rules.through.objects.filter(ruleitem__rule_set__code=chosen.rule_set)
        material_linked = Material.rules.through.objects.filter(
            ruleitem__rule_set__code=chosen.rule_set
        )
        entries = entries.filter(
            Q(question__in=linked.values("question_id"))
            | Q(question__material__in=material_linked.values("material_id"))
        )
    if chosen.case:
        linked = Question.cases.through.objects.filter(casepage__slug=chosen.case)
        entries = entries.filter(
            Q(question__in=linked.values("question_id"))
            | Q(question__material__case__slug=chosen.case)
        )
    if chosen.type == "material":
        entries = entries.filter(question__material__isnull=False)
    elif chosen.type:
        entries = entries.filter(question__type=chosen.type)
    return entries


@dataclass
class WrongbookOptions:
    """The filter's choices: only what the person's open book holds (three queries)."""

    categories: list[str]
    rule_sets: list[RuleSet]
    cases: list[CasePage]
    types: list[tuple[str, str]]


def wrongbook_options(*, user) -> WrongbookOptions:
    book = open_wrong_entries(user=user)
    question_ids = book.values("question_id")
    paths = sorted(
        set(book.order_by().values_list("question__category__path", flat=True).distinct())
    )
    categories = sorted(
        {
            "/".join(path.split("/")[:depth])
            for path in paths
            for depth in range(1, path.count("/") + 2)
        }
    )
    linked_rules = Question.rules.through.objects.filter(question_id__in=question_ids)
    rule_sets = list(
        RuleSet.objects.filter(
            Q(items__in=linked_rules.values("ruleitem_id"))
            | Q(items__materials__subquestions__in=question_ids)
        )
        .distinct()
        .only("pk", "code", "name")
        .order_by("sort_order", "code")
    )
    cases = list(
        CasePage.objects.live()
        .filter(Q(questions__in=question_ids) | Q(materials__subquestions__in=question_ids))
        .distinct()
        .only("pk", "title", "slug")
        .order_by("path")
    )
    return WrongbookOptions(categories, rule_sets, cases, WRONGBOOK_TYPES)


@dataclass
class WrongbookPage:
    entries: list[WrongbookEntry]
    page: Page
    retired: list[WrongAnswer]
    retired_count: int
    chosen: WrongbookFilter = field(default_factory=WrongbookFilter)
    options: WrongbookOptions | None = None
    total: int = 0  # entries in the whole open book, whatever the filter


def wrongbook_page(*, user, page_number=1, chosen: WrongbookFilter | None = None) -> WrongbookPage:
    """The person's own wrong book, newest mistake first, narrowed by the filter, a page at a
    time; retired entries (answered right twice in a row, or taken out by hand) apart. Questions
    no longer active are left out. A fixed number of queries whatever the size of the book.
    """
    chosen = chosen or WrongbookFilter()
    open_entries = (
        open_wrong_entries(user=user, chosen=chosen)
        .select_related("question", "question__category", "question__material")
        .prefetch_related(*link_prefetches("question__"))
        .order_by("-last_wrong_at", "-pk")
    )
    page = Paginator(open_entries, WRONGBOOK_PAGE_SIZE).get_page(page_number)
    entries = [
        WrongbookEntry(
            entry, entry.question, answer_text(entry.question), question_links(entry.question)
        )
        for entry in page.object_list
    ]
    retired_entries = WrongAnswer.objects.filter(
        user=user, retired_at__isnull=False, question__status=Question.Status.ACTIVE
    )
    retired = list(
        retired_entries.select_related("question")
        .only(
            "pk",
            "wrong_count",
            "retired_at",
            "last_wrong_at",
            "question__id",
            "question__stem",
            "question__type",
        )
        .order_by("-retired_at", "-pk")[:RETIRED_SHOWN]
    )
    return WrongbookPage(
        entries,
        page,
        retired,
        retired_entries.count(),
        chosen=chosen,
        options=wrongbook_options(user=user),
        total=open_wrong_entries(user=user).count() if chosen.is_set else page.paginator.count,
    )


def wrongbook_question_ids(*, user, chosen: WrongbookFilter) -> tuple[list[int], int]:
    """The questions of the filtered book that practice can ask on their own (newest mistake
    first, at most FIXED_LIMIT of them), and how many case-analysis sub-questions were left out
    (they are practised with their material)."""
    from .sessions import FIXED_LIMIT

    rows = list(
        open_wrong_entries(user=user, chosen=chosen)
        .order_by("-last_wrong_at", "-pk")
        .values_list("question_id", "question__material_id", "question__usage")
    )
    ids = [qid for qid, material, usage in rows if material is None and usage in PRACTICE_USAGES]
    return ids[:FIXED_LIMIT], len(rows) - len(ids)


# Practice sessions' summary ---------------------------------------------------------------------


@dataclass
class WeakPoint:
    kind: str  # 分类 / 知识点 / 规范
    name: str
    wrong: int
    asked: int
    url: str = ""


@dataclass
class SessionSummary:
    right: int
    asked: int
    seconds: int
    weak_points: list[WeakPoint]
    rule_links: list[Link]  # the rule items behind the questions answered wrongly

    @property
    def percent(self) -> int:
        return round(100 * self.right / self.asked) if self.asked else 0

    @property
    def duration(self) -> str:
        minutes, seconds = divmod(max(0, self.seconds), 60)
        hours, minutes = divmod(minutes, 60)
        if hours:
            return f"{hours} 小时 {minutes} 分"
        return f"{minutes} 分 {seconds} 秒" if minutes else f"{seconds} 秒"


def _weak_rows(counts: dict, kind: str, urls: dict | None = None) -> list[WeakPoint]:
    urls = urls or {}
    return [
        WeakPoint(kind, name, wrong, asked, urls.get(name, ""))
        for name, (wrong, asked) in counts.items()
        if wrong
    ]


def session_summary(*, results: list, started: datetime, ended: datetime) -> SessionSummary:
    """Score, time and weak points (by category, knowledge point and rule set: where answers
    went wrong, most wrong first) of a practice session's results ([question id, right?]), with
    links to the rules behind the wrong answers. Two queries, whatever the length."""
    outcome: dict[int, bool] = {}
    for question_id, right in results:
        outcome[int(question_id)] = bool(right)
    questions = (
        Question.objects.filter(pk__in=list(outcome))
        .select_related("category")
        .only("pk", "knowledge_point", "category__path", "category__name")
        .prefetch_related(
            Prefetch(
                "rules",
                queryset=RuleItem.objects.select_related("rule_set").only(
                    "pk", "key", "number", "title", "rule_set__code", "rule_set__name"
                ),
            )
        )
    )
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_point: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_rule_set: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    rule_set_urls: dict[str, str] = {}
    rule_links: dict[int, Link] = {}
    for question in questions:
        wrong = 0 if outcome[question.pk] else 1
        counters = [by_category[question.category.path]]
        if question.knowledge_point:
            counters.append(by_point[question.knowledge_point])
        rules = list(question.rules.all())
        for rule_set in {rule.rule_set for rule in rules}:
            counters.append(by_rule_set[rule_set.name])
            rule_set_urls[rule_set.name] = rule_set.get_absolute_url()
        for counter in counters:
            counter[0] += wrong
            counter[1] += 1
        if wrong:
            for rule in rules:
                rule_links.setdefault(rule.pk, Link("规范", str(rule), rule.get_absolute_url()))
    weak = (
        _weak_rows(by_category, "分类")
        + _weak_rows(by_point, "知识点")
        + _weak_rows(by_rule_set, "规范", rule_set_urls)
    )
    weak.sort(key=lambda row: (-row.wrong, -row.wrong / row.asked, row.kind, row.name))
    return SessionSummary(
        right=sum(1 for right in outcome.values() if right),
        asked=len(outcome),
        seconds=int((ended - started).total_seconds()),
        weak_points=weak,
        rule_links=list(rule_links.values()),
    )
