-- ProcOS database schema: the one source of truth (procos-tui ships and checks it).
--
-- Re-runnable: every statement is IF NOT EXISTS / OR REPLACE / ON CONFLICT DO NOTHING (and the
-- default models go into an empty registry only), so
-- `psql -v ON_ERROR_STOP=1 -f scripts/init-db.sql` may run any number of times, before or after
-- the Camunda 7 tables exist. No psql meta-commands: procos-tui applies this file through psycopg.
--
-- Change this file first, then the code that needs it (ProcOS database guide).

-- Extensions -----------------------------------------------------------------------------------

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- uuid-ossp is missing from some builds (the embedded PostgreSQL 18 wheel) and needs rights that
-- a schema owner may lack; the tables only need uuid_generate_v4(), so provide it either way.
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
    EXCEPTION
        WHEN feature_not_supported OR undefined_file OR insufficient_privilege THEN
            RAISE NOTICE 'uuid-ossp not available (%); using gen_random_uuid() instead', SQLERRM;
        WHEN duplicate_function THEN
            -- an earlier run created the fallback below; it keeps working
            RAISE NOTICE 'uuid-ossp not installed: uuid_generate_v4() already falls back to gen_random_uuid()';
    END;
    IF to_regprocedure('uuid_generate_v4()') IS NULL THEN
        CREATE FUNCTION uuid_generate_v4() RETURNS uuid
            LANGUAGE sql VOLATILE PARALLEL SAFE
            AS 'SELECT gen_random_uuid()';
    END IF;
END
$$;

-- Tables ---------------------------------------------------------------------------------------

-- Primary AI storage: full prompts and responses, no size limits.
CREATE TABLE IF NOT EXISTS procos_ai_context (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    process_instance_id VARCHAR(64) NOT NULL,
    task_id VARCHAR(64),
    activity_id VARCHAR(255),
    context_type VARCHAR(50) NOT NULL, -- 'input', 'output', 'system'
    content_data JSONB NOT NULL,
    content_text TEXT,
    ai_provider VARCHAR(50),
    model_used VARCHAR(100),
    token_usage JSONB,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS procos_ai_models (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    model_name VARCHAR(255) NOT NULL,
    provider VARCHAR(100) NOT NULL,
    version VARCHAR(100),
    config_data JSONB,
    performance_stats JSONB,
    is_active BOOLEAN DEFAULT true,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    UNIQUE (model_name, provider, version)
);

-- View -----------------------------------------------------------------------------------------

CREATE OR REPLACE VIEW procos_ai_conversations AS
SELECT
    process_instance_id,
    task_id,
    activity_id,
    ai_provider,
    model_used,
    created_at,
    CASE WHEN context_type = 'input' THEN content_data->>'query' END AS query_text,
    CASE WHEN context_type = 'input' THEN content_data->>'context' END AS input_context,
    CASE WHEN context_type = 'output' THEN content_data->>'content' END AS ai_response,
    CASE WHEN context_type = 'output' THEN token_usage END AS usage_stats
FROM procos_ai_context
ORDER BY process_instance_id, created_at;

-- Indexes --------------------------------------------------------------------------------------

CREATE INDEX IF NOT EXISTS idx_procos_ai_context_proc_inst
    ON procos_ai_context (process_instance_id);
CREATE INDEX IF NOT EXISTS idx_procos_ai_context_content_search
    ON procos_ai_context USING gin (content_text gin_trgm_ops);
CREATE INDEX IF NOT EXISTS idx_procos_ai_context_content_jsonb
    ON procos_ai_context USING gin (content_data);
CREATE INDEX IF NOT EXISTS idx_procos_ai_context_usage_jsonb
    ON procos_ai_context USING gin (token_usage);
-- The process list, newest activity first, without a summary table or triggers in ProcOS's
-- write path: walk rows newest first (activity) and keep each instance's latest row, found by
-- one probe of (instance, time, id). A row without created_at sorts as -infinity. The "C"
-- collation lets an id prefix be a range scan.
CREATE INDEX IF NOT EXISTS idx_procos_ai_context_activity
    ON procos_ai_context ((coalesce(created_at, '-infinity'::timestamptz)), id);
CREATE INDEX IF NOT EXISTS idx_procos_ai_context_proc_inst_activity
    ON procos_ai_context (process_instance_id COLLATE "C",
                          (coalesce(created_at, '-infinity'::timestamptz)), id);

-- Functions and triggers -----------------------------------------------------------------------

CREATE OR REPLACE FUNCTION update_updated_at_column()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER trigger_procos_ai_context_updated_at
    BEFORE UPDATE ON procos_ai_context
    FOR EACH ROW
    EXECUTE FUNCTION update_updated_at_column();

CREATE OR REPLACE TRIGGER trigger_procos_ai_models_updated_at
    BEFORE UPDATE ON procos_ai_models
    FOR EACH ROW
    EXECUTE FUNCTION update_updated_at_column();

-- Total tokens of one token_usage value, whatever its shape: a strange value counts as 0 and
-- never raises, so one odd row cannot break a listing.
CREATE OR REPLACE FUNCTION procos_ai_token_total(usage JSONB)
RETURNS BIGINT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN jsonb_typeof(usage) IS DISTINCT FROM 'object' THEN 0
        WHEN jsonb_typeof(usage->'total_tokens') = 'number' THEN
            CASE WHEN (usage->>'total_tokens')::numeric BETWEEN 0 AND 1e15
                 THEN round((usage->>'total_tokens')::numeric)::bigint ELSE 0 END
        ELSE (
            SELECT coalesce(sum(round(v::numeric)::bigint), 0)::bigint
            FROM (
                SELECT usage->>k AS v
                FROM unnest(ARRAY['prompt_tokens', 'completion_tokens',
                                  'input_tokens', 'output_tokens']) AS k
                WHERE jsonb_typeof(usage->k) = 'number'
                  AND (usage->>k)::numeric BETWEEN 0 AND 1e15
            ) AS parts
        )
    END
$$;

-- Search ---------------------------------------------------------------------------------------
-- Fuzzy search matches the term against the distinct words of the stored text, never against
-- whole bodies (word_similarity over one 10 MB response takes seconds): the close words come
-- from procos_ai_search_words through its own trigram index, then a substring search through
-- idx_procos_ai_context_content_search finds the rows. The word list is filled outside
-- ProcOS's write path (no trigger: a slow or failing word split must never hold up or break
-- an insert) by procos_ai_refresh_search_words(), which init-db runs and a scheduler or
-- `procos-tui refresh-words` repeats. Readers add the words of rows newer than the list
-- (procos_ai_search_words_state) themselves, so a stale list costs time, never hits.

