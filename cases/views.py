from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from . import selectors
from .choices import Category, valid_category
from .models import SourceDocument


@login_required
def rule_index(request):
    category = valid_category(request.GET.get("category", ""))
    return render(
        request,
        "cases/rule_index.html",
        {
            "rule_sets": selectors.rule_sets_with_items(category=category),
            "categories": Category.choices,
            "selected_category": category,
        },
    )


@login_required
def rule_set_detail(request, code: str):
    return render(
        request, "cases/rule_set_detail.html", {"rule_set": selectors.rule_set_or_404(code)}
    )


@login_required
def rule_detail(request, code: str, key: str):
    return render(
        request, "cases/rule_detail.html", selectors.rule_detail_or_404(set_code=code, key=key)
    )


@login_required
def qa_index(request):
    category = valid_category(request.GET.get("category", ""))
    return render(request, "cases/qa_index.html", selectors.qa_listing(category=category))


@login_required
def qa_detail(request, code: str):
    return render(request, "cases/qa_detail.html", {"item": selectors.qa_detail_or_404(code)})


@login_required
def source_detail(request, file_name: str):
    document = get_object_or_404(SourceDocument, file_name=file_name)
    return render(request, "cases/source_detail.html", {"document": document})
