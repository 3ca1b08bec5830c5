"""The dump recipe: exporting the knowledge base gives files that load back to the same content."""

import yaml

from cases.exporters import export_knowledge
from cases.models import CasePage, QAItem, RuleItem


def test_export_round_trip(db, tmp_path):
    files = {
        path.name: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in export_knowledge(tmp_path)
    }
    exported_rules = {
        f"{rule_set['code']}/{item['key']}": item["quote"]
        for name in ("rules_exported.yaml", "regulations_exported.yaml")
        for rule_set in files[name]["rule_sets"]
        for item in rule_set["items"]
    }
    assert exported_rules == {
        rule.reference: rule.quote for rule in RuleItem.objects.select_related("rule_set")
    }
    exported_qa = {
        item["code"]: item["key_points"] for item in files["qa_exported.yaml"]["qa_items"]
    }
    assert exported_qa == dict(QAItem.objects.values_list("code", "key_points"))
    exported_cases = {case["slug"]: case for case in files["cases_exported.yaml"]["cases"]}
    assert set(exported_cases) == set(CasePage.objects.values_list("slug", flat=True))
    case = exported_cases["dian-xing-01"]
    assert [section["type"] for section in case["sections"]][:3] == [
        "summary",
        "category",
        "process",
    ]
    violations = next(s for s in case["sections"] if s["type"] == "violations")
    assert "gongdian-yingye-guize/83" in [clause["rule"] for clause in violations["clauses"]]
