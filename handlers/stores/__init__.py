"""The stores' own APIs, read for reconciliation: orders changed in a window, as the webhook
parsers read them, so a missed webhook's order is ingested the same way."""

from handlers.stores.http import StoreRefused, StoreUnavailable
from handlers.stores.shopify import ShopifyAccess, ShopifyOrders
from handlers.stores.woocommerce import WooCommerceAccess, WooCommerceOrders

__all__ = [
    "ShopifyAccess",
    "ShopifyOrders",
    "StoreRefused",
    "StoreUnavailable",
    "WooCommerceAccess",
    "WooCommerceOrders",
]
