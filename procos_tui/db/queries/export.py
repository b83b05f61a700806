"""Export: every column of one instance's rows, for Markdown or JSON elsewhere."""

from __future__ import annotations

# Every column of an instance's rows, named as the table names them, in the order the instance
# screen shows them. Times are ISO 8601 text made by the server, so values Python's datetime
# cannot hold (infinity, BC, after 9999) are exported too instead of failing the export; BC
# years keep PostgreSQL's " BC" suffix.
# jsonb comes as its text: it is valid JSON, and parsing it in Python could hit the recursion
# limit on deeply nested values. Its type comes too: a column that drifted to text may hold
# anything, and only json and jsonb are valid JSON by construction.
EXPORT_ROWS_OF_PROCESS = """
SELECT id::text AS id, process_instance_id, task_id, activity_id, context_type,
       content_data::text AS content_data, content_text, ai_provider, model_used,
       token_usage::text AS token_usage,
       pg_typeof(content_data) IN ('json'::regtype, 'jsonb'::regtype) AS content_data_is_json,
       pg_typeof(token_usage) IN ('json'::regtype, 'jsonb'::regtype) AS token_usage_is_json,
       pg_typeof(content_data)::text AS content_data_type,
       pg_typeof(token_usage)::text AS token_usage_type,
       CASE WHEN created_at = 'infinity' THEN 'infinity'
            WHEN created_at = '-infinity' THEN '-infinity'
            ELSE to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                 || CASE WHEN created_at < '0001-01-01 00:00:00+00' THEN ' BC' ELSE '' END
       END AS created_at,
       CASE WHEN updated_at = 'infinity' THEN 'infinity'
            WHEN updated_at = '-infinity' THEN '-infinity'
            ELSE to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                 || CASE WHEN updated_at < '0001-01-01 00:00:00+00' THEN ' BC' ELSE '' END
       END AS updated_at
FROM procos_ai_context
WHERE process_instance_id = %(process_instance_id)s
ORDER BY coalesce(created_at, '-infinity'::timestamptz),
         CASE context_type WHEN 'system' THEN 0 WHEN 'input' THEN 1 ELSE 2 END,
         id
"""
