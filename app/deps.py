"""Application-level dependencies shared by the routers."""

from typing import Annotated

from fastapi import Depends, Request

from app.config import Settings
from app.security.pii import PiiCipher


# Async on purpose: FastAPI runs plain `def` dependencies in a thread pool.
async def _cipher(request: Request) -> PiiCipher:
    cipher: PiiCipher = request.app.state.cipher
    return cipher


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


CipherDep = Annotated[PiiCipher, Depends(_cipher)]
SettingsDep = Annotated[Settings, Depends(_settings)]
