"""Print the demo accounts (for `make run`)."""

from django.core.management.base import BaseCommand

from portal.organisation.demo import read_demo_file

ROLE_LABELS = {
    "admin": "管理员（超级用户）",
    "editor": "培训专责（内容编辑）",
    "hr": "人资（绩效）",
    "supervisor": "班组长/值长",
    "staff": "员工",
}


class Command(BaseCommand):
    help = "列出示范账号及其密码（仅限本机使用）。"

    def handle(self, *args, **options):
        data = read_demo_file()
        self.stdout.write("示范账号（仅限本机演示使用），密码均为：" + data["password"])
        shown_per_role: dict[str, int] = {}
        for person in data["people"]:
            role = person["role"]
            shown_per_role[role] = shown_per_role.get(role, 0) + 1
            if (role == "staff" and shown_per_role[role] > 3) or not person.get("active", True):
                continue
            username = person.get("username", person["employee_number"])
            scope = "、".join(person.get("supervises", []))
            line = f"  {ROLE_LABELS[role]:<12} {username:<8} {person['name']}"
            self.stdout.write(line + (f"（管辖 {scope}）" if scope else ""))
        self.stdout.write("其余员工以工号登录（DL1001–DL1042）。站点：http://127.0.0.1:8000/")
