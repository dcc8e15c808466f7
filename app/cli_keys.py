"""`vetting keys create|list|revoke`: API clients from the command line."""

from __future__ import annotations

import argparse
import asyncio
import uuid

from app.auth import service
from app.auth.scopes import Scope
from app.config import get_settings
from app.context import system_context
from app.db import create_engine, create_sessionmaker
from app.runtime import Database
from app.uow import unit_of_work


async def _create(url: str, name: str, scopes: list[Scope], org_unit: uuid.UUID | None) -> str:
    settings = get_settings()
    engine = create_engine(url, settings)
    try:
        async with unit_of_work(create_sessionmaker(engine, settings)) as session:
            issued = await service.create_client(
                session, system_context("cli"), name, scopes, org_unit
            )
            scopes_text = ", ".join(issued.client.scopes)
            return f"{issued.key}\n(client {issued.client.id}; scopes {scopes_text})"
    finally:
        await engine.dispose()


async def _list(url: str) -> list[str]:
    settings = get_settings()
    engine = create_engine(url, settings)
    try:
        async with unit_of_work(create_sessionmaker(engine, settings)) as session:
            clients = await service.list_clients(session)
            return [
                f"{c.id}  {c.key_prefix}  {'REVOKED' if c.revoked_at else 'active ':7}  "
                f"{c.name}  [{', '.join(c.scopes)}]"
                + (f"  org_unit={c.org_unit_id}" if c.org_unit_id else "")
                for c in clients
            ]
    finally:
        await engine.dispose()


async def _revoke(url: str, client_id: uuid.UUID) -> str:
    settings = get_settings()
    engine = create_engine(url, settings)
    try:
        async with unit_of_work(create_sessionmaker(engine, settings)) as session:
            client = await service.revoke_client(session, system_context("cli"), client_id)
            return f"revoked {client.id} ({client.name})"
    finally:
        await engine.dispose()


def cmd_keys(args: argparse.Namespace) -> int:
    db = Database(get_settings())
    try:
        if args.keys_command == "create":
            scopes = service.scopes_from_text([s.strip() for s in args.scopes.split(",") if s])
            print(asyncio.run(_create(db.url, args.name, scopes, args.org_unit)))
        elif args.keys_command == "list":
            print("\n".join(asyncio.run(_list(db.url))) or "no API clients")
        else:
            print(asyncio.run(_revoke(db.url, args.client_id)))
    finally:
        db.close()
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = sub.add_parser("keys", help="create, list and revoke API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="create a client and print its key once")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--scopes", required=True, help="comma-separated: " + ", ".join(s.value for s in Scope)
    )
    create.add_argument("--org-unit", type=uuid.UUID, default=None, help="jurisdiction root")
    keys_sub.add_parser("list", help="list clients (keys are never shown again)")
    revoke = keys_sub.add_parser("revoke", help="revoke a client's key")
    revoke.add_argument("client_id", type=uuid.UUID)
    keys.set_defaults(func=cmd_keys)
