"""Who may approve, adjust or hold POs: `slack.approvers`, and members of `approvers_group`."""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)
GROUP_TTL_S = 300.0


class Approvers:
    """Group membership is asked of Slack at most every five minutes."""

    def __init__(self, users: frozenset[str], group: str | None) -> None:
        self.users = users
        self.group = group
        self._members: frozenset[str] = frozenset()
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def allows(self, user: str, client: WebClient) -> bool:
        if user in self.users:
            return True
        return self.group is not None and user in self._group_members(client)

    def _group_members(self, client: WebClient) -> frozenset[str]:
        with self._lock:
            if time.monotonic() - self._fetched_at > GROUP_TTL_S:
                try:
                    response = client.usergroups_users_list(usergroup=self.group)
                    self._members = frozenset(response.get("users", []))
                    self._fetched_at = time.monotonic()
                except SlackApiError as error:  # keep the last known members meanwhile
                    log.warning("could not read user group %s: %s", self.group, error)
            return self._members

    def __deepcopy__(self, memo: dict[int, object]) -> Approvers:
        # Bolt deep-copies a request's context for lazy listeners; share this one.
        return self
