from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .cjk import MAX_QUERY_LENGTH, normalise_query, query_tokens
from .selectors import site_search


@login_required
def search(request):
    raw_query = request.GET.get("q", "")
    query = normalise_query(raw_query)
    notice = ""
    if len(raw_query.strip()) > MAX_QUERY_LENGTH:
        notice = f"搜索词过长，只按前 {MAX_QUERY_LENGTH} 个字搜索。"
    elif raw_query.strip() and not query_tokens(query):
        notice = "请输入中文词语、数字或字母进行搜索，例如：停电、十个不准、95598。"
    groups = site_search(query)
    return render(
        request,
        "search/search.html",
        {
            "raw_query": raw_query.strip()[:MAX_QUERY_LENGTH],
            "query": query,
            "groups": groups,
            "total": sum(group.total for group in groups),
            "notice": notice,
        },
    )
