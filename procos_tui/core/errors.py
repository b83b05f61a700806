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


class UnknownProcess(DatabaseError):
    """No procos_ai_context row has this process_instance_id."""

    def __init__(self, process_instance_id: str) -> None:
        super().__init__(f"no AI context for process instance '{process_instance_id}'")
        self.process_instance_id = process_instance_id
