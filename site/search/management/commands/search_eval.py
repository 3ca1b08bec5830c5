"""manage.py search_eval PATH: run a file of queries through /search/ and print found/total."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.search.evaluation import Evaluator, read_queries


class Command(BaseCommand):
    help = "按文件中的查询逐条搜索（与 /search/ 相同），打印前五个结果并统计找到的条数。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="查询文件：每行“查询<Tab>短语|短语”，# 开头为注释")
        parser.add_argument("--misses", action="store_true", help="只列出没有找到的查询")

    def handle(self, *args, path: str, misses: bool = False, **options):
        file = Path(path)
        if not file.exists():
            raise CommandError(f"找不到文件：{file}")
        queries = read_queries(file)
        if not queries:
            raise CommandError(f"文件中没有查询：{file}")
        try:
            evaluator = Evaluator()
        except ValueError as error:
            raise CommandError(str(error)) from error
        found = 0
        for item in queries:
            result = evaluator.run(item)
            found += result.found
            if misses and result.found:
                continue
            mark = f"OK@{result.found_at}" if result.found else "MISS"
            self.stdout.write(f"[{mark}] {item.query}    （应含：{'|'.join(item.phrases)}）")
            for rank, (url, heading) in enumerate(result.links, start=1):
                self.stdout.write(f"    {rank}. {url}  {heading[:40]}")
        self.stdout.write(f"{found}/{len(queries)}")
