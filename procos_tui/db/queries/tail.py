"""`procos-tui tail`: rows after a position, in the order idx_procos_ai_context_activity keeps."""

from __future__ import annotations

from procos_tui.db.queries.triage import KEY

_KEY = KEY.format(t="c")
_FILTERS = """
  AND (%(process)s::text IS NULL OR c.process_instance_id = %(process)s)
  AND (%(provider)s::text IS NULL OR c.ai_provider = %(provider)s)
  AND (%(model)s::text IS NULL OR c.model_used = %(model)s)
  AND (%(context_type)s::text IS NULL OR c.context_type = %(context_type)s)
  AND (%(activity)s::text IS NULL OR c.activity_id = %(activity)s)"""

# What tail prints of a row; bodies only when asked for. Rows without a finite created_at have
# no place in time to follow.
_COLUMNS = f"""
SELECT c.id::text AS id, c.process_instance_id, c.task_id, c.activity_id, c.context_type,
       c.ai_provider, c.model_used, {_KEY} AS key_at,
       to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
           AS created_at,
       c.token_usage::text AS token_usage,
       octet_length(c.content_text) AS text_bytes,
       CASE WHEN %(bodies)s THEN c.content_text END AS content_text,
       CASE WHEN %(bodies)s THEN c.content_data::text END AS content_data
FROM procos_ai_context AS c"""

# The walk: rows after the last one printed, oldest first, along the (time, id) index (O(new
# rows), never a scan).
TAIL_AFTER = f"""{_COLUMNS}
WHERE ({_KEY}, c.id) > (%(at)s, %(last_id)s::uuid) AND isfinite(c.created_at) {_FILTERS}
ORDER BY {_KEY}, c.id
LIMIT %(batch)s
"""

# created_at is when a row's transaction began, and it is read once committed: a row may
# commit after a newer one and land behind the walk. The window behind the position is
# counted (an index-only range), and only when it holds more rows than were printed there
# are the missing ones read.
WINDOW_COUNT = f"""
SELECT count(*) AS rows FROM procos_ai_context AS c
WHERE {_KEY} >= %(edge)s AND ({_KEY}, c.id) <= (%(at)s, %(last_id)s::uuid)
  AND isfinite(c.created_at) {_FILTERS}
"""

TAIL_LATE = f"""{_COLUMNS}
WHERE {_KEY} >= %(edge)s AND ({_KEY}, c.id) <= (%(at)s, %(last_id)s::uuid)
  AND isfinite(c.created_at) AND NOT (c.id = ANY(%(seen)s::uuid[])) {_FILTERS}
ORDER BY {_KEY}, c.id
"""

SERVER_NOW = "SELECT clock_timestamp() AS now"
