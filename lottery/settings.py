"""Service settings from the environment (prefix ``LOTTERY_``), built by a factory.

Nothing is read or created at import time: call :func:`get_settings` where settings are
needed (the CLI, the app factory, tests), optionally with overrides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lottery.core.net_addresses import Network, parse_networks, split_list

DEFAULT_DRAND_RELAYS = [
    "https://api.drand.sh",
    "https://api2.drand.sh",
    "https://drand.cloudflare.com",
]


class WitnessConfig(BaseModel):
    """One witness the service pushes its checkpoints to (docs/witness.md, "The pusher").

    Attributes:
        name: the witness's name in the published policy (a short label, e.g. ``jiwei``).
        url: its C2SP tlog-witness submission prefix (``POST <url>/add-checkpoint``).
        vkey: its cosigner public key (type 0x04 vkey).
    """

    name: str
    url: str
    vkey: str


class Settings(BaseSettings):
    """Where the service keeps its state and how it names its log.

    Attributes:
        data_dir: database (SQLite default), private keys and the secrets key file.
        database_url: SQLAlchemy URL (``LOTTERY_DATABASE_URL``); default: the SQLite file
            ``<data_dir>/lottery.db``. ``postgresql://`` URLs use psycopg 3.
        log_origin: the log's name in records and checkpoints, also the office key name.
        drand_relays: HTTP relays asked for drand rounds, in order.
        site_dir: where the public site is published (``LOTTERY_SITE_DIR``); unset: the
            service publishes nothing by itself (docs/site-publishing.md).
        site_export_dir: the public export the site is built from
            (``LOTTERY_SITE_EXPORT_DIR``); default ``<data_dir>/site-export``.
        published: where the public reads the office's log, a site or export directory or a
            URL (``LOTTERY_PUBLISHED``, e.g. ``https://site.example/``); ``lottery serve``
            reads its checkpoint at start and refuses to sign a fork of it
            (docs/operations.md, "Never sign a fork"). Unset: only ``site_dir`` and the
            site export are read.
        office_name: the office named on its documents and the public site
            (``LOTTERY_OFFICE_NAME``).
        office_address, office_phone, office_email, office_hours: how the public reaches the
            office, on the site's 关于本站 page and footer (``LOTTERY_OFFICE_ADDRESS``...);
            empty: not shown (docs/site.md, "关于本站").
        office_rules: the title of the office's implementing rules for 双随机、一公开, named
            among the legal bases on 关于本站 (``LOTTERY_OFFICE_RULES``).
        document_prefixes: document number prefixes by kind (``LOTTERY_DOCUMENT_PREFIXES``,
            JSON; docs/documents.md): ``notice``, ``record``, ``result``.
        font_dirs: extra directories searched for the Noto CJK fonts of the documents.
        objection_workdays: the objection period (异议期限) in working days from the Beijing
            day a result is published (``LOTTERY_OBJECTION_WORKDAYS``, default 20;
            docs/objections.md).
        publication_lag_limit: how many seconds the oldest record not yet on the public site
            may wait before ``/readyz`` reports publication as behind
            (``LOTTERY_PUBLICATION_LAG_LIMIT``, default 3600; docs/operations.md).
        metrics_allow: the client addresses or networks that may read ``/metrics``
            (``LOTTERY_METRICS_ALLOW``, JSON list; default the loopback addresses).
        metrics_token: when set, ``/metrics`` also needs ``Authorization: Bearer <token>``
            (``LOTTERY_METRICS_TOKEN``; never shown or logged).
        log_format: ``text`` (uvicorn's lines) or ``json`` (one JSON object a line) for
            ``lottery serve`` (``LOTTERY_LOG_FORMAT``).
        witnesses: the witnesses the service pushes each new checkpoint to
            (``LOTTERY_WITNESSES``, JSON: a list of ``{name, url, vkey}``; docs/witness.md).
        witness_quorum: how many of them must cosign (k of n) for the published policy and
            for the site to publish a checkpoint (``LOTTERY_WITNESS_QUORUM``); unset: all.
        witness_margin: seconds a quorum's cosignatures must precede a beacon's time under the
            published policy (``LOTTERY_WITNESS_MARGIN``, default 300).
        witness_alert_after: seconds without a cosignature from a witness, while a newer
            checkpoint waits for it, before staff are warned (``LOTTERY_WITNESS_ALERT_AFTER``,
            default 3600).
        trusted_proxies: the reverse proxies whose ``X-Forwarded-For`` and
            ``X-Forwarded-Proto`` are believed (``LOTTERY_TRUSTED_PROXIES``: addresses or
            networks, comma or space separated, e.g. ``127.0.0.1,::1``; a wrong entry is
            refused when the settings are built); default none: the address recorded and
            throttled is always the TCP peer's (lottery/api/proxy_headers.py).
        signer_socket: the Unix socket of the office's signer process
            (``LOTTERY_SIGNER_SOCKET``; ``lottery signer serve``, docs/deploy.md "The signer").
            Set: every office signature is asked of that process and this process never reads
            ``keys/office.key``. Unset (the default): the key file is loaded in process.
        signer_admin_socket: the signer's admin socket (``LOTTERY_SIGNER_ADMIN_SOCKET``), set
            only for ``lottery key rotate`` on the signer host (mode 0600, the signer's user
            and root): the one place a key rotation is served.
        signer_timeout: seconds to wait for the signer's answer (``LOTTERY_SIGNER_TIMEOUT``,
            default 10).
    """

    model_config = SettingsConfigDict(env_prefix="LOTTERY_", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str | None = None
    log_origin: str = "lottery.example/log"
    drand_relays: list[str] = DEFAULT_DRAND_RELAYS
    site_dir: Path | None = None
    site_export_dir: Path | None = None
    published: str | None = None
    office_name: str = "市人民防空办公室"
    office_address: str = ""
    office_phone: str = ""
    office_email: str = ""
    office_hours: str = ""
    office_rules: str = ""
    document_prefixes: dict[str, str] = {
        "notice": "人防检通",
        "record": "人防检录",
        "result": "人防检告",
    }
    font_dirs: list[Path] = []
    objection_workdays: int = 20
    publication_lag_limit: int = 3600
    metrics_allow: list[str] = ["127.0.0.1", "::1"]
    metrics_token: SecretStr | None = None
    log_format: Literal["text", "json"] = "text"
    witnesses: list[WitnessConfig] = []
    witness_quorum: int | None = None
    witness_margin: int = 300
    witness_alert_after: int = 3600
    trusted_proxies: str = ""
    signer_socket: Path | None = None
    signer_admin_socket: Path | None = None
    signer_timeout: float = 10.0

    @field_validator("metrics_allow")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        parse_networks(value)
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        parse_networks(split_list(value))
        return value

    @field_validator("publication_lag_limit")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("must be a positive number of seconds")
        return value

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'lottery.db'}"
        return self

    @property
    def trusted_networks(self) -> tuple[Network, ...]:
        """``trusted_proxies`` parsed (validated when the settings were built)."""
        return parse_networks(split_list(self.trusted_proxies))

    @property
    def metrics_networks(self) -> tuple[Network, ...]:
        """``metrics_allow`` parsed (validated when the settings were built)."""
        return parse_networks(self.metrics_allow)

    @property
    def quorum(self) -> int:
        """The witness quorum k (``witness_quorum``, default every configured witness)."""
        return len(self.witnesses) if self.witness_quorum is None else self.witness_quorum

    @property
    def url(self) -> str:
        """The database URL (never None after validation)."""
        if self.database_url is None:  # the validator always sets it
            raise ValueError("settings were not validated: no database URL")
        return self.database_url

    @property
    def site_export(self) -> Path:
        """The public export the site is built from (``site_export_dir`` or its default)."""
        return self.site_export_dir or self.data_dir / "site-export"

    @property
    def keys_dir(self) -> Path:
        """``<data_dir>/keys``: the office key pair and the secrets key file."""
        return self.data_dir / "keys"

    @property
    def office_key_file(self) -> Path:
        """``<data_dir>/keys/office.key``: the office's private signing key."""
        return self.keys_dir / "office.key"


def get_settings(**overrides: Any) -> Settings:
    """Build settings from the environment, with keyword overrides taking precedence."""
    return Settings(**overrides)
