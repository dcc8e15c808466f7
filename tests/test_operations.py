"""Operations: Ctrl-C stops `vetting serve` and `vetting worker` cleanly (exit 0, no traceback,
the embedded database stopped), and a known public secret is refused outside a demo."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from app.config import KNOWN_DEFAULT_SECRETS, Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_DEFAULT = "change-me-in-production-use-32-bytes-or-more"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(**values: str) -> dict[str, str]:
    """The environment without any of the developer's VETTING_/DATABASE_ settings, plus these."""
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VETTING_", "DATABASE_"))
    }
    return {**kept, "VETTING_LOG_LEVEL": "WARNING", **values}


def _suite_env(settings: Settings) -> dict[str, str]:
    return _env(
        DATABASE_URL=settings.database_url or "", VETTING_SECRET_KEY=settings.secret_key or ""
    )


def _until(check: Callable[[], bool], proc: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the process exited early with {proc.returncode}"
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("not within the time allowed")


def _healthy(base: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    return check


@contextlib.contextmanager
def _started(
    command: list[str], env: dict[str, str], logs: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Start `command` in a process group of its own, as a shell starts a foreground job, with
    its output in `logs`/out and `logs`/err; kill what is left at the end."""
    with (logs / "out").open("wb") as out, (logs / "err").open("wb") as err:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=err, start_new_session=True
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def _ctrl_c(proc: subprocess.Popen[bytes], logs: Path) -> tuple[int, str]:
    """Ctrl-C as a terminal sends it (SIGINT to the whole foreground group); the exit code and
    standard error."""
    os.killpg(proc.pid, signal.SIGINT)
    code = proc.wait(timeout=30)
    return code, (logs / "err").read_text(errors="replace")


def _sigterm(proc: subprocess.Popen[bytes], logs: Path) -> tuple[int, str]:
    """SIGTERM to the command's process alone, as `docker stop` sends it to PID 1."""
    proc.terminate()
    code = proc.wait(timeout=30)
    return code, (logs / "err").read_text(errors="replace")


STOPS = {"ctrl_c": _ctrl_c, "sigterm": _sigterm}


def _serve(port: int, *extra: str) -> list[str]:
    command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1"]
    return [*command, "--port", str(port), *extra]


@pytest.mark.parametrize("stop", STOPS)
@pytest.mark.parametrize("workers", [1, 2])
def test_the_server_stops_without_a_traceback(
    settings: Settings, clean_db: None, tmp_path: Path, workers: int, stop: str
) -> None:
    port = _free_port()
    command = _serve(port, "--workers", str(workers))
    with _started(command, _suite_env(settings), tmp_path) as proc:
        _until(_healthy(f"http://127.0.0.1:{port}"), proc, 60)
        code, err = STOPS[stop](proc, tmp_path)
    assert "Traceback" not in err, err
    assert code == 0, err


@pytest.mark.parametrize("stop", STOPS)
def test_the_worker_stops_without_a_traceback(
    settings: Settings, clean_db: None, tmp_path: Path, stop: str
) -> None:
    command = [sys.executable, "-m", "app.cli", "worker", "--idle", "0.1"]
    with _started(command, _suite_env(settings), tmp_path) as proc:
        _until(lambda: b"delivering" in (tmp_path / "out").read_bytes(), proc, 60)
        time.sleep(0.5)  # well into its loop
        code, err = STOPS[stop](proc, tmp_path)
    assert "Traceback" not in err, err
    assert code == 0, err


def test_ctrl_c_stops_the_embedded_database_too(tmp_path: Path) -> None:
    pytest.importorskip("pgserver")
    data = tmp_path / "data"
    env = _env(VETTING_DATA_DIR=str(data), VETTING_SECRET_KEY="s" * 40)
    port = _free_port()
    logs = tmp_path / "logs"
    logs.mkdir()
    with _started(_serve(port), env, logs) as proc:
        try:
            _until(_healthy(f"http://127.0.0.1:{port}"), proc, 120)
            assert (data / "pg" / "postmaster.pid").exists()
            code, err = _ctrl_c(proc, logs)
        finally:
            _stop_leftover_postgres(data / "pg")
    assert "Traceback" not in err, err
    assert code == 0, err
    assert not (data / "pg" / "postmaster.pid").exists(), "the embedded database still runs"


def _stop_leftover_postgres(pgdata: Path) -> None:
    """If a failed test left the embedded server running, stop it (postgres removes its pid
    file when it has stopped)."""
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return
    with contextlib.suppress(OSError, ValueError, IndexError):
        os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)  # fast shutdown


def test_a_known_public_secret_is_refused() -> None:
    assert COMPOSE_DEFAULT in KNOWN_DEFAULT_SECRETS
    with pytest.raises(ValidationError) as raised:
        Settings(secret_key=COMPOSE_DEFAULT)
    message = str(raised.value)
    assert "VETTING_SECRET_KEY" in message
    assert "VETTING_ALLOW_INSECURE_SECRET" in message


def test_a_known_public_secret_is_refused_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VETTING_SECRET_KEY", f"  {COMPOSE_DEFAULT}\n")
    with pytest.raises(ValidationError, match="known public default"):
        Settings()


def test_a_demo_may_allow_the_known_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(secret_key=COMPOSE_DEFAULT, allow_insecure_secret=True).secret_key
    monkeypatch.setenv("VETTING_SECRET_KEY", COMPOSE_DEFAULT)
    monkeypatch.setenv("VETTING_ALLOW_INSECURE_SECRET", "true")
    assert Settings().allow_insecure_secret


def test_an_own_secret_and_none_at_all_are_fine() -> None:
    assert not Settings(secret_key="an-own-secret-of-at-least-32-characters").allow_insecure_secret
    assert Settings(secret_key=None).secret_key is None


def test_the_server_refuses_to_start_with_the_known_secret(
    settings: Settings, tmp_path: Path
) -> None:
    env = {**_suite_env(settings), "VETTING_SECRET_KEY": COMPOSE_DEFAULT}
    done = subprocess.run(
        _serve(_free_port()), cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "known public default" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "raw",
    [
        b"GET /v1/cadres?name=\xe5\xbc\xa0 HTTP/1.1\r\nHost: a\r\n\r\n",  # raw UTF-8 in the target
        b"GET /v1/cadres?name=a b HTTP/1.1\r\nHost: a\r\n\r\n",  # a raw space
        b"NOT HTTP AT ALL\r\n\r\n",
    ],
)
def test_a_request_the_server_cannot_parse_gets_a_problem_document(
    settings: Settings, clean_db: None, tmp_path: Path, raw: bytes
) -> None:
    port = _free_port()
    with _started(_serve(port), _suite_env(settings), tmp_path) as proc:
        _until(_healthy(f"http://127.0.0.1:{port}"), proc, 60)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(raw)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    assert lines[0] == "HTTP/1.1 400 Bad Request"
    assert headers["content-type"] == "application/problem+json"
    assert int(headers["content-length"]) == len(body)
    problem = json.loads(body)
    assert problem["status"] == 400 and problem["type"].endswith("/bad-request")
    assert "percent-encode" in problem["detail_en"] and "百分号编码" in problem["detail_zh"]
