"""The downloadable import template: a 试题 sheet of example questions (one of each type, and a
case-analysis material with two sub-questions) and a 说明 sheet explaining every column, as XLSX;
the same examples as CSV."""

from decimal import Decimal

from ...bank.answers import BLANK
from ...bank.choices import MAX_SUBQUESTIONS, MIN_SUBQUESTIONS, Difficulty, QuestionType
from ..base import ParsedQuestion
from .writer import export_csv, workbook_bytes

INSTRUCTIONS = [
    ("列", "怎么填"),
    ("题型", "单选题、多选题、判断题、填空题、简答题（也认“单项选择题”“多项选择题”等写法）。"),
    ("题干", "题目文字。填空题在题干中用四个下划线 ____ 表示一个空。"),
    (
        "选项A … 选项H",
        "单选题、多选题的选项，从选项A起连续填写，至少两个，不要写“A.”前缀；其他题型留空。",
    ),
    ("答案", "单选、多选题填选项字母，如 B 或 ACD。"),
    ("", "判断题填 对 或 错（也可填 √ / ×、正确 / 错误、T / F）。"),
    (
        "",
        "填空题按空的顺序填写，各空之间用中文或英文分号（；或 ;）分隔，同一个空的几种可接受写法用 | 分隔，"
        "如“3|三；5|五”表示两个空（单元格内换行也可以分隔各空）。",
    ),
    ("", "简答题填答题要点（阅卷时按要点给分），每行一个，或在同一行用分号分隔。"),
    ("解析", "可不填。"),
    ("难度", "易、中、难，不填为“中”。"),
    ("分类", "题库分类，多级用 / 分隔，如“礼仪/电话礼仪”；不填则放入导入时选择的分类。"),
    ("知识点", "可不填；没有“分类”列时，“知识点”列同时作为分类。"),
    ("分值", "默认分值，大于 0，最多两位小数；不填为 1 分。"),
    ("来源", "可不填，如文件名或文件文号。"),
    (
        "材料编号",
        "案例分析题才填：一份材料（情境）带几道小题，每道小题占一行，这几行填相同的材料编号"
        "（如 M1，文件内自己编号即可）；单独的试题留空。小题的题型、题干、答案等照常填写。",
    ),
    ("材料标题", "可不填：编辑列表中显示的简短中性标签（考生看不到），只需填在该材料的第一行。"),
    (
        "材料",
        "材料文字（约 150–600 字的情境），填在该材料的第一行，其余各行留空（或填完全相同的文字）。"
        "也可以单独用一行只填材料编号、材料标题和材料，下面各行再填小题。",
    ),
    (
        "",
        f"一份材料至少 {MIN_SUBQUESTIONS} 道、最多 {MAX_SUBQUESTIONS} 道小题；小题数不对、"
        "材料文字没有填写，都会指出行号，整个文件不导入。",
    ),
    ("", ""),
    ("注意", "第 1 行是表头，不要修改；空行会被跳过；单元格不能是公式。"),
    (
        "",
        "同一分类中题干相同（忽略标点、空格、全半角和繁简体）的题目视为重复："
        "题库中已有的会被更新（内容相同则不变），文件中后出现的会被跳过。",
    ),
    ("", "只要有一处错误，整个文件都不会导入；请按预览中列出的行号和列改正后重新上传。"),
    ("", "CSV 文件请保存为 UTF-8 编码（Excel：另存为“CSV UTF-8（逗号分隔）”），GBK 编码也可以。"),
]

EXAMPLES = [
    ParsedQuestion(
        type=QuestionType.SINGLE,
        stem="客户来电时，接听电话应在铃响几声之内？",
        options=["两声", "三声", "四声", "五声"],
        answer=[1],
        explanation="电话铃响三声之内接听。",
        category_path="礼仪/电话礼仪",
        knowledge_point="接听电话",
        difficulty=Difficulty.EASY,
        score=Decimal("1"),
        source_note="示例",
    ),
    ParsedQuestion(
        type=QuestionType.MULTIPLE,
        stem="供电营业厅开展的“四声服务”包括下列哪些？",
        options=["来有迎声", "问有答声", "唱收唱付", "去有送声", "错有歉声"],
        answer=[0, 1, 2, 3],
        explanation="四声服务：来有迎声、问有答声、唱收唱付、去有送声。",
        category_path="礼仪",
        knowledge_point="四声服务",
        difficulty=Difficulty.MEDIUM,
        score=Decimal("2"),
    ),
    ParsedQuestion(
        type=QuestionType.TRUE_FALSE,
        stem="与客户通话时，可以使用“漏保”等简称。",
        answer=[False],
        explanation="应使用规范用语，不用简称。",
        category_path="礼仪/电话礼仪",
        difficulty=Difficulty.EASY,
    ),
    ParsedQuestion(
        type=QuestionType.FILL,
        stem=f"停电前 {BLANK} 天内将停电通知送达用户，停电前 {BLANK} 分钟再通知用户一次。",
        answer=[["三至七", "3至7", "3-7"], ["30", "三十"]],
        explanation="供电营业规则第六十七条。",
        category_path="供电质量",
        difficulty=Difficulty.MEDIUM,
        score=Decimal("2"),
    ),
    ParsedQuestion(
        type=QuestionType.SHORT,
        stem="简述首问负责制对首问负责人的要求。",
        answer=[
            "主动热情细致地解答问题",
            "了解客户需求",
            "协助解决不属于自己能力范围的问题",
            "不得推诿塞责",
        ],
        category_path="营业",
        difficulty=Difficulty.HARD,
        score=Decimal("5"),
    ),
    ParsedQuestion(
        type=QuestionType.SINGLE,
        stem="材料中抄表员的做法主要违反了哪项要求？",
        options=["准确抄表，杜绝抄错和估抄", "不准自立收费项目", "停电前7天通知客户", "首问负责"],
        answer=[0],
        explanation="抄错和凭估计填写读数都违反准确抄表的要求。",
        category_path="抄表收费",
        difficulty=Difficulty.MEDIUM,
        score=Decimal("2"),
        material_key="M1",
        material_title="（示例）抄见电量与客户自查读数不符",
        material_text=(
            "某供电所接到客户投诉，反映按抄见电量计收的电费比自己实际用电多。经查，抄表员"
            "没有到现场抄录读数，而是凭估计填写了读数。"
        ),
    ),
    ParsedQuestion(
        type=QuestionType.SHORT,
        stem="客户来电反映电量与自己查看的读数不符，受理人员应如何处理？",
        answer=["道歉|致歉", "上门|现场 + 核实|核对", "退还|退补"],
        category_path="抄表收费",
        difficulty=Difficulty.MEDIUM,
        score=Decimal("3"),
        material_key="M1",
    ),
]


def template_xlsx() -> bytes:
    return workbook_bytes(EXAMPLES, instructions=INSTRUCTIONS)


def template_csv() -> bytes:
    return export_csv(EXAMPLES)
