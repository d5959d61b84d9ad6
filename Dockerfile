# reviewbot as a Docker container action. Build context: the repository root.
# Stage 1 builds the reviewbot wheel (setuptools lives only here).
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.m[d] ./
COPY reviewbot ./reviewbot
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
 && useradd --uid 1001 --no-create-home --shell /usr/sbin/nologin reviewbot
# Not root. GitHub-hosted runners own the mounted workspace and the GITHUB_OUTPUT /
# GITHUB_STEP_SUMMARY files as uid 1001 (the `runner` user), so running as 1001 keeps them
# writable. GitHub's docs advise root for Docker actions because a self-hosted runner may
# use another uid: reviewbot then still posts its comment and logs the outputs it could
# not write (see README, "Self-hosted runners"). The action never checks out or runs PR code.
USER 1001
ENTRYPOINT ["reviewbot", "action"]
