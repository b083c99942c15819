"""Store webhooks: verify a delivery's signature, then read its body into a domain Delivery."""

from handlers.webhooks.fields import WebhookRejected
from handlers.webhooks.generic import parse_generic
from handlers.webhooks.shopify import parse_shopify
from handlers.webhooks.signatures import verify_base64_hmac, verify_hex_hmac
from handlers.webhooks.woocommerce import parse_woocommerce

__all__ = [
    "WebhookRejected",
    "parse_generic",
    "parse_shopify",
    "parse_woocommerce",
    "verify_base64_hmac",
    "verify_hex_hmac",
]
