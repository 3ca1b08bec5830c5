"""The /search/ page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .registry import SEARCH_KINDS
from .selectors import MAX_QUERY_LENGTH, has_search_text, normalise_query, site_search


@login_required
def search(request):
    raw_query = " ".join(str(request.GET.get("q", "")).split())
    query = normalise_query(raw_query)
    kind = request.GET.get("kind", "")
    kind = kind if any(k.key == kind for k in SEARCH_KINDS) else ""
    notice = ""
    if len(raw_query) > MAX_QUERY_LENGTH:
        notice = f"搜索词过长，只按前 {MAX_QUERY_LENGTH} 个字搜索。"
    elif raw_query and not has_search_text(query):
        notice = "请输入中文词语、数字或字母进行搜索，例如：停电、十个不准、95598。"
    page = site_search(query, kind=kind)
    return render(
        request,
        "search/search.html",
        {
            "raw_query": raw_query[:MAX_QUERY_LENGTH],
            "query": query,
            "page": page,
            "kind": kind,
            "notice": notice,
            "max_length": MAX_QUERY_LENGTH,
        },
    )
