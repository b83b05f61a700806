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

# The previous run of a row's activity: the most recent earlier row with the same activity_id
# and context_type, walked newest first along idx_procos_ai_context_activity (a recurring
# activity is met within a few rows). In another instance of the same Camunda process
# definition; or, with no Camunda (or no other instance), earlier in the same instance along
# idx_procos_ai_context_proc_inst_activity.
_KEY = "coalesce({t}.created_at, '-infinity'::timestamptz)"
_PREVIOUS = f"""
SELECT p.id::text AS id, p.process_instance_id
FROM procos_ai_context AS cur
CROSS JOIN LATERAL (
    SELECT q.id, q.process_instance_id
    FROM procos_ai_context AS q
    WHERE q.activity_id = cur.activity_id AND q.context_type = cur.context_type
      AND ({_KEY.format(t='q')}, q.id) < ({_KEY.format(t='cur')}, cur.id)
      AND {{scope}}
    ORDER BY {_KEY.format(t='q')} DESC, q.id DESC
    LIMIT 1
) AS p
WHERE cur.id = %(id)s::uuid AND cur.activity_id IS NOT NULL
"""
PREVIOUS_RUN_OF_DEFINITION = _PREVIOUS.format(scope="""
      q.process_instance_id <> cur.process_instance_id
      AND EXISTS (SELECT 1 FROM act_hi_procinst AS hq JOIN act_hi_procinst AS hc
                  ON hc.proc_def_key_ = hq.proc_def_key_
                  WHERE hq.proc_inst_id_ = q.process_instance_id
                    AND hc.proc_inst_id_ = cur.process_instance_id)""")
PREVIOUS_RUN_IN_PROCESS = _PREVIOUS.format(
    scope='q.process_instance_id COLLATE "C" = cur.process_instance_id COLLATE "C"')
