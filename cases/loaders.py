"""Load the knowledge base from fixtures/knowledge/*.yaml (format: fixtures/knowledge/README.md).

Idempotent and non-destructive: an item whose code already exists is left as it is, so running
`make setup` again neither duplicates anything nor overwrites what editors changed in the admin.
"""

from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import GroupPagePermission, Page, PageViewRestriction

from portal.organisation.roles import Role

from .models import CaseIndexPage, CasePage, QAItem, RuleItem, RuleSet, SourceDocument
from .sourcing import read_source

KNOWLEDGE_DIR = Path(settings.FIXTURES_DIR) / "knowledge"
CASE_INDEX_SLUG = "cases"


class KnowledgeLoadError(Exception):
    pass


@dataclass
class KnowledgeLoadResult:
    sources: int = 0
    rule_sets: int = 0
    rules: int = 0
    qa_items: int = 0
    cases: int = 0


def _read(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def _files(pattern: str) -> list[Path]:
    return sorted(KNOWLEDGE_DIR.glob(pattern))


def load_sources(result: KnowledgeLoadResult) -> dict[str, SourceDocument]:
    documents = {}
    for row in _read(KNOWLEDGE_DIR / "sources.yaml")["sources"]:
        document, created = SourceDocument.objects.get_or_create(
            file_name=row["file_name"],
            defaults={
                "title": row["title"],
                "traditional": row.get("traditional", False),
                "text": read_source(row["file_name"]),
            },
        )
        result.sources += created
        documents[document.file_name] = document
    return documents


def load_rules(result: KnowledgeLoadResult, sources: dict[str, SourceDocument]) -> None:
    order = 0
    rule_files = _files("rules_*.yaml") + _files("regulations_*.yaml")
    for path in rule_files:
        for set_row in _read(path)["rule_sets"]:
            order += 1
            rule_set, created = RuleSet.objects.get_or_create(
                code=set_row["code"],
                defaults={
                    "name": set_row["name"],
                    "kind": set_row["kind"],
                    "issuer": set_row.get("issuer") or "",
                    "version": str(set_row.get("version") or ""),
                    "effective_date": set_row.get("effective_date"),
                    "description": set_row.get("description") or "",
                    "source": sources[set_row["source"]],
                    "quote": set_row.get("quote") or "",
                    "sort_order": order,
                },
            )
            result.rule_sets += created
            for position, item in enumerate(set_row["items"]):
                _, created = RuleItem.objects.get_or_create(
                    rule_set=rule_set,
                    key=str(item["key"]),
                    defaults={
                        "number": str(item.get("number") or ""),
                        "title": item["title"],
                        "text": item["text"],
                        "category": item["category"],
                        "source": sources[item.get("source") or set_row["source"]],
                        "quote": item["quote"],
                        "note": item.get("note") or "",
                        "validity": item.get("validity") or "valid",
                        "sort_order": position,
                    },
                )
                result.rules += created


def resolve_rules(references: list[str], where: str) -> list[RuleItem]:
    """Turn "<set code>/<key>" references into rule items; an unknown one is an error."""
    rules = []
    for reference in references or []:
        set_code, _, key = reference.partition("/")
        rule = RuleItem.objects.filter(rule_set__code=set_code, key=key).first()
        if rule is None:
            raise KnowledgeLoadError(f"{where}: 找不到规范条目 {reference}")
        rules.append(rule)
    return rules


def load_qa(result: KnowledgeLoadResult, sources: dict[str, SourceDocument]) -> None:
    order = 0
    for path in _files("qa_*.yaml"):
        for row in _read(path)["qa_items"]:
            order += 1
            item, created = QAItem.objects.get_or_create(
                code=row["code"],
                defaults={
                    "collection": row["collection"],
                    "category": row["category"],
                    "number": row.get("number"),
                    "question": row["question"],
                    "answer": row["answer"],
                    "key_points": row["key_points"],
                    "source": sources[row["source"]],
                    "quote": row["quote"],
                    "note": row.get("note") or "",
                    "validity": row.get("validity") or "valid",
                    "sort_order": order,
                },
            )
            if created:
                item.related_rules.set(resolve_rules(row.get("related_rules"), row["code"]))
            result.qa_items += created


def case_index_page() -> CaseIndexPage:
    index_page = CaseIndexPage.objects.filter(slug=CASE_INDEX_SLUG).first()
    if index_page is None:
        home = Page.objects.get(depth=2, slug="home").specific
        index_page = CaseIndexPage(
            title="典型案例",
            slug=CASE_INDEX_SLUG,
            intro="供电服务中的不良服务事件和优质服务事例：看过程、找问题、学做法。",
        )
        home.add_child(instance=index_page)
        index_page.save_revision().publish()
    grant_editor_page_permissions(index_page)
    if not PageViewRestriction.objects.filter(page=index_page).exists():
        # Training material is for logged-in staff only.
        PageViewRestriction.objects.create(
            page=index_page, restriction_type=PageViewRestriction.LOGIN
        )
    return index_page


def grant_editor_page_permissions(page: Page) -> None:
    """培训专责 may add, edit and publish case pages under the case index."""
    editors = Group.objects.filter(name=Role.EDITOR.value).first()
    if editors is None:
        return
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.get_or_create(
            group=editors,
            page=page,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            ),
        )


def _case_body(row: dict) -> list[tuple[str, dict]]:
    body = []
    for section in row["sections"]:
        if section["type"] == "violations":
            clauses = []
            for clause in section["clauses"]:
                (rule,) = resolve_rules([clause["rule"]], row["slug"])
                clauses.append({"rule": rule, "text": clause["text"], "quote": clause["quote"]})
            body.append(("violations", {"clauses": clauses}))
        else:
            body.append((section["type"], {"text": section["text"], "quote": section["quote"]}))
    return body


def load_cases(result: KnowledgeLoadResult, sources: dict[str, SourceDocument]) -> None:
    index_page = case_index_page()
    for path in _files("cases_*.yaml"):
        for row in _read(path)["cases"]:
            if CasePage.objects.filter(slug=row["slug"]).exists():
                continue
            case = CasePage(
                title=row["title"],
                slug=row["slug"],
                kind=row["kind"],
                category=row["category"],
                series=row.get("series") or "",
                number=row.get("number") or "",
                incomplete=row.get("incomplete", False),
                source=sources[row["source"]],
                body=_case_body(row),
                note=row.get("note") or "",
            )
            related = resolve_rules(row.get("related_rules"), row["slug"])
            if not related and not any(s["type"] == "violations" for s in row["sections"]):
                raise KnowledgeLoadError(f"{row['slug']}: 案例必须关联至少一个规范条目")
            case.related_rules = related
            index_page.add_child(instance=case)
            case.save_revision().publish()
            result.cases += 1


@transaction.atomic
def load_knowledge() -> KnowledgeLoadResult:
    result = KnowledgeLoadResult()
    sources = load_sources(result)
    load_rules(result, sources)
    load_qa(result, sources)
    load_cases(result, sources)
    return result
