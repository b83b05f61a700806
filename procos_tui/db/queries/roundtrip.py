"""SQL of `check --roundtrip`: may we write, the write and read-back, Camunda's varchar(4000)."""

from __future__ import annotations

# Refusals before anything is written: a standby, or a role that may not insert.
WRITE_PRECONDITIONS = """
SELECT pg_is_in_recovery() AS in_recovery, current_user AS role,
       to_regclass('procos_ai_context') IS NOT NULL AS has_table,
       CASE WHEN to_regclass('procos_ai_context') IS NOT NULL
            THEN has_table_privilege('procos_ai_context', 'INSERT') END AS may_insert,
       current_setting('server_version') AS server_version,
       pg_encoding_to_char(encoding) AS encoding
FROM pg_database WHERE datname = current_database()
"""

INSERT_ROW = """
INSERT INTO procos_ai_context (process_instance_id, context_type, content_data, content_text,
                               ai_provider, model_used)
VALUES (%(pid)s, 'output', %(data)s, %(text)s, 'procos-tui', 'roundtrip')
RETURNING id
"""

# Length and digest computed on the server, then the body itself for the byte comparison.
READ_BACK = """
SELECT octet_length(content_text) AS length, md5(content_text) AS md5, content_text
FROM procos_ai_context WHERE id = %(id)s
"""

READ_JSON = "SELECT content_data FROM procos_ai_context WHERE id = %(id)s"

CAMUNDA_TEXT_COLUMN = """
SELECT to_regclass('act_ru_variable') IS NOT NULL AS present,
       (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute AS a
        WHERE a.attrelid = to_regclass('act_ru_variable') AND a.attname = 'text_'
          AND NOT a.attisdropped) AS text_type,
       CASE WHEN to_regclass('act_ru_variable') IS NOT NULL
            THEN has_table_privilege('act_ru_variable', 'INSERT') END AS may_insert
"""

# The columns every Camunda 7 act_ru_variable requires; the row is rolled back with the rest.
CAMUNDA_INSERT_VARIABLE = """
INSERT INTO act_ru_variable (id_, rev_, type_, name_, text_)
VALUES (%(id)s, 1, 'string', 'procos_tui_roundtrip', %(text)s)
"""
