"""gunicorn's settings for the newsroom site in production.

    gunicorn -c deploy/gunicorn.conf.py

from the project's folder, with the site's variables set (README.md, "Production"). Each setting
below can still be changed on the command line or in GUNICORN_CMD_ARGS; the ones read from the
environment here are the ones a deployment usually changes.
"""

import os

wsgi_app = "newsroom.wsgi:application"

# Behind a proxy on the same machine (deploy/nginx-microcache.conf) by default; in a container,
# GUNICORN_BIND=0.0.0.0:8000.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Sync workers: each answers one request at a time, fast (a poll is about a millisecond), and a
# proxy in front buffers slow clients. WEB_CONCURRENCY is the name hosting platforms set.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
worker_class = "sync"
# A request still running after this many seconds is a stuck worker: it is restarted. Database
# connections give up sooner (DJANGO_DB_CONNECT_TIMEOUT, 3 s), so an outage is a 503, not this.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Workers are replaced now and then, so memory a long night leaks is given back.
max_requests = 5000
max_requests_jitter = 500

# Logs on standard output and error, for the process manager: one access line per request, with
# the time taken in milliseconds and the address the proxy says the reader has.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s %(t)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s"'

# Which proxies may say that the request came over HTTPS (X-Forwarded-Proto) and from whom.
# The proxy on this machine by default; list a load balancer's addresses here.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
