"""What every message the bot builds must satisfy for Slack to accept it."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from handlers.blocks.message import Message


def assert_fits_slack(message: Message) -> None:
    """Fallback text, 1-50 blocks that slack_sdk parses back unchanged, sections within
    3,000 characters and 10 fields of 2,000."""
    assert message.text
    assert 0 < len(message.blocks) <= 50
    for block in message.blocks:
        assert Block.parse(block).to_dict() == block
    for section in (b for b in message.blocks if b["type"] == "section"):
        assert len(section.get("text", {}).get("text", "")) <= 3000
        assert len(section.get("fields", [])) <= 10
        assert all(len(field["text"]) <= 2000 for field in section.get("fields", []))
