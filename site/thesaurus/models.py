"""The thesaurus (同义词表) editors maintain: groups of terms that mean the same for our staff.

`both` groups serve grading short answers and fill-in blanks and the site search; `search` groups
only the search (a colloquial word and the written term it points to, too loose for an exam)."""

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models

from .text import normalise

VERSION_KEY = "thesaurus:version"


class ThesaurusGroup(models.Model):
    class Use(models.TextChoices):
        BOTH = "both", "阅卷与搜索"
        SEARCH = "search", "仅搜索"

    terms = models.JSONField(
        "词条与同义词",
        default=list,
        help_text="第一个是规范用语（原文的写法），其余是同义的说法。",
    )
    use = models.CharField("用途", max_length=8, choices=Use.choices, default=Use.BOTH)
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "同义词组"
        verbose_name_plural = "同义词表"
        ordering = ["pk"]

    def __str__(self) -> str:
        return " = ".join(self.terms[:6]) + (" …" if len(self.terms) > 6 else "")

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        bump_version()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        bump_version()
        return result

    def clean(self) -> None:
        terms = [str(term).strip() for term in self.terms or [] if str(term).strip()]
        comparable = [normalise(term) for term in terms]
        if len(set(filter(None, comparable))) < 2:
            raise ValidationError({"terms": "一组至少要有两个不同的词（去掉标点、空格后仍不同）。"})
        empty = [term for term, value in zip(terms, comparable, strict=True) if not value]
        if empty:
            raise ValidationError({"terms": f"“{'、'.join(empty)}”去掉标点后什么也不剩。"})
        owners = term_owners(exclude_pk=self.pk)
        taken = [term for term, value in zip(terms, comparable, strict=True) if value in owners]
        if taken:
            names = "；".join(f"“{term}”已在“{owners[normalise(term)]}”组" for term in taken)
            raise ValidationError({"terms": f"一个词只能属于一组：{names}。"})
        self.terms = terms


def bump_version() -> None:
    """Every process rebuilds its matcher on its next use (selectors.current_thesaurus)."""
    cache.delete(VERSION_KEY)


def term_owners(*, exclude_pk: int | None = None) -> dict[str, str]:
    """Comparable form of every term → the head term of its group (one term, one group)."""
    owners = {}
    for pk, terms in ThesaurusGroup.objects.values_list("pk", "terms"):
        if pk == exclude_pk or not terms:
            continue
        for term in terms:
            owners.setdefault(normalise(term), terms[0])
    return owners
