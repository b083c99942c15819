"""Fault tests: real bot processes killed, cut off or starved, and what they do then."""
