"""The typed parts of a case page. Each part keeps the verbatim source passage it was cleaned from."""

from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock


class CaseSectionBlock(blocks.StructBlock):
    text = blocks.TextBlock(label="内容")
    quote = blocks.TextBlock(
        label="原文摘录", required=False, help_text="来源文件中的原文，逐字保留"
    )

    class Meta:
        icon = "doc-full"


class ViolatedClauseBlock(blocks.StructBlock):
    rule = SnippetChooserBlock("cases.RuleItem", label="条款")
    text = blocks.TextBlock(label="案例引用的条款内容")
    quote = blocks.TextBlock(label="原文摘录", required=False)

    class Meta:
        icon = "warning"


class ViolationsBlock(blocks.StructBlock):
    clauses = blocks.ListBlock(ViolatedClauseBlock(), label="条款")

    class Meta:
        icon = "warning"


# (block name, label). The labels are the headings the source documents use.
SECTION_LABELS = {
    "summary": "案例提要",
    "category": "案例分类",
    "process": "事件过程",
    "impact": "造成影响",
    "emergency": "应急处理",
    "violations": "违规条款",
    "problems": "暴露问题",
    "commentary": "案例点评",
    "service_process": "服务过程",
    "effect": "取得效果",
    "analysis": "分析与处理",
}


class CaseBodyBlock(blocks.StreamBlock):
    summary = CaseSectionBlock(label=SECTION_LABELS["summary"])
    category = CaseSectionBlock(label=SECTION_LABELS["category"])
    process = CaseSectionBlock(label=SECTION_LABELS["process"])
    impact = CaseSectionBlock(label=SECTION_LABELS["impact"])
    emergency = CaseSectionBlock(label=SECTION_LABELS["emergency"])
    violations = ViolationsBlock(label=SECTION_LABELS["violations"])
    problems = CaseSectionBlock(label=SECTION_LABELS["problems"])
    commentary = CaseSectionBlock(label=SECTION_LABELS["commentary"])
    service_process = CaseSectionBlock(label=SECTION_LABELS["service_process"])
    effect = CaseSectionBlock(label=SECTION_LABELS["effect"])
    analysis = CaseSectionBlock(label=SECTION_LABELS["analysis"])
