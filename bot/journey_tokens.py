"""Customers' journey-page links: an unguessable token per order, signed with JOURNEY_SECRET.

A token is the order id (8 bytes) and an HMAC-SHA256 of it under the secret, url-safe base64
without padding: 54 characters. It carries the order id so a request is checked with no database
work at all, and only a holder of the secret can make one. Rotating the secret (a new
JOURNEY_SECRET, or a new stored one) makes every link sent before answer 404.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets

PURPOSE = b"backorder-bot journey page v1:"  # a key used for nothing else signs nothing else
ID_BYTES = 8
TOKEN_LENGTH = 54  # base64 of 8 + 32 bytes, unpadded
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{54}")
SECRET_NAME = "journey"  # its row in stored_secrets when the environment gives none


def new_secret() -> str:
    """A fresh secret: 32 random bytes, as hex."""
    return secrets.token_hex(32)


class JourneyLinks:
    """Signs and checks journey tokens, and builds the links customers get."""

    def __init__(self, secret: str, base_url: str) -> None:
        self._key = hashlib.sha256(secret.encode()).digest()
        self.base_url = base_url.rstrip("/")

    def token(self, order_id: int) -> str:
        """The order's token: its id and the signature over it."""
        body = order_id.to_bytes(ID_BYTES, "big")
        raw = body + self._sign(body)
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def order_of(self, token: str) -> int | None:
        """The order a token was made for; None for anything this secret did not sign."""
        if not TOKEN_SHAPE.fullmatch(token):
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "==")
        except (binascii.Error, ValueError):
            return None
        if base64.urlsafe_b64encode(raw).decode().rstrip("=") != token:
            return None  # the last character's spare bits: one token, one spelling
        body, signature = raw[:ID_BYTES], raw[ID_BYTES:]
        if not hmac.compare_digest(signature, self._sign(body)):
            return None
        return int.from_bytes(body, "big")

    def journey_url(self, order_id: int) -> str:
        """The order's journey page (customers.journey_base_url + /o/<token>)."""
        return f"{self.base_url}/o/{self.token(order_id)}"

    def choice_url(self, order_id: int) -> str:
        """The page's choice section: keep waiting, cancel what waits, or no more emails."""
        return self.journey_url(order_id) + "#choice"

    def _sign(self, body: bytes) -> bytes:
        return hmac.new(self._key, PURPOSE + body, hashlib.sha256).digest()


def fingerprint(token: str) -> str:
    """What is kept of a token a customer used: a digest, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()
