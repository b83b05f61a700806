"""Following procos_ai_context by key: where a walk is and what it follows. Plain data, shared
by `procos-tui tail` and the app's follow mode (db/tail.py runs the walk); here, not in db, so
that the home screen can hold one without loading the database layer before its first frame.

created_at is when a row's transaction began, and a row is read once committed: a row can
commit after a later one, behind the walk. The position keeps the rows it has passed within
OVERLAP behind it, so that such a row is still returned, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

OVERLAP = timedelta(seconds=30)


@dataclass
class TailFilter:
    process: str | None = None
    provider: str | None = None
    model: str | None = None
    context_type: str | None = None
    activity: str | None = None


@dataclass
class TailPosition:
    """Where the walk is: the last row printed (its key and id), the rows printed within
    OVERLAP behind it, and the earliest time asked for (--since, or the start)."""

    floor: datetime
    at: datetime
    last_id: str = "00000000-0000-0000-0000-000000000000"
    seen: dict[str, datetime] = field(default_factory=dict)

    def take(self, row: dict[str, Any]) -> None:
        self.seen[row["id"]] = row["key_at"]
        if (row["key_at"], row["id"]) > (self.at, self.last_id):
            self.at, self.last_id = row["key_at"], row["id"]

    @property
    def edge(self) -> datetime:
        return max(self.floor, self.at - OVERLAP)

    def prune(self) -> None:
        edge = self.edge
        self.seen = {k: v for k, v in self.seen.items() if v >= edge}

    def params(self) -> dict[str, Any]:
        return {"at": self.at, "last_id": self.last_id, "edge": self.edge}

    def copy(self) -> TailPosition:
        """A poll runs on a copy, adopted once all its statements answered: a connection
        lost halfway moves nothing (no row skipped, none read twice)."""
        return TailPosition(self.floor, self.at, self.last_id, dict(self.seen))
