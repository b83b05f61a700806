"""SQL of `backup verify --dsn`: the live rows' bodies as lengths and digests, computed on the
server (a 20 MB body is never sent), to set beside the dump's."""

from __future__ import annotations

TABLE_PRESENT = "SELECT to_regclass(%(table)s) IS NOT NULL AS present"

# Counted per table by name; the name comes from our own list (core.backup), never the dump.
COUNT_ROWS = "SELECT count(*) AS rows FROM {table}"

# content_data's text is jsonb's output, the same function that wrote it into the dump.
# `newer`: created after the dump was made (a row the dump cannot hold, no finding).
LIVE_BODIES = """
SELECT id::text AS id,
       octet_length(content_text) AS text_length, md5(content_text) AS text_md5,
       octet_length(content_data::text) AS data_length, md5(content_data::text) AS data_md5,
       coalesce(created_at > %(cutoff)s::timestamptz, false) AS newer
FROM procos_ai_context
"""
