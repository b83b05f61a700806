-- procos_ai_context, range-partitioned by created_at: monthly partitions and a default one.
--
-- Beside init-db.sql, which stays valid and idempotent on both layouts. This file only
-- installs functions (CREATE OR REPLACE; re-runnable, no psql meta-commands): nothing moves
-- until they are called. `procos-tui partition` prints the plan, `procos-tui partition
-- --apply` runs the steps below in order, and `procos-tui partition --ensure N` (from cron)
-- creates the months ahead. By hand, in psql (autocommit, statement_timeout = 0):
--
--   SELECT procos_ai_partition_prepare(3);          -- the new table, empty, and its months
--   CALL procos_ai_partition_copy(50000);           -- every row, one committed batch at a time
--   SELECT procos_ai_partition_index();             -- the indexes, built on the copy
--   CREATE INDEX CONCURRENTLY IF NOT EXISTS procos_ai_context_migrating_updated_at
--       ON procos_ai_context (updated_at);          -- finds rows updated while copying
--   VACUUM procos_ai_context; VACUUM procos_ai_context_partitioned;
--   SELECT procos_ai_partition_sync();              -- catch up, without a lock
--   BEGIN; SET LOCAL lock_timeout = '1s';       -- below deadlock_timeout
--   SELECT procos_ai_partition_swap(); COMMIT;      -- the short lock: last rows, then rename
--   ANALYZE procos_ai_context;
--
-- ProcOS's inserts go on throughout and keep working unchanged afterwards (INSERT into
-- procos_ai_context routes each row to its month; a NULL or far-off created_at goes to the
-- default partition). Only the swap takes a lock that stops them (and readers), for as long
-- as it takes to copy the rows changed since the sync and to compare the two tables' ids.
-- The old table stays, as procos_ai_context_unpartitioned with its indexes renamed *_old,
-- until the operator drops it.
--
-- What changes: PostgreSQL's unique indexes on a partitioned table must hold the partition
-- key, so the primary key on id becomes UNIQUE (id, created_at) (ids are UUIDs generated
-- per row; a lookup by id alone still uses that index, once per partition). An
-- `INSERT ... ON CONFLICT (id)` would need the old key: ProcOS's plain inserts do not.

CREATE TABLE IF NOT EXISTS procos_ai_partition_migration (
    singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    started_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    months_ahead INTEGER NOT NULL,
    read_at TIMESTAMP WITH TIME ZONE,
    read_id UUID,
    copied BIGINT NOT NULL DEFAULT 0,
    copy_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
    synced_from TIMESTAMP WITH TIME ZONE
);

-- The first instant of a month, in UTC: partition bounds do not move with the session's
-- time zone.
CREATE OR REPLACE FUNCTION procos_ai_month_start(moment TIMESTAMP WITH TIME ZONE)
RETURNS TIMESTAMP WITH TIME ZONE
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT date_trunc('month', moment AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
$$;

CREATE OR REPLACE FUNCTION procos_ai_partition_name(moment TIMESTAMP WITH TIME ZONE)
RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 'procos_ai_context_p' || to_char(moment AT TIME ZONE 'UTC', 'YYYY_MM')
$$;

-- The default partition of a partitioned table, or NULL.
CREATE OR REPLACE FUNCTION procos_ai_default_partition(parent REGCLASS)
RETURNS REGCLASS
LANGUAGE sql STABLE AS $$
    SELECT c.oid::regclass
    FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
    WHERE i.inhparent = parent AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'
$$;

-- The partition for the month that holds `month`, if it is missing: created on its own, the
-- rows of that month moved into it from the default partition, then attached, which builds
-- the parent's indexes on it and scans the default partition. A CHECK of its bounds lets
-- ATTACH skip scanning the new one. The default partition stays locked until the end of the
-- transaction: rows without a month of their own wait, and so does any statement that does
-- not narrow by created_at (a lookup by id reads every partition). Ahead of time, the default
-- partition holds only undated rows and this takes a moment. True if it was created.
CREATE OR REPLACE FUNCTION procos_ai_month_partition(parent REGCLASS,
                                                     in_month TIMESTAMP WITH TIME ZONE)
RETURNS BOOLEAN
LANGUAGE plpgsql AS $$
DECLARE
    lo TIMESTAMP WITH TIME ZONE := procos_ai_month_start(in_month);
    hi TIMESTAMP WITH TIME ZONE := procos_ai_month_start(in_month) + interval '1 month';
    part TEXT := procos_ai_partition_name(in_month);
    nsp TEXT;
    qualified TEXT;
    dflt REGCLASS := procos_ai_default_partition(parent);
BEGIN
    SELECT n.nspname INTO nsp
    FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE c.oid = parent;
    qualified := format('%I.%I', nsp, part);
    IF to_regclass(qualified) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
                   'INCLUDING STORAGE INCLUDING COMPRESSION)', qualified, parent);
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (created_at IS NOT NULL AND '
                   'created_at >= %L AND created_at < %L)', qualified, part || '_bounds', lo, hi);
    IF dflt IS NOT NULL THEN
        EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', dflt);
        EXECUTE format('WITH moved AS (DELETE FROM %s WHERE created_at >= %L AND created_at < %L '
                       'RETURNING *) INSERT INTO %s SELECT * FROM moved', dflt, lo, hi, qualified);
    END IF;
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s FOR VALUES FROM (%L) TO (%L)',
                   parent, qualified, lo, hi);
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', qualified, part || '_bounds');
    RETURN true;
