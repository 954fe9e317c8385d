"""How Tobira's web process is served in production:

    gunicorn -c config/gunicorn.conf.py config.wsgi

Threads (``gthread``), because a request spends much of its time waiting: for PostgreSQL and
Redis (two to four round trips for a signed API call), for an identity provider, for an SMTP
relay. With four threads per worker the waits of one request overlap the work of another;
bench/api.py measured 30–40 % more calls per core than one sync worker, at the same CPU per call
(docs/research/issue16-api-bench.md). Tobira's per-process caches (``identity.generation``, the
SigV4 signing keys) are safe to share between threads.

Every value can be changed from the environment (gunicorn also reads ``GUNICORN_CMD_ARGS``).
"""

import os

bind = os.environ.get("TOBIRA_BIND", "0.0.0.0:8000")
worker_class = "gthread"
# One worker per core, each with its threads. A worker's memory is mostly Django's and the
# service models' (botocore), shared until written after the fork only with ``preload_app``.
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 1))
threads = int(os.environ.get("TOBIRA_THREADS", "4"))
keepalive = 5  # seconds: API clients (boto3, the CLI) keep their connections; nginx drops its idle ones at 4 s
timeout = 30
graceful_timeout = 30
# No access log of gunicorn's own: its request line holds the query string, where recovery links,
# authorization codes and presigned signatures travel. Django's "request_finished" JSON line
# (identity.logs) is the access log: the query's names only, the status, the time, the principal.
accesslog = None
errorlog = "-"


# Metrics (config.metrics): with PROMETHEUS_MULTIPROC_DIR set, each worker writes its counters
# into a file of that directory and a scrape sums them. The directory is emptied when gunicorn
# starts (counters start at zero, as a single process's would), and a worker that exits is
# marked dead so that its live gauges stop counting.
def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
