import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
# One sync worker per core: a request is CPU-bound Python (the queries take a fraction of it), so more workers
# than cores only queue inside the kernel instead of in gunicorn's backlog.
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
accesslog = "-"
timeout = 60
