"""Wagtail's default data in Chinese: the groups (Moderators, Editors), the default workflow and
task ("Moderators approval"), the root page and the root collection ("Root") that Wagtail's own
migrations create in English are names a zh-hans editor reads in the admin (groups, workflows,
"提交至…" in the page editor, the page explorer's breadcrumbs, collections), and no catalogue
translates data. Renamed here only when they still carry Wagtail's English names.

(Practice sessions need no table: they live in the person's Django session,
quizzes/practice/sessions.py.)"""

from django.db import migrations

GROUPS = {"Moderators": "审核员", "Editors": "编辑人员"}
WORKFLOWS = {"Moderators approval": "审核员审批"}
ROOTS = {"Root": "根目录"}


def rename(apps, names: dict[str, str]) -> None:
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Task = apps.get_model("wagtailcore", "Task")
    for old, new in names.items():
        if old in GROUPS or old in GROUPS.values():
            if not Group.objects.filter(name=new).exists():
                Group.objects.filter(name=old).update(name=new)
        else:
            Workflow.objects.filter(name=old).update(name=new)
            Task.objects.filter(name=old).update(name=new)


def rename_roots(apps, names: dict[str, str]) -> None:
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    for old, new in names.items():
        Page.objects.filter(depth=1, title=old).update(title=new, draft_title=new)
        Collection.objects.filter(depth=1, name=old).update(name=new)


def forwards(apps, schema_editor):
    rename(apps, {**GROUPS, **WORKFLOWS})
    rename_roots(apps, ROOTS)


def backwards(apps, schema_editor):
    rename(apps, {new: old for old, new in {**GROUPS, **WORKFLOWS}.items()})
    rename_roots(apps, {new: old for old, new in ROOTS.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0008_attempt_flags"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0048_add_default_workflows"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