END;
$$;

-- `procos-tui partition --ensure N`: every month from the earliest monthly partition to N
-- months ahead has its partition (a month skipped by a cron that did not run is filled in,
-- and its rows leave the default partition). The partitions it created, by name.
CREATE OR REPLACE FUNCTION procos_ai_partition_ensure(months_ahead INTEGER DEFAULT 3)
RETURNS TEXT[]
LANGUAGE plpgsql AS $$
DECLARE
    parent REGCLASS := to_regclass('procos_ai_context');
    first_month TIMESTAMP WITH TIME ZONE;
    m_at TIMESTAMP WITH TIME ZONE;
    made TEXT[] := '{}';
BEGIN
    IF parent IS NULL OR (SELECT relkind FROM pg_class WHERE oid = parent) <> 'p' THEN
        RAISE EXCEPTION 'procos_ai_context is not partitioned'
            USING HINT = 'procos-tui partition --apply partitions it';
    END IF;
    IF months_ahead < 0 OR months_ahead > 120 THEN
        RAISE EXCEPTION 'months ahead must be 0 to 120, not %', months_ahead;
    END IF;
    SELECT min(substring(pg_get_expr(c.relpartbound, c.oid)
                         FROM 'FROM \(''([^'']+)''\)')::timestamptz)
    INTO first_month
    FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
    WHERE i.inhparent = parent AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT';
    m_at := least(coalesce(first_month, procos_ai_month_start(now())),
                   procos_ai_month_start(now()));
    WHILE m_at <= procos_ai_month_start(now()) + make_interval(months => months_ahead) LOOP
        IF procos_ai_month_partition(parent, m_at) THEN
            made := made || procos_ai_partition_name(m_at);
        END IF;
        m_at := m_at + interval '1 month';
    END LOOP;
    RETURN made;
END;
$$;

-- Step 1: the new table (procos_ai_context_partitioned), its default partition and one
-- partition per month from the oldest row's (at most ten years back; older rows go to the
-- default partition) to months_ahead past this one. Resumes when it exists already.
CREATE OR REPLACE FUNCTION procos_ai_partition_prepare(months_ahead INTEGER DEFAULT 3)
RETURNS TEXT
LANGUAGE plpgsql AS $$
DECLARE
    target REGCLASS;
    oldest TIMESTAMP WITH TIME ZONE;
    m_at TIMESTAMP WITH TIME ZONE;
    made INTEGER := 0;
