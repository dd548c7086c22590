# Opinion Network: one image for the web, worker and beat services.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Unprivileged user that runs every process of the container.
RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /home/app --create-home --shell /usr/sbin/nologin app

# pg_dump and pg_restore for `manage.py backup` and `restore`: the base image's Debian client, PostgreSQL
# 15 or newer (pg_dump reads servers of its own version or older, such as the compose file's postgres:15).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first so this layer is cached while only the code changes.
# psycopg2-binary ships its own libpq.
COPY requirements.txt .
RUN pip install -r requirements.txt

# The code stays owned by root (read-only for the app user). Compiled
# translations (.mo) are committed, so gettext/compilemessages is not needed.
COPY . .

# Collect static files into /app/staticfiles (served by WhiteNoise). The
# variables below exist only for this command; they are not kept in the image.
RUN DEBUG=0 \
    SECRET_KEY=build-only-dummy-secret-key-not-used-at-runtime \
    ALLOWED_HOSTS='*' \
    DATABASE_URL=sqlite:////tmp/build-only.sqlite3 \
    REDIS_URL= \
    python manage.py collectstatic --noinput \
    && rm -f /tmp/build-only.sqlite3

# Uploaded files; docker-compose mounts a named volume here, which starts with
# this directory's ownership, so the app user can write to it.
RUN mkdir -p /app/media /app/backups && chown app:app /app/media /app/backups

USER app

EXPOSE 8000

# Threaded workers (deploy/gunicorn.conf.py): a streamed export outlives the worker timeout.
CMD ["gunicorn", "opinion_network.wsgi:application", "-c", "deploy/gunicorn.conf.py"]
