"""What a load or crash test may expect to find after it ran: plain Python, no Django, so the
HTTP client in tests/load/ and the database check in tools/loadtesting/load_exam.py use the same
rule."""

from dataclasses import dataclass


@dataclass
class SaveEvent:
    """One save a simulated person sent, in the order that person sent them."""

    attempt: str  # the attempt's public id
    position: int
    response: object
    acknowledged: bool
    # The client stopped waiting (timeout) without a reply: the server may still store it later,
    # even after a newer save of the same question was acknowledged.
    abandoned: bool = False


def expected_answers(events: list[SaveEvent]) -> dict[tuple[str, int], list]:
    """For each answered question, the values the database (and the resumed paper) may hold:
    the last acknowledged one, or one sent after it that got no reply (the server may have stored
    it and died before replying), or one the client gave up waiting for at any time (the server
    may have stored it late). Events must be in each person's sending order; people never share
    an attempt. A question with no acknowledged save has no expectation."""
    allowed: dict[tuple[str, int], list] = {}
    abandoned: dict[tuple[str, int], list] = {}
    for event in events:
        key = (event.attempt, event.position)
        if event.acknowledged:
            allowed[key] = [event.response, *abandoned.get(key, [])]
        elif key in allowed:
            allowed[key].append(event.response)
        if event.abandoned:
            abandoned.setdefault(key, []).append(event.response)
    return allowed
