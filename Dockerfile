# reviewbot as a Docker container action. Build context: the repository root.
# Stage 1 builds the reviewbot wheel (setuptools lives only here).
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.m[d] ./
COPY reviewbot ./reviewbot
COPY prompts ./prompts
RUN pip install --no-cache-dir --disable-pip-version-check --root-user-action=ignore "setuptools>=69" wheel \
 && pip wheel --no-cache-dir --disable-pip-version-check --no-deps --no-build-isolation --wheel-dir /wheels .

# Stage 2: the runtime, with exactly the locked dependencies (hash-checked) and the wheel.
FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
COPY requirements.lock /tmp/requirements.lock
RUN pip install --require-hashes --only-binary=:all: -r /tmp/requirements.lock \
 && rm /tmp/requirements.lock
COPY --from=build /wheels /tmp/wheels
RUN pip install --no-deps /tmp/wheels/*.whl \
 && rm -rf /tmp/wheels \
 && useradd --system --no-create-home --shell /usr/sbin/nologin reviewbot
# No USER line on purpose: GitHub runs Docker actions as the image's default user and
# documents that it must be root, or the mounted GITHUB_WORKSPACE and the GITHUB_OUTPUT /
# GITHUB_STEP_SUMMARY files may not be writable ("Dockerfile support for GitHub Actions",
# USER). The action never checks out or runs PR code. For local runs outside Actions use
# `docker run --user reviewbot ...`.
ENTRYPOINT ["reviewbot", "action"]
