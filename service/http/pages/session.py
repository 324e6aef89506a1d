"""The pages' session: a cookie signed with itsdangerous, holding no secret of its own.

It carries the user's bearer token (issued by `Accounts`, so expiry and deactivation are
judged exactly as for the API), the chosen language and the CSRF token of the forms. Signed,
not encrypted: the token in it is already a signed claim, and the cookie is HttpOnly.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from ipaddress import ip_address
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

COOKIE = "score_session"
SALT = "score-pages-session"
LOOPBACK_NAMES = frozenset({"localhost"})


@dataclass
class Session:
    """What the cookie says; `changed` tells the response to send it again."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    language: str | None = None
    token: str | None = None
    changed: bool = True

    def as_cookie_value(self) -> dict[str, Any]:
        return {"csrf": self.csrf, "language": self.language, "token": self.token}

    def signed_in(self, token: str) -> None:
        # A new CSRF token at login: a token planted before it is worth nothing after.
        self.token, self.csrf, self.changed = token, secrets.token_urlsafe(32), True

    def signed_out(self) -> None:
        self.token, self.csrf, self.changed = None, secrets.token_urlsafe(32), True

    def choose_language(self, language: str) -> None:
        self.language, self.changed = language, True


@dataclass(frozen=True)
class SessionCookies:
    """Reads and writes the session cookie."""

    secret: str
    max_age_seconds: int
    secure: bool

    @property
    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt=SALT)

    def read(self, raw: str | None) -> Session:
        """The session the cookie holds; a new one if it is missing, forged or too old."""
        if not raw:
            return Session()
        try:
            value = self._serializer.loads(raw, max_age=self.max_age_seconds)
        except BadSignature:
            return Session()
        if not isinstance(value, dict) or not isinstance(value.get("csrf"), str):
            return Session()
        language, token = value.get("language"), value.get("token")
        return Session(
            csrf=value["csrf"],
            language=language if isinstance(language, str) else None,
            token=token if isinstance(token, str) else None,
            changed=False,
        )

    def write(self, session: Session, response: Response) -> None:
        if not session.changed:
            return
        response.set_cookie(
            COOKIE,
            self._serializer.dumps(session.as_cookie_value()),
            max_age=self.max_age_seconds,
            httponly=True,
            samesite="lax",
            secure=self.secure,
            path="/",
        )


def served_on_loopback(host: str) -> bool:
    """Local development: a browser sends no Secure cookie over plain http to it otherwise."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False
