"""The errors that end a run, each with a message a user can act on."""


class UsageError(Exception):
    """A usage or configuration error: one line saying what to fix; exit status 2."""
