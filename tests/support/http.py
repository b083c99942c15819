"""Talking to the running bot over real HTTP, and signing store deliveries as the stores do."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SECRET = "test-webhook-secret"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


def request(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
    method = "GET" if body is None else "POST"
    req = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return Reply(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read(), dict(error.headers))


def base64_signature(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def hex_signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def fixture_bytes(folder: str, name: str) -> bytes:
    return (FIXTURES / folder / name).read_bytes()


def fixture_headers(folder: str, name: str) -> dict[str, str]:
    """The example delivery headers that come with a fixture file (signed over its exact bytes)."""
    examples = json.loads((FIXTURES / folder / "headers.example.json").read_text())
    return dict(examples[name])


def generic_order(order_id: str, *lines: tuple[str | None, int], **fields: Any) -> bytes:
    body = {
        "id": order_id,
        "number": order_id,
        "placed_at": "2026-11-02T09:00:00Z",
        "lines": [{"sku": sku, "quantity": qty} for sku, qty in lines],
    } | fields
    return json.dumps(body).encode()


def signed_generic(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Signature": hex_signature(body)}