BEGIN
    IF to_regclass('procos_ai_context') IS NULL THEN
        RAISE EXCEPTION 'procos_ai_context does not exist' USING HINT = 'procos-tui init-db';
    END IF;
    IF (SELECT relkind FROM pg_class WHERE oid = 'procos_ai_context'::regclass) = 'p' THEN
        RETURN 'procos_ai_context is partitioned already';
    END IF;
    IF to_regclass('procos_ai_context_unpartitioned') IS NOT NULL THEN
        RAISE EXCEPTION 'procos_ai_context_unpartitioned exists (an earlier migration''s '
                        'old table): drop or rename it first';
    END IF;
    IF to_regclass('procos_ai_context_partitioned') IS NOT NULL THEN
        RETURN 'resuming: procos_ai_context_partitioned exists';
    END IF;
    CREATE TABLE procos_ai_context_partitioned (
        LIKE procos_ai_context INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE
            INCLUDING COMPRESSION INCLUDING COMMENTS
    ) PARTITION BY RANGE (created_at);
    CREATE TABLE procos_ai_context_default PARTITION OF procos_ai_context_partitioned DEFAULT;
    target := 'procos_ai_context_partitioned'::regclass;
    SELECT c.created_at INTO oldest FROM procos_ai_context AS c
    WHERE coalesce(c.created_at, '-infinity'::timestamptz) > '-infinity'::timestamptz
    ORDER BY coalesce(c.created_at, '-infinity'::timestamptz), c.id LIMIT 1;
    m_at := greatest(procos_ai_month_start(least(coalesce(oldest, now()), now())),
                      procos_ai_month_start(now() - interval '10 years'));
    WHILE m_at <= procos_ai_month_start(now()) + make_interval(months => months_ahead) LOOP
        PERFORM procos_ai_month_partition(target, m_at);
        made := made + 1;
        m_at := m_at + interval '1 month';
    END LOOP;
    DELETE FROM procos_ai_partition_migration;
    INSERT INTO procos_ai_partition_migration (months_ahead) VALUES (months_ahead);
    RETURN format('created procos_ai_context_partitioned with %s monthly partitions and a '
                  'default one', made);
END;
$$;

-- Step 2: every row, in (created_at, id) order through idx_procos_ai_context_activity,
-- batch_rows per committed transaction; where it stopped is kept, so an interrupted copy
-- goes on from there. Rows written meanwhile, or committed late, are caught by the sync.
CREATE OR REPLACE PROCEDURE procos_ai_partition_copy(batch_rows INTEGER DEFAULT 50000)
LANGUAGE plpgsql AS $$
DECLARE
    from_at TIMESTAMP WITH TIME ZONE;
    from_id UUID;
    last_at TIMESTAMP WITH TIME ZONE;
    last_id UUID;
    n BIGINT;
    total BIGINT;
    estimate BIGINT;
    started TIMESTAMP WITH TIME ZONE;
BEGIN
    SELECT read_at, read_id, copied INTO from_at, from_id, total FROM procos_ai_partition_migration;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no migration under way' USING HINT = 'SELECT procos_ai_partition_prepare()';
    END IF;
    SELECT greatest(reltuples, 0)::bigint INTO estimate FROM pg_class
    WHERE oid = 'procos_ai_context'::regclass;
    LOOP
        started := clock_timestamp();
        WITH batch AS MATERIALIZED (
            SELECT c.* FROM procos_ai_context AS c
            WHERE from_id IS NULL
               OR (coalesce(c.created_at, '-infinity'::timestamptz), c.id) > (from_at, from_id)
            ORDER BY coalesce(c.created_at, '-infinity'::timestamptz), c.id
            LIMIT batch_rows
        ), copied AS (
            -- A copy run again after a sync meets rows the sync put there already.
            INSERT INTO procos_ai_context_partitioned SELECT * FROM batch
            ON CONFLICT DO NOTHING
        ), last AS (
            SELECT coalesce(b.created_at, '-infinity'::timestamptz) AS at, b.id FROM batch AS b
            ORDER BY 1 DESC, 2 DESC LIMIT 1
        )
        SELECT (SELECT count(*) FROM batch), last.at, last.id INTO n, last_at, last_id
        FROM (SELECT 1) AS one LEFT JOIN last ON true;
        EXIT WHEN n = 0;
        total := total + n;
        from_at := last_at;
        from_id := last_id;
        UPDATE procos_ai_partition_migration
        SET read_at = from_at, read_id = from_id, copied = total,
            copy_seconds = copy_seconds
                           + extract(epoch FROM clock_timestamp() - started)::double precision;
        COMMIT;
        RAISE NOTICE 'copied % of about % rows', total, greatest(estimate, total);
        EXIT WHEN n < batch_rows;
    END LOOP;
