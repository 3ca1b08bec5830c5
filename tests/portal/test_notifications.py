"""站内通知 and the background worker: events are queued, never sent in the request; the worker
(django-tasks' database backend) delivers each once per person and event, e-mails at most once,
resumes after dying mid-batch, skips (and logs) deleted people and exams; the bell and the
notice pages; the worker command itself."""

import io
import logging
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from portal.notifications import tasks
from portal.notifications.delivery import deliver
from portal.notifications.models import Event, Kind, Notification
from portal.notifications.services import announce
from quizzes.models import Exam, QuestionType
from quizzes.papers import reminders, scheduling
from tests.quizzes.factories import make_blueprint
from tests.worker import failed, queued, run_queue

pytestmark = pytest.mark.django_db


def people(*numbers: str) -> list:
    return list(get_user_model().objects.filter(username__in=numbers).order_by("username"))


def test_settings_queue_in_the_database_not_inline():
    from django.conf import settings
    from django_tasks import task_backends

    assert settings.TASKS["background"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert type(task_backends["background"]).__name__ == "DatabaseBackend"
    assert tasks.deliver_event.backend == "background"


def test_an_event_is_queued_and_delivered_once_by_the_worker(
    demo_org, django_capture_on_commit_callbacks
):
    users = people("DL1020", "DL1021", "DL1022")
    with django_capture_on_commit_callbacks(execute=True):
        event = announce(
            key="test:one",
            kind=Kind.EXAM_PUBLISHED,
            recipient_ids=[u.pk for u in users],
            title="新考试：测试",
            body="请参加。",
            url="/exams/",
        )
    # Nothing was delivered in the request: the task waits in the database for the worker.
    assert queued("deliver_event") == 1 and not Notification.objects.exists()
    assert run_queue() == 1 and failed() == []
    assert Notification.objects.filter(event=event).count() == 3
    sent_to = sorted(address for message in mail.outbox for address in message.to)
    assert len(mail.outbox) == len([u for u in users if u.email]) and sent_to == sorted(
        u.email for u in users if u.email
    )
    # The same event announced again (a scan running twice) adds nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            announce(key="test:one", kind=Kind.EXAM_PUBLISHED, recipient_ids=[1], title="x") is None
        )
    assert queued() == 0
    # Delivering it again (a duplicate task) gives nobody a second notice or e-mail.
    assert deliver(event_id=event.pk) == 0
    Event.objects.filter(pk=event.pk).update(delivered_at=None)
    assert deliver(event_id=event.pk) == 0
    assert Notification.objects.filter(event=event).count() == 3
    assert len(mail.outbox) == len([u for u in users if u.email])


def test_a_worker_that_died_mid_batch_resumes_without_sending_twice(
    demo_org, django_capture_on_commit_callbacks
):
    users = people("DL1020", "DL1021", "DL1022", "DL1023")
    for user in users:
        user.email = f"{user.username.lower()}@example.com"
        user.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        event = announce(
            key="test:crash",
            kind=Kind.EXAM_DUE,
            recipient_ids=[u.pk for u in users],
            title="考试将在 1 小时内截止",
        )
    # The state a worker leaves when it is killed half-way: it claimed the task (RUNNING, never
    # finished), gave the first two people their notice and e-mailed the first one.
    from django_tasks_db.models import DBTaskResult

    task = DBTaskResult.objects.get(task_path__endswith="deliver_event")
    task.claim("dead-worker")
    now = timezone.now()
    for user in users[:2]:
        Notification.objects.create(
            recipient=user,
            event=event,
            kind=event.kind,
            title=event.title,
            emailed_at=now if user == users[0] else None,
        )
    mail.outbox.clear()
    # The worker restarts; its clock finds the event undelivered after RESUME_AFTER and queues it.
    later = now + tasks.RESUME_AFTER + timedelta(seconds=1)
    Event.objects.filter(pk=event.pk).update(created_at=now - tasks.RESUME_AFTER)
    assert tasks.resume_undelivered(now=later) == 1
    assert run_queue() == 1 and failed() == []
    assert Notification.objects.filter(event=event).count() == 4
    for user in users:
        assert Notification.objects.filter(event=event, recipient=user).count() == 1
    # Three e-mails: everyone but the one already e-mailed before the crash.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users[1:])
    Event.objects.filter(pk=event.pk).update(delivered_at=None)
    assert tasks.resume_undelivered(now=later) == 1 and run_queue() == 1
    assert Notification.objects.filter(event=event).count() == 4 and len(mail.outbox) == 3


