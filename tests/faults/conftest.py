"""Fault tests: the bot killed, its database or mail server stopped, Slack misbehaving; each
checks that nothing is lost and nothing is done twice. Loopback only, bounded in time."""
