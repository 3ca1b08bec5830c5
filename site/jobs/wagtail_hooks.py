"""后台任务 in the Wagtail admin: every run of the background queue (django-tasks-db's
DBTaskResult), failed runs first, newest first; each opens to its arguments, exception and
traceback. Read-only for everyone, the superuser included (nothing here adds, edits or deletes a
run); shown to whoever holds django_tasks_database.view_dbtaskresult: the superuser and HR (人资), whose
role grants it with admin access (portal.organisation.roles)."""

import django_filters
from django.db.models import Case, IntegerField, Value, When
from django.utils.html import format_html
from django_tasks_db.models import DBTaskResult
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic.models import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .retry import POLICIES, attempt_of

STATUS_LABELS = {
    "READY": "等待运行",
    "RUNNING": "运行中",
    "FAILED": "失败",
    "SUCCESSFUL": "成功",
}
FIELD_LABELS = {
    "id": "编号",
    "task_path": "任务",
    "status": "状态",
    "args_kwargs": "参数",
    "enqueued_at": "排队时间",
    "run_after": "最早运行时间",
    "started_at": "开始时间",
    "finished_at": "结束时间",
    "worker_ids": "处理进程",
    "exception_class_path": "异常类型",
    "traceback": "出错位置（traceback）",
    "return_value": "返回值",
}


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Only "view", and only with the model's view permission (a superuser has it)."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return "view" in actions and self.user_has_permission(user, "view")


# What each job does, in the words of the people who read this listing (HR among them); the
# code path stays beside it for whoever has to look into a failure.
TASK_NAMES = {
    "assessment.listeners.refresh_exam_record": "更新月度考核记录",
    "portal.notifications.tasks.deliver_event": "发送站内通知",
    "portal.notifications.tasks.tick": "定时处理（考试截止、到期提醒）",
    "quizzes.analysis.tasks.compute_item_statistics": "计算试题统计",
}


def task_label(run: DBTaskResult) -> str:
    name = TASK_NAMES.get(run.task_path)
    if name is None:
        return run.task_path
    return format_html("{}<br><code>{}</code>", name, run.task_path)


def status_label(run: DBTaskResult) -> str:
    return STATUS_LABELS.get(run.status, run.status)


def attempt_label(run: DBTaskResult) -> str:
    policy = POLICIES.get(run.task_path)
    attempt = attempt_of((run.args_kwargs or {}).get("kwargs"))
    if policy is None:
        return "—（不自动重试）"
    if run.status == "FAILED":
        later = "将再试" if attempt < policy.attempts else "不再重试"
        return f"第 {attempt} / {policy.attempts} 次，{later}"
    return f"第 {attempt} / {policy.attempts} 次"


def failure_label(run: DBTaskResult) -> str:
    if not run.exception_class_path:
        return ""
    return format_html("<code>{}</code>", run.exception_class_path.rsplit(".", 1)[-1])


class JobFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=list(STATUS_LABELS.items()))

    class Meta:
        model = DBTaskResult
        fields = ["status"]


TITLE = "后台任务"


class JobIndexView(IndexView):
    page_title = TITLE
    verbose_name = "任务"
    verbose_name_plural = TITLE

    def order_queryset(self, queryset):
        if self.ordering:
            return super().order_queryset(queryset)
        failed_first = Case(
            When(status="FAILED", then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        return queryset.order_by(failed_first, "-enqueued_at", "-pk")


class JobInspectView(InspectView):
    def get_page_subtitle(self):
        return f"{self.object.task_name} · {status_label(self.object)}"

    def get_breadcrumbs_items(self):
        items = super().get_breadcrumbs_items()
        if items and items[0].get("url"):
            items[0]["label"] = TITLE
        return items

    def get_return_value_display_value(self):
        return "—" if self.object.return_value is None else str(self.object.return_value)

    def get_field_label(self, field_name, field):
        return FIELD_LABELS.get(field_name, super().get_field_label(field_name, field))

    def get_status_display_value(self):
        return status_label(self.object)

    def get_traceback_display_value(self):
        return format_html("<pre>{}</pre>", self.object.traceback or "—")


class JobViewSet(ModelViewSet):
    model = DBTaskResult
    name = "jobs"
    url_prefix = "jobs"
    icon = "cogs"
    menu_label = TITLE
    menu_order = 950
    add_to_admin_menu = True
    index_view_class = JobIndexView
    inspect_view_class = JobInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    # Wagtail builds add/edit views for every model viewset; ReadOnlyPolicy refuses them all, so
    # they only need a form class that changes nothing.
    form_fields: list[str] = []
    list_per_page = 50
    filterset_class = JobFilterSet
    list_display = [
        Column("task_path", label="任务", accessor=task_label),
        Column("status", label="状态", accessor=status_label),
        Column("attempt", label="第几次", accessor=attempt_label),
        Column("exception", label="异常", accessor=failure_label),
        DateColumn("enqueued_at", label="排队时间"),
        DateColumn("finished_at", label="结束时间"),
    ]
    inspect_view_fields = list(FIELD_LABELS)


register_permission_policy(DBTaskResult, ReadOnlyPolicy(DBTaskResult))


@hooks.register("register_admin_viewset")
def register_jobs():
    return JobViewSet()
