"""Search quality measured as a person sees it: run a query through the /search/ view, open the first result pages, look for the expected phrases."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import resolve

from .selectors import normalise_query

TOP = 5


@dataclass
class EvalQuery:
    query: str
    phrases: list[str]


@dataclass
class EvalResult:
    query: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (url, page heading)
    found_at: int | None = None  # 1-based rank of the first page holding a phrase

    @property
    def found(self) -> bool:
        return self.found_at is not None


def read_queries(path: Path) -> list[EvalQuery]:
    """Lines of `query<TAB>phrase|phrase`; blank lines and lines starting with # are skipped."""
    queries = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        query, _, phrases = line.partition("\t")
        queries.append(
            EvalQuery(query.strip(), [p.strip() for p in phrases.split("|") if p.strip()])
        )
    return queries


class _PageText(HTMLParser):
    """The text of <main>, without <nav> (links every knowledge page carries) or scripts; the
    hrefs of result links (class hit-link) in order; the first <h1>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = {"main": 0, "nav": 0, "script": 0, "style": 0, "h1": 0}
        self.text: list[str] = []
        self.links: list[str] = []
        self.heading: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.depth:
            self.depth[tag] += 1
        attributes = dict(attrs)
        if tag == "a" and "hit-link" in (attributes.get("class") or "").split():
            self.links.append(attributes.get("href") or "")

    def handle_endtag(self, tag):
        if tag in self.depth and self.depth[tag]:
            self.depth[tag] -= 1

    def handle_data(self, data):
        if self.depth["main"] and not (
            self.depth["nav"] or self.depth["script"] or self.depth["style"]
        ):
            self.text.append(data)
            if self.depth["h1"]:
                self.heading.append(data)


def _parse(html: str) -> _PageText:
    parser = _PageText()
    parser.feed(html)
    return parser


def _squash(text: str) -> str:
    return "".join(text.split())


class Evaluator:
    """Renders pages in-process, as the reader `user` (no session, nothing written)."""

    def __init__(self, user=None):
        self.user = user or get_user_model().objects.filter(is_active=True).order_by("pk").first()
        if self.user is None:
            raise ValueError("数据库中没有可用的账号，无法打开页面（请先运行 make setup）。")
        self.factory = RequestFactory()
        self._pages: dict[str, _PageText] = {}

    def _get(self, url: str, data=None) -> str:
        request = self.factory.get(url, data or {})
        request.user = self.user
        match = resolve(request.path_info)
        response = match.func(request, *match.args, **match.kwargs)
        if hasattr(response, "render"):
            response = response.render()
        return response.content.decode() if response.status_code == 200 else ""

    def page(self, url: str) -> _PageText:
        if url not in self._pages:
            self._pages[url] = _parse(self._get(url))
        return self._pages[url]

    def run(self, item: EvalQuery) -> EvalResult:
        results = _parse(self._get("/search/", {"q": item.query}))
        result = EvalResult(query=item.query)
        wanted = [_squash(normalise_query(p)) for p in item.phrases] + [
            _squash(p) for p in item.phrases
        ]
        for rank, url in enumerate(dict.fromkeys(results.links), start=1):
            if rank > TOP:
                break
            page = self.page(url)
            result.links.append((url, _squash("".join(page.heading))))
            text = _squash("".join(page.text))
            if result.found_at is None and any(phrase and phrase in text for phrase in wanted):
                result.found_at = rank
        return result
