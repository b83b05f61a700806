"""The typed failures a screen or command handles: each carries one line for the user
(no traceback, no password), whatever went wrong underneath."""

from __future__ import annotations


class DatabaseError(Exception):
    """A database problem put in one line for the user (no traceback, no password)."""


class ConnectionFailed(DatabaseError):
    pass


class QueryCancelled(DatabaseError):
    pass


class QueryTimedOut(DatabaseError):
    pass


class ConnectionLost(DatabaseError):
    pass
