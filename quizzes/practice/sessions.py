"""Practice sessions (练习组): a run of 10, 20 or 50 questions — or case-analysis materials — in
one scope, or exactly the questions chosen in the wrong-answer book, with a counter and a summary
at the end. A session lives in the person's Django session (no table): it holds the scope, the
length, when it started and what was answered in it; the answers themselves are recorded as any
practice answer is (tickets, rate limit, wrong book), and the summary reads the questions back.
"""

import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

LENGTHS = (10, 20, 50)
DEFAULT_LENGTH = LENGTHS[0]
FIXED_LIMIT = 200  # questions one "重练这些题" session may hold
KEPT = 5  # sessions kept per person (the oldest is dropped)
SESSION_KEY = "practice_sessions"


class Kind:
    QUESTION = "question"
    MATERIAL = "material"


@dataclass
class PracticeSession:
    id: str
    kind: str
    scope: str  # the scope's param ("category:礼仪"); "wrongbook" for a chosen set
    label: str
    length: int
    started: str  # ISO datetime
    questions: list[int] | None = None  # exactly these questions (重练这些题), in order
    answered: list[int] = field(default_factory=list)  # question or material ids, in order
    results: list[list] = field(default_factory=list)  # [question id, right?], sub-questions too
    finished: str | None = None
    # Why each question was chosen (智能练习): question id (as text, the session is JSON) → reason
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return len(self.answered)

    @property
    def is_finished(self) -> bool:
        return self.finished is not None or self.done >= self.length

    @property
    def current_number(self) -> int:
        """The number of the question (or material) being asked: "第 3/20 题"."""
        return min(self.done + 1, self.length)

    @property
    def started_at(self) -> datetime:
        return parse_datetime(self.started)

    @property
    def finished_at(self) -> datetime | None:
        return parse_datetime(self.finished) if self.finished else None

    @property
    def unit(self) -> str:
        return "份材料" if self.kind == Kind.MATERIAL else "题"

    def reason_for(self, question_id: int) -> str:
        """Why the question is in this session ("" for a session that did not choose it)."""
        return self.reasons.get(str(question_id), "") if isinstance(self.reasons, dict) else ""


def _stored(request) -> dict:
    return request.session.get(SESSION_KEY) or {}


def _save(request, stored: dict) -> None:
    request.session[SESSION_KEY] = stored
    request.session.modified = True


def start(
    *,
    request,
    kind: str,
    scope: str,
    label: str,
    length: int,
    questions: list[int] | None = None,
    reasons: dict[int, str] | None = None,
    now: datetime | None = None,
) -> PracticeSession:
    """A new session (the oldest of the person's sessions dropped beyond KEPT); `reasons` says
    why each chosen question is in it (shown on the question page)."""
    session = PracticeSession(
        id=secrets.token_hex(6),
        kind=kind,
        scope=scope,
        label=label,
        length=length,
        started=(now or timezone.now()).isoformat(),
        questions=questions,
        reasons={str(pk): reason for pk, reason in (reasons or {}).items()},
    )
    stored = _stored(request)
    stored[session.id] = asdict(session)
    while len(stored) > KEPT:
        oldest = min(stored, key=lambda key: stored[key]["started"])
        del stored[oldest]
    _save(request, stored)
    return session


def find(*, request, session_id: str | None) -> PracticeSession | None:
    """The person's session of that id, or None (another person's or an expired id alike)."""
    data = _stored(request).get(session_id or "")
    if not isinstance(data, dict):
        return None
    try:
        return PracticeSession(**data)
    except TypeError:
        return None


def record(
    *,
    request,
    session: PracticeSession,
    item_id: int,
    results: dict[int, bool],
    now: datetime | None = None,
) -> bool:
    """Count an answered question (or material) in the session: once per item, only while the
    session runs and, for a chosen set, only for its questions. True when it counted."""
    if session.is_finished or item_id in session.answered:
        return False
    if session.questions is not None and item_id not in session.questions:
        return False
    session.answered.append(item_id)
    session.results += [[question_id, right] for question_id, right in results.items()]
    if session.done >= session.length:
        session.finished = (now or timezone.now()).isoformat()
    stored = _stored(request)
    stored[session.id] = asdict(session)
    _save(request, stored)
    return True


def finish(*, request, session: PracticeSession, now: datetime | None = None) -> None:
    """End a session early (the person stops, or the scope has nothing more to ask)."""
    if session.finished is not None:
        return
    session.finished = (now or timezone.now()).isoformat()
    stored = _stored(request)
    stored[session.id] = asdict(session)
    _save(request, stored)
