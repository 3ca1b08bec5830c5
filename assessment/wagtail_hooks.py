"""Admin: assessment schemes (per unit) and the read-only audit log."""

from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import AssessmentScheme, AuditEntry


class AssessmentSchemeViewSet(ModelViewSet):
    model = AssessmentScheme
    icon = "table"
    menu_label = "考核方案"
    list_display = ["name", "unit", "exam_weight", "attendance_weight", "satisfaction_weight"]
    form_fields = [
        "unit",
        "name",
        "exam_weight",
        "attendance_weight",
        "error_rate_weight",
        "complaints_weight",
        "satisfaction_weight",
        "etiquette_weight",
        "error_penalty",
        "complaint_penalty",
        "missed_exam_score",
        "grade_bands",
    ]
    copy_view_enabled = False


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Nobody, not even a superuser, may add, change or delete audit entries."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)


register_permission_policy(AuditEntry, ReadOnlyPolicy(AuditEntry))


class AuditEntryViewSet(ModelViewSet):
    """The audit log can be read and filtered, never added to, edited or deleted."""

    model = AuditEntry
    icon = "history"
    menu_label = "考核变更记录"
    list_display = [
        "changed_at",
        "record",
        "month_state",
        "field",
        "old_value",
        "new_value",
        "reason",
        "changed_by",
    ]
    list_filter = ["field"]
    form_fields = ["reason"]
    copy_view_enabled = False
    inspect_view_enabled = True


class AssessmentViewSetGroup(ModelViewSetGroup):
    menu_label = "月度考核"
    menu_icon = "table"
    menu_order = 320
    items = (AssessmentSchemeViewSet("assessment_schemes"), AuditEntryViewSet("assessment_audit"))


@hooks.register("register_admin_viewset")
def register_assessment_viewsets():
    return AssessmentViewSetGroup()
