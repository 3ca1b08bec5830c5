"""Units (a tree: company → stations, halls, centre, repair teams → teams) and staff profiles."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Substr


def path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def subtree_condition(field: str, paths) -> Q | None:
    """`field` starts with any of `paths` (a unit's subtree is one indexed prefix query);
    None when there are no paths (nothing matches)."""
    condition = None
    for path in paths:
        part = Q(**{f"{field}__startswith": path})
        condition = part if condition is None else condition | part
    return condition


class SubtreeQuerySet(models.QuerySet):
    """Rows filed under a unit (`unit_path_field`: where the unit's path is, from this model)."""

    unit_path_field = "unit__path"

    def in_subtree(self, path: str):
        """In the unit whose path this is, or any unit below it."""
        return self.filter(**{f"{self.unit_path_field}__startswith": path})

    def in_unit(self, unit: "Unit"):
        """In `unit` or any unit below it."""
        return self.in_subtree(unit.path)

    def in_subtrees(self, paths):
        """In any of these units' subtrees (none when there are none)."""
        condition = subtree_condition(self.unit_path_field, paths)
        return self.none() if condition is None else self.filter(condition)


class UnitQuerySet(SubtreeQuerySet):
    unit_path_field = "path"


class Unit(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", "公司"
        SUPPLY_STATION = "station", "供电所"
        BUSINESS_HALL = "hall", "营业厅"
        SERVICE_CENTRE = "centre", "客户服务中心"
        REPAIR_TEAM = "repair", "抢修班"
        TEAM = "team", "班组"
        DEPARTMENT = "department", "职能部门"

    code = models.CharField("单位编码", max_length=32, unique=True)
    name = models.CharField("单位名称", max_length=100)
    kind = models.CharField("单位类型", max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # Materialised path of primary keys ("/1/4/9/"): a whole subtree is one indexed prefix query.
    path = models.CharField("路径", max_length=255, editable=False, db_index=True, default="")
    sort_order = models.PositiveIntegerField("排序", default=0)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)
            parent_path = self.parent.path if self.parent_id else "/"
            new_path = f"{parent_path}{self.pk}/"
            if new_path != self.path:
                old_path = self.path
                if old_path:
                    # Moving a unit moves its whole subtree: one UPDATE rewrites every path.
                    Unit.objects.in_subtree(old_path).update(
                        path=Concat(
                            Value(new_path),
                            Substr("path", len(old_path) + 1),
                            output_field=models.CharField(),
                        )
                    )
                else:
                    Unit.objects.filter(pk=self.pk).update(path=new_path)
                self.path = new_path

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def clean(self) -> None:
        if (
            self.parent_id
            and self.pk
            and (self.parent_id == self.pk or self.parent.path.startswith(self.path))
        ):
            raise ValidationError({"parent": "上级单位不能是本单位或其下级单位。"})

    def subtree(self) -> models.QuerySet["Unit"]:
        return Unit.objects.in_subtree(self.path)

    @property
    def ancestor_ids(self) -> list[int]:
        """Primary keys from the company down to this unit (itself included)."""
        return path_ids(self.path)

    def ancestors(self) -> models.QuerySet["Unit"]:
        return Unit.objects.filter(pk__in=self.ancestor_ids).order_by("path")


class Position(models.TextChoices):
    COUNTER_CLERK = "counter", "营业厅柜员"
    HOTLINE_AGENT = "hotline", "95598话务员"
    METER_READER = "meter", "抄表收费员"
    REPAIR_DUTY = "repair", "抢修值班员"
    RURAL_ELECTRICIAN = "rural", "农电工"
    ACCOUNT_MANAGER = "account", "客户经理"
    TEAM_LEADER = "leader", "班组长"
    SHIFT_LEADER = "shift", "值长"
    HR_SPECIALIST = "hr", "人资专员"
    TRAINING_SPECIALIST = "training", "培训专责"
    MANAGER = "manager", "管理人员"


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    employee_number = models.CharField("工号", max_length=20, unique=True)
    name = models.CharField("姓名", max_length=50)
    unit = models.ForeignKey(
        Unit, verbose_name="所在单位", on_delete=models.PROTECT, related_name="members"
    )
    position = models.CharField("岗位", max_length=16, choices=Position.choices)
    hire_date = models.DateField("入职日期", null=True, blank=True)
    supervised_units = models.ManyToManyField(
        Unit,
        verbose_name="管辖单位",
        blank=True,
        related_name="supervisors",
        help_text="班组长、值长可查看这些单位及其下级单位的人员记录。",
    )

    objects = SubtreeQuerySet.as_manager()

    class Meta:
        verbose_name = "员工档案"
        verbose_name_plural = "员工档案"
        ordering = ["employee_number"]
        permissions = [
            ("view_team_records", "可查看所辖单位人员记录"),
            ("view_all_records", "可查看全部人员记录"),
            ("export_records", "可导出考核记录"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_number} {self.name}"

    @property
    def is_active(self) -> bool:
        """在职: the login account's active flag is the single source of truth."""
        return self.user.is_active
