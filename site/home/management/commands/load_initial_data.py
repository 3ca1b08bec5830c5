"""Load everything a new installation needs: roles, demo organisation, knowledge base, questions.

Idempotent: running it again creates nothing new and changes nothing.
"""

from django.core.management.base import BaseCommand

from cases.loaders import load_knowledge
from portal.home.demo_history import load_demo_history
from portal.organisation.demo import load_demo_organisation
from portal.thesaurus.seed import load_thesaurus
from quizzes.bank.seed import load_questions


class Command(BaseCommand):
    help = "载入初始数据：角色、示范组织与账号、知识库、题库（可重复执行，不会重复创建）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--skip-demo-history",
            action="store_true",
            help="不生成往月考试与考核演示数据（测试用）",
        )

    def handle(self, *args, skip_demo_history=False, **options):
        organisation = load_demo_organisation()
        self.stdout.write(
            f"组织与账号：新建单位 {organisation.units_created} 个，"
            f"新建人员 {organisation.people_created} 人。"
        )
        knowledge = load_knowledge()
        self.stdout.write(
            f"知识库：新建来源文件 {knowledge.sources} 个、规范 {knowledge.rule_sets} 套、"
            f"规范条目 {knowledge.rules} 条、知识问答 {knowledge.qa_items} 条、案例 {knowledge.cases} 个。"
        )
        thesaurus = load_thesaurus()
        self.stdout.write(f"同义词表：新建同义词组 {thesaurus} 组。")
        questions = load_questions()
        self.stdout.write(
            f"题库：新建试题 {questions.questions} 道、由知识问答生成简答题 {questions.from_qa} 道、"
            f"案例分析材料 {questions.materials} 份（小题 {questions.subquestions} 道）、"
            f"互斥组 {questions.exclusion_groups} 组、"
            f"组卷规则 {questions.blueprints} 套、考试 {questions.exams} 场。"
        )
        if not skip_demo_history:
            history = load_demo_history()
            self.stdout.write(
                f"演示考核历史：新建月度考试 {history.exams} 场、作答 {history.attempts} 份、"
                f"录入考核记录 {history.records_filled} 条、锁定 {history.months_locked} 个单位月份。"
            )
