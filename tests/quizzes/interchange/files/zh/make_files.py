"""Writes the Chinese question files of this folder, shaped as Chinese exam systems export them.
Run `.venv/bin/python tests/quizzes/interchange/files/zh/make_files.py` to rebuild them; the tests
read the files, not this script.

- 考试星题库.xlsx — 考试星 style: a merged title row and a merged note row above the header, 题型
  words 单选/多选/判断/填空/问答, 正确答案 like "A、C" or "正确", blanks written as （ ）.
- ExamStack试题导出.xlsx — ExamStack style: 试题类型, 试题内容, one 选项 cell ("A. …" per line).
- PHPEMS试题.csv — PHPEMS style CSV in GBK: 题型, 题干, 选项 ("A:…" per line), 答案 "AC".
- 考试星题库-有错误.xlsx — the 考试星 layout with mistakes an editor makes (连线题, an answer letter
  with no option, 判断 answered 不确定, an empty stem).
- 旧版Excel.xls — an Excel 97-2003 file (OLE header only): refused with a Chinese message.
"""

import csv
import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).parent

KAOSHIXING_HEADER = [
    "题型*", "题目内容*", "选项A", "选项B", "选项C", "选项D", "选项E",
    "正确答案*", "答案解析", "难易度", "试题分类", "分数",
]  # fmt: skip
KAOSHIXING_ROWS = [
    ["单选", "营业厅客户来电，工作人员应在电话铃响几声之内接听？", "两声", "三声", "四声", "五声", "",
     "B", "电话铃响三声之内接听。", "简单", "营业厅服务/电话礼仪", "1"],
    ["多选", "供电营业厅窗口服务中，下列哪些属于规范服务用语？", "您好，请问办理什么业务？",
     "请稍等", "不知道，问别人去", "请您核对一下", "",
     "A、B、D", "“不知道，问别人去”属于服务禁语。", "一般", "营业厅服务/服务用语", "2"],
    ["判断", "抄表员可以凭经验估计填写客户电表读数。", "", "", "", "", "",
     "错误", "必须到现场抄录，杜绝估抄。", "简单", "抄表收费", "1"],
    ["判断", "居民客户申请用电时，供电企业应一次性告知办理所需资料。", "", "", "", "", "",
     "正确", "", "简单", "业扩报装", "1"],
    ["填空", "计划停电应提前（ ）天通知用户，停电前（ ）分钟再通知重要用户一次。", "", "", "", "", "",
     "三至七|3至7；30|三十", "", "一般", "供电质量", "2"],
    ["问答", "简述营业厅首问负责制的要求。", "", "", "", "", "",
     "主动热情解答；了解客户需求；不得推诿", "", "困难", "营业厅服务", "5"],
]  # fmt: skip

BAD_ROWS = [
    ["连线题", "把左右两列对应起来。", "", "", "", "", "", "A", "", "", "", "1"],
    ["单选", "电能表的计量单位是？", "千瓦时", "千瓦", "", "", "", "D", "", "", "", "1"],
    ["判断", "电费可以由抄表员现金收取后自行保管。", "", "", "", "", "", "不确定", "", "", "", "1"],
    ["单选", "", "甲", "乙", "", "", "", "A", "", "", "", "1"],
]  # fmt: skip

EXAMSTACK_HEADER = ["试题类型", "试题内容", "选项", "答案", "解析", "知识点", "难度"]
EXAMSTACK_ROWS = [
    ["单选题", "低压用户电能计量装置原则上应安装在（ ）。",
     "A. 产权分界处\nB. 变压器出口\nC. 用户配电室", "A", "供电营业规则。", "电能计量", "中"],
    ["多选题", "下列哪些行为违反供电服务“十个不准”？",
     "A. 违规停电\nB. 按时送电\nC. 推诿搪塞客户\nD. 主动服务", "A,C", "", "服务规范", "中"],
    ["判断题", "客户投诉处理完毕后应进行回访。", "", "对", "", "投诉处理", "易"],
]  # fmt: skip

PHPEMS_HEADER = ["题型", "题干", "选项", "答案", "解析", "知识点"]
PHPEMS_ROWS = [
    ["单选题", "故障报修时，城区范围内抢修人员到达现场的时间一般不超过多少分钟？",
     "A:30分钟\nB:45分钟\nC:90分钟", "B", "", "故障抢修"],
    ["多选题", "营业厅“四声服务”包括哪些？",
     "A:来有迎声\nB:问有答声\nC:走有送声\nD:边走边唱", "ABC", "", "服务礼仪"],
    ["问答题", "客户反映电费异常时应如何处理？", "", "核实|核对；解释；道歉|致歉", "", "电费"],
]  # fmt: skip


def kaoshixing(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "试题"
    sheet.append(["考试星试题批量导入模板"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(KAOSHIXING_HEADER))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(["说明：带 * 的列必填；多选题答案用顿号分隔，如 A、C；判断题填 正确 或 错误。"])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(KAOSHIXING_HEADER))
    sheet.append(KAOSHIXING_HEADER)
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def plain_workbook(header, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def phpems_csv() -> bytes:
    output = io.StringIO(newline="")
    writer = csv.writer(output)
    writer.writerow(PHPEMS_HEADER)
    writer.writerows(PHPEMS_ROWS)
    return output.getvalue().encode("gbk")


def main() -> None:
    (HERE / "考试星题库.xlsx").write_bytes(kaoshixing(KAOSHIXING_ROWS))
    (HERE / "考试星题库-有错误.xlsx").write_bytes(kaoshixing(KAOSHIXING_ROWS[:1] + BAD_ROWS))
    (HERE / "ExamStack试题导出.xlsx").write_bytes(plain_workbook(EXAMSTACK_HEADER, EXAMSTACK_ROWS))
    (HERE / "PHPEMS试题.csv").write_bytes(phpems_csv())
    (HERE / "旧版Excel.xls").write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "工作表".encode("utf-16-le")
    )


if __name__ == "__main__":
    main()
