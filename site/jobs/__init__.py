"""Background jobs seen from the admin: a retry policy for django-tasks tasks (retry.py) and a
read-only listing of every run of the database queue, failed ones first (wagtail_hooks.py)."""
