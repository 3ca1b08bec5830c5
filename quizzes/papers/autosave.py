"""The autosave fast path (services.save_answer): one SQL statement per save on PostgreSQL.

Everyone sitting an exam saves every few seconds, so this is the busiest write of the site. A
save needs the question's type, option count and blank count to check the answer, and those
never change once the paper is drawn (it is a snapshot), so each process keeps the shapes of
recent papers in memory. The answer is then stored by a single UPDATE that also locks the
attempt's row (FOR NO KEY UPDATE, which waits for submit_attempt's FOR UPDATE and re-checks the
attempt is still open and in time afterwards), so a save can never slip in while a paper is
being graded.

Anything unusual (another database, a question not in the paper, a malformed answer, a submitted
or late attempt, someone else's attempt) returns None, and services.save_answer takes its
careful ORM path, which changes nothing the fast path did not and says exactly why it refused.
"""

from collections import OrderedDict
from datetime import datetime, timedelta
from threading import Lock
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection

from ..bank.answers import blank_count
from .grading import normalise_response
from .models import Attempt, AttemptQuestion

# Papers whose shapes a process remembers (about 5 KB each for a 57-question paper).
SHAPE_CACHE_SIZE = 2048

Shape = dict[int, tuple[str, int, int]]  # position -> (type, option count, blank count)

_shapes: OrderedDict[tuple, Shape] = OrderedDict()
_shapes_lock = Lock()  # gunicorn's threads share a process


def _owner_condition(attempt_id, public_id, user_id) -> tuple[tuple, str, list, dict]:
    if attempt_id is not None:
        return ("id", attempt_id), "id = %s", [attempt_id], {"attempt_id": attempt_id}
    return (
        ("public", str(public_id), user_id),
        "public_id = %s AND user_id = %s",
        [public_id, user_id],
        {"attempt__public_id": public_id, "attempt__user_id": user_id},
    )


def paper_shape(*, attempt_id=None, public_id=None, user_id=None) -> Shape:
    """The paper's question shapes; empty if there is no such attempt (or it is not the user's)."""
    key, _, _, lookup = _owner_condition(attempt_id, public_id, user_id)
    with _shapes_lock:
        shape = _shapes.get(key)
        if shape is not None:
            _shapes.move_to_end(key)
            return shape
    rows = AttemptQuestion.objects.filter(**lookup).values_list(
        "position", "type", "options", "stem"
    )
    shape = {
        position: (qtype, len(options or []), blank_count(stem))
        for position, qtype, options, stem in rows
    }
    if shape:
        with _shapes_lock:
            _shapes[key] = shape
            while len(_shapes) > SHAPE_CACHE_SIZE:
                _shapes.popitem(last=False)
    return shape


class Stored(NamedTuple):
    """A save the fast path made: the attempt's deadline and its exam (whose cached status
    version the save's reply reads together with the paper's status, in one cache call)."""

    deadline_at: datetime
    exam_id: int


def forget_shapes() -> None:
    with _shapes_lock:
        _shapes.clear()


def store_answer(
    *,
    position: int,
    raw_response,
    now: datetime,
    grace: timedelta,
    attempt_id: int | None = None,
    public_id=None,
    user_id: int | None = None,
    account_password: str | None = None,
) -> Stored | None:
    """Store the answer in one statement; the attempt's deadline and exam, or None if the fast
    path does not apply (nothing was changed then).

    With `account_password` (the autosave view, which did not read the user's row: see
    portal.organisation.session_user) the same statement also requires that the owner's account
    is active and its password hash is still the one the session was checked against."""
    if connection.vendor != "postgresql":
        return None
    shape = paper_shape(attempt_id=attempt_id, public_id=public_id, user_id=user_id).get(position)
    if shape is None:
        return None
    qtype, option_count, blanks = shape
    try:
        response = normalise_response(qtype, raw_response, option_count, blanks)
    except ValueError:
        return None
    _, condition, owner_params, _ = _owner_condition(attempt_id, public_id, user_id)
    if account_password is not None:
        if user_id is None:
            raise ValueError("account_password needs the owner's user_id")
        condition += (
            f" AND user_id IN (SELECT id FROM {get_user_model()._meta.db_table}"
            " WHERE id = %s AND is_active AND password = %s)"
        )
        owner_params = [*owner_params, user_id, account_password]
    value = AttemptQuestion._meta.get_field("response").get_db_prep_save(response, connection)
    sql = (
        f"UPDATE {AttemptQuestion._meta.db_table} AS item SET response = %s, saved_at = %s "
        f"FROM (SELECT id, deadline_at, exam_id FROM {Attempt._meta.db_table} "
        f"WHERE {condition} AND status = %s AND deadline_at >= %s FOR NO KEY UPDATE) AS attempt "
        # The type is checked again so that a stale entry can only miss, never mis-store.
        "WHERE item.attempt_id = attempt.id AND item.position = %s AND item.type = %s "
        "RETURNING attempt.deadline_at, attempt.exam_id"
    )
    params = [value, now, *owner_params, Attempt.Status.IN_PROGRESS, now - grace, position, qtype]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return Stored(row[0], row[1]) if row else None
