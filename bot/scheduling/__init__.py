"""Scheduling: the weekly calendar, the trigger on it and the persistent job store."""
