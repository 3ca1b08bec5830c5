"""The knowledge base's fixed choices: categories (shared by rules, Q&A and cases) and case kinds."""

from django.db import models


class Category(models.TextChoices):
    ETIQUETTE = "礼仪", "礼仪"
    BUSINESS = "营业", "营业"
    METER_BILLING = "抄表收费", "抄表收费"
    CONNECTION = "业扩报装", "业扩报装"
    REPAIR = "抢修", "抢修"
    INSPECTION = "用电检查", "用电检查"
    KEY_ACCOUNTS = "大客户", "大客户"
    SUPPLY_QUALITY = "供电质量", "供电质量"
    SAFETY = "安全", "安全"
    MANAGEMENT = "管理", "管理"
    INTEGRITY = "廉洁", "廉洁"


class Validity(models.TextChoices):
    """Whether a source statement is still taught as fact (有误 / 不再适用 are kept, marked and
    retired from exams, with the editor's note saying why)."""

    VALID = "valid", "有效"
    ERRONEOUS = "erroneous", "有误"
    OBSOLETE = "obsolete", "不再适用"


class CaseKind(models.TextChoices):
    BAD = "bad", "不良服务事件"
    GOOD = "good", "优质服务事例"


def valid_category(value: str) -> str:
    """The category if `value` names one, else "" (a filter that is not one shows everything)."""
    return value if value in Category.values else ""
