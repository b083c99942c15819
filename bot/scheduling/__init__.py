"""Scheduling: the weekly calendar, the cron triggers and the persistent job store."""
