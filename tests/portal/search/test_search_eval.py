"""manage.py search_eval: the same page as /search/, the first five result pages opened, found/total last."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

HELD_OUT = Path(__file__).with_name("heldout_queries.tsv")


def run(path: Path) -> list[str]:
    out = io.StringIO()
    call_command("search_eval", str(path), stdout=out)
    return out.getvalue().strip().splitlines()


def test_counts_what_the_result_pages_show(tmp_path, demo_org):
    queries = tmp_path / "q.tsv"
    queries.write_text(
        "# a comment\n"
        "哪些行为属于窃电\t擅自接线用电\n"
        "十个不准第四条\t推诿塞责\n"
        "量子纠缠\t不存在的短语\n",
        encoding="utf-8",
    )
    lines = run(queries)
    assert lines[-1] == "2/3"
    assert lines[0].startswith("[OK@1] 哪些行为属于窃电")
    assert any(line.startswith("[MISS] 量子纠缠") for line in lines)


def test_held_out_queries_are_found(demo_org):
    found, total = map(int, run(HELD_OUT)[-1].split("/"))
    assert total == 40 and found >= 36


def test_missing_file(tmp_path):
    with pytest.raises(CommandError):
        call_command("search_eval", str(tmp_path / "none.tsv"))
