"""试评 from the command line: how an answer scores against a question's key points now."""

import json

from django.core.management.base import BaseCommand, CommandError

from quizzes.bank.trial import TrialRefused, try_answer
from quizzes.models import Question


class Command(BaseCommand):
    help = "试评：按当前答题要点和同义词表给一个答案打分（不记录任何内容）。填空题各空用“；”分隔。"

    def add_arguments(self, parser):
        parser.add_argument("code", help="试题编码，例如 qa-004-service-091")
        parser.add_argument("--answer", required=True, help="要试评的答案")
        parser.add_argument("--json", action="store_true", dest="as_json", help="以 JSON 输出")

    def handle(self, *args, code: str, answer: str, as_json: bool = False, **options):
        question = Question.objects.filter(code=code).first()
        if question is None:
            raise CommandError(f"没有编码为“{code}”的试题。")
        try:
            result = try_answer(question=question, answer=answer)
        except TrialRefused as error:
            raise CommandError(str(error)) from None
        if as_json:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            return
        self.stdout.write(
            f"{result.code}：得 {result.score.normalize():f} / {result.max_score.normalize():f} 分"
        )
        for point in result.points:
            mark = "✔" if point.matched else "✘"
            found = f"（答到：{'、'.join(point.found)}）" if point.found else ""
            weight = f" ×{point.weight}" if point.weight not in ("1", "1.0") else ""
            self.stdout.write(f"  {mark} {point.point}{weight}{found}")
