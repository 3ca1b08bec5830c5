"""The knowledge base loaded by `make setup`: complete, traceable, linked."""

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command

from cases.models import CasePage, QAItem, RuleItem, RuleSet
from cases.sourcing import StoredQuote, squash, verify_quotes
from portal.search.cjk import to_simplified
from portal.thesaurus.keypoints import key_points_problems, match_points
from portal.thesaurus.selectors import current_thesaurus

pytestmark = pytest.mark.django_db

SOURCE_SHA1 = {
    "000_ab31190c89393b9e.txt": "85d58fe2aa6dcf79ebbb8b0ce98b65fab3ef42f4",
    "001_c325766821b7c1c3.txt": "02fb22b2121264ad28dd5cce0fd5e4af8bb7cd71",
    "002_3d796432bc6c3e06.txt": "5f7092ce2831fbbd418aa28b4391274c1280c84c",
    "003_d73ee59bdb44bb39.txt": "e58f2115e6d235b09a1be2c93f68afd7ac021454",
    "004_0c2efcfe3ea11507.txt": "67669faa8d22afd83602962b692ed5d4fac0dde8",
}

CITED_CLAUSES = [
    "gongdian-yingye-guize/67",
    "gongdian-yingye-guize/83",
    "gjdw-gongdian-fuwu-guifan/4",
    "gjdw-gongdian-fuwu-guifan/5",
    "gjdw-gongdian-fuwu-guifan/18",
    "gjdw-gongdian-fuwu-guifan/19",
    "dianli-gongying-shiyong-tiaoli/20",
    "dianli-gongying-shiyong-tiaoli/27",
]


def rule(reference: str) -> RuleItem:
    set_code, key = reference.split("/")
    return RuleItem.objects.select_related("rule_set").get(rule_set__code=set_code, key=key)


def test_source_documents_are_shipped_unchanged(settings):
    for file_name, digest in SOURCE_SHA1.items():
        data = (settings.FIXTURES_DIR / "sources" / file_name).read_bytes()
        assert hashlib.sha1(data).hexdigest() == digest, file_name


def test_verify_sources_passes_and_reports_counts_and_coverage():
    out = io.StringIO()
    call_command("verify_sources", stdout=out)
    report = out.getvalue()
    assert "全部原文摘录均可在来源文件中找到" in report
    assert f"知识问答：{QAItem.objects.count()} 条" in report
    assert f"规范条目：{RuleItem.objects.count()} 条" in report
    for file_name in SOURCE_SHA1:
        assert file_name in report


def test_verify_sources_fails_on_a_quote_that_is_not_in_the_source():
    item = QAItem.objects.get(code="qa-004-service-089")
    item.quote = item.quote.replace("认真倾听", "仔细倾听")
    item.save()
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 条原文摘录在来源文件中找不到"):
        call_command("verify_sources", stdout=io.StringIO(), stderr=err)
    assert "qa-004-service-089" in err.getvalue()


def test_quote_check_ignores_whitespace_only():
    source = "004_0c2efcfe3ea11507.txt"
    spaced = StoredQuote("测试", "spaced", source, "89、如何理解 “首问负责制”\n ?")
    altered = StoredQuote("测试", "altered", source, "89、如何理解“首问负责”?")
    report = verify_quotes([spaced, altered])
    assert report.counts["测试"] == 1
    assert [q.label for q in report.missing] == ["altered"]
    assert squash(" a\tb\u3000c\n") == "abc"


def test_qa_bank_is_complete():
    service = QAItem.objects.filter(code__startswith="qa-004-service-")
    marketing = QAItem.objects.filter(code__startswith="qa-004-marketing-")
    assert sorted(service.values_list("number", flat=True)) == list(range(1, 101))
    assert sorted(marketing.values_list("number", flat=True)) == list(range(1, 50))
    assert QAItem.objects.filter(source__file_name__startswith="000_").count() >= 12
    thesaurus = current_thesaurus()
    for item in QAItem.objects.all():
        assert item.key_points and not key_points_problems(item.key_points), item.code
        # Key points grade short answers: the model answer itself must earn every one.
        missed = [m.point for m in match_points(item.answer, item.key_points, thesaurus)]
        missed = [
            m.point for m in match_points(item.answer, item.key_points, thesaurus) if not m.matched
        ]
        assert not missed, (item.code, missed)


