"""SQL of the model registry (procos_ai_models): the list, usage, and guarded writes."""

from __future__ import annotations

from procos_tui.core.registry import EDIT_LIMIT_BYTES
from procos_tui.db.queries.fragments import shown_time

# --- the model registry (procos_ai_models) ------------------------------------------------------

# The edit token: updated_at to the microsecond in UTC (the same to every session whatever its
# TimeZone) and the row version's xmin, which every UPDATE changes even when two land within one
# microsecond or the clock steps back. A save succeeds only while the row still has it.
_MODEL_TOKEN = ("coalesce(to_char(m.updated_at AT TIME ZONE 'UTC',"
                " 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '') || '/' || m.xmin::text")

# A JSON column's text, unless it is over core.registry.EDIT_LIMIT_BYTES (then it stays on the
# server: the list and the form do without it), and its size.
def _json_columns(column: str, alias: str) -> str:
    return (f"CASE WHEN octet_length(m.{column}::text) <= {EDIT_LIMIT_BYTES}"
            f" THEN m.{column}::text END AS {alias}_json,"
            f" octet_length(m.{column}::text) AS {alias}_bytes")


# A model row's columns: core.registry.ModelRow's fields (its usage comes from MODEL_USAGE).
_MODEL_COLUMNS = """m.id::text AS id, m.model_name, m.provider, m.version,
       {config}, {stats},
       m.is_active, {created_at} AS created_at, {updated_at} AS updated_at, {token} AS token
""".format(config=_json_columns("config_data", "config"),
           stats=_json_columns("performance_stats", "stats"),
           created_at=shown_time("m.created_at"), updated_at=shown_time("m.updated_at"),
           token=_MODEL_TOKEN)

MODELS = f"""
SELECT {_MODEL_COLUMNS}
FROM procos_ai_models AS m
ORDER BY m.provider, m.model_name, m.version NULLS FIRST, m.id
"""

# Usage by one grouped pass over procos_ai_context (not a query per model): calls are outputs.
# Seconds on a large table (no index serves it), so the screen shows the models first.
# Columns after the key: core.registry.ModelUsage's fields.
MODEL_USAGE = f"""
SELECT ai_provider, model_used,
       count(*) FILTER (WHERE context_type = 'output') AS calls,
       coalesce(sum(procos_ai_token_total(token_usage)), 0) AS total_tokens,
       max({shown_time("created_at")}) AS last_used
FROM procos_ai_context
WHERE (ai_provider, model_used) IN (SELECT provider, model_name FROM procos_ai_models)
GROUP BY ai_provider, model_used
"""

MODEL_BY_ID = f"SELECT {_MODEL_COLUMNS} FROM procos_ai_models AS m WHERE m.id = %(id)s"

# The UNIQUE constraint lets rows differ by a NULL version only; the editor does not make such
# twins. But twins made elsewhere exist, and a save that keeps the row's own key (an edit of its
# JSON, a toggle) creates no clash: only a key the row does not have yet is checked.
MODEL_SAME_KEY = f"""
SELECT {_MODEL_COLUMNS} FROM procos_ai_models AS m
WHERE m.model_name = %(model_name)s AND m.provider = %(provider)s
  AND m.version IS NOT DISTINCT FROM %(version)s
  AND m.id IS DISTINCT FROM %(id)s
  AND NOT EXISTS (SELECT 1 FROM procos_ai_models AS own
                  WHERE own.id = %(id)s AND own.model_name = %(model_name)s
                    AND own.provider = %(provider)s
                    AND own.version IS NOT DISTINCT FROM %(version)s)
LIMIT 1
"""

# A kept JSON field (too large for the form) is copied from the model it was made from; when
# that one is gone meanwhile, nothing is inserted.
MODEL_INSERT = f"""
INSERT INTO procos_ai_models AS m (model_name, provider, version, config_data,
                                    performance_stats, is_active)
SELECT %(model_name)s, %(provider)s, %(version)s,
       CASE WHEN %(keep_config)s THEN source.config_data ELSE %(config_data)s::jsonb END,
       CASE WHEN %(keep_stats)s THEN source.performance_stats
            ELSE %(performance_stats)s::jsonb END,
       %(is_active)s
FROM (SELECT 1) AS one
LEFT JOIN procos_ai_models AS source ON source.id = %(source_id)s::uuid
WHERE NOT (%(keep_config)s OR %(keep_stats)s) OR source.id IS NOT NULL
RETURNING {_MODEL_COLUMNS}
"""

MODEL_UPDATE = f"""
UPDATE procos_ai_models AS m
SET model_name = %(model_name)s, provider = %(provider)s, version = %(version)s,
    config_data = CASE WHEN %(keep_config)s THEN m.config_data
                       ELSE %(config_data)s::jsonb END,
    performance_stats = CASE WHEN %(keep_stats)s THEN m.performance_stats
                             ELSE %(performance_stats)s::jsonb END,
    is_active = %(is_active)s
WHERE m.id = %(id)s AND {_MODEL_TOKEN} = %(token)s
RETURNING {_MODEL_COLUMNS}
"""

MODEL_DELETE = f"""
DELETE FROM procos_ai_models AS m
WHERE m.id = %(id)s AND {_MODEL_TOKEN} = %(token)s
RETURNING m.id::text AS id
"""

SERVER_IN_RECOVERY = "SELECT pg_is_in_recovery() AS in_recovery"

# Asked on a connection without our read-only option: the server's and role's own defaults.
SERVER_WRITABLE = """
SELECT pg_is_in_recovery() AS in_recovery,
       current_setting('default_transaction_read_only') = 'on' AS read_only_default
"""

# `stats --write-model-stats`: measured aggregates under performance_stats.measured; every
# other key the row holds is kept. All versions of the (provider, model_name) pair get them
# (procos_ai_context does not say which version answered).
WRITE_MODEL_STATS = """
UPDATE procos_ai_models AS m
SET performance_stats = coalesce(CASE WHEN jsonb_typeof(m.performance_stats) = 'object'
                                      THEN m.performance_stats END, '{}'::jsonb)
                        || jsonb_build_object('measured', %(measured)s::jsonb)
WHERE m.provider = %(provider)s AND m.model_name = %(model_name)s
"""