def test_deleted_people_and_exams_are_skipped_and_logged(
    demo_org, caplog, django_capture_on_commit_callbacks
):
    blueprint = make_blueprint(("判断", [QuestionType.TRUE_FALSE], 2, 50))
    exam = Exam.objects.create(blueprint=blueprint, title="将被删除的考试", status="published")
    user = people("DL1020")[0]
    ghost = get_user_model().objects.create(username="ghost")
    with django_capture_on_commit_callbacks(execute=True):
        gone = announce(
            key="test:gone",
            kind=Kind.EXAM_DUE,
            recipient_ids=[user.pk],
            title="x",
            subject=f"quizzes.Exam:{exam.pk}",
        )
        partly = announce(
            key="test:partly",
            kind=Kind.EXAM_DUE,
            recipient_ids=[user.pk, ghost.pk],
            title="y",
        )
    exam.delete()
    ghost.delete()
    with caplog.at_level(logging.WARNING, logger="portal.notifications"):
        assert run_queue() == 2 and failed() == []
    gone.refresh_from_db()
    assert gone.delivered_at is not None and "已删除" in gone.skipped
    assert not Notification.objects.filter(event=gone).exists()
    assert list(Notification.objects.filter(event=partly).values_list("recipient", flat=True)) == [
        user.pk
    ]
    logged = caplog.text
    assert "已删除，跳过" in logged and "已删除或停用，跳过" in logged


def test_publishing_an_exam_queues_notices_for_the_audience(
    team_leader, django_capture_on_commit_callbacks
):
    from portal.organisation.models import Unit

    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.schedule_exam(
            by=team_leader,
            plan=scheduling.ExamPlan(
                title="通知测试考试",
                blueprint=make_blueprint(("判断", [QuestionType.TRUE_FALSE], 2, 50)),
                month=None,
                opens_at=now,
                closes_at=now + timedelta(hours=30),
                units=[Unit.objects.get(code="CG-YYT-2")],
                people=[],
                notice="带好工号牌。",
            ),
            publish=True,
        )
    assert not Notification.objects.exists()  # not in the request
    run_queue()
    staff = get_user_model().objects.get(username="DL1020")
    notice = Notification.objects.get(recipient=staff, kind=Kind.EXAM_PUBLISHED)
    assert notice.title == "新考试：通知测试考试" and "带好工号牌" in notice.body
    assert not Notification.objects.filter(recipient=team_leader).exists()  # not the scheduler


def test_the_clock_finds_deadlines_once_and_tells_supervisors_who_has_not_started(
    team_leader, django_capture_on_commit_callbacks
):
    from portal.organisation.models import Unit

    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        exam = scheduling.schedule_exam(
            by=team_leader,
            plan=scheduling.ExamPlan(
                title="截止提醒考试",
                blueprint=make_blueprint(("判断", [QuestionType.TRUE_FALSE], 2, 50)),
                month=None,
                opens_at=now - timedelta(hours=1),
                closes_at=now + timedelta(minutes=50),
                units=[Unit.objects.get(code="CG-YYT-2")],
                people=[],
            ),
            publish=True,
        )
        first = reminders.scan(now=now)
        again = reminders.scan(now=now)
    assert first >= 2 and again == 0  # the second scan finds nothing new
    run_queue()
    keys = set(Event.objects.values_list("key", flat=True))
    assert f"exam:{exam.pk}:due24h" in keys and f"exam:{exam.pk}:due1h" in keys
    staff = get_user_model().objects.get(username="DL1020")
    assert Notification.objects.filter(recipient=staff, kind=Kind.EXAM_DUE).count() == 2
    hall_head = get_user_model().objects.get(username="DL2002")
    told = Notification.objects.filter(recipient=hall_head, kind=Kind.NOT_STARTED)
    assert told.count() == 2 and "罗斌" in told.first().body


