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
from dataclasses import dataclass
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
from ..bank.choices import PRACTICE_USAGES
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


def next_material(*, user, scope: Scope | str, after: int | None = None) -> Material | None:
    """The material to practise next (two queries): the one whose sub-questions the person has
    answered least, at random among equals, not `after` while another is left. Its sub-questions
    come without their keys (`active_subquestions`); `times_answered` is annotated."""
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


def next_question(*, user, scope: Scope | str, after: int | None = None) -> Question | None:
    """The question to practise next (one query): the one the person has answered least, at
    random among equals, and not `after` (the one just answered) while another is left.

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


@dataclass
class WrongbookPage:
    entries: list[WrongbookEntry]
    page: Page
    retired: list[WrongAnswer]
    retired_count: int


def wrongbook_page(*, user, page_number=1) -> WrongbookPage:
    """The person's own wrong book, newest mistake first, a page at a time; retired entries
    (answered right twice in a row) apart. Questions no longer active are left out. Seven
    queries whatever the size of the book.
    """
    open_entries = (
        WrongAnswer.objects.filter(
            user=user, retired_at__isnull=True, question__status=Question.Status.ACTIVE
        )
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
    return WrongbookPage(entries, page, retired, retired_entries.count())
