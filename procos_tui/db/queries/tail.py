"""`procos-tui tail`: rows after a position, in the order idx_procos_ai_context_activity keeps."""

from __future__ import annotations

from procos_tui.db.queries.triage import KEY

# Rows from `from_at` on (the caller re-reads a short overlap, so that a row committed late
# with an earlier created_at is still seen) that are not among `seen`, oldest first, walking
# the (time, id) index: O(new rows), never a scan. Bodies only when asked for. Rows without a
# finite created_at have no place in time to follow.
TAIL_ROWS = f"""
SELECT c.id::text AS id, c.process_instance_id, c.task_id, c.activity_id, c.context_type,
       c.ai_provider, c.model_used, {KEY.format(t='c')} AS key_at,
       to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
           AS created_at,
       c.token_usage::text AS token_usage,
       octet_length(c.content_text) AS text_bytes,
       CASE WHEN %(bodies)s THEN c.content_text END AS content_text,
       CASE WHEN %(bodies)s THEN c.content_data::text END AS content_data
FROM procos_ai_context AS c
WHERE {KEY.format(t='c')} >= %(from_at)s AND isfinite(c.created_at)
  AND NOT (c.id = ANY(%(seen)s::uuid[]))
  AND (%(process)s::text IS NULL OR c.process_instance_id = %(process)s)
  AND (%(provider)s::text IS NULL OR c.ai_provider = %(provider)s)
  AND (%(model)s::text IS NULL OR c.model_used = %(model)s)
  AND (%(context_type)s::text IS NULL OR c.context_type = %(context_type)s)
  AND (%(activity)s::text IS NULL OR c.activity_id = %(activity)s)
ORDER BY {KEY.format(t='c')}, c.id
LIMIT %(batch)s
"""

SERVER_NOW = "SELECT clock_timestamp() AS now"
