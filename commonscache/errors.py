"""The errors that end a run, each with a message a user can act on."""


class UsageError(Exception):
    """A usage or configuration error: one line saying what to fix; exit status 2."""


class AlreadyRunning(Exception):
    """Another run holds the lock on the same state: this one has nothing to do (exit 0)."""


class NothingToDo(Exception):
    """The run has no wiki to work on (an empty shard): said loudly, exit 0."""
