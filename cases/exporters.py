"""Write the knowledge base back to YAML in the fixtures/knowledge format (the dump recipe).

`manage.py export_knowledge DIR` then copying the files over fixtures/knowledge/ makes what editors
changed in the admin part of the seed content that `make setup` loads.
"""

from pathlib import Path

import yaml

from .models import CasePage, QAItem, RuleSet

HEADER = "# Written by `manage.py export_knowledge`; format: fixtures/knowledge/README.md\n"


def _dump(path: Path, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(HEADER)
        yaml.safe_dump(data, handle, allow_unicode=True, sort_keys=False, width=100)


def rule_sets_data(kinds: list[str]) -> dict:
    rule_sets = RuleSet.objects.filter(kind__in=kinds).select_related("source")
    return {
        "rule_sets": [
            {
                "code": rule_set.code,
                "name": rule_set.name,
                "kind": rule_set.kind,
                "issuer": rule_set.issuer,
                "version": rule_set.version,
                "effective_date": rule_set.effective_date,
                "description": rule_set.description,
                "source": rule_set.source.file_name,
                "quote": rule_set.quote,
                "items": [
                    {
                        "key": item.key,
                        "number": item.number,
                        "title": item.title,
                        "text": item.text,
                        "category": item.category,
                        "source": item.source.file_name,
                        "quote": item.quote,
                    }
                    for item in rule_set.items.select_related("source").order_by("sort_order")
                ],
            }
            for rule_set in rule_sets
        ]
    }


def qa_data() -> dict:
    items = QAItem.objects.select_related("source").prefetch_related("related_rules__rule_set")
    return {
        "qa_items": [
            {
                "code": item.code,
                "collection": item.collection,
                "category": item.category,
                "number": item.number,
                "question": item.question,
                "answer": item.answer,
                "key_points": item.key_points,
                "related_rules": [rule.reference for rule in item.related_rules.all()],
                "source": item.source.file_name,
                "quote": item.quote,
            }
            for item in items
        ]
    }


def cases_data() -> dict:
    cases = CasePage.objects.select_related("source").order_by("path")
    rows = []
    for case in cases:
        sections = []
        for block in case.body:
            if block.block_type == "violations":
                clauses = [
                    {
                        "rule": clause["rule"].reference,
                        "text": clause["text"],
                        "quote": clause["quote"],
                    }
                    for clause in block.value["clauses"]
                ]
                sections.append({"type": "violations", "clauses": clauses})
            else:
                sections.append(
                    {
                        "type": block.block_type,
                        "text": block.value["text"],
                        "quote": block.value["quote"],
                    }
                )
        violated = case.violated_rule_ids()
        rows.append(
            {
                "slug": case.slug,
                "title": case.title,
                "series": case.series,
                "number": case.number,
                "kind": case.kind,
                "category": case.category,
                "incomplete": case.incomplete,
                "source": case.source.file_name,
                "related_rules": [
                    rule.reference
                    for rule in case.related_rules.select_related("rule_set")
                    if rule.pk not in violated
                ],
                "sections": sections,
            }
        )
    return {"cases": rows}


def export_knowledge(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "rules_exported.yaml": rule_sets_data(["service", "management"]),
        "regulations_exported.yaml": rule_sets_data(["regulation"]),
        "qa_exported.yaml": qa_data(),
        "cases_exported.yaml": cases_data(),
    }
    written = []
    for name, data in files.items():
        _dump(directory / name, data)
        written.append(directory / name)
    return written
