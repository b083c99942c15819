"""Block Kit builders: what the bot shows in Slack, and the same read back as terminal text."""

from handlers.blocks.message import Message, build
from handlers.blocks.queries import (
    USAGE,
    error_message,
    order_message,
    overview_message,
    sku_message,
    supplier_message,
    unknown_command_message,
    usage_message,
)
from handlers.blocks.summaries import summary_message
from handlers.blocks.text import to_text

__all__ = [
    "USAGE",
    "Message",
    "build",
    "error_message",
    "order_message",
    "overview_message",
    "sku_message",
    "summary_message",
    "supplier_message",
    "to_text",
    "unknown_command_message",
    "usage_message",
]
