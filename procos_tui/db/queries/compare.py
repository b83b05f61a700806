"""Compare: the rows two interactions stored, by id, with what the comparison reads."""

from __future__ import annotations

# jsonb as its own text (parsed by core/compare.py, which stops at a depth a hostile row could
# exceed); times as ISO text made by the server (infinity and BC included).
ROWS_BY_ID = """
SELECT id::text AS id, process_instance_id, context_type, content_text,
       content_data::text AS content_data, token_usage::text AS token_usage,
       CASE WHEN created_at IS NULL THEN NULL
            WHEN NOT isfinite(created_at) THEN created_at::text
            ELSE to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
       END AS created_at
FROM procos_ai_context
WHERE id = ANY(%(ids)s::uuid[])
"""
