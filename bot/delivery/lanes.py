"""Which outbox channels each worker serves: Slack's on one thread, the mail server's and the
stores' on another, so a mail server at one second a message (or hung until its 15 s timeout)
never holds up a Slack message, and 4,000 customer emails go at the SMTP server's pace rather
than Slack's one a second."""

from __future__ import annotations

from bot.delivery.customer_notices import AUDIENCE as CUSTOMERS
from bot.delivery.store_writes import store_channel
from domain.notifications import SUPPLIERS
from storage.outbox import Channels

LEGACY_EMAIL = "email"  # the channel of supplier emails queued before notices were worded late

# By email: no pacing slot, the SMTP server's own pace is the limit (one in flight per worker).
MAIL = Channels(frozenset({SUPPLIERS, CUSTOMERS, LEGACY_EMAIL}))
# The stores' APIs (`store:shopify`, `store:woocommerce`): paced, gently, by STORE_PACE_SHARE.
STORES = Channels(prefixes=(store_channel(""),))
MAIL_AND_STORES = Channels(MAIL.names, STORES.prefixes)
SLACK = MAIL_AND_STORES.but()  # every other channel is a Slack conversation

# A store note each half a Slack slot (0.5 s in production): Shopify's GraphQL bucket refills
# 50 points a second and a note (tag and note) costs about 20; a shop's WooCommerce is its own
# web server.
STORE_PACE_SHARE = 0.5
