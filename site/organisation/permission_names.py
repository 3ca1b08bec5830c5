"""Permission names in Chinese.

Django writes a model's permissions as "Can add <verbose_name_raw>" and Wagtail's page and
collection permissions carry English names ("Publish any page"); the group editor shows those
names as its checkboxes' labels. After every migrate, each app's permissions are renamed from
their codename: the action's Chinese verb and the model's Chinese name ("可以添加试题"). Names
that are already Chinese (our own Meta.permissions, Wagtail's translated ones) are kept.
"""

import re

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Permission
from django.utils import translation

VERBS = {
    "add": "添加",
    "change": "修改",
    "delete": "删除",
    "view": "查看",
    "choose": "选择",
    "publish": "发布",
    "lock": "锁定",
    "unlock": "解锁",
    "bulk_delete": "删除含子页面的",
}
# Models of other packages whose names no catalogue translates ("app_label.model").
MODEL_NAMES = {
    "axes.accessattempt": "登录尝试记录",
    "axes.accessattemptexpiration": "登录尝试过期时间",
    "axes.accessfailurelog": "登录失败日志",
    "axes.accesslog": "登录日志",
    "wagtailadmin.editingsession": "编辑会话",
    "wagtailadmin.formstate": "表单状态",
    "wagtailcore.locale": "语言区域",
    "wagtailcore.pagesubscription": "页面订阅",
    "wagtailcore.referenceindex": "引用索引",
    "wagtailcore.workflowcontenttype": "工作流内容类型",
    "wagtailimages.rendition": "图片格式版本",
    "wagtailcore.uploadedfile": "上传的文件",
    "wagtailsearch.indexentry": "搜索索引条目",
    "wagtailsearch.sqliteftsindexentry": "全文搜索索引条目",
}
# Names kept as they are: they have no verb_model codename.
FIXED = {"access_admin": "可以访问 Wagtail 后台"}
# Permissions of the whole page tree (Wagtail grants them per page subtree, not per object).
WHOLE_TREE = {"publish_page", "lock_page", "unlock_page"}
# A run of two or more Latin letters, except the product names kept in Chinese texts.
ENGLISH = re.compile(r"(?<![A-Za-z])(?!(?:Wagtail|API)(?![A-Za-z]))[A-Za-z]{2,}")


def chinese_name(*, codename: str, model_name: str) -> str | None:
    """The Chinese name of a permission `codename` on a model named `model_name` (already
    Chinese), or None when the codename is not "<verb>_<model>" with a known verb."""
    if codename in FIXED:
        return FIXED[codename]
    for verb, word in sorted(VERBS.items(), key=lambda item: -len(item[0])):
        if codename.startswith(f"{verb}_"):
            scope = "任意" if codename in WHOLE_TREE else ""
            return f"可以{word}{scope}{model_name}"
    return None


def rename_permissions(app_config, *, using: str = "default", **kwargs) -> None:
    """post_migrate receiver: give the permissions of `app_config`'s models Chinese names."""
    if app_config.models_module is None:
        return
    # Our receiver may run before django.contrib.auth's for this app: create them first
    # (it only adds what is missing).
    create_permissions(app_config, verbosity=0, using=using, apps=global_apps)
    changed = []
    permissions = Permission.objects.using(using).filter(content_type__app_label=app_config.label)
    with translation.override("zh-hans"):
        for permission in permissions.select_related("content_type"):
            model = permission.content_type.model_class()
            if model is None or not ENGLISH.search(permission.name):
                continue
            model_name = MODEL_NAMES.get(model._meta.label_lower, str(model._meta.verbose_name))
            name = chinese_name(codename=permission.codename, model_name=model_name)
            if name:
                permission.name = name
                changed.append(permission)
    Permission.objects.using(using).bulk_update(changed, ["name"])
