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

-- Token counts of one token_usage value, whatever provider wrote it (procos_tui/core/tokens.py
-- documents the shapes and applies the same rules): input from prompt_tokens, input_tokens,
-- promptTokenCount, prompt_eval_count; output from completion_tokens, output_tokens,
-- candidatesTokenCount + thoughtsTokenCount, eval_count; the total from total_tokens or
-- totalTokenCount, else input + output. A count is a JSON number from 0 to 1e15; anything else
-- is absent, and a strange value never raises, so one odd row cannot break a listing.
CREATE OR REPLACE FUNCTION procos_ai_token_count(v JSONB)
RETURNS BIGINT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(v) = 'number' THEN
                CASE WHEN v::numeric BETWEEN 0 AND 1e15 THEN round(v::numeric)::bigint END
           END
$$;

-- {input, output, total}: input and output are both NULL unless the shape says them apart
-- (both sides, or one side and a stated total).
CREATE OR REPLACE FUNCTION procos_ai_token_split(usage JSONB)
RETURNS BIGINT[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    k TEXT;
    n BIGINT;
    stated BIGINT;
    inp BIGINT;
    outp BIGINT;
    total BIGINT;
BEGIN
    IF jsonb_typeof(usage) IS DISTINCT FROM 'object' THEN
        RETURN ARRAY[NULL, NULL, 0]::BIGINT[];
    END IF;
    FOREACH k IN ARRAY ARRAY['total_tokens', 'totalTokenCount'] LOOP
        IF jsonb_typeof(usage -> k) = 'number' THEN
            -- a stated total out of range counts as 0 (as this function always read it)
            stated := coalesce(procos_ai_token_count(usage -> k), 0);
            EXIT;
        END IF;
    END LOOP;
    FOREACH k IN ARRAY ARRAY['prompt_tokens', 'input_tokens', 'promptTokenCount',
                             'prompt_eval_count'] LOOP
        n := procos_ai_token_count(usage -> k);
        IF n IS NOT NULL THEN
            inp := coalesce(inp, 0) + n;
        END IF;
    END LOOP;
    FOREACH k IN ARRAY ARRAY['completion_tokens', 'output_tokens', 'candidatesTokenCount',
                             'thoughtsTokenCount', 'eval_count'] LOOP
        n := procos_ai_token_count(usage -> k);
        IF n IS NOT NULL THEN
            outp := coalesce(outp, 0) + n;
        END IF;
    END LOOP;
    total := coalesce(stated, coalesce(inp, 0) + coalesce(outp, 0));
    IF inp IS NOT NULL AND outp IS NOT NULL THEN
        RETURN ARRAY[inp, outp, total];
    ELSIF inp IS NOT NULL AND stated >= inp THEN
        RETURN ARRAY[inp, stated - inp, total];
    ELSIF outp IS NOT NULL AND stated >= outp THEN
        RETURN ARRAY[stated - outp, outp, total];
    END IF;
    RETURN ARRAY[NULL, NULL, total]::BIGINT[];
END;
$$;

CREATE OR REPLACE FUNCTION procos_ai_token_total(usage JSONB)
RETURNS BIGINT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (procos_ai_token_split(usage))[3]
$$;

CREATE OR REPLACE FUNCTION procos_ai_token_input(usage JSONB)
RETURNS BIGINT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (procos_ai_token_split(usage))[1]
$$;

CREATE OR REPLACE FUNCTION procos_ai_token_output(usage JSONB)
RETURNS BIGINT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (procos_ai_token_split(usage))[2]
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
-- procos_ai_word_pieces is the split alone (every piece, repeats kept), procos_ai_search_word
-- the filter: the refresh splits a whole batch of rows and removes repeats once for all of
-- them, which is much cheaper than a DISTINCT per row (and the piece function, not being
-- STRICT, is inlined into the caller's plan, so parallel workers can split).
CREATE OR REPLACE FUNCTION procos_ai_word_pieces(body TEXT)
RETURNS SETOF TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT w
    FROM regexp_split_to_table(
        lower(body),
        '[[:space:][:punct:]\u00a0-\u00bf\u2000-\u206f\u3000-\u303f\ufeff]+') AS w
    WHERE length(w) BETWEEN 3 AND 100
$$;
CREATE OR REPLACE FUNCTION procos_ai_search_word(piece TEXT)
RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT NOT (piece ~ '^[0-9a-f]+$' AND piece ~ '[0-9]')
$$;
CREATE OR REPLACE FUNCTION procos_ai_words(body TEXT)
RETURNS SETOF TEXT
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT DISTINCT w FROM procos_ai_word_pieces(body) AS w WHERE procos_ai_search_word(w)
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
LANGUAGE plpgsql
-- Splitting is the work, and a batch is small by the planner's measures: the parallel
-- thresholds are lowered so that the workers the server allows (max_parallel_workers_per_gather;
-- 0 turns this off) share it.
SET parallel_setup_cost = 0
SET min_parallel_table_scan_size = 0
SET min_parallel_index_scan_size = 0
AS $$
DECLARE
    from_at TIMESTAMP WITH TIME ZONE;
    from_id UUID;
    batch_at TIMESTAMP WITH TIME ZONE;
    batch_id UUID;
    batch_count INTEGER;
    batch_words TEXT[];
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
        -- The batch's bounds first (keys only, no body read), then its words in a statement
        -- of its own: a read-only one, which PostgreSQL may share among parallel workers
        -- (an INSERT ... SELECT never runs in parallel).
        WITH batch AS MATERIALIZED (
            SELECT coalesce(c.created_at, '-infinity'::timestamptz) AS at, c.id
            FROM procos_ai_context AS c
            WHERE coalesce(c.created_at, '-infinity'::timestamptz) >= from_at
              AND (from_id IS NULL
                   OR (coalesce(c.created_at, '-infinity'::timestamptz), c.id) > (from_at, from_id))
            ORDER BY coalesce(c.created_at, '-infinity'::timestamptz), c.id
            LIMIT CASE WHEN max_rows IS NULL THEN batch_rows
                       ELSE least(batch_rows, max_rows - total) END
        ), last AS (
            SELECT at, id FROM batch ORDER BY at DESC, id DESC LIMIT 1
        )
        SELECT (SELECT count(*) FROM batch), last.at, last.id
        INTO batch_count, batch_at, batch_id
        FROM (SELECT 1) AS one LEFT JOIN last ON true;
        EXIT WHEN batch_count = 0;
        -- EXECUTE, because a static SELECT INTO never launches the parallel workers its plan
        -- asks for.
        EXECUTE $words$
            SELECT array_agg(d.w) FILTER (WHERE procos_ai_search_word(d.w))
            FROM (SELECT p.w
                  FROM procos_ai_context AS c, procos_ai_word_pieces(c.content_text) AS p(w)
                  WHERE coalesce(c.created_at, '-infinity'::timestamptz) BETWEEN $1 AND $3
                    AND ($2::uuid IS NULL
                         OR (coalesce(c.created_at, '-infinity'::timestamptz), c.id) > ($1, $2))
                    AND (coalesce(c.created_at, '-infinity'::timestamptz), c.id) <= ($3, $4)
                  GROUP BY p.w) AS d
        $words$ INTO batch_words USING from_at, from_id, batch_at, batch_id;
        INSERT INTO procos_ai_search_words (word)
        SELECT w FROM unnest(batch_words) AS w
        ORDER BY 1  -- one order for every writer: no deadlock between two inserts
        ON CONFLICT DO NOTHING;
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

-- Triage: prices, latency, rollups ---------------------------------------------------------------
-- The process list sorted by tokens, cost or latency, and Stats over days, read rollups: per
-- process, per process and model, and per hour x provider x model x activity x definition.
-- Like the word list they are filled outside ProcOS's write path (no trigger on
-- procos_ai_context) by procos_ai_refresh_rollups(), which init-db, `procos-tui refresh` and a
-- scheduler run (procos_ai_refresh() does the word list and the rollups at once). Readers stay
-- exact: the rollups hold exactly the rows up to a position (procos_ai_rollup_state), readers
-- read the rows after it (and undated rows, which the rollups never hold) from
-- procos_ai_context itself and merge them. Rows are rolled up only once they are `settle` old
-- (10 minutes), so a transaction that commits late is still read live; rows changed or deleted
-- after they were rolled up are put right by procos_ai_rebuild_rollups()
-- (`procos-tui refresh --rebuild`), and `procos-tui check` reports a rollup that disagrees.

-- A price in config_data.pricing: a JSON number, or a decimal string, from 0 to 1000000
-- (procos_tui/core/pricing.py applies the same rules in the model form).
CREATE OR REPLACE FUNCTION procos_ai_price_value(v JSONB)
RETURNS NUMERIC
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE jsonb_typeof(v)
        WHEN 'number' THEN
            CASE WHEN v::numeric BETWEEN 0 AND 1000000 THEN v::numeric END
        WHEN 'string' THEN
            CASE WHEN (v #>> '{}') ~ '^[0-9]{1,7}(\.[0-9]{1,12})?$' THEN
                CASE WHEN (v #>> '{}')::numeric <= 1000000 THEN (v #>> '{}')::numeric END
            END
    END
$$;

-- One price per (provider, model_name), as procos_ai_context names models (it has no version):
-- among the versions with a valid price, the active one, then the latest updated. A function,
-- not a view: a view would pin procos_ai_models' column types against ProcOS's own changes.
CREATE OR REPLACE FUNCTION procos_ai_model_prices()
RETURNS TABLE (provider VARCHAR, model_name VARCHAR, input_per_million NUMERIC,
               output_per_million NUMERIC, currency TEXT)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT DISTINCT ON (m.provider, m.model_name)
           m.provider, m.model_name, p.input_per_million, p.output_per_million, p.currency
    FROM procos_ai_models AS m
    CROSS JOIN LATERAL (
        SELECT procos_ai_price_value(m.config_data -> 'pricing' -> 'input_per_million')
                   AS input_per_million,
               procos_ai_price_value(m.config_data -> 'pricing' -> 'output_per_million')
                   AS output_per_million,
               CASE WHEN NOT (m.config_data -> 'pricing') ? 'currency' THEN 'USD'
                    WHEN jsonb_typeof(m.config_data -> 'pricing' -> 'currency') = 'string'
                         AND (m.config_data -> 'pricing' ->> 'currency') ~ '^[A-Z]{3}$'
                    THEN m.config_data -> 'pricing' ->> 'currency'
               END AS currency
    ) AS p
    WHERE jsonb_typeof(m.config_data -> 'pricing') = 'object'
      AND p.input_per_million IS NOT NULL AND p.output_per_million IS NOT NULL
      AND p.currency IS NOT NULL
    ORDER BY m.provider, m.model_name, m.is_active DESC NULLS LAST,
             m.updated_at DESC NULLS LAST, m.id
$$;

-- What the prices are now, to know whether the rollups' stored costs still hold.
CREATE OR REPLACE FUNCTION procos_ai_prices_digest()
RETURNS TEXT
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT md5(coalesce(string_agg(concat_ws('|', provider, model_name, input_per_million,
                                             output_per_million, currency), E'\n'
                                   ORDER BY provider, model_name), ''))
    FROM procos_ai_model_prices()
$$;

-- Latency histograms (procos_tui/core/latency.py): bucket 0 under 1 ms, bucket k >= 1 holds
-- [1 ms * 1.1^(k-1), 1 ms * 1.1^k), 300 the last; a bucket stands for a value within 4.77 %
-- of any in it. Stored packed: ARRAY[first bucket, its count, the next bucket's count, ...]
-- ('{}' when empty), since an hourly group holds a few latencies close together; while
-- aggregating, the state is dense (element k+1 counts bucket k).
CREATE OR REPLACE FUNCTION procos_ai_latency_bucket(seconds DOUBLE PRECISION)
RETURNS INTEGER
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN seconds >= 0.001 AND seconds < 'Infinity'::float8
                THEN least(300, greatest(1, 1 + floor(ln(seconds / 0.001) / ln(1.1))::int))
                WHEN seconds = 'Infinity'::float8 THEN 300
                WHEN seconds IS NOT NULL THEN 0
           END
$$;

CREATE OR REPLACE FUNCTION procos_ai_hist_step(hist INTEGER[], bucket INTEGER)
RETURNS INTEGER[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF bucket IS NULL THEN
        RETURN hist;
    END IF;
    hist := coalesce(hist, '{}');
    IF cardinality(hist) < bucket + 1 THEN
        hist := hist || array_fill(0, ARRAY[bucket + 1 - cardinality(hist)]);
    END IF;
    hist[bucket + 1] := hist[bucket + 1] + 1;
    RETURN hist;
END;
$$;

-- A dense state plus a packed histogram.
CREATE OR REPLACE FUNCTION procos_ai_hist_add(hist INTEGER[], more INTEGER[])
RETURNS INTEGER[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    need INTEGER;
BEGIN
    IF more IS NULL OR cardinality(more) < 2 THEN
        RETURN hist;
    END IF;
    hist := coalesce(hist, '{}');
    need := more[1] + cardinality(more) - 1;
    IF cardinality(hist) < need THEN
        hist := hist || array_fill(0, ARRAY[need - cardinality(hist)]);
    END IF;
    FOR i IN 2 .. cardinality(more) LOOP
        hist[more[1] + i - 1] := hist[more[1] + i - 1] + more[i];
    END LOOP;
    RETURN hist;
END;
$$;

CREATE OR REPLACE FUNCTION procos_ai_hist_pack(hist INTEGER[])
RETURNS INTEGER[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    lo INTEGER;
    hi INTEGER;
BEGIN
    FOR i IN 1 .. coalesce(cardinality(hist), 0) LOOP
        IF hist[i] <> 0 THEN
            lo := coalesce(lo, i);
            hi := i;
        END IF;
    END LOOP;
    IF lo IS NULL THEN
        RETURN '{}';
    END IF;
    RETURN ARRAY[lo - 1] || hist[lo:hi];
END;
$$;

-- Two packed histograms -> their packed sum (the refresh's upsert).
CREATE OR REPLACE FUNCTION procos_ai_hist_merge(a INTEGER[], b INTEGER[])
RETURNS INTEGER[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT procos_ai_hist_pack(procos_ai_hist_add(procos_ai_hist_add('{}', a), b))
$$;

-- procos_ai_latency_hist(bucket): the packed histogram of a group's buckets;
-- procos_ai_hist_sum(packed): the packed sum of a group's histograms.
CREATE OR REPLACE AGGREGATE procos_ai_latency_hist(INTEGER) (
    SFUNC = procos_ai_hist_step, STYPE = INTEGER[], INITCOND = '{}',
    FINALFUNC = procos_ai_hist_pack);
CREATE OR REPLACE AGGREGATE procos_ai_hist_sum(INTEGER[]) (
    SFUNC = procos_ai_hist_add, STYPE = INTEGER[], INITCOND = '{}',
    FINALFUNC = procos_ai_hist_pack);

-- Where the rollups reach: every dated row with (created_at, id) up to (read_at, read_id) is in
-- them, no row after it. prices_digest: the prices the stored costs were computed with.
CREATE TABLE IF NOT EXISTS procos_ai_rollup_state (
    singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    read_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT '-infinity',
    read_id UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
    prices_digest TEXT,
    refreshed_at TIMESTAMP WITH TIME ZONE,
    rebuilt_at TIMESTAMP WITH TIME ZONE
);
INSERT INTO procos_ai_rollup_state (singleton) VALUES (true) ON CONFLICT DO NOTHING;

-- One row per process instance. Sort keys are NOT NULL so that a page is one index walk:
-- max_latency_s and cost are -1 when the instance has no input-output pair / no priced call.
-- Input and output count split rows only; unsplit_calls are outputs whose token_usage does not
-- say them apart. bytes: octet_length(content_text) + pg_column_size(content_data).
CREATE TABLE IF NOT EXISTS procos_ai_process_rollup (
    process_instance_id VARCHAR(64) COLLATE "C" PRIMARY KEY,
    row_count BIGINT NOT NULL,
    calls BIGINT NOT NULL,
    input_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    total_tokens BIGINT NOT NULL,
    unsplit_calls BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    cut_outputs BIGINT NOT NULL,
    first_at TIMESTAMP WITH TIME ZONE NOT NULL,
    last_at TIMESTAMP WITH TIME ZONE NOT NULL,
    duration_s DOUBLE PRECISION NOT NULL,
    max_latency_s DOUBLE PRECISION NOT NULL,
    cost NUMERIC NOT NULL,
    unpriced_calls BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_procos_ai_process_rollup_calls
    ON procos_ai_process_rollup (calls, process_instance_id);
CREATE INDEX IF NOT EXISTS idx_procos_ai_process_rollup_total_tokens
    ON procos_ai_process_rollup (total_tokens, process_instance_id);
CREATE INDEX IF NOT EXISTS idx_procos_ai_process_rollup_input_tokens
    ON procos_ai_process_rollup (input_tokens, process_instance_id);
CREATE INDEX IF NOT EXISTS idx_procos_ai_process_rollup_output_tokens
    ON procos_ai_process_rollup (output_tokens, process_instance_id);
CREATE INDEX IF NOT EXISTS idx_procos_ai_process_rollup_bytes
    ON procos_ai_process_rollup (bytes, process_instance_id);
CREATE INDEX IF NOT EXISTS idx_procos_ai_process_rollup_duration
    ON procos_ai_process_rollup (duration_s, process_instance_id);
CREATE INDEX IF NOT EXISTS idx_procos_ai_process_rollup_latency
    ON procos_ai_process_rollup (max_latency_s, process_instance_id);
CREATE INDEX IF NOT EXISTS idx_procos_ai_process_rollup_cost
    ON procos_ai_process_rollup (cost, process_instance_id);
CREATE INDEX IF NOT EXISTS idx_procos_ai_process_rollup_cut
    ON procos_ai_process_rollup (cut_outputs, process_instance_id);

-- Tokens per process and model: costs are computed again from these when prices change.
CREATE TABLE IF NOT EXISTS procos_ai_process_model_rollup (
    process_instance_id VARCHAR(64) COLLATE "C" NOT NULL,
    ai_provider VARCHAR(50),
    model_used VARCHAR(100),
    calls BIGINT NOT NULL,
    split_rows BIGINT NOT NULL,
    input_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    unsplit_calls BIGINT NOT NULL,
    CONSTRAINT procos_ai_process_model_rollup_key
        UNIQUE NULLS NOT DISTINCT (process_instance_id, ai_provider, model_used)
);

-- Per hour (UTC) of created_at, provider, model, activity and Camunda process definition. The
-- latency of an interaction counts where its output row does.
CREATE TABLE IF NOT EXISTS procos_ai_usage_rollup (
    bucket_at TIMESTAMP WITH TIME ZONE NOT NULL,
    ai_provider VARCHAR(50),
    model_used VARCHAR(100),
    activity_id VARCHAR(255),
    process_definition_key VARCHAR(255),
    row_count BIGINT NOT NULL,
    calls BIGINT NOT NULL,
    split_rows BIGINT NOT NULL,
    input_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    total_tokens BIGINT NOT NULL,
    unsplit_calls BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    cut_outputs BIGINT NOT NULL,
    max_latency_s DOUBLE PRECISION,
    latency_hist INTEGER[] NOT NULL,
    last_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT procos_ai_usage_rollup_key UNIQUE NULLS NOT DISTINCT
        (bucket_at, ai_provider, model_used, activity_id, process_definition_key)
);

-- Put costs and unpriced calls right after a price changed (the stored ones used old prices).
CREATE OR REPLACE FUNCTION procos_ai_reprice_rollups()
RETURNS VOID
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE procos_ai_process_rollup AS r
    SET cost = coalesce(x.cost, -1), unpriced_calls = x.unpriced_calls
    FROM (
        SELECT pm.process_instance_id,
               sum(CASE WHEN p.provider IS NOT NULL AND pm.split_rows > 0
                        THEN pm.input_tokens * p.input_per_million * 0.000001
                             + pm.output_tokens * p.output_per_million * 0.000001
                   END) AS cost,
               sum(CASE WHEN p.provider IS NULL THEN pm.calls ELSE pm.unsplit_calls END)
                   AS unpriced_calls
        FROM procos_ai_process_model_rollup AS pm
        LEFT JOIN procos_ai_model_prices() AS p
               ON p.provider = pm.ai_provider AND p.model_name = pm.model_used
        GROUP BY pm.process_instance_id
    ) AS x
    WHERE x.process_instance_id = r.process_instance_id
      AND (r.cost, r.unpriced_calls) IS DISTINCT FROM (coalesce(x.cost, -1), x.unpriced_calls);
    UPDATE procos_ai_rollup_state SET prices_digest = procos_ai_prices_digest();
END;
$$;

-- Roll up the rows after the position that are at least `settle` old, batch_rows at a time
-- (each batch: one statement over idx_procos_ai_context_activity), up to max_rows; returns the
-- rows read, or -1 at once when a refresh or rebuild is running elsewhere. The command line
-- calls it with max_rows and commits between calls.
CREATE OR REPLACE FUNCTION procos_ai_refresh_rollups(
    max_rows BIGINT DEFAULT NULL, batch_rows INTEGER DEFAULT 5000,
    settle INTERVAL DEFAULT '10 minutes')
RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE
    pos_at TIMESTAMP WITH TIME ZONE;
    pos_id UUID;
    old_digest TEXT;
    stop_at TIMESTAMP WITH TIME ZONE := now() - settle;
    batch_count BIGINT;
    total BIGINT := 0;
    definition TEXT := 'NULL::varchar';
    camunda_join TEXT := '';
    step TEXT;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('procos_ai_refresh_rollups')) THEN
        RETURN -1;
    END IF;
    SELECT s.read_at, s.read_id, s.prices_digest INTO pos_at, pos_id, old_digest
    FROM procos_ai_rollup_state AS s;
    IF old_digest IS DISTINCT FROM procos_ai_prices_digest() THEN
        PERFORM procos_ai_reprice_rollups();
    END IF;
    IF to_regclass('act_hi_procinst') IS NOT NULL THEN
        definition := 'h.proc_def_key_';
        camunda_join := 'LEFT JOIN act_hi_procinst AS h ON h.proc_inst_id_ = b.process_instance_id';
    END IF;
    step := format($step$
        WITH batch AS MATERIALIZED (
            SELECT c.id, c.process_instance_id, c.task_id, c.activity_id, c.context_type,
                   c.ai_provider, c.model_used, c.created_at,
                   procos_ai_token_split(c.token_usage) AS t,
                   coalesce(octet_length(c.content_text), 0)
                       + coalesce(pg_column_size(c.content_data), 0) AS bytes,
                   coalesce(c.context_type = 'output' AND octet_length(c.content_text) < 200
                            AND length(c.content_text) < 50, false) AS cut
            FROM procos_ai_context AS c
            WHERE coalesce(c.created_at, '-infinity'::timestamptz) > '-infinity'::timestamptz
              AND (coalesce(c.created_at, '-infinity'::timestamptz), c.id) > ($1, $2)
              AND coalesce(c.created_at, '-infinity'::timestamptz) < $3
            ORDER BY coalesce(c.created_at, '-infinity'::timestamptz), c.id
            LIMIT $4
        ), enriched AS MATERIALIZED (
            SELECT b.*, b.t[1] AS inp, b.t[2] AS outp, b.t[3] AS tot,
                   b.context_type = 'output' AS is_call,
                   CASE WHEN prev.context_type = 'input'
                             AND (prev.task_id IS NULL OR b.task_id IS NULL
                                  OR prev.task_id = b.task_id)
                             AND isfinite(prev.created_at) AND isfinite(b.created_at)
                        THEN extract(epoch FROM b.created_at - prev.created_at)::float8
                   END AS latency_s,
                   %1$s AS definition,
                   p.provider IS NOT NULL AS priced,
                   CASE WHEN p.provider IS NOT NULL AND b.t[1] IS NOT NULL
                        THEN b.t[1] * p.input_per_million * 0.000001
                             + b.t[2] * p.output_per_million * 0.000001
                   END AS cost
            FROM batch AS b
            LEFT JOIN LATERAL (
                SELECT q.context_type, q.task_id, q.created_at
                FROM procos_ai_context AS q
                WHERE q.process_instance_id COLLATE "C" = b.process_instance_id COLLATE "C"
                  AND coalesce(q.created_at, '-infinity'::timestamptz) <= b.created_at
                  AND (coalesce(q.created_at, '-infinity'::timestamptz),
                       CASE q.context_type WHEN 'system' THEN 0 WHEN 'input' THEN 1 ELSE 2 END,
                       q.id) < (b.created_at, 2, b.id)
                ORDER BY coalesce(q.created_at, '-infinity'::timestamptz) DESC,
                         CASE q.context_type WHEN 'system' THEN 0 WHEN 'input' THEN 1 ELSE 2 END
                             DESC,
                         q.id DESC
                LIMIT 1
            ) AS prev ON b.context_type = 'output'
            LEFT JOIN procos_ai_model_prices() AS p
                   ON p.provider = b.ai_provider AND p.model_name = b.model_used
            %2$s
        ), by_process AS (
            INSERT INTO procos_ai_process_rollup AS r (
                process_instance_id, row_count, calls, input_tokens, output_tokens,
                total_tokens, unsplit_calls, bytes, cut_outputs, first_at, last_at, duration_s,
                max_latency_s, cost, unpriced_calls)
            SELECT process_instance_id, count(*), count(*) FILTER (WHERE is_call),
                   coalesce(sum(inp), 0), coalesce(sum(outp), 0), sum(tot),
                   count(*) FILTER (WHERE is_call AND inp IS NULL), sum(bytes),
                   count(*) FILTER (WHERE cut), min(created_at), max(created_at),
                   extract(epoch FROM max(created_at) - min(created_at))::float8,
                   coalesce(max(latency_s), -1), coalesce(sum(cost), -1),
                   count(*) FILTER (WHERE is_call AND cost IS NULL)
            FROM enriched GROUP BY process_instance_id
            ON CONFLICT (process_instance_id) DO UPDATE SET
                row_count = r.row_count + excluded.row_count,
                calls = r.calls + excluded.calls,
                input_tokens = r.input_tokens + excluded.input_tokens,
                output_tokens = r.output_tokens + excluded.output_tokens,
                total_tokens = r.total_tokens + excluded.total_tokens,
                unsplit_calls = r.unsplit_calls + excluded.unsplit_calls,
                bytes = r.bytes + excluded.bytes,
                cut_outputs = r.cut_outputs + excluded.cut_outputs,
                first_at = least(r.first_at, excluded.first_at),
                last_at = greatest(r.last_at, excluded.last_at),
                duration_s = extract(epoch FROM greatest(r.last_at, excluded.last_at)
                                                - least(r.first_at, excluded.first_at))::float8,
                max_latency_s = greatest(r.max_latency_s, excluded.max_latency_s),
                cost = CASE WHEN r.cost < 0 THEN excluded.cost
                            WHEN excluded.cost < 0 THEN r.cost
                            ELSE r.cost + excluded.cost END,
                unpriced_calls = r.unpriced_calls + excluded.unpriced_calls
        ), by_model AS (
            INSERT INTO procos_ai_process_model_rollup AS r (
                process_instance_id, ai_provider, model_used, calls, split_rows, input_tokens,
                output_tokens, unsplit_calls)
            SELECT process_instance_id, ai_provider, model_used, count(*) FILTER (WHERE is_call),
                   count(inp), coalesce(sum(inp), 0), coalesce(sum(outp), 0),
                   count(*) FILTER (WHERE is_call AND inp IS NULL)
            FROM enriched GROUP BY process_instance_id, ai_provider, model_used
            ON CONFLICT ON CONSTRAINT procos_ai_process_model_rollup_key DO UPDATE SET
                calls = r.calls + excluded.calls,
                split_rows = r.split_rows + excluded.split_rows,
                input_tokens = r.input_tokens + excluded.input_tokens,
                output_tokens = r.output_tokens + excluded.output_tokens,
                unsplit_calls = r.unsplit_calls + excluded.unsplit_calls
        ), by_hour AS (
            INSERT INTO procos_ai_usage_rollup AS r (
                bucket_at, ai_provider, model_used, activity_id, process_definition_key,
                row_count, calls, split_rows, input_tokens, output_tokens, total_tokens,
                unsplit_calls, bytes, cut_outputs, max_latency_s, latency_hist, last_at)
            SELECT date_trunc('hour', created_at, 'UTC'), ai_provider, model_used, activity_id,
                   definition, count(*), count(*) FILTER (WHERE is_call), count(inp),
                   coalesce(sum(inp), 0), coalesce(sum(outp), 0), sum(tot),
                   count(*) FILTER (WHERE is_call AND inp IS NULL), sum(bytes),
                   count(*) FILTER (WHERE cut), max(latency_s),
                   procos_ai_latency_hist(procos_ai_latency_bucket(latency_s)), max(created_at)
            FROM enriched GROUP BY 1, 2, 3, 4, 5
            ON CONFLICT ON CONSTRAINT procos_ai_usage_rollup_key DO UPDATE SET
                row_count = r.row_count + excluded.row_count,
                calls = r.calls + excluded.calls,
                split_rows = r.split_rows + excluded.split_rows,
                input_tokens = r.input_tokens + excluded.input_tokens,
                output_tokens = r.output_tokens + excluded.output_tokens,
                total_tokens = r.total_tokens + excluded.total_tokens,
                unsplit_calls = r.unsplit_calls + excluded.unsplit_calls,
                bytes = r.bytes + excluded.bytes,
                cut_outputs = r.cut_outputs + excluded.cut_outputs,
                max_latency_s = greatest(r.max_latency_s, excluded.max_latency_s),
                latency_hist = procos_ai_hist_merge(r.latency_hist, excluded.latency_hist),
                last_at = greatest(r.last_at, excluded.last_at)
        )
        SELECT count(*), (array_agg(created_at ORDER BY created_at DESC, id DESC))[1],
               (array_agg(id ORDER BY created_at DESC, id DESC))[1]
        FROM batch
    $step$, definition, camunda_join);
    LOOP
        EXIT WHEN max_rows IS NOT NULL AND total >= max_rows;
        EXECUTE step INTO batch_count, pos_at, pos_id
            USING pos_at, pos_id, stop_at,
                  CASE WHEN max_rows IS NULL THEN batch_rows
                       ELSE least(batch_rows, max_rows - total) END;
        EXIT WHEN batch_count = 0;
        total := total + batch_count;
        UPDATE procos_ai_rollup_state SET read_at = pos_at, read_id = pos_id;
    END LOOP;
    UPDATE procos_ai_rollup_state SET refreshed_at = now();
    RETURN total;
END;
$$;

-- Empty the rollups; readers then read every row live (slower, still exact) until refreshes
-- have rolled them up again. After retention jobs, or when `check` reports a disagreement.
CREATE OR REPLACE FUNCTION procos_ai_rebuild_rollups()
RETURNS VOID
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('procos_ai_refresh_rollups'));
    TRUNCATE procos_ai_process_rollup, procos_ai_process_model_rollup, procos_ai_usage_rollup;
    UPDATE procos_ai_rollup_state
    SET read_at = '-infinity', read_id = '00000000-0000-0000-0000-000000000000',
        prices_digest = procos_ai_prices_digest(), rebuilt_at = now();
END;
$$;

-- Everything a scheduler needs: the word list, then the rollups. Returns the rows the rollups
-- read (-1: another refresh holds them).
CREATE OR REPLACE FUNCTION procos_ai_refresh()
RETURNS BIGINT
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM procos_ai_refresh_search_words();
    RETURN procos_ai_refresh_rollups();
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
        GRANT SELECT, UPDATE ON procos_ai_search_words_state, procos_ai_rollup_state TO procos;
        GRANT SELECT, INSERT, UPDATE, TRUNCATE ON procos_ai_process_rollup,
            procos_ai_process_model_rollup, procos_ai_usage_rollup TO procos;
        GRANT EXECUTE ON FUNCTION optimize_camunda_for_ai(), procos_ai_token_total(JSONB),
            procos_ai_token_count(JSONB), procos_ai_token_split(JSONB),
            procos_ai_token_input(JSONB), procos_ai_token_output(JSONB),
            procos_ai_words(TEXT), procos_ai_word_pieces(TEXT), procos_ai_search_word(TEXT),
            procos_ai_search_words_edge(),
            procos_ai_refresh_search_words(BIGINT, BOOLEAN, INTEGER),
            procos_ai_price_value(JSONB), procos_ai_model_prices(),
            procos_ai_prices_digest(),
            procos_ai_latency_bucket(DOUBLE PRECISION), procos_ai_hist_step(INTEGER[], INTEGER),
            procos_ai_hist_add(INTEGER[], INTEGER[]), procos_ai_hist_pack(INTEGER[]),
            procos_ai_hist_merge(INTEGER[], INTEGER[]), procos_ai_reprice_rollups(),
            procos_ai_refresh_rollups(BIGINT, INTEGER, INTERVAL), procos_ai_rebuild_rollups(),
            procos_ai_refresh() TO procos;
        RAISE NOTICE 'granted ProcOS tables to role procos';
    END IF;
END
$$;

DO $$
BEGIN
    RAISE NOTICE 'ProcOS PostgreSQL schema ready (AI context, models, conversations view, indexes)';
END
$$;