END;
$$;

-- Step 3: the old table's indexes on the copy (named *_new until the swap; unique ones other
-- than the primary key cannot be carried over: their name is returned as skipped), and
-- UNIQUE (id, created_at) in place of the primary key. Built on a table nothing reads yet.
CREATE OR REPLACE FUNCTION procos_ai_partition_index()
RETURNS TEXT[]
LANGUAGE plpgsql AS $$
DECLARE
    ix RECORD;
    done TEXT[] := '{}';
BEGIN
    IF to_regclass('procos_ai_context_id_created_at_key') IS NULL THEN
        ALTER TABLE procos_ai_context_partitioned
            ADD CONSTRAINT procos_ai_context_id_created_at_key UNIQUE (id, created_at);
        done := done || 'procos_ai_context_id_created_at_key'::text;
    END IF;
    FOR ix IN
        SELECT c.relname AS name, i.indisunique AS is_unique, pg_get_indexdef(i.indexrelid) AS def
        FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
        WHERE i.indrelid = 'procos_ai_context'::regclass
          AND c.relname <> 'procos_ai_context_migrating_updated_at'
        ORDER BY c.relname
    LOOP
        IF ix.is_unique THEN
            IF ix.name <> 'procos_ai_context_pkey' THEN
                done := done || ('skipped unique index ' || ix.name);
            END IF;
            CONTINUE;
        END IF;
        CONTINUE WHEN to_regclass(left(ix.name, 59) || '_new') IS NOT NULL;
        EXECUTE regexp_replace(ix.def, '^CREATE INDEX \S+ ON \S+ ',
                               format('CREATE INDEX %I ON procos_ai_context_partitioned ',
                                      left(ix.name, 59) || '_new'));
        done := done || ix.name;
    END LOOP;
    RETURN done;
END;
$$;

-- Step 4: the copy made equal to the table, without a lock: rows whose copy differs (an
-- update, which the updated_at trigger stamps; a created_at moved, which may have left two
-- copies behind), rows deleted since, rows missing. Remembers from when the swap must look
-- again: the start of the oldest transaction then open (its writes, stamped with its start,
-- may commit after this sync has read), prepared ones included. {inserted, updated, deleted}.
CREATE OR REPLACE FUNCTION procos_ai_partition_reconcile(since TIMESTAMP WITH TIME ZONE)
RETURNS BIGINT[]
LANGUAGE plpgsql AS $$
DECLARE
    inserted BIGINT;
    updated BIGINT;
    deleted BIGINT;