-- The words of a text as the search sees them: lower case, split at white space and
-- punctuation (ASCII, Latin-1, general and CJK), 3 to 100 characters (a word must have a
-- trigram to be found, and a longer one is never similar enough to a typed term). Numbers and
-- hex runs with a digit (ids, hashes, UUID parts) are left out: nobody misspells them, and
-- AI context is full of them, which would swell the list with words used once.
CREATE OR REPLACE FUNCTION procos_ai_words(body TEXT)
RETURNS SETOF TEXT
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT DISTINCT w
    FROM regexp_split_to_table(
        lower(body),
        '[[:space:][:punct:]\u00a0-\u00bf\u2000-\u206f\u3000-\u303f\ufeff]+') AS w
    WHERE length(w) BETWEEN 3 AND 100
      AND NOT (w ~ '^[0-9a-f]+$' AND w ~ '[0-9]')
$$;

CREATE TABLE IF NOT EXISTS procos_ai_search_words (
    word TEXT PRIMARY KEY
);
CREATE INDEX IF NOT EXISTS idx_procos_ai_search_words_trgm
    ON procos_ai_search_words USING gin (word gin_trgm_ops);

-- How far the word list reaches: the words of every row created at or before covered_until
-- are in it. Rows are read again from OVERLAP before it, for transactions that commit late.
-- read_at/read_id is exactly where the last refresh stopped reading (a resumed refresh goes on
-- from there); covered_until is the same moment, but never later than when it was read (a row
-- dated in the future must not hide the rows that come before it).
CREATE TABLE IF NOT EXISTS procos_ai_search_words_state (
    singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    covered_until TIMESTAMP WITH TIME ZONE,
    refreshed_at TIMESTAMP WITH TIME ZONE
);
ALTER TABLE procos_ai_search_words_state
    ADD COLUMN IF NOT EXISTS read_at TIMESTAMP WITH TIME ZONE,
    ADD COLUMN IF NOT EXISTS read_id UUID;
