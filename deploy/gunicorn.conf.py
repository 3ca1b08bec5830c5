"""Gunicorn settings for `make serve` and for each app server in production.

Every value can be changed from the environment, so the same file serves a laptop and a rack:
GUNICORN_BIND, WEB_CONCURRENCY (worker processes), GUNICORN_THREADS, GUNICORN_TIMEOUT,
GUNICORN_ACCESS_LOG ("-" for stdout, a path, or "off").
"""

import multiprocessing
import os

wsgi_app = "portal.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Threaded workers: a request waiting on PostgreSQL or Redis leaves its process free for others,
# and idle keep-alive connections (a load balancer's pool) cost no thread.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

# A stuck request is killed after `timeout`; on SIGTERM or a reload, requests in flight get
# `graceful_timeout` to finish. Recycling workers now and then bounds any slow memory growth.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10

_access_log = os.environ.get("GUNICORN_ACCESS_LOG", "-")
accesslog = None if _access_log == "off" else _access_log
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'

# Behind a load balancer that terminates TLS, trust its X-Forwarded-* headers (comma-separated
# addresses; the default trusts only a proxy on this machine).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Gunicorn 27's control socket defaults to one path per user, which two servers on one machine
# (make serve and make loadtest) would fight over; nothing here uses it.
control_socket_disable = True

proc_name = "training-portal"
