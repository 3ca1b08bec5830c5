import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from portal.organisation.demo import load_demo_organisation
from portal.organisation.models import Unit

DEMO_PASSWORD = "Demo@2026gd"


def pytest_collection_modifyitems(config, items):
    # Decided at collection time from the configured database, so the skip reason is visible.
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    skip = pytest.mark.skip(
        reason=(
            "仅在 PostgreSQL 上运行（并发测试）："
            "设置 TEST_DATABASE_URL 后 make test 会在 PostgreSQL 上再跑一遍"
        )
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the seed content and demo data once per test session, as `make setup` does.

    Tests run inside transactions that roll back, so each starts from this state. (pytest-django
    runs transactional tests last; they flush the database.)
    """
    with django_db_blocker.unblock():
        # The past months of demo exams depend on today's date; tests build their own history.
        call_command("load_initial_data", "--skip-demo-history", stdout=io.StringIO())


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def demo_org(db) -> Unit:
    """The demo organisation of fixtures/demo/organisation.yaml (13 units, 49 people), loaded once
    for the session by django_db_setup: a test's transaction rolls back to it. Transactional tests
    (PostgreSQL concurrency) run last and flush the database after each; the next one finds the
    organisation gone and loads it again. Returns the company."""
    company = Unit.objects.filter(code="CG").first()
    if company is None:
        load_demo_organisation()
        company = Unit.objects.get(code="CG")
    return company


@pytest.fixture
def user_by_username(demo_org):
    def get(username: str):
        return get_user_model().objects.get(username=username)

    return get


@pytest.fixture
def staff_user(user_by_username):
    return user_by_username("DL1020")  # 营业二班 counter clerk


@pytest.fixture
def team_leader(user_by_username):
    return user_by_username("DL1019")  # 营业二班 班组长


@pytest.fixture
def hall_head(user_by_username):
    return user_by_username("DL2002")  # 中心营业厅 主任: supervises the hall and both its teams


@pytest.fixture
def hr_user(user_by_username):
    return user_by_username("hr")


@pytest.fixture
def editor_user(user_by_username):
    return user_by_username("editor")


@pytest.fixture
def admin_user_demo(user_by_username):
    return user_by_username("admin")
