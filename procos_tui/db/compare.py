"""Two rows of procos_ai_context, read for core/compare.py (`procos-tui diff`)."""

from __future__ import annotations

import uuid
from typing import Any

from procos_tui.core.compare import RowForCompare
from procos_tui.core.errors import DatabaseError
from procos_tui.db.queries import compare as compare_sql
from procos_tui.db.rows import fetch_all


class NoSuchRow(DatabaseError):
    """A row id that is not a UUID, or that no row has."""


def rows_for_compare(conn: Any, a: str, b: str) -> tuple[RowForCompare, RowForCompare]:
    from procos_tui.core.sanitize import sanitize_plain

    ids = []
    for given in (a, b):
        try:
            ids.append(str(uuid.UUID(given.strip())))
        except ValueError:
            raise NoSuchRow(f"{sanitize_plain(given)!r} is not a row id (a UUID, as "
                            "`export --format json` prints them)") from None
    found = {r["id"]: RowForCompare(**r)
             for r in fetch_all(conn, compare_sql.ROWS_BY_ID, {"ids": ids})}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NoSuchRow(f"no row of procos_ai_context has id {', '.join(missing)}")
    return found[ids[0]], found[ids[1]]
