from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "portal.search"
    label = "site_search"
    verbose_name = "站内搜索"
