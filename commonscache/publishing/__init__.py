"""What the bot publishes besides copies: the review and status pages, request answers,
the purge of consumer pages, and what admins read on the console."""
