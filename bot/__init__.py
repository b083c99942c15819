"""The composition root: app, settings and config at the top; console/, delivery/, web/ and
scheduling/ hold the parts it wires. `jobs` stays here: stored jobs name it `bot.jobs`."""
