"""Serving: one process per worker, each with its own SO_REUSEPORT socket.

`uvicorn --workers N` shares one listening socket, and under long-lived connections one worker
often takes them all; a socket per process lets the kernel balance connections evenly.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import time
from types import FrameType

import orjson
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.config import get_settings
from app.errors import PROBLEM_MEDIA_TYPE, problem_body
from app.logs import configure_logging

APP_FACTORY = "app.main:create_app_from_env"


def _bind(host: str, port: int, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


UNREADABLE_REQUEST = orjson.dumps(
    problem_body(
        status=400,
        code="bad-request",
        title="Bad request",
        detail="The request could not be read as HTTP/1.1: a raw space or non-ASCII character "
        "in its target (percent-encode it), a malformed request line or header.",
        detail_zh="无法按 HTTP/1.1 读取该请求：请求目标中含未经百分号编码的空格或非 ASCII 字符"
        "（请先编码），或请求行、请求头格式错误。",
    )
)


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    """Uvicorn's HTTP/1.1 protocol, except that a request it cannot parse (so that the app never
    sees it) is answered with a problem document like every other error, not plain text."""

    def send_400_response(self, msg: str) -> None:
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        for name, value in self.server_state.default_headers:
            head.append(name + b": " + value + b"\r\n")
        head.append(f"content-type: {PROBLEM_MEDIA_TYPE}\r\n".encode())
        head.append(b"content-length: %d\r\n" % len(UNREADABLE_REQUEST))
        head.append(b"x-content-type-options: nosniff\r\nconnection: close\r\n\r\n")
        self.transport.write(b"".join(head) + UNREADABLE_REQUEST)
        self.transport.close()


def _config(host: str, port: int) -> uvicorn.Config:
    settings = get_settings()
    return uvicorn.Config(
        APP_FACTORY,
        factory=True,
        http=ProblemHttpToolsProtocol,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        # The app decides which proxies to believe (VETTING_TRUSTED_PROXIES): uvicorn must not
        # rewrite the client address from X-Forwarded-For before it does.
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=10,
        log_level=settings.log_level.lower(),
    )


def _worker(host: str, port: int) -> None:
    # Uvicorn stops gracefully on SIGINT/SIGTERM and then raises the signal again: make either
    # a KeyboardInterrupt, taken here for a normal exit (Ctrl-C reaches every worker of the
    # terminal's process group; `serve` sends SIGTERM).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        settings = get_settings()
        configure_logging(settings.log_level, settings.log_json)
        sock = _bind(host, port, reuse_port=True)
        uvicorn.Server(_config(host, port)).run(sockets=[sock])
    except KeyboardInterrupt:
        pass


# How long workers get to stop on the Ctrl-C they received themselves before they are sent
# SIGTERM too (for a SIGINT sent to this process alone).
INTERRUPT_GRACE_SECONDS = 2.0


def serve(host: str, port: int, workers: int) -> None:
    if workers <= 1:
        uvicorn.Server(_config(host, port)).run()
        return
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(host, port), daemon=False) for _ in range(workers)]
    for proc in procs:
        proc.start()

    # SIGTERM (`docker stop`, to this process alone) is passed on to the workers at once. A
    # Ctrl-C reaches the workers by itself (the terminal signals the whole process group), so
    # SIGINT is passed on only to workers still running a moment later: sending SIGTERM right
    # away would make it, when it arrives first, the first of two signals, and uvicorn takes a
    # SIGINT after another signal as "force exit" (no lifespan shutdown, a traceback).
    interrupted_at: list[float] = []

    def _terminate() -> None:
        for proc in procs:
            if proc.is_alive() and proc.pid is not None:
                proc.terminate()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        if signum == signal.SIGINT:
            interrupted_at.append(time.monotonic())
        else:
            _terminate()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    while any(proc.is_alive() for proc in procs):
        for proc in procs:
            proc.join(timeout=0.2)
        if interrupted_at and time.monotonic() - interrupted_at[0] > INTERRUPT_GRACE_SECONDS:
            interrupted_at.clear()
            _terminate()