BEGIN
    -- since NULL: compare every row; else only rows stamped (updated_at) or dated since then.
    DROP TABLE IF EXISTS pg_temp.procos_ai_partition_changed;
    CREATE TEMP TABLE procos_ai_partition_changed (id UUID PRIMARY KEY) ON COMMIT DROP;
    IF since IS NULL THEN
        INSERT INTO pg_temp.procos_ai_partition_changed
        SELECT DISTINCT o.id FROM procos_ai_context AS o
        JOIN procos_ai_context_partitioned AS t ON t.id = o.id
        WHERE o.updated_at IS DISTINCT FROM t.updated_at
           OR o.created_at IS DISTINCT FROM t.created_at;
    ELSE
        INSERT INTO pg_temp.procos_ai_partition_changed
        SELECT o.id FROM procos_ai_context AS o WHERE o.updated_at >= since
        UNION
        SELECT o.id FROM procos_ai_context AS o
        WHERE coalesce(o.created_at, '-infinity'::timestamptz) >= since;
    END IF;
    -- Its size, for the planner: a handful of ids under the swap's lock must be looked up
    -- by index, not joined against both tables scanned whole (14 s at 10M rows).
    ANALYZE pg_temp.procos_ai_partition_changed;
    -- Every copy of a changed row goes, then the row as it is now comes back once.
    DELETE FROM procos_ai_context_partitioned AS t
    USING pg_temp.procos_ai_partition_changed AS c WHERE t.id = c.id;
    INSERT INTO procos_ai_context_partitioned
    SELECT o.* FROM procos_ai_context AS o
    JOIN pg_temp.procos_ai_partition_changed AS c ON c.id = o.id;
    GET DIAGNOSTICS updated = ROW_COUNT;
    DROP TABLE pg_temp.procos_ai_partition_changed;
    -- Deletes leave no trace but a count: under the swap's lock, with every row changed
    -- since the mark copied again, equal counts mean there is nothing more to compare (two
    -- index-only counts, about a second at 10M rows, where the id comparison takes tens).
    -- What equal counts could hide: an insert that set its own old updated_at and created_at
    -- (ProcOS's take the defaults) together with a delete, in the seconds since the sync.
    IF since IS NOT NULL AND (SELECT count(*) FROM procos_ai_context)
                             = (SELECT count(*) FROM procos_ai_context_partitioned) THEN
        RETURN ARRAY[0, updated, 0];
    END IF;
    -- The id comparison streams through both id indexes rather than hashing millions of ids.
    PERFORM set_config('enable_hashjoin', 'off', true);
    DELETE FROM procos_ai_context_partitioned AS t
    WHERE NOT EXISTS (SELECT 1 FROM procos_ai_context AS o WHERE o.id = t.id);
    GET DIAGNOSTICS deleted = ROW_COUNT;
    INSERT INTO procos_ai_context_partitioned
    SELECT o.* FROM procos_ai_context AS o
    WHERE NOT EXISTS (SELECT 1 FROM procos_ai_context_partitioned AS t WHERE t.id = o.id);
    GET DIAGNOSTICS inserted = ROW_COUNT;
    PERFORM set_config('enable_hashjoin', 'on', true);
    RETURN ARRAY[inserted, updated, deleted];
END;
$$;

CREATE OR REPLACE FUNCTION procos_ai_partition_sync()
RETURNS BIGINT[]
LANGUAGE plpgsql AS $$
DECLARE
    mark TIMESTAMP WITH TIME ZONE;
    counts BIGINT[];
BEGIN
    -- Other roles' xact_start is visible only to superusers and pg_read_all_stats: without
    -- it the mark could come after a transaction still open, whose updates would be missed.
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       AND NOT pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') THEN
        RAISE EXCEPTION 'the sync must see every session''s open transaction'
            USING HINT = 'run the migration as a superuser or a member of pg_read_all_stats';
    END IF;
    SELECT least(now(), min(a.xact_start), (SELECT min(x.prepared) FROM pg_prepared_xacts AS x))
    INTO mark FROM pg_stat_activity AS a
    WHERE a.datname = current_database() AND a.xact_start IS NOT NULL;
    counts := procos_ai_partition_reconcile(NULL);
    UPDATE procos_ai_partition_migration SET synced_from = mark;
    RETURN counts;
END;
$$;

-- Step 5, in a transaction of its own with a lock_timeout (a writer holding the table must
-- not make ProcOS's next inserts queue behind this for long: on lock_not_available, try
-- again): locks the table, copies what the sync could not have seen (rows created or updated
-- since its mark; all of them again if the counts still differ), then puts the partitioned
-- table in its place under its name, with the views, triggers and grants of the old one.
-- Returns what it did and how long it held the lock.
CREATE OR REPLACE FUNCTION procos_ai_partition_swap()
RETURNS TEXT
LANGUAGE plpgsql AS $$
DECLARE
    mark TIMESTAMP WITH TIME ZONE;
    locked_at TIMESTAMP WITH TIME ZONE;
    late BIGINT;
    updated BIGINT;
    counts BIGINT[];
    full_sync TEXT := '';
    v RECORD;
    views TEXT[] := '{}';
    triggers TEXT[] := '{}';
    grants TEXT[] := '{}';
    owner_name TEXT;
    stmt TEXT;
    ix RECORD;
BEGIN
    SELECT synced_from INTO mark FROM procos_ai_partition_migration;
    IF mark IS NULL THEN
        RAISE EXCEPTION 'the copy has not been synced' USING HINT = 'SELECT procos_ai_partition_sync()';
    END IF;
    -- The views over the table first, then the table: a reader of a view locks them in
    -- that order, so taking them the other way round could deadlock with it.
    FOR v IN
        SELECT DISTINCT r.ev_class::regclass AS view_name
        FROM pg_depend AS d JOIN pg_rewrite AS r ON r.oid = d.objid
        WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = 'procos_ai_context'::regclass
          AND r.ev_class <> 'procos_ai_context'::regclass
    LOOP
        EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', v.view_name);
    END LOOP;
    LOCK TABLE procos_ai_context IN ACCESS EXCLUSIVE MODE;
    locked_at := clock_timestamp();
    -- With nothing writing: rows stamped or dated since the sync's mark are copied again;
    -- if the counts then differ (deletes), the ids are compared both ways.
    counts := procos_ai_partition_reconcile(mark);
    late := counts[1];
    updated := counts[2];
    full_sync := CASE WHEN counts[3] > 0 THEN format('; the counts differed: ids compared, %s '
                                                     'deleted rows removed', counts[3])
                      ELSE '' END;

    FOR v IN
        SELECT DISTINCT r.ev_class::regclass AS view_name,
               pg_get_viewdef(r.ev_class) AS def
        FROM pg_depend AS d JOIN pg_rewrite AS r ON r.oid = d.objid
        WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = 'procos_ai_context'::regclass
          AND r.ev_class <> 'procos_ai_context'::regclass
    LOOP
        views := views || format('CREATE OR REPLACE VIEW %s AS %s', v.view_name, v.def);
    END LOOP;
    SELECT array_agg(pg_get_triggerdef(t.oid) ORDER BY t.tgname) INTO triggers
    FROM pg_trigger AS t WHERE t.tgrelid = 'procos_ai_context'::regclass AND NOT t.tgisinternal;
    SELECT array_agg(format('GRANT %s ON procos_ai_context TO %s', a.privilege_type,
                            CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                                 ELSE quote_ident(pg_get_userbyid(a.grantee)) END))
    INTO grants
    FROM pg_class AS c, aclexplode(c.relacl) AS a
    WHERE c.oid = 'procos_ai_context'::regclass AND a.grantee <> c.relowner;
    SELECT pg_get_userbyid(relowner) INTO owner_name FROM pg_class
    WHERE oid = 'procos_ai_context'::regclass;

    ALTER TABLE procos_ai_context RENAME TO procos_ai_context_unpartitioned;
    FOR ix IN
        SELECT c.relname AS name FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
        WHERE i.indrelid = 'procos_ai_context_unpartitioned'::regclass
    LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', ix.name, left(ix.name, 59) || '_old');
    END LOOP;
    ALTER TABLE procos_ai_context_partitioned RENAME TO procos_ai_context;
    FOR ix IN
        SELECT c.relname AS name FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
        WHERE i.indrelid = 'procos_ai_context'::regclass AND c.relname LIKE '%\_new'
    LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', ix.name,
                       left(ix.name, length(ix.name) - 4));
    END LOOP;
    FOREACH stmt IN ARRAY coalesce(views, '{}') LOOP
        EXECUTE stmt;
    END LOOP;
    FOREACH stmt IN ARRAY coalesce(triggers, '{}') LOOP
        EXECUTE stmt;
    END LOOP;
    FOREACH stmt IN ARRAY coalesce(grants, '{}') LOOP
        EXECUTE stmt;
    END LOOP;
    IF owner_name <> current_user THEN
        EXECUTE format('ALTER TABLE procos_ai_context OWNER TO %I', owner_name);
    END IF;
    DELETE FROM procos_ai_partition_migration;
    RETURN format('swapped: %s missing rows and %s changed rows copied under the lock%s; '
                  'held the lock %s ms', late, updated, full_sync,
                  round(extract(epoch FROM clock_timestamp() - locked_at) * 1000));
END;
$$;
