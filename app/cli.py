"""The `vetting` command: serve, migrate, openapi, keys, audit, import, worker, demo.

A composition root. Each command imports what it runs when it runs (local imports, for start-up
cost only: `vetting --help` or `vetting openapi --check` need neither the database driver
stack nor the typesetter); no import here dodges a cycle."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app import cli_audit, cli_backup, cli_keys, handlers
from app.config import PROJECT_ROOT, get_settings
from app.errors import AppError
from app.logs import configure_logging

OPENAPI_PATH = PROJECT_ROOT / "openapi" / "openapi.json"


def openapi_document() -> str:
    """The app's OpenAPI document as committed: stable key order, UTF-8, trailing newline."""
    from app.main import create_app

    app = create_app(database_url="postgresql+asyncpg://openapi@localhost/openapi")
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"


def cmd_openapi(args: argparse.Namespace) -> int:
    target = Path(args.output)
    document = openapi_document()
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != document:
            print(f"{target} differs from the app's OpenAPI document; run `vetting openapi`")
            return 1
        print(f"{target} is up to date")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(document, encoding="utf-8")
    print(f"wrote {target}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from app.runtime import Database, migrate

    db = Database(get_settings())
    try:
        migrate(db.owner_url, args.revision, service_url=db.url)
        print(f"migrated {db.description} to {args.revision}")
    finally:
        db.close()
    if db.owner_url == db.url:
        print(
            "note: DATABASE_OWNER_URL is not set, so the migrations ran as DATABASE_URL's role "
            "and it owns the tables; give the service a role of its own (README, Roles)"
        )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from app.runtime import Database, load_demo, migrate

    settings = get_settings()
    db = Database(settings)
    try:
        migrate(db.owner_url, service_url=db.url)
        result = load_demo(db.url, settings, force=args.force)
        print(result)
    finally:
        db.close()
    return 0


def _stop_on_signals() -> None:
    """SIGTERM ends the command as Ctrl-C (SIGINT) does: by KeyboardInterrupt, which the
    command takes for a normal stop (exit 0, no traceback, the embedded database stopped).
    Uvicorn handles both itself while it serves and raises the signal again once it stopped."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def _close(db: Any) -> None:
    """Stop the database (the embedded one, if any) with Ctrl-C ignored: a second Ctrl-C while
    it shuts down neither leaves it running nor prints a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if db is not None:
        db.close()


def cmd_serve(args: argparse.Namespace) -> int:
    from app.runtime import Database, demo_key_notice, load_demo, migrate
    from app.server import serve

    settings = get_settings()
    _stop_on_signals()
    db = None
    try:
        db = Database(settings)
        migrate(db.owner_url, service_url=db.url)
        base = f"http://{args.host}:{args.port}"
        if args.demo:
            print(load_demo(db.url, settings, force=False), flush=True)
            print(demo_key_notice(settings), flush=True)
        print(f"Database: {db.description}", flush=True)
        print(f"Serving the Cadre Safety Vetting Service on {base}", flush=True)
        print(f"  API docs: {base}/docs   OpenAPI: {base}/openapi.json", flush=True)
        serve(args.host, args.port, args.workers)
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        _close(db)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    import asyncio

    from app.db import create_engine, create_sessionmaker
    from app.runtime import Database, migrate
    from app.webhooks.worker import Worker

    settings = get_settings()

    async def run(url: str) -> None:
        engine = create_engine(url, settings)
        worker = Worker(create_sessionmaker(engine, settings), settings)
        print(f"webhook worker {worker.name} delivering (Ctrl-C to stop)", flush=True)
        try:
            if args.once:
                print(f"attempted {await worker.run_once()} deliveries")
            else:
                await worker.run_forever(args.idle)
        finally:
            await engine.dispose()

    _stop_on_signals()
    db = None
    try:
        db = Database(settings)
        migrate(db.owner_url, service_url=db.url)
        asyncio.run(run(db.url))
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        _close(db)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    import asyncio
    from pathlib import Path

    from app.db import create_engine, create_sessionmaker
    from app.imports.kinds import IMPORTS
    from app.imports.service import Importer
    from app.runtime import Database, migrate
    from app.security.pii import PiiCipher
    from app.uow import unit_of_work

    settings = get_settings()
    path = Path(args.file)
    content = path.read_bytes()
    db = Database(settings)
    migrate(db.owner_url, service_url=db.url)

    def progress(stage: str, done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        print(f"\r{stage:<9} [{bar}] {done}/{total}", end="", file=sys.stderr, flush=True)
        if done >= total:
            print(file=sys.stderr)

    async def run() -> str:
        engine = create_engine(db.url, settings)
        cipher = PiiCipher.from_secret(settings.resolved_secret_key())
        try:
            async with unit_of_work(create_sessionmaker(engine, settings)) as session:
                importer = Importer(session, system_context_for_cli(), cipher, progress)
                result = await importer.run(IMPORTS[args.kind], content, path.name)
        finally:
            await engine.dispose()
        if result.already_imported:
            return (
                f"{path.name} was already imported ({result.rows} rows, import {result.import_id})"
            )
        skipped = f"; {result.skipped} already recorded, skipped" if result.skipped else ""
        return (
            f"imported {result.rows} {args.kind} rows from {path.name} "
            f"(import {result.import_id}){skipped}"
        )

    try:
        print(asyncio.run(run()))
    except AppError as exc:
        print(f"\nerror: {exc.detail}", file=sys.stderr)
        for problem in exc.errors[:50]:
            print(f"  {problem.field}: {problem.message}", file=sys.stderr)
        return 1
    finally:
        db.close()
    return 0


def system_context_for_cli() -> Any:
    from app.context import system_context

    return system_context("cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vetting", description="Cadre Safety Vetting Service")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate, then serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--demo", action="store_true", help="load demo data into an empty database")
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="load the Luzhou demo data set into an empty database")
    demo.add_argument("--force", action="store_true", help="load even if the database has data")
    demo.set_defaults(func=cmd_demo)

    worker = sub.add_parser("worker", help="deliver webhooks (any number may run at once)")
    worker.add_argument("--once", action="store_true", help="one pass, then exit")
    worker.add_argument("--idle", type=float, default=1.0, help="seconds to wait when idle")
    worker.set_defaults(func=cmd_worker)

    importing = sub.add_parser("import", help="import a CSV/XLSX file (all rows or none)")
    importing.add_argument("kind", choices=["assessments", "accountability-cases", "commendations"])
    importing.add_argument("file")
    importing.set_defaults(func=cmd_import)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.set_defaults(func=cmd_migrate)

    openapi = sub.add_parser("openapi", help="write openapi/openapi.json")
    openapi.add_argument("--output", default=str(OPENAPI_PATH))
    openapi.add_argument("--check", action="store_true", help="exit 1 if the file differs")
    openapi.set_defaults(func=cmd_openapi)

    cli_keys.add_parser(sub)
    cli_audit.add_parser(sub)
    cli_backup.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        settings = get_settings()
    except ValidationError as exc:
        print(f"error: invalid configuration: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_json)
    handlers.install()  # what the commands write is handled as the server handles it
    args = _parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except (ValueError, AppError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