INSERT INTO procos_ai_search_words_state (singleton) VALUES (true) ON CONFLICT DO NOTHING;

-- Where readers start adding words of their own: rows at or after this are not (surely) in
-- the list. -infinity before the first refresh; the overlap covers transactions that commit
-- up to ten minutes after their rows' created_at.
CREATE OR REPLACE FUNCTION procos_ai_search_words_edge()
RETURNS TIMESTAMP WITH TIME ZONE
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT covered_until - interval '10 minutes'
                     FROM procos_ai_search_words_state), '-infinity'::timestamptz)
$$;

-- Add the words of the rows created since the last refresh; returns how many rows it read, or
-- -1 at once when a refresh is already running elsewhere. Rows are read in created_at order,
-- batch_rows at a time, through idx_procos_ai_context_activity; rows without created_at (which
-- sort first) are read on every refresh. max_rows stops it early, and resume => true goes on
-- exactly where the last call stopped: the command line fills a large table that way, one
-- committed step at a time. (An earlier development version had another signature.)
DROP FUNCTION IF EXISTS procos_ai_refresh_search_words(INTEGER);
CREATE OR REPLACE FUNCTION procos_ai_refresh_search_words(
    max_rows BIGINT DEFAULT NULL, resume BOOLEAN DEFAULT false, batch_rows INTEGER DEFAULT 2000)
RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE
    from_at TIMESTAMP WITH TIME ZONE;
    from_id UUID;
    batch_at TIMESTAMP WITH TIME ZONE;
    batch_id UUID;
    batch_count INTEGER;
    total BIGINT := 0;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('procos_ai_refresh_search_words')) THEN
        RETURN -1;
    END IF;
    IF resume THEN
        SELECT coalesce(s.read_at, '-infinity'::timestamptz), s.read_id INTO from_at, from_id
        FROM procos_ai_search_words_state AS s;
    ELSE
        from_at := procos_ai_search_words_edge();
        IF from_at > '-infinity'::timestamptz THEN
            INSERT INTO procos_ai_search_words (word)
            SELECT DISTINCT w.word
            FROM procos_ai_context AS c, procos_ai_words(c.content_text) AS w(word)
            WHERE coalesce(c.created_at, '-infinity'::timestamptz) = '-infinity'::timestamptz
            ORDER BY 1
            ON CONFLICT DO NOTHING;
        END IF;
    END IF;
    LOOP
        EXIT WHEN max_rows IS NOT NULL AND total >= max_rows;
        WITH batch AS MATERIALIZED (
            SELECT c.id, coalesce(c.created_at, '-infinity'::timestamptz) AS at, c.content_text
            FROM procos_ai_context AS c
            WHERE coalesce(c.created_at, '-infinity'::timestamptz) >= from_at
              AND (from_id IS NULL
                   OR (coalesce(c.created_at, '-infinity'::timestamptz), c.id) > (from_at, from_id))
            ORDER BY coalesce(c.created_at, '-infinity'::timestamptz), c.id
            LIMIT CASE WHEN max_rows IS NULL THEN batch_rows
                       ELSE least(batch_rows, max_rows - total) END
        ), added AS (
            INSERT INTO procos_ai_search_words (word)
            SELECT DISTINCT w.word
            FROM batch, procos_ai_words(batch.content_text) AS w(word)
            ORDER BY 1  -- one order for every writer: no deadlock between two inserts
            ON CONFLICT DO NOTHING
        ), last AS (
            SELECT at, id FROM batch ORDER BY at DESC, id DESC LIMIT 1
        )
        SELECT (SELECT count(*) FROM batch), last.at, last.id
        INTO batch_count, batch_at, batch_id
        FROM (SELECT 1) AS one LEFT JOIN last ON true;
        EXIT WHEN batch_count = 0;
        total := total + batch_count;
        from_at := batch_at;
        from_id := batch_id;
        UPDATE procos_ai_search_words_state
        SET read_at = batch_at, read_id = batch_id,
            covered_until = greatest(covered_until, least(batch_at, now())),
            refreshed_at = now();
    END LOOP;
    UPDATE procos_ai_search_words_state SET refreshed_at = now();
    RETURN total;
END;
$$;

-- Camunda: indexes on its tables for AI lookups. Camunda may be installed before or after this
-- script; the function creates whichever index is missing and can be called any time.
CREATE OR REPLACE FUNCTION optimize_camunda_for_ai()
RETURNS TEXT LANGUAGE plpgsql AS $$
DECLARE
    done TEXT[] := '{}';
