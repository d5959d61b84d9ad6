# reviewbot as a Docker container action. Build context: the repository root.
# Releases do not build this file on users' runners: the released action.yml runs the image
# published by .github/workflows/release.yml, by digest. Building it is for unreleased SHAs,
# CI and the release itself.
#
# Base: python:3.12-slim (Debian bookworm), pinned by its multi-platform index digest.
# Dependabot (docker) proposes digest updates; .github/dependabot.yml.

# Stage 1: a virtualenv with exactly the locked, hash-checked dependencies and reviewbot.
# pip and setuptools are themselves pinned and hashed (requirements-bootstrap.lock); the
# base image's own pip is used only to install them.
FROM python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
COPY requirements-bootstrap.lock requirements.lock ./
RUN python -m venv /opt/reviewbot \
 && /opt/reviewbot/bin/pip install -q --require-hashes -r requirements-bootstrap.lock \
 && /opt/reviewbot/bin/pip install -q --require-hashes --only-binary=:all: -r requirements.lock
COPY pyproject.toml README.md LICENSE ./
COPY reviewbot ./reviewbot
RUN /opt/reviewbot/bin/pip install -q --no-deps --no-build-isolation . \
 && /opt/reviewbot/bin/pip uninstall -q -y setuptools pip

# Stage 2: the runtime: the base image plus that virtualenv; no build tool, no pip.
FROM python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/reviewbot/bin:$PATH
COPY --from=build /opt/reviewbot /opt/reviewbot
RUN useradd --uid 1001 --no-create-home --shell /usr/sbin/nologin reviewbot
# Not root. GitHub-hosted runners own the mounted workspace and the GITHUB_OUTPUT /
# GITHUB_STEP_SUMMARY files as uid 1001 (the `runner` user), so running as 1001 keeps them
# writable. GitHub's docs advise root for Docker actions because a self-hosted runner may
# use another uid: reviewbot then still posts its comment and logs the outputs it could
# not write (see README, "Self-hosted runners"). The action never checks out or runs PR code.
USER 1001
ENTRYPOINT ["reviewbot", "action"]
