"""Background jobs that fail (portal/jobs): a retried task runs again per its policy, each failed
run stays in the queue's table, and the admin's 后台任务 listing shows them, read-only, to the
superuser and to HR; editors and staff have no way in."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from portal.jobs.retry import JOB_ATTEMPT, POLICIES, retried_task
from portal.jobs.wagtail_hooks import TASK_NAMES, task_label
from tests.worker import run_queue

pytestmark = pytest.mark.django_db

CALLS: list[str] = []
FAIL_TIMES = {"count": 0}


@retried_task(attempts=3, delay=timedelta(seconds=30))
def always_failing_job(*, label: str) -> str:
    CALLS.append(label)
    raise RuntimeError(f"模拟失败：{label}")


@retried_task(attempts=3, delay=timedelta(seconds=30))
def failing_once_job(*, label: str) -> str:
    CALLS.append(label)
    if FAIL_TIMES["count"] < 1:
        FAIL_TIMES["count"] += 1
        raise ConnectionError("数据库暂时不可用")
    return f"完成：{label}"


@pytest.fixture(autouse=True)
def fresh_calls():
    CALLS.clear()
    FAIL_TIMES["count"] = 0


def runs(job) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=job.module_path).order_by("enqueued_at"))


def let_time_pass() -> None:
    """The retry waits (run_after); here it is simply due now."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def test_a_failing_job_is_retried_per_its_policy_then_stops():
    always_failing_job.enqueue(label="月度记录")
    before = timezone.now()
    assert run_queue() == 1
    first, second = runs(always_failing_job)
    assert first.status == "FAILED"
    assert first.exception_class_path == "builtins.RuntimeError"
    assert "模拟失败：月度记录" in first.traceback
    # The next run is queued, 1 × 30 s later, with the run number in its arguments.
    assert second.status == "READY"
    assert second.args_kwargs["kwargs"] == {"label": "月度记录", JOB_ATTEMPT: 2}
    assert (
        before + timedelta(seconds=30) <= second.run_after <= timezone.now() + timedelta(seconds=30)
    )
    assert run_queue() == 0  # not due yet

    let_time_pass()
    assert run_queue() == 1
    third = runs(always_failing_job)[2]
    assert third.args_kwargs["kwargs"][JOB_ATTEMPT] == 3
    assert third.run_after >= runs(always_failing_job)[1].started_at + timedelta(seconds=60)

    let_time_pass()
    assert run_queue() == 1
    assert CALLS == ["月度记录"] * 3
    assert [run.status for run in runs(always_failing_job)] == ["FAILED"] * 3
    assert not DBTaskResult.objects.filter(status="READY").exists()  # three runs in all
    assert POLICIES[always_failing_job.module_path].attempts == 3


def test_a_job_that_fails_once_succeeds_on_its_retry():
    failing_once_job.enqueue(label="通知")
    run_queue()
    let_time_pass()
    run_queue()
    failed, succeeded = runs(failing_once_job)
    assert (failed.status, succeeded.status) == ("FAILED", "SUCCESSFUL")
    assert succeeded.return_value == "完成：通知"
    assert CALLS == ["通知", "通知"]


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_listing_shows_failed_runs_first_with_their_run_number(admin_user_demo):
    failing_once_job.enqueue(label="先成功的任务")
    FAIL_TIMES["count"] = 1  # this one succeeds at once
    run_queue()
    FAIL_TIMES["count"] = 0
    always_failing_job.enqueue(label="月度记录")
    run_queue()
    let_time_pass()
    run_queue()
    let_time_pass()
    run_queue()

    response = admin_client(admin_user_demo).get("/admin/jobs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "后台任务" in html
    assert html.count("失败") >= 3
    assert "第 1 / 3 次，将再试" in html
    assert "第 3 / 3 次，不再重试" in html
    assert "RuntimeError" in html
    # Failed runs come before the successful one, although it was queued first.
    assert html.index("always_failing_job") < html.index("failing_once_job")

    failed = runs(always_failing_job)[-1]
    detail = admin_client(admin_user_demo).get(f"/admin/jobs/inspect/{failed.pk}/")
    assert detail.status_code == 200
    assert "模拟失败：月度记录" in detail.content.decode()
    assert "出错位置" in detail.content.decode()


def assert_nothing_changes(client, run) -> None:
    """No add, edit or delete of a run, whoever asks: it stays as it is."""
    for url in ("/admin/jobs/new/", f"/admin/jobs/edit/{run.pk}/", f"/admin/jobs/delete/{run.pk}/"):
        assert client.post(url, {}).status_code in (302, 403, 404), url
    assert DBTaskResult.objects.filter(pk=run.pk, status="FAILED").exists()


def test_the_listing_is_read_only_even_for_the_superuser(admin_user_demo):
    always_failing_job.enqueue(label="x")
    run_queue()
    run = runs(always_failing_job)[0]
    client = admin_client(admin_user_demo)
    html = client.get("/admin/jobs/").content.decode()
    assert f"/admin/jobs/edit/{run.pk}/" not in html
    assert f"/admin/jobs/delete/{run.pk}/" not in html
    assert_nothing_changes(client, run)
    assert DBTaskResult.objects.filter(task_path=always_failing_job.module_path).count() == 2


def test_hr_sees_a_failed_job_in_the_admin_and_cannot_change_it(hr_user):
    always_failing_job.enqueue(label="人资可见")
    run_queue()
    failed = runs(always_failing_job)[0]
    client = admin_client(hr_user)
    html = client.get("/admin/").content.decode()
    assert "/admin/jobs/" in html  # the menu item
    listing = client.get("/admin/jobs/?status=FAILED")
    assert listing.status_code == 200
    assert "always_failing_job" in listing.content.decode()
    assert "第 1 / 3 次，将再试" in listing.content.decode()
    detail = client.get(f"/admin/jobs/inspect/{failed.pk}/")
    assert detail.status_code == 200 and "模拟失败：人资可见" in detail.content.decode()
    assert_nothing_changes(client, failed)


def test_staff_and_editors_cannot_open_it(editor_user, staff_user):
    # Staff have no admin access: Wagtail sends them to its login page.
    response = admin_client(staff_user).get("/admin/jobs/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    # Editors reach the admin but not this listing.
    response = admin_client(editor_user).get("/admin/jobs/")
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_every_job_is_named_in_chinese_in_the_listing():
    """Each named path is a real task (a rename would show the bare path again), and the listing
    shows the name with the path beside it."""
    for path, name in TASK_NAMES.items():
        assert isinstance(import_string(path), Task), path
        label = task_label(DBTaskResult(task_path=path))
        assert name in label and path in label
    assert task_label(DBTaskResult(task_path="x.y.z")) == "x.y.z"
