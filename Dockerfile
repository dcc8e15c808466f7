# Production image: the service without the embedded database; PostgreSQL comes from DATABASE_URL.
FROM python:3.12-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The service's own files (generated secret, demo key) go to VETTING_DATA_DIR, which the
# runtime user owns; the code and migrations stay root's and read-only to it.
ENV VETTING_DATA_DIR=/srv/vetting/data

WORKDIR /srv/vetting
RUN groupadd --system vetting && useradd --system --gid vetting --home /srv/vetting vetting \
    && mkdir -p "$VETTING_DATA_DIR" \
    && chown vetting:vetting "$VETTING_DATA_DIR" \
    && chmod 0700 "$VETTING_DATA_DIR"

COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install .

# Migrations are read from ./migrations in the working directory.
COPY alembic.ini ./
COPY migrations ./migrations
COPY openapi ./openapi

USER vetting
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"

# `vetting migrate` is a separate pre-start step (see docker-compose.yml); serve also migrates,
# which is a no-op once the schema is at head.
CMD ["vetting", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