def test_all_ten_bu_zhun_and_the_required_rule_sets():
    bu_zhun = RuleSet.objects.get(code="shi-ge-bu-zhun")
    assert bu_zhun.version == "2005"
    assert sorted(bu_zhun.items.values_list("key", flat=True), key=int) == [
        str(n) for n in range(1, 11)
    ]
    assert "不准违反规定停电" in rule("shi-ge-bu-zhun/1").text
    for code in [
        "shi-xiang-cheng-nuo",
        "si-sheng-fu-wu",
        "san-duo",
        "shou-wen-fu-ze",
        "yi-kou-dui-wai",
        "gong-zuo-fang-fa",
        "dian-hua-li-yi",
        "gong-dan",
        "qiang-xiu-fu-wu",
        "da-ke-hu",
        "yue-kao-he",
    ]:
        assert RuleSet.objects.get(code=code).items.exists(), code
    repair = " ".join(
        RuleSet.objects.get(code="qiang-xiu-fu-wu").items.values_list("text", flat=True)
    )
    for fact in ["24小时", "四声", "3分钟", "3个月"]:
        assert fact in repair, fact
    key_accounts = " ".join(
        RuleSet.objects.get(code="da-ke-hu").items.values_list("text", flat=True)
    )
    for fact in ["120%", "35千伏", "6个月", "3个月"]:
        assert fact in key_accounts.replace("kV", "千伏"), fact


def test_cases_are_complete_and_linked():
    cases = CasePage.objects.live()
    assert cases.count() >= 18
    slugs = set(cases.values_list("slug", flat=True))
    assert {f"nong-cun-{n:02d}" for n in range(1, 11)} <= slugs
    assert {f"dian-xing-{n:02d}" for n in range(1, 9)} <= slugs
    assert cases.get(slug="dian-xing-05").kind == "good"  # 两支蜡烛
    for case in cases:
        assert case.related_rules.exists(), case.slug
        assert set(case.violated_rule_ids()) <= set(case.related_rules.values_list("pk", flat=True))


def test_every_cited_clause_resolves_with_the_wording_the_case_quotes():
    cited = set()
    for case in CasePage.objects.live():
        for block in case.body:
            if block.block_type == "violations":
                for clause in block.value["clauses"]:
                    assert clause["rule"] is not None, case.slug
                    cited.add(clause["rule"].reference)
    assert set(CITED_CLAUSES) <= cited
    assert "停电" in rule("gongdian-yingye-guize/67").text


def test_incomplete_case_is_marked_not_invented():
    case = CasePage.objects.get(slug="dian-xing-08")
    assert case.incomplete is True
    assert not any(block.block_type == "commentary" for block in case.body)


def test_shown_text_is_clean_simplified_chinese():
    shown = []
    for item in RuleItem.objects.all():
        shown += [item.title, item.text]
    for item in QAItem.objects.all():
        shown += [item.question, item.answer]
    for case in CasePage.objects.all():
        shown += [case.title, case.search_text]
    for text in shown:
        assert "臵" not in text
        assert "(quán)" not in text
    traditional_source_rules = RuleItem.objects.filter(source__file_name__startswith="001_")
    assert traditional_source_rules.count() >= 10
    for item in traditional_source_rules:
        assert to_simplified(item.text) == item.text, item.reference


def test_a_rule_can_be_superseded_while_old_cases_keep_the_old_version(client, staff_user):
    old = rule("shi-ge-bu-zhun/4")
    new_set = RuleSet.objects.create(
        code="shi-ge-bu-zhun-2030",
        name="员工服务“十个不准”（修订）",
        kind="service",
        version="2030",
        source=old.source,
    )
    new = RuleItem.objects.create(
        rule_set=new_set,
        key="4",
        number="4",
        title="不准对客户投诉、咨询推诿塞责（修订）",
        text="修订后的条文",
        category=old.category,
        source=old.source,
        quote=old.quote,
        supersedes=old,
    )
    case = CasePage.objects.get(slug="dian-xing-01")
    assert old in case.related_rules.all() and new not in case.related_rules.all()
    client.force_login(staff_user)
    html = client.get(old.get_absolute_url()).content.decode()
    assert "本条已被新版本取代" in html and case.title in html