BEGIN
    -- Camunda's tables may belong to another role: then say what to run, and go on.
    IF to_regclass('act_ru_variable') IS NOT NULL
       AND to_regclass('idx_act_ru_variable_name_text') IS NULL THEN
        BEGIN
            CREATE INDEX idx_act_ru_variable_name_text
                ON act_ru_variable USING gin (name_ gin_trgm_ops)
                WHERE text_ IS NOT NULL;
            done := done || 'created idx_act_ru_variable_name_text'::text;
        EXCEPTION WHEN insufficient_privilege THEN
            done := done || ('idx_act_ru_variable_name_text not created: ' || SQLERRM
                             || ' (run optimize_camunda_for_ai() as the owner of Camunda''s tables)');
        END;
    END IF;
    IF to_regclass('act_hi_varinst') IS NOT NULL
       AND to_regclass('idx_act_hi_varinst_proc_inst_ai') IS NULL THEN
        BEGIN
            CREATE INDEX idx_act_hi_varinst_proc_inst_ai
                ON act_hi_varinst (proc_inst_id_, name_)
                WHERE name_ IN ('query', 'context', 'content', 'ai_provider', 'usage');
            done := done || 'created idx_act_hi_varinst_proc_inst_ai'::text;
        EXCEPTION WHEN insufficient_privilege THEN
            done := done || ('idx_act_hi_varinst_proc_inst_ai not created: ' || SQLERRM
                             || ' (run optimize_camunda_for_ai() as the owner of Camunda''s tables)');
        END;
    END IF;
    ANALYZE procos_ai_context;
    ANALYZE procos_ai_models;
    done := done || 'analyzed AI tables'::text;
    RETURN array_to_string(done, '; ');
END;
$$;

DO $$
DECLARE
    outcome TEXT;
BEGIN
    outcome := optimize_camunda_for_ai();
    RAISE NOTICE 'Camunda: %', outcome;
END
$$;

-- Default data ---------------------------------------------------------------------------------

-- Defaults belong to an empty registry: once it holds any model (these, edited, or the
-- operators' own), a later run adds none, so a renamed or deleted default does not come back.
INSERT INTO procos_ai_models (model_name, provider, version, config_data, performance_stats, is_active)
SELECT d.model_name, d.provider, d.version, d.config_data::jsonb, d.performance_stats::jsonb,
       d.is_active
FROM (VALUES
    ('gpt-4o', 'openai', '2024-08-06',
     '{"temperature": 0.2, "max_tokens": 4096}', '{}', true),
    ('gpt-4o-mini', 'openai', '2024-07-18',
     '{"temperature": 0.2, "max_tokens": 4096}', '{}', true),
    ('claude-sonnet-4', 'anthropic', '20250514',
     '{"temperature": 0.2, "max_tokens": 8192}', '{}', true),
    ('gemini-2.5-pro', 'google', '2.5',
     '{"temperature": 0.2, "max_output_tokens": 8192}', '{}', true),
    ('llama3.1:70b', 'ollama', '3.1',
     '{"temperature": 0.2, "num_ctx": 8192}', '{}', false)
) AS d (model_name, provider, version, config_data, performance_stats, is_active)
WHERE NOT EXISTS (SELECT 1 FROM procos_ai_models)
ON CONFLICT (model_name, provider, version) DO NOTHING;

-- Permissions ----------------------------------------------------------------------------------

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'procos') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON procos_ai_context, procos_ai_models TO procos;
        GRANT SELECT ON procos_ai_conversations TO procos;
        GRANT SELECT, INSERT ON procos_ai_search_words TO procos;
        GRANT SELECT, UPDATE ON procos_ai_search_words_state TO procos;
        GRANT EXECUTE ON FUNCTION optimize_camunda_for_ai(), procos_ai_token_total(JSONB),
            procos_ai_words(TEXT), procos_ai_search_words_edge(),
            procos_ai_refresh_search_words(BIGINT, BOOLEAN, INTEGER) TO procos;
        RAISE NOTICE 'granted ProcOS tables to role procos';
    END IF;
END
$$;

DO $$
BEGIN
    RAISE NOTICE 'ProcOS PostgreSQL schema ready (AI context, models, conversations view, indexes)';
END
$$;
