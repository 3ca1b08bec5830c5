"""The load tools' app (development only)."""

from django.apps import AppConfig


class LoadTestingConfig(AppConfig):
    """Development tooling, never installed in production: the benchmarks' load data and the load
    and crash tests' exam (portal.settings.dev, .test, .bench and .loadtest install it)."""

    name = "tools.loadtesting"
    label = "loadtesting"
    verbose_name = "压测工具"
