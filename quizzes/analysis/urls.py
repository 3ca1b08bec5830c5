"""Item analysis pages (namespace analysis:): team analytics and 智能练习."""

from .views import app_name, urlpatterns

__all__ = ["app_name", "urlpatterns"]
