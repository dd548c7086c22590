"""Gunicorn for the web container (Dockerfile and docker-compose.yml: ``gunicorn -c deploy/gunicorn.conf.py``).

Threads, not sync workers: a sync worker tells the arbiter it is alive only between requests, so a
streamed export that takes longer than ``timeout`` (the whole city's CSV at 1,000,000 reports: minutes)
was killed half-way, streamed or not. A ``gthread`` worker's main thread keeps telling the arbiter it is
alive while its threads serve, so ``timeout`` only ends a worker whose whole process is wedged, and an
export runs as long as it keeps sending. The price: a request stuck in a query is no longer cut at 30 s (it
holds one thread until the query ends). nginx (deploy/nginx.conf) still buffers whole requests and answers,
so slow clients never hold a thread.
"""

import os

bind = "0.0.0.0:8000"
workers = int(os.environ.get("WEB_WORKERS", "3"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "2"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 30
# A worker's memory does not grow with what it serves (exports stream), but restart workers now and then
# anyway so one leak cannot grow for ever.
max_requests = 5000
max_requests_jitter = 500
