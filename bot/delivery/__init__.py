"""Delivery of outbox messages: the worker, and how a message goes out by Slack or by email."""
