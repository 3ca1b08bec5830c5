"""What every page's navigation shows, from the user's roles and permissions (views check again)."""

from dataclasses import dataclass

from django.core.cache import cache
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

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


# What the header shows of a person (name, roles, links) is the same on every page they open, so
# it is kept in the cache rather than read again (four queries) on each. It is display only:
# every view checks permissions itself, so a link that lingers after a role change (at most
# NAV_SECONDS; a change of the person's own groups or profile clears it at once) opens nothing.
NAV_SECONDS = 60


def nav_cache_key(user_id: int) -> str:
    return f"nav-facts:{user_id}"


@dataclass(frozen=True)
class HeaderFacts:
    name: str
    roles: frozenset[str]
    main_nav: tuple[NavItem, ...]
    team_nav: tuple[NavItem, ...]


def header_facts(user) -> HeaderFacts:
    key = nav_cache_key(user.pk)
    facts = cache.get(key)
    if facts is None:
        profile = getattr(user, "staff_profile", None)
        facts = HeaderFacts(
            name=(profile.name if profile is not None else "") or user.get_username(),
            roles=frozenset(role.value for role in user_roles(user)),
            main_nav=tuple(main_nav(user)),
            team_nav=tuple(team_nav(user)),
        )
        cache.set(key, facts, NAV_SECONDS)
    return facts


def roles(request):
    """The user's roles as booleans (the home page's tiles), the header's name and the navigation
    lists: read (from the cache) only when a template uses them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "is_staff_member": False,
            "is_supervisor": False,
            "is_hr": False,
            "is_editor": False,
            "header_name": "",
            "main_nav": [],
            "team_nav": [],
        }
    facts = SimpleLazyObject(lambda: header_facts(user))

    def has(role: Role):
        return lambda: role.value in facts.roles

    return {
        "is_staff_member": has(Role.STAFF),
        "is_supervisor": has(Role.SUPERVISOR),
        "is_hr": has(Role.HR),
        "is_editor": has(Role.EDITOR),
        "header_name": lambda: facts.name,
        "main_nav": lambda: facts.main_nav,
        "team_nav": lambda: facts.team_nav,
    }


def forget_header(*, user_id: int | None) -> None:
    if user_id is not None:
        cache.delete(nav_cache_key(user_id))


def _forget_saved_user(sender, instance, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) == {"last_login"}:
        return  # a login: nothing the header shows
    forget_header(user_id=instance.pk)


def _forget_profile_owner(sender, instance, **kwargs) -> None:
    forget_header(user_id=instance.user_id)


def _forget_group_members(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """A person's groups or permissions changed (from either side of the link)."""
    if not action.startswith("post_"):
        return
    if not reverse:  # user.groups.add(...) / user.user_permissions.add(...)
        forget_header(user_id=instance.pk)
    else:  # group.user_set.add(...): the users are the pk_set (None on clear: all of them)
        users = pk_set if pk_set is not None else ()
        for user_id in users:
            forget_header(user_id=user_id)


def _build_at_login(sender, request=None, user=None, **kwargs) -> None:
    """Built by the login request (next to its password check, a few ms more), so the first page
    after it, usually the home page or 我的考试, reads nothing for the header."""
    if user is not None:
        forget_header(user_id=user.pk)
        header_facts(user)


def connect_header_invalidation() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.signals import user_logged_in
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from .models import StaffProfile

    user_logged_in.connect(_build_at_login, dispatch_uid="nav.login")
    user_model = get_user_model()
    post_save.connect(_forget_saved_user, sender=user_model, dispatch_uid="nav.user")
    post_delete.connect(_forget_saved_user, sender=user_model, dispatch_uid="nav.user_del")
    post_save.connect(_forget_profile_owner, sender=StaffProfile, dispatch_uid="nav.profile")
    post_delete.connect(_forget_profile_owner, sender=StaffProfile, dispatch_uid="nav.prof_del")
    for through in (user_model.groups.through, user_model.user_permissions.through):
        m2m_changed.connect(_forget_group_members, sender=through, dispatch_uid=f"nav.{through}")
