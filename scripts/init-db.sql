-- ProcOS database schema: the one source of truth (procos-tui ships and checks it).
--
-- Re-runnable: every statement is IF NOT EXISTS / OR REPLACE / ON CONFLICT DO NOTHING, so
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
    EXCEPTION WHEN feature_not_supported OR undefined_file OR insufficient_privilege THEN
        RAISE NOTICE 'uuid-ossp not available (%); using gen_random_uuid() instead', SQLERRM;
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

-- One row per process instance, kept by triggers on procos_ai_context, so that the newest
-- process instances are one index range scan away instead of a GROUP BY over the whole table.
-- last_at is -infinity when no row of the instance has a created_at.
CREATE TABLE IF NOT EXISTS procos_ai_process_summary (
    process_instance_id VARCHAR(64) PRIMARY KEY,
    first_at TIMESTAMP WITH TIME ZONE,
    last_at TIMESTAMP WITH TIME ZONE NOT NULL,
    entry_count INTEGER NOT NULL DEFAULT 0,
    output_count INTEGER NOT NULL DEFAULT 0,
    providers TEXT[] NOT NULL DEFAULT '{}',
    models TEXT[] NOT NULL DEFAULT '{}',
    total_tokens BIGINT NOT NULL DEFAULT 0,
    suspect_outputs INTEGER NOT NULL DEFAULT 0
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
CREATE INDEX IF NOT EXISTS idx_procos_ai_process_summary_last
    ON procos_ai_process_summary (last_at DESC, process_instance_id DESC);

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

-- Total tokens of one token_usage value, whatever its shape: the summary triggers run inside
-- ProcOS's own inserts, so a strange value must count as 0, never raise.
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

-- Inserts (one row or a COPY of millions) merge their aggregate into the summary in one
-- statement, from the transition table: no re-read of the stored bodies.
CREATE OR REPLACE FUNCTION procos_ai_summary_after_insert()
RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO procos_ai_process_summary AS s (
        process_instance_id, first_at, last_at, entry_count, output_count,
        providers, models, total_tokens, suspect_outputs)
    SELECT n.process_instance_id,
           min(n.created_at),
           coalesce(max(n.created_at), '-infinity'),
           count(*),
           count(*) FILTER (WHERE n.context_type = 'output'),
           coalesce(array_agg(DISTINCT n.ai_provider::text)
                    FILTER (WHERE n.ai_provider IS NOT NULL), '{}'),
           coalesce(array_agg(DISTINCT n.model_used::text)
                    FILTER (WHERE n.model_used IS NOT NULL), '{}'),
           coalesce(sum(procos_ai_token_total(n.token_usage)), 0),
           count(*) FILTER (WHERE n.context_type = 'output'
                              AND coalesce(length(n.content_text), 0) < 50)
    FROM procos_ai_new_rows AS n
    GROUP BY n.process_instance_id
    ON CONFLICT (process_instance_id) DO UPDATE SET
        first_at = least(s.first_at, EXCLUDED.first_at),
        last_at = greatest(s.last_at, EXCLUDED.last_at),
        entry_count = s.entry_count + EXCLUDED.entry_count,
        output_count = s.output_count + EXCLUDED.output_count,
        providers = ARRAY(SELECT DISTINCT p FROM unnest(s.providers || EXCLUDED.providers) AS p
                          ORDER BY p),
        models = ARRAY(SELECT DISTINCT m FROM unnest(s.models || EXCLUDED.models) AS m
                       ORDER BY m),
        total_tokens = s.total_tokens + EXCLUDED.total_tokens,
        suspect_outputs = s.suspect_outputs + EXCLUDED.suspect_outputs;
    RETURN NULL;
END;
$$;

-- Updates and deletes are rare (ProcOS appends): recompute the touched instances from the table.
CREATE OR REPLACE FUNCTION procos_ai_summary_refresh(ids VARCHAR[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM procos_ai_process_summary AS s
    WHERE s.process_instance_id = ANY (ids)
      AND NOT EXISTS (SELECT 1 FROM procos_ai_context AS c
                      WHERE c.process_instance_id = s.process_instance_id);
    INSERT INTO procos_ai_process_summary AS s (
        process_instance_id, first_at, last_at, entry_count, output_count,
        providers, models, total_tokens, suspect_outputs)
    SELECT c.process_instance_id,
           min(c.created_at),
           coalesce(max(c.created_at), '-infinity'),
           count(*),
           count(*) FILTER (WHERE c.context_type = 'output'),
           coalesce(array_agg(DISTINCT c.ai_provider::text)
                    FILTER (WHERE c.ai_provider IS NOT NULL), '{}'),
           coalesce(array_agg(DISTINCT c.model_used::text)
                    FILTER (WHERE c.model_used IS NOT NULL), '{}'),
           coalesce(sum(procos_ai_token_total(c.token_usage)), 0),
           count(*) FILTER (WHERE c.context_type = 'output'
                              AND coalesce(length(c.content_text), 0) < 50)
    FROM procos_ai_context AS c
    WHERE c.process_instance_id = ANY (ids)
    GROUP BY c.process_instance_id
    ON CONFLICT (process_instance_id) DO UPDATE SET
        first_at = EXCLUDED.first_at,
        last_at = EXCLUDED.last_at,
        entry_count = EXCLUDED.entry_count,
        output_count = EXCLUDED.output_count,
        providers = EXCLUDED.providers,
        models = EXCLUDED.models,
        total_tokens = EXCLUDED.total_tokens,
        suspect_outputs = EXCLUDED.suspect_outputs;
END;
$$;

CREATE OR REPLACE FUNCTION procos_ai_summary_after_update()
RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM procos_ai_summary_refresh(ARRAY(
        SELECT process_instance_id FROM procos_ai_old_rows
        UNION
        SELECT process_instance_id FROM procos_ai_new_rows));
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION procos_ai_summary_after_delete()
RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM procos_ai_summary_refresh(ARRAY(
        SELECT DISTINCT process_instance_id FROM procos_ai_old_rows));
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION procos_ai_summary_after_truncate()
RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE procos_ai_process_summary;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER trigger_procos_ai_summary_insert
    AFTER INSERT ON procos_ai_context
    REFERENCING NEW TABLE AS procos_ai_new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION procos_ai_summary_after_insert();

CREATE OR REPLACE TRIGGER trigger_procos_ai_summary_update
    AFTER UPDATE ON procos_ai_context
    REFERENCING OLD TABLE AS procos_ai_old_rows NEW TABLE AS procos_ai_new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION procos_ai_summary_after_update();

CREATE OR REPLACE TRIGGER trigger_procos_ai_summary_delete
    AFTER DELETE ON procos_ai_context
    REFERENCING OLD TABLE AS procos_ai_old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION procos_ai_summary_after_delete();

CREATE OR REPLACE TRIGGER trigger_procos_ai_summary_truncate
    AFTER TRUNCATE ON procos_ai_context
    FOR EACH STATEMENT
    EXECUTE FUNCTION procos_ai_summary_after_truncate();

-- A database that had rows before the summary existed: fill in the instances it lacks.
DO $$
BEGIN
    PERFORM procos_ai_summary_refresh(ARRAY(
        SELECT DISTINCT c.process_instance_id
        FROM procos_ai_context AS c
        WHERE NOT EXISTS (SELECT 1 FROM procos_ai_process_summary AS s
                          WHERE s.process_instance_id = c.process_instance_id)));
END
$$;

-- Camunda: indexes on its tables for AI lookups. Camunda may be installed before or after this
-- script; the function creates whichever index is missing and can be called any time.
CREATE OR REPLACE FUNCTION optimize_camunda_for_ai()
RETURNS TEXT LANGUAGE plpgsql AS $$
DECLARE
    done TEXT[] := '{}';
BEGIN
    IF to_regclass('act_ru_variable') IS NOT NULL
       AND to_regclass('idx_act_ru_variable_name_text') IS NULL THEN
        CREATE INDEX idx_act_ru_variable_name_text
            ON act_ru_variable USING gin (name_ gin_trgm_ops)
            WHERE text_ IS NOT NULL;
        done := done || 'created idx_act_ru_variable_name_text'::text;
    END IF;
    IF to_regclass('act_hi_varinst') IS NOT NULL
       AND to_regclass('idx_act_hi_varinst_proc_inst_ai') IS NULL THEN
        CREATE INDEX idx_act_hi_varinst_proc_inst_ai
            ON act_hi_varinst (proc_inst_id_, name_)
            WHERE name_ IN ('query', 'context', 'content', 'ai_provider', 'usage');
        done := done || 'created idx_act_hi_varinst_proc_inst_ai'::text;
    END IF;
    ANALYZE procos_ai_context;
    ANALYZE procos_ai_models;
    ANALYZE procos_ai_process_summary;
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

INSERT INTO procos_ai_models (model_name, provider, version, config_data, performance_stats, is_active)
VALUES
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
ON CONFLICT (model_name, provider, version) DO NOTHING;

-- Permissions ----------------------------------------------------------------------------------

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'procos') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE
            ON procos_ai_context, procos_ai_models, procos_ai_process_summary TO procos;
        GRANT SELECT ON procos_ai_conversations TO procos;
        GRANT EXECUTE ON FUNCTION optimize_camunda_for_ai(), procos_ai_token_total(JSONB),
            procos_ai_summary_refresh(VARCHAR[]) TO procos;
        RAISE NOTICE 'granted ProcOS tables to role procos';
    END IF;
END
$$;

DO $$
BEGIN
    RAISE NOTICE 'ProcOS PostgreSQL schema ready (AI context, models, conversations view, indexes)';
END
$$;
