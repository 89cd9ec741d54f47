# The metakg API: the package from this repository with its knowledge base built into the image,
# run by a non-root user. docker-compose.yml runs it on Oxigraph and pushes the graph to Neo4j;
# see docs/deploy.md. Not built in CI (no Docker engine there): tests/test_deploy_files.py checks
# this file offline. No secret belongs here; passwords come from the environment at run time.

# Stage 1: a wheel of the package, built from the context (.dockerignore keeps it small).
FROM python:3.11-slim AS wheel
WORKDIR /src
COPY . .
RUN pip install --no-cache-dir --disable-pip-version-check --upgrade pip \
    && pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# Stage 2: the runtime image.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN groupadd --system --gid 10001 metakg \
    && useradd --system --uid 10001 --gid metakg --home-dir /var/lib/metakg --create-home \
       --shell /usr/sbin/nologin metakg
COPY --from=wheel /wheels /tmp/wheels
RUN pip install /tmp/wheels/*.whl && rm -rf /tmp/wheels
COPY deploy/wait_for.py /opt/metakg/wait_for.py

# Settings (server/settings.py): listen on every interface inside the container.
ENV METAKG_STORE=/var/lib/metakg/store \
    METAKG_HOST=0.0.0.0 \
    METAKG_PORT=8000

USER metakg
WORKDIR /var/lib/metakg
# The embedded store is built once, here: the image serves on its own, and `metakg push`
# (the compose init service) uploads this store to the remote SPARQL store.
RUN metakg build

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('METAKG_PORT', '8000') + '/api/v1/', timeout=4).close()"]
CMD ["metakg", "serve"]
