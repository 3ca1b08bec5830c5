import importlib
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ALLOWED_HOSTS")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_locale_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True


def test_production_settings_pass_check_deploy():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "DJANGO_SETTINGS_MODULE": "portal.settings.production",
            "SECRET_KEY": "x7!kq2#p9$w" * 6,
            "ALLOWED_HOSTS": "training.example.cn",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = run_manage(
        "check",
        env_overrides={"DJANGO_SETTINGS_MODULE": "portal.settings.production"},
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


PRODUCTION_ENV = {"SECRET_KEY": "x7!kq2#p9$w" * 6, "ALLOWED_HOSTS": "training.example.cn"}


def settings_module(name: str, monkeypatch):
    """A settings module's values, read in this process (production needs its secrets)."""
    for key, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(key, value)
    previous = sys.modules.pop(name, None)
    try:
        return importlib.import_module(name)
    finally:
        sys.modules.pop(name, None)
        if previous is not None:
            sys.modules[name] = previous


def test_only_dev_test_and_bench_settings_install_the_load_tools(monkeypatch):
    """generate_load_data and prepare_load_exam (which writes signed-in sessions) exist only
    where the load tools are installed: never in production."""
    assert (
        "tools.loadtesting"
        not in settings_module("portal.settings.production", monkeypatch).INSTALLED_APPS
    )
    for name in ("dev", "test", "bench", "loadtest"):
        module = settings_module(f"portal.settings.{name}", monkeypatch)
        assert "tools.loadtesting" in module.INSTALLED_APPS, name


def test_production_has_no_load_commands():
    result = run_manage(
        "help",
        "prepare_load_exam",
        env_overrides={"DJANGO_SETTINGS_MODULE": "portal.settings.production", **PRODUCTION_ENV},
    )
    assert result.returncode != 0
    assert "Unknown command: 'prepare_load_exam'" in result.stderr
