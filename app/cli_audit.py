"""`vetting audit verify`: the external auditor of the audit log (app.audit.auditor)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

import httpx

from app.audit.auditor import AuditorError, audit
from app.audit.entries import Sealer
from app.config import get_settings


def _sealer(args: argparse.Namespace) -> Sealer | None:
    """The service's MAC key, when this machine holds its secret (an operator's auditor)."""
    if args.no_macs:
        return None
    settings = get_settings()
    if settings.secret_key:
        return Sealer.from_secret(settings.secret_key)
    kept = settings.data_dir / "secret_key"
    return Sealer.from_secret(kept.read_text().strip()) if kept.exists() else None


def cmd_audit_verify(args: argparse.Namespace) -> int:
    key = args.key or os.environ.get("VETTING_AUDITOR_KEY")
    if not key:
        print(
            "error: give an API key with audit:read (--key or VETTING_AUDITOR_KEY)", file=sys.stderr
        )
        return 2
    sealer = _sealer(args)

    async def run() -> int:
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=args.url, headers=headers, timeout=120) as http:
            report = await audit(http, Path(args.state), sealer=sealer, verifier_key=args.vkey)
        if sealer is None:
            report.notes.append("MACs not checked: this machine does not hold the service's secret")
        print("\n".join(report.lines()))
        return 0 if report.ok else 1

    try:
        return asyncio.run(run())
    except (AuditorError, httpx.HTTPError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    auditing = sub.add_parser("audit", help="audit the audit log from outside")
    audit_sub = auditing.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser(
        "verify",
        help="check the log against a fresh signed checkpoint and every one seen before",
    )
    verify.add_argument("--url", default="http://127.0.0.1:8000", help="the service's base URL")
    verify.add_argument("--key", default=None, help="API key with audit:read, no jurisdiction")
    verify.add_argument(
        "--state",
        default=str(Path.home() / ".vetting-auditor" / "state.json"),
        help="the auditor's own file of checkpoints seen (and <state>.leaves beside it)",
    )
    verify.add_argument(
        "--vkey", default=None, help="the log's verifier key to pin (default: pinned on first use)"
    )
    verify.add_argument(
        "--no-macs", action="store_true", help="do not check MACs even if the secret is here"
    )
    verify.set_defaults(func=cmd_audit_verify)
