# One image for web, worker and beat (docker-compose.yml picks the command).
# Build: docker compose build     Run: SECRET_KEY=... docker compose up -d
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HEAT_VAR_DIR=/app/var

WORKDIR /app

RUN groupadd --system --gid 10001 heat \
    && useradd --system --uid 10001 --gid heat --home-dir /app --no-create-home --shell /usr/sbin/nologin heat

# Dependencies first, pinned by the lock file, so a code change does not reinstall them.
# README.md* may be absent: the wildcard lets the COPY succeed either way.
COPY pyproject.toml requirements.lock README.md* ./
RUN pip install -c requirements.lock .

COPY . .

# Static files and translations are baked into the image; the dummy key and SQLite URL exist only
# for this step (collectstatic touches no database).
RUN SECRET_KEY=collectstatic-build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 DEBUG=false \
        python manage.py collectstatic --noinput \
    && python -m heatservice.i18n \
    && rm -rf /tmp/build.sqlite3 /app/var \
    && mkdir -p /app/var \
    && chown -R heat:heat /app/var

USER heat

EXPOSE 8000

CMD ["gunicorn", "heatservice.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--timeout", "60", "--graceful-timeout", "30", "--access-logfile", "-"]
