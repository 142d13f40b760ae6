# Multi-stage build: dependencies compile in a builder stage; the runtime image runs as a non-root user.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends gcc && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY knowledge ./knowledge
COPY prompts ./prompts
COPY storage ./storage
COPY bench ./bench
RUN pip install '.[postgres]'

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 prbot && mkdir -p /data && chown prbot /data
COPY --from=build /opt/venv /opt/venv
COPY demo /app/demo
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ANONYMIZED_TELEMETRY=False \
    PRBOT_DATA_DIR=/data \
    PRBOT_DEMO_LIBRARY=/app/demo/library
USER prbot
WORKDIR /app
VOLUME ["/data"]
# 3000: Slack HTTP mode and the Feishu callback; 8080: /healthz and /readyz.
EXPOSE 3000 8080
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz')"
# Inside the container every interface is the way in; outside, the default is loopback.
CMD ["prbot", "run", "--host", "0.0.0.0"]
