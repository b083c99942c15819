"""The terminal console and what it needs: a loopback Slack Web API, signed requests, examples."""