def test_the_bell_and_the_notice_pages(client, staff_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        announce(
            key="test:bell",
            kind=Kind.RESULT_RELEASED,
            recipient_ids=[staff_user.pk],
            title="成绩已公布：测试",
            url="/my/assessments/",
        )
    run_queue()
    client.force_login(staff_user)
    page = client.get("/").content.decode()
    assert 'class="bell"' in page and "/notifications/unread.json" in page
    assert client.get("/notifications/unread.json").json() == {"unread": 1}
    listing = client.get("/notifications/").content.decode()
    assert "成绩已公布：测试" in listing and "未读" in listing
    notice = Notification.objects.get(recipient=staff_user)
    response = client.post(f"/notifications/{notice.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/my/assessments/"
    assert client.get("/notifications/unread.json").json() == {"unread": 0}
    # Someone else's notice is not found.
    other = get_user_model().objects.get(username="DL1021")
    client.force_login(other)
    assert client.post(f"/notifications/{notice.pk}/open/").status_code == 404


# serialized_rollback like the other transactional tests: its flush then leaves the content types
# to the next test's restore instead of recreating them (duplicate keys on PostgreSQL).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_command_runs_the_queue_and_schedules_its_clock(demo_org):
    users = people("DL1020", "DL1021")
    event = Event.objects.create(
        key="test:command", kind=Kind.EXAM_DUE, recipient_ids=[u.pk for u in users], title="z"
    )
    tasks.deliver_event.enqueue(event.pk)
    out = io.StringIO()
    call_command("run_worker", "--batch", stdout=out)
    assert Notification.objects.filter(event=event).count() == 2
    # The clock's first tick was queued and run; it queued the next one a minute later.
    from django_tasks_db.models import DBTaskResult

    ticks = DBTaskResult.objects.filter(task_path__endswith=".tick")
    assert ticks.filter(status="SUCCESSFUL").count() == 1
    waiting = ticks.get(status="READY")
    assert waiting.run_after > timezone.now() + timedelta(seconds=30)
    assert not tasks.schedule_tick()  # one clock, however many workers start


def test_the_clock_tells_markers_extra_time_and_released_results_once(
    team_leader, django_capture_on_commit_callbacks
):
    """Supervisors hear of answers waiting to be marked; a person given extra time is told at
    once; a released result is announced by the clock, and a second scan adds nothing."""
    from portal.organisation.models import Unit
    from quizzes.models import Attempt
    from quizzes.papers import services

    users = {u.username: u for u in people("DL1020", "DL1021", "DL1022", "DL2002")}
    now = timezone.now()

    def exam(title, *sections):
        return scheduling.schedule_exam(
            by=team_leader,
            plan=scheduling.ExamPlan(
                title=title,
                blueprint=make_blueprint(*sections, name=f"{title}组卷"),
                month=None,
                opens_at=now - timedelta(minutes=5),
                closes_at=now + timedelta(hours=3),
                units=[Unit.objects.get(code="CG-YYT-2")],
                people=[],
            ),
            publish=True,
        )

    with django_capture_on_commit_callbacks(execute=True):
        essay = exam(
            "阅卷提醒考试",
            ("判断", [QuestionType.TRUE_FALSE], 1, 50),
            ("简答", [QuestionType.SHORT], 1, 50),
        )
        quick = exam("出分提醒考试", ("判断", [QuestionType.TRUE_FALSE], 2, 50))
        waiting = services.start_attempt(exam=essay, user=users["DL1020"], now=now)
        short = waiting.questions.get(type=QuestionType.SHORT)
        services.save_answer(
            attempt_id=waiting.pk, position=short.position, raw_response="致歉并记录", now=now
        )
        services.submit_attempt(attempt_id=waiting.pk, now=now)
        sitting = services.start_attempt(exam=essay, user=users["DL1021"], now=now)
        scheduling.grant_extra_time(by=team_leader, attempt_id=sitting.pk, minutes=10, now=now)
        done = services.submit_attempt(
            attempt_id=services.start_attempt(exam=quick, user=users["DL1022"], now=now).pk,
            now=now,
        )
        Attempt.objects.filter(pk=done.pk).update(results_released_at=now)
        first = reminders.scan(now=now)
        again = reminders.scan(now=now)
    assert first >= 3 and again == 0
    run_queue()
    assert failed() == []
    marking = Notification.objects.filter(kind=Kind.TO_MARK)
    assert {n.recipient_id for n in marking} == {team_leader.pk, users["DL2002"].pk}
    assert "1 份答卷待阅卷" in marking.first().title
    extra = Notification.objects.get(kind=Kind.EXTRA_TIME)
    assert extra.recipient == users["DL1021"] and extra.title == "考试延长 10 分钟"
    released = Notification.objects.get(kind=Kind.RESULT_RELEASED)
    assert released.recipient == users["DL1022"] and "出分提醒考试" in released.title
