"""HMAC-SHA256 webhook signatures over the raw body, compared in constant time."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable

from domain.model import OrderSource
from handlers.webhooks.fields import WebhookRejected

SECRET_VARIABLES: dict[OrderSource, str] = {
    OrderSource.SHOPIFY: "SHOPIFY_WEBHOOK_SECRET",
    OrderSource.WOOCOMMERCE: "WOOCOMMERCE_WEBHOOK_SECRET",
    OrderSource.GENERIC: "ORDERS_WEBHOOK_SECRET",
}

Verifier = Callable[[str, bytes, str | None], bool]


def _digest(secret: str, body: bytes) -> bytes:
    """HMAC-SHA256 of the body under the secret."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()


def verify_base64_hmac(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether `signature` is base64(HMAC-SHA256(secret, body)), as Shopify and WooCommerce send."""
    if not secret or not signature:
        return False
    try:
        given = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError, TypeError, AttributeError):
        return False
    return hmac.compare_digest(given, _digest(secret, body))


def verify_hex_hmac(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether `signature` is `sha256=<hex HMAC-SHA256(secret, body)>`."""
    if not secret or not isinstance(signature, str):
        return False
    scheme, _, hex_digest = signature.strip().partition("=")
    if scheme.lower() != "sha256" or not hex_digest:
        return False
    try:
        given = bytes.fromhex(hex_digest)
    except ValueError:
        return False
    return hmac.compare_digest(given, _digest(secret, body))


def authenticate(
    source: OrderSource, secret: str | None, verify: Verifier, body: bytes, signature: str | None
) -> None:
    """Refuse (401) a delivery when no secret is configured or its signature does not match."""
    if not secret:
        variable = SECRET_VARIABLES[source]
        raise WebhookRejected(401, f"no webhook secret is configured for {source} (set {variable})")
    if not verify(secret, body, signature):
        raise WebhookRejected(401, "invalid signature")
