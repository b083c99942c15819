"""The web front: the HTTP server, store webhooks, health and metrics, and Slack's front door."""
