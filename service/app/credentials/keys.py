"""The issuer's Ed25519 signing keys: a folder of PEM files, one per key, named by its `kid`.

The newest key signs; every key in the folder stays published in the JWKS, so a credential
signed before a rotation still verifies. A key is generated on first start (0600, in an
owner-only folder). Rotating adds a key; retiring one is removing its file (credentials it
signed then no longer verify, which is what retiring a compromised key means).

Only files named as a key (`<kid>.pem`, the kid as `new_kid` makes it) are keys: a backup, an
editor's copy or a stray certificate in the folder is not loaded and cannot sign. A key file
that others than its owner may read is still used (a secret mounted by an orchestrator may
be 0644), with a warning each time the folder is read.
"""

from __future__ import annotations

import logging
import re
import secrets
import stat
import threading
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from service.storage.database import private_directory, write_private_file

KEY_SUFFIX = ".pem"
KEY_FILE_NAME = re.compile(r"\d{8}T\d{12}Z-[0-9a-f]{8}\.pem")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IssuerKey:
    kid: str
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    def jwk(self) -> dict[str, Any]:
        """The public half as a JWK (RFC 8037: kty OKP, crv Ed25519)."""
        jwk: dict[str, Any] = OKPAlgorithm.to_jwk(self.public, as_dict=True)
        return {**jwk, "kid": self.kid, "alg": "EdDSA", "use": "sig"}


KID_TIME = "%Y%m%dT%H%M%S%fZ"


def new_kid(now: datetime, newest: str | None = None) -> str:
    """Sortable by age (the newest signs): never earlier than the newest key's time."""
    moment = now.astimezone(UTC)
    if newest is not None:
        after = datetime.strptime(newest.split("-")[0], KID_TIME).replace(tzinfo=UTC)
        moment = max(moment, after + timedelta(microseconds=1))
    return f"{moment:{KID_TIME}}-{secrets.token_hex(4)}"


class IssuerKeys:
    """The keys in `folder`, read again whenever the folder changes (a rotation elsewhere)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._seen: tuple[str, ...] | None = None
        self._keys: tuple[IssuerKey, ...] = ()

    @classmethod
    def at(cls, folder: Path) -> IssuerKeys:
        """The keys of `folder`; the first one is generated if there is none."""
        keys = cls(folder)
        private_directory(folder)
        if not keys._names():
            keys.rotate()
        return keys

    def rotate(self, now: datetime | None = None) -> IssuerKey:
        """Generate a new key that signs from now on; the older ones keep verifying."""
        private_directory(self.folder)
        names = self._names()
        newest = names[-1].removesuffix(KEY_SUFFIX) if names else None
        kid = new_kid(now or datetime.now(UTC), newest)
        key = IssuerKey(kid, Ed25519PrivateKey.generate())
        pem = key.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        write_private_file(self.folder / f"{key.kid}{KEY_SUFFIX}", pem.decode())
        return key

    @property
    def current(self) -> IssuerKey:
        keys = self.all()
        if not keys:
            raise LookupError(f"No issuer key in {self.folder}; run `score credentials rotate`.")
        return keys[-1]

    def find(self, kid: str) -> IssuerKey | None:
        return next((key for key in self.all() if key.kid == kid), None)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.jwk() for key in self.all()]}

    def all(self) -> tuple[IssuerKey, ...]:
        """Oldest first."""
        names = self._names()
        with self._lock:
            if names != self._seen:
                self._keys = tuple(self._load(name) for name in names)
                self._seen = names
            return self._keys

    def _names(self) -> tuple[str, ...]:
        with suppress(FileNotFoundError):
            found = self.folder.glob(f"*{KEY_SUFFIX}")
            return tuple(sorted(p.name for p in found if KEY_FILE_NAME.fullmatch(p.name)))
        return ()

    def _load(self, name: str) -> IssuerKey:
        mode = stat.S_IMODE((self.folder / name).stat().st_mode)
        if mode & 0o077:
            log.warning(
                "issuer key %s is readable by others than its owner (mode %o): "
                "chmod 600 it, or mount the secret with mode 0400",
                self.folder / name,
                mode,
            )
        loaded = serialization.load_pem_private_key((self.folder / name).read_bytes(), None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise ValueError(f"{self.folder / name} is not an Ed25519 key.")
        return IssuerKey(name.removesuffix(KEY_SUFFIX), loaded)
