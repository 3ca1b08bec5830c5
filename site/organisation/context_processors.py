"""What every page's navigation shows, from the user's roles and permissions (views check again)."""

from dataclasses import dataclass

from django.urls import reverse

from .permissions import can_use_admin, can_view_reports, is_supervisor, is_supervisor_or_hr
from .roles import Role, user_roles


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    section: str = ""  # for the team pages' sub-navigation: which page is current


def main_nav(user) -> list[NavItem]:
    """The header's links after 首页, for a signed-in user."""
    if not user.is_authenticated:
        return []
    items = [
        NavItem("我的考试", reverse("quizzes:exam_list")),
        NavItem("练习", reverse("quizzes:practice_home")),
        NavItem("错题本", reverse("quizzes:wrongbook")),
        NavItem("我的考核", reverse("assessment:my_assessments")),
        NavItem("知识库", reverse("cases:rule_index")),
        NavItem("案例", "/cases/"),
        NavItem("搜索", reverse("search")),
    ]
    if is_supervisor_or_hr(user):
        items += [
            NavItem("人员", reverse("organisation:people_list")),
            NavItem("阅卷", reverse("quizzes:marking_queue")),
            NavItem("班组考试", reverse("quizzes:team_exams")),
        ]
    if is_supervisor(user):
        items.append(NavItem("考核录入", reverse("assessment:team_records")))
    if is_supervisor_or_hr(user):
        items.append(NavItem("考核汇总", reverse("assessment:hr_assessments")))
    if can_use_admin(user):
        items.append(NavItem("管理后台", "/admin/"))
    return items


def team_nav(user) -> list[NavItem]:
    """The supervisors' pages (班组管理): exams for everyone who may watch them, the rest for
    supervisors."""
    items = [NavItem("班组考试", reverse("quizzes:team_exams"), "exams")]
    if can_view_reports(user):
        items.append(NavItem("学习分析", reverse("analysis:team"), "analytics"))
    if is_supervisor(user):
        items += [
            NavItem("安排月度考试", reverse("quizzes:team_exam_new"), "new"),
            NavItem("月度考核录入", reverse("assessment:team_records"), "records"),
            NavItem("服务明星", reverse("assessment:team_stars"), "stars"),
        ]
    return items


def roles(request):
    """The user's roles as booleans (the home page's tiles) and the navigation lists, built only
    when a template uses them."""
    user = getattr(request, "user", None)
    user_role_set = user_roles(user) if user is not None else set()
    return {
        "is_staff_member": Role.STAFF in user_role_set,
        "is_supervisor": Role.SUPERVISOR in user_role_set,
        "is_hr": Role.HR in user_role_set,
        "is_editor": Role.EDITOR in user_role_set,
        "main_nav": (lambda: main_nav(user)) if user is not None else [],
        "team_nav": (lambda: team_nav(user)) if user is not None else [],
    }
