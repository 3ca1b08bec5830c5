"""Admin wiring: units and staff profiles under one 组织与人员 menu."""

from django import forms
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.forms.workflows import WorkflowPageForm
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.users.forms import PagePermissionsForm

from .models import StaffProfile, Unit

# Wagtail's page choosers in the group and workflow editors have no label, so Django shows the
# field name ("Page"), which no catalogue translates.
for form_class in (PagePermissionsForm, WorkflowPageForm):
    form_class.base_fields["page"].label = "页面"


class UnitForm(WagtailAdminModelForm):
    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "parent", "sort_order"]


class StaffProfileForm(WagtailAdminModelForm):
    # 在职 is the login account's active flag; editing it here enables or disables the account.
    is_active = forms.BooleanField(label="在职（可登录）", required=False, initial=True)

    class Meta:
        model = StaffProfile
        fields = [
            "user",
            "employee_number",
            "name",
            "unit",
            "position",
            "hire_date",
            "supervised_units",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["is_active"].initial = self.instance.user.is_active

    def save(self, commit=True):
        profile = super().save(commit=commit)
        if commit and profile.user.is_active != self.cleaned_data["is_active"]:
            profile.user.is_active = self.cleaned_data["is_active"]
            profile.user.save(update_fields=["is_active"])
        return profile


class UnitViewSet(ModelViewSet):
    model = Unit

    def get_form_class(self, for_update=False):
        return UnitForm

    icon = "site"
    menu_label = "单位"
    list_display = ["name", "code", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    copy_view_enabled = False


class StaffProfileViewSet(ModelViewSet):
    model = StaffProfile

    def get_form_class(self, for_update=False):
        return StaffProfileForm

    icon = "user"
    menu_label = "员工档案"
    list_display = ["employee_number", "name", "unit", "position", "is_active"]
    list_filter = ["unit", "position", "user__is_active"]
    search_fields = ["employee_number", "name"]
    copy_view_enabled = False


class OrganisationViewSetGroup(ModelViewSetGroup):
    menu_label = "组织与人员"
    menu_icon = "group"
    menu_order = 300
    items = (UnitViewSet("units"), StaffProfileViewSet("staff_profiles"))


@hooks.register("register_admin_viewset")
def register_organisation_viewsets():
    return OrganisationViewSetGroup()
