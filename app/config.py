"""Service settings: one pydantic-settings class, read from the environment (and `.env`)."""

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Secrets published with the project (docker-compose.yml's fallback, examples): anyone can read
# them, so a service keyed with one protects nothing. Refused unless a demo says otherwise.
KNOWN_DEFAULT_SECRETS = frozenset(
    {
        "change-me-in-production-use-32-bytes-or-more",
    }
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="VETTING_", env_file=".env", extra="ignore", populate_by_name=True
    )

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "VETTING_DATABASE_URL"),
        description="postgresql+asyncpg://… URL; when unset, an embedded PostgreSQL is started.",
    )
    database_owner_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_OWNER_URL", "VETTING_DATABASE_OWNER_URL"),
        description="URL of the role that owns the tables, for `vetting migrate` (which then "
        "grants DATABASE_URL's role what the service needs); unset: DATABASE_URL's own role.",
    )
    database_replica_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias=AliasChoices("DATABASE_REPLICA_URLS", "VETTING_DATABASE_REPLICA_URLS"),
        description="Streaming replicas of DATABASE_URL (postgresql+asyncpg://… URLs, "
        "comma-separated) that reads go to: dossiers, lists, history, the facts of checks and "
        "batches. Writes always go to DATABASE_URL. Empty: everything is read from it.",
    )
    replica_max_lag_seconds: float = Field(
        default=5.0,
        gt=0,
        description="A replica further behind the primary than this is taken out of rotation "
        "until it catches up.",
    )
    replica_wait_ms: int = Field(
        default=250,
        ge=0,
        le=10_000,
        description="How long a read sent with a Consistency-Token waits for a replica to "
        "replay that far before it is read from the primary instead.",
    )
    replica_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How often each replica's health and replay position are read.",
    )
    data_dir: Path = Field(
        default=PROJECT_ROOT / ".data",
        description="Folder for the embedded database and generated local secrets.",
    )
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    db_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    db_statement_timeout_ms: int = Field(default=15000, ge=100)
    db_retry_after_seconds: int = Field(default=5, ge=1)
    check_lanes: int = Field(
        default=2,
        ge=1,
        le=32,
        description="Groups of concurrent single checks a worker runs at once (group commit).",
    )
    unit_history_cache_accidents: int = Field(
        default=100_000,
        ge=0,
        description="Accidents each server process keeps in its cache of units' histories "
        "(about 1 KB each); the least recently used units are dropped beyond it.",
    )
    check_group_max: int = Field(
        default=200, ge=1, le=10_000, description="Most single checks run as one group."
    )
    batch_max_response_bytes: int = Field(
        default=50 * 1024 * 1024,
        ge=64 * 1024,
        description="Most bytes a vetting batch may answer with; a batch whose decisions "
        "would pass it is refused with 413 (split it), before its answer is built.",
    )
    public_base_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s]+$",
        description="The service's public address (e.g. `https://vetting.example.gov.cn`), "
        "printed on opinion letters in the verification URL; unset: the path alone.",
    )
    log_origin: str = Field(
        default="cadre-safety-vetting/audit-log",
        pattern=r"^[^\s+]{1,120}$",
        description="The audit log's name: first line of its checkpoints and the key name "
        "they are signed under (no spaces or '+').",
    )
    sequencer_interval_seconds: float = Field(
        default=0.2,
        gt=0,
        le=60,
        description="How often a server process looks for audit events to add to the log.",
    )
    checkpoint_interval_seconds: float = Field(
        default=300,
        ge=1,
        description="How often a signed checkpoint of the audit log is made (when it grew).",
    )
    tracing: Literal["off", "otlp", "console"] = Field(
        default="off",
        description="OpenTelemetry tracing: off, otlp (to OTEL_EXPORTER_OTLP_ENDPOINT) or "
        "console (app.tracing).",
    )
    tracing_service_name: str = Field(default="cadre-safety-vetting", min_length=1)
    log_level: str = Field(default="INFO")
    log_json: bool = Field(default=True)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    secret_key: str | None = Field(
        default=None,
        min_length=32,
        description="Master secret for ID-number hashing and encryption (HKDF-derived keys). "
        "When unset, one is generated in the data folder on first start.",
    )
    allow_insecure_secret: bool = Field(
        default=False,
        description="Accept a known public secret (KNOWN_DEFAULT_SECRETS) as the secret key: "
        "for throwaway demos only.",
    )
    timezone: str = Field(default="Asia/Shanghai", description="Local time zone of the records.")
    rulebook_reload_seconds: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="How often a server looks for rulebook versions activated through another "
        "server.",
    )
    fallback_rulebook: str = Field(
        default="cn-national-2018",
        pattern=r"^[a-z0-9][a-z0-9-]{0,99}$",
        description="The rulebook for a check whose target post and client have no "
        "jurisdiction with a rulebook of its own (a deployment for one city may name the "
        "city's). Its version in force on the check's date applies.",
    )
    public_publisher: str = Field(
        default="泸州市安全生产委员会办公室",
        min_length=1,
        max_length=100,
        description="The body that publishes assessment results (考核公开), named on the public "
        "results page.",
    )
    public_contact: str | None = Field(
        default=None,
        max_length=300,
        description="Where objections to published results go (address, telephone, e-mail), "
        "printed on the public page.",
    )
    public_objection_days: int = Field(
        default=7,
        ge=1,
        le=90,
        description="The 公示期: days from a result's publication during which objections "
        "are received.",
    )
    opinion_validity_days: int = Field(
        default=90, ge=1, le=730, description="How long an issued opinion stays valid."
    )
    seal_dir: Path | None = Field(
        default=None,
        description="Folder of the issuing units' seal images (印章), one per unit named by its "
        "document prefix (e.g. 泸应急意.png; PNG, JPEG or SVG). A unit with one gets the sealed "
        "letter layout (GB/T 9704-2012 §7.3.5.1); the others the unsealed one.",
    )
    webhook_max_attempts: int = Field(default=8, ge=1, le=50)
    webhook_backoff_seconds: float = Field(
        default=5.0, gt=0, description="First retry delay; doubles with every attempt."
    )
    webhook_failing_after: int = Field(
        default=5, ge=1, description="Consecutive failed attempts that mark a subscription failing."
    )
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_worker_in_server: bool = Field(
        default=False, description="Also deliver webhooks from each server process."
    )
    webhook_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts or networks (CIDR) webhooks may target although not public, "
        "comma-separated: e.g. `hooks.internal,10.20.0.0/16`. Everything else must be public.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed; empty: none, the peer is the client.",
    )
    public_rate_per_minute: int = Field(
        default=600,
        ge=0,
        description="Requests per client IP and minute to the public endpoints (0: no limit).",
    )
    auth_failures_per_minute: int = Field(
        default=60,
        ge=0,
        description="Failed authentications (401) per client IP and minute before requests "
        "with credentials are refused with 429 (0: no limit).",
    )

    @field_validator(
        "webhook_allowed_hosts", "trusted_proxies", "database_replica_urls", mode="before"
    )
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        """From the environment: comma-separated (a JSON list is accepted too)."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _refuse_known_secret(self) -> Self:
        if (
            self.secret_key is not None
            and self.secret_key.strip() in KNOWN_DEFAULT_SECRETS
            and not self.allow_insecure_secret
        ):
            raise ValueError(
                "VETTING_SECRET_KEY is a known public default (it ships with the project), so "
                "it protects nothing: set a secret of your own, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`, and keep it "
                "safe (or set VETTING_ALLOW_INSECURE_SECRET=true for a throwaway demo)"
            )
        return self

    def resolved_secret_key(self) -> str:
        """The configured secret, or one generated once and kept (0600) in the data folder."""
        if self.secret_key:
            return self.secret_key
        import secrets

        path = self.data_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48))
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
