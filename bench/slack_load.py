"""Load run for Slack HTTP mode: N signed ``app_mention`` events from concurrent senders against
``prbot run --slack-mode http`` (its own process, the real slack-bolt app), answered in the background
through the real answer path on the demo library, posted to a loopback fake of the Slack Web API.
A share of the events is redelivered (``X-Slack-Retry-Num``). The chat model is a loopback fake of an
OpenAI-compatible endpoint that takes ``model_delay`` seconds per answer (5 s by default; 0 uses the
offline writer), so the answer pool is busy the whole time; meanwhile ``/prbot cr new`` commands
(which open a form) are sent with trigger ids that expire after 3 s, as Slack's do.

Reports ack latency (p50 / p99 / max), how fast forms opened and whether any trigger expired,
whether every event was answered exactly once (lost and duplicated counts), and the time until the
last answer was posted. Run on purpose: ``prbot bench slack``.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from rich.console import Console

REPO = Path(__file__).resolve().parents[1]
DEMO_LIBRARY = REPO / "demo" / "library"
SECRET = "bench-signing-secret"
QUESTIONS = (
    "有没有金融行业用智能客服降本的案例？",
    "2023年制造业有哪些案例？",
    "医院导诊的案例",
    "联邦学习的用户价值是什么？",
    "有没有零售行业提升复购的案例？",
    "港口物流的智能调度案例",
    "政务热线的案例有哪些？",
    "大模型知识库在银行的应用",
)


def _fakes() -> tuple[Any, Any]:
    """The loopback fakes live with the tests; the bench runs from a source checkout."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    try:
        from tests.fakes import openai_server, slack_api
    except ImportError:
        raise SystemExit("prbot bench slack needs the source checkout (tests/fakes/)") from None
    return slack_api, openai_server


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(
    data_dir: Path, api_url: str, port: int, health_port: int, workers: int | None, model_url: str | None
) -> subprocess.Popen:
    """``prbot run --slack-mode http`` in its own process, as in production (no GIL shared with senders)."""
    env = {
        **os.environ,
        "PRBOT_DATA_DIR": str(data_dir),
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "PRBOT_LOG_LEVEL": "WARNING",
    }
    if workers:
        env["PRBOT_SLACK_WORKERS"] = str(workers)
    for name in ("SLACK_APP_TOKEN", "FEISHU_APP_ID", "PRBOT_FEISHU_APP_ID", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        env.pop(name, None)
    if model_url:
        env.update(PRBOT_OPENAI_BASE_URL=model_url, PRBOT_OPENAI_API_KEY="bench", PRBOT_OPENAI_MODEL="slow-fake")
        env["PRBOT_OPENAI_TIMEOUT_S"] = "60"
    else:
        env.pop("PRBOT_OPENAI_BASE_URL", None)
        env.pop("PRBOT_OPENAI_API_KEY", None)
    command = [sys.executable, "-m", "bot", "run", "--slack-mode", "http", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--health-port", str(health_port)]
    return subprocess.Popen(command, env=env, cwd=REPO)


def _wait_ready(health_port: int, server: subprocess.Popen, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"prbot run exited with code {server.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{health_port}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("prbot run did not become ready")


def run(
    events: int = 200,
    senders: int = 20,
    retry_share: float = 0.1,
    timeout_s: float = 600.0,
    workers: int | None = None,
    model_delay: float = 5.0,
    forms: int = 20,
) -> dict[str, float]:
    fakes, openai_fakes = _fakes()
    console = Console()
    model = openai_fakes.FakeOpenAI(delay_s=model_delay) if model_delay > 0 else None
    with tempfile.TemporaryDirectory() as tmp, fakes.FakeSlackAPI() as fake:
        if model is not None:
            model.__enter__()
        data_dir = Path(tmp)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "--data-dir", str(data_dir), "ingest", str(DEMO_LIBRARY)],
            cwd=REPO,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        console.print(f"demo library indexed in {time.perf_counter() - started:.1f}s (not part of the figures)")
        port, health_port = _free_port(), _free_port()
        server = _start_server(data_dir, fake.api_url, port, health_port, workers, model.base_url if model else None)
        try:
            _wait_ready(health_port, server)
            url = f"http://127.0.0.1:{port}/slack/events"
            figures = _load(fakes, fake, url, events, senders, retry_share, timeout_s, server, forms)
        finally:
            if server.poll() is None:
                server.terminate()
                server.wait(timeout=60)
            if model is not None:
                model.__exit__(None, None, None)
    figures["model_delay_s"] = model_delay
    _print(console, figures, senders)
    return figures


def _load(
    fakes: Any,
    fake: Any,
    url: str,
    events: int,
    senders: int,
    retry_share: float,
    timeout_s: float,
    server: subprocess.Popen,
    forms: int = 0,
) -> dict[str, float]:
    every = max(1, round(1 / retry_share)) if retry_share > 0 else 0
    acks: list[float] = []
    retry_acks: list[float] = []
    errors: Counter[int] = Counter()
    lock = threading.Lock()
    clients = threading.local()

    def send(index: int) -> None:
        if not hasattr(clients, "client"):
            clients.client = httpx.Client(timeout=30)
        ts = f"{1800000000 + index}.000100"
        event = fakes.mention(QUESTIONS[index % len(QUESTIONS)], ts=ts, user=f"UB{index % senders}")
        body = fakes.event_body(event, f"EvBench{index}")
        for retry in (None, 1) if every and index % every == 0 else (None,):
            began = time.perf_counter()
            response = clients.client.post(url, content=body, headers=fakes.signed_headers(SECRET, body, retry=retry))
            took = (time.perf_counter() - began) * 1000
            with lock:
                (acks if retry is None else retry_acks).append(took)
                if response.status_code != 200:
                    errors[response.status_code] += 1

    form_sent: dict[str, float] = {}

    def open_forms() -> None:
        """While the answer pool is busy: one form command every 0.5 s, each with a fresh trigger."""
        with httpx.Client(timeout=30) as client:
            time.sleep(1.0)  # the answer pool fills first
            for index in range(forms):
                trigger = fake.trigger(f"trBench{index}")
                body = urlencode(
                    {
                        "command": "/prbot",
                        "text": "cr new",
                        "user_id": f"UF{index}",
                        "channel_id": "CBENCH",
                        "team_id": "T1",
                        "trigger_id": trigger,
                        "response_url": fake.response_url(f"form{index}"),
                    }
                )
                headers = {**fakes.signed_headers(SECRET, body), "Content-Type": "application/x-www-form-urlencoded"}
                form_sent[trigger] = time.time()
                client.post(url, content=body, headers=headers)
                time.sleep(0.5)

    begin, begin_wall = time.perf_counter(), time.time()
    former = threading.Thread(target=open_forms, daemon=True)
    former.start()
    with ThreadPoolExecutor(max_workers=senders) as pool:
        list(pool.map(send, range(events)))
    sent_s = time.perf_counter() - begin
    former.join()

    def answered() -> int:
        return len({c["body"].get("thread_ts") for c in fake.of("chat.postMessage")})

    deadline = time.monotonic() + timeout_s
    while answered() < events and time.monotonic() < deadline:
        time.sleep(0.1)
    # SIGTERM: the server stops taking events and finishes what is in flight, so late duplicates would show.
    server.terminate()
    server.wait(timeout=120)
    posts = fake.of("chat.postMessage")
    per_event = Counter(c["body"].get("thread_ts") for c in posts)
    expected = {f"{1800000000 + i}.000100" for i in range(events)}
    opened = {c["body"].get("trigger_id"): c for c in fake.of("views.open")}
    form_ms = [(opened[t]["at"] - sent) * 1000 for t, sent in form_sent.items() if t in opened]
    return {
        "forms": len(form_sent),
        "forms_opened": sum(1 for c in opened.values() if not c.get("failed")),
        "forms_expired": sum(1 for c in opened.values() if c.get("failed") == "expired_trigger_id"),
        "form_p50_ms": statistics.median(form_ms) if form_ms else 0.0,
        "form_max_ms": max(form_ms, default=0.0),
        "events": events,
        "redeliveries": len(retry_acks),
        "ack_p50_ms": statistics.median(acks),
        "ack_p99_ms": percentile(acks, 0.99),
        "ack_max_ms": max(acks),
        "retry_ack_p99_ms": percentile(retry_acks, 0.99) if retry_acks else 0.0,
        "non_200": sum(errors.values()),
        "lost": len(expected - set(per_event)),
        "duplicated": sum(1 for ts in expected if per_event.get(ts, 0) > 1),
        "all_sent_s": sent_s,
        "last_answer_s": max((c["at"] for c in posts), default=begin_wall) - begin_wall,
    }


def _print(console: Console, f: dict[str, float], senders: int) -> None:
    model = f"a model taking {f['model_delay_s']:g} s per answer" if f["model_delay_s"] else "the offline writer"
    console.print(
        f"{f['events']} signed events from {senders} concurrent senders (+{f['redeliveries']} redeliveries) "
        f"against `prbot run --slack-mode http` on loopback, answered with {model}\n"
        f"ack latency: p50 {f['ack_p50_ms']:.1f} ms · p99 {f['ack_p99_ms']:.1f} ms · max {f['ack_max_ms']:.1f} ms "
        f"(redeliveries p99 {f['retry_ack_p99_ms']:.1f} ms); non-200 responses: {f['non_200']}\n"
        f"forms while the answer pool is busy: {f['forms_opened']} of {f['forms']} opened "
        f"(p50 {f['form_p50_ms']:.0f} ms, max {f['form_max_ms']:.0f} ms after the command), "
        f"{f['forms_expired']} expired_trigger_id\n"
        f"answered exactly once: lost {f['lost']}, duplicated {f['duplicated']}\n"
        f"all events acknowledged after {f['all_sent_s']:.1f} s; last answer posted after "
        f"{f['last_answer_s']:.1f} s ({f['events'] / max(f['last_answer_s'], 1e-9):.1f} answers/s)",
        highlight=False,
    )
