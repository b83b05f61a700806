"""The Camunda 7 side of the demo: the tables ProcOS sits next to, and variables in them.

CAMUNDA_SUBSET_DDL is a Camunda 7.23 shaped schema of our own: the six tables procos-tui reads
(bytearray, process definition, execution, runtime variable, history instance and variable),
with the columns the demo fills and procos-tui reads, each of Camunda's own type and
nullability, and Camunda's own keys, unique constraints, foreign keys between these tables and
indexes on the columns we look up by, under Camunda's names. It is what the demo and the tests
stand Camunda up with. A conformance test compares it with the real Camunda create scripts
when they are at hand. Where Camunda's tables already exist, CREATE ... IF NOT EXISTS leaves
them as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import psycopg

# In Camunda's order of creation, so each foreign key finds its table. Camunda keeps strings
# in varchar(4000) (a longer one fails the INSERT) and larger or JSON values in bytea.
CAMUNDA_SUBSET_DDL = """
CREATE TABLE IF NOT EXISTS act_ge_bytearray (
    id_ varchar(64) PRIMARY KEY,
    rev_ integer,
    name_ varchar(255),
    bytes_ bytea,
    type_ integer,
    create_time_ timestamp,
    root_proc_inst_id_ varchar(64)
);
CREATE TABLE IF NOT EXISTS act_re_procdef (
    id_ varchar(64) NOT NULL PRIMARY KEY,
    rev_ integer,
    name_ varchar(255),
    key_ varchar(255) NOT NULL,
    version_ integer NOT NULL
);
CREATE TABLE IF NOT EXISTS act_ru_execution (
    id_ varchar(64) PRIMARY KEY,
    rev_ integer,
    root_proc_inst_id_ varchar(64),
    proc_inst_id_ varchar(64),
    business_key_ varchar(255),
    proc_def_id_ varchar(64),
    act_id_ varchar(255),
    is_active_ boolean,
    proc_def_key_ varchar(255),
    CONSTRAINT act_fk_exe_procinst FOREIGN KEY (proc_inst_id_) REFERENCES act_ru_execution (id_),
    CONSTRAINT act_fk_exe_procdef FOREIGN KEY (proc_def_id_) REFERENCES act_re_procdef (id_)
);
CREATE TABLE IF NOT EXISTS act_ru_variable (
    id_ varchar(64) NOT NULL PRIMARY KEY,
    rev_ integer,
    type_ varchar(255) NOT NULL,
    name_ varchar(255) NOT NULL,
    execution_id_ varchar(64),
    proc_inst_id_ varchar(64),
    proc_def_id_ varchar(64),
    bytearray_id_ varchar(64),
    text_ varchar(4000),
    text2_ varchar(4000),
    var_scope_ varchar(64),
    CONSTRAINT act_fk_var_exe FOREIGN KEY (execution_id_) REFERENCES act_ru_execution (id_),
    CONSTRAINT act_fk_var_procinst FOREIGN KEY (proc_inst_id_) REFERENCES act_ru_execution (id_),
    CONSTRAINT act_fk_var_bytearray FOREIGN KEY (bytearray_id_) REFERENCES act_ge_bytearray (id_),
    CONSTRAINT act_uniq_variable UNIQUE (var_scope_, name_)
);
CREATE TABLE IF NOT EXISTS act_hi_procinst (
    id_ varchar(64) NOT NULL PRIMARY KEY,
    proc_inst_id_ varchar(64) NOT NULL UNIQUE,
    business_key_ varchar(255),
    proc_def_key_ varchar(255),
    proc_def_id_ varchar(64) NOT NULL,
    start_time_ timestamp NOT NULL,
    end_time_ timestamp,
    state_ varchar(255)
);
CREATE TABLE IF NOT EXISTS act_hi_varinst (
    id_ varchar(64) NOT NULL PRIMARY KEY,
    proc_def_key_ varchar(255),
    proc_def_id_ varchar(64),
    root_proc_inst_id_ varchar(64),
    proc_inst_id_ varchar(64),
    execution_id_ varchar(64),
    name_ varchar(255) NOT NULL,
    var_type_ varchar(100),
    create_time_ timestamp,
    rev_ integer,
    bytearray_id_ varchar(64),
    text_ varchar(4000),
    text2_ varchar(4000),
    state_ varchar(20)
);
-- Camunda's indexes on the columns procos-tui and the demo look rows up by.
CREATE INDEX IF NOT EXISTS act_idx_bytearray_root_pi ON act_ge_bytearray (root_proc_inst_id_);
CREATE INDEX IF NOT EXISTS act_idx_exe_root_pi ON act_ru_execution (root_proc_inst_id_);
CREATE INDEX IF NOT EXISTS act_idx_exec_buskey ON act_ru_execution (business_key_);
CREATE INDEX IF NOT EXISTS act_idx_exe_procinst ON act_ru_execution (proc_inst_id_);
CREATE INDEX IF NOT EXISTS act_idx_exe_procdef ON act_ru_execution (proc_def_id_);
CREATE INDEX IF NOT EXISTS act_idx_var_exe ON act_ru_variable (execution_id_);
CREATE INDEX IF NOT EXISTS act_idx_var_procinst ON act_ru_variable (proc_inst_id_);
CREATE INDEX IF NOT EXISTS act_idx_var_bytearray ON act_ru_variable (bytearray_id_);
CREATE INDEX IF NOT EXISTS act_idx_hi_pro_inst_end ON act_hi_procinst (end_time_);
CREATE INDEX IF NOT EXISTS act_idx_hi_pro_i_buskey ON act_hi_procinst (business_key_);
CREATE INDEX IF NOT EXISTS act_idx_hi_pro_inst_proc_def_key ON act_hi_procinst (proc_def_key_);
CREATE INDEX IF NOT EXISTS act_idx_hi_procvar_proc_inst ON act_hi_varinst (proc_inst_id_);
CREATE INDEX IF NOT EXISTS act_idx_hi_var_pi_name_type
    ON act_hi_varinst (proc_inst_id_, name_, var_type_);
CREATE INDEX IF NOT EXISTS act_idx_hi_procvar_name_type ON act_hi_varinst (name_, var_type_);
CREATE INDEX IF NOT EXISTS act_idx_hi_varinst_name ON act_hi_varinst (name_);
CREATE INDEX IF NOT EXISTS act_idx_hi_varinst_bytear ON act_hi_varinst (bytearray_id_);
CREATE INDEX IF NOT EXISTS act_idx_hi_varinst_root_pi ON act_hi_varinst (root_proc_inst_id_);
"""


def _naive(ts: datetime | None) -> datetime | None:
    # Camunda's columns are `timestamp` without zone, holding UTC on a ProcOS installation.
    return None if ts is None else ts.replace(tzinfo=None)


def load_camunda(conn: psycopg.Connection[Any], processes: Iterable[Any],
                 variables: Iterable[Any]) -> tuple[int, int]:
    """Insert process instances and variables (DemoProcess / DemoCamundaVariable shaped)."""
    with conn.cursor() as cur:
        cur.execute(CAMUNDA_SUBSET_DDL)
        procs = list(processes)
        defs = sorted({p.process_definition_key for p in procs})
        cur.executemany(
            "INSERT INTO act_re_procdef (id_, rev_, name_, key_, version_) "
            "VALUES (%s, 1, %s, %s, 1) ON CONFLICT DO NOTHING",
            [(f"{key}:1:demo", key.replace("-", " ").title(), key) for key in defs])
        running = {p.process_instance_id for p in procs if p.ended_at is None}
        cur.executemany(
            "INSERT INTO act_hi_procinst (id_, proc_inst_id_, business_key_, proc_def_key_,"
            " proc_def_id_, start_time_, end_time_, state_) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            [(p.process_instance_id, p.process_instance_id, p.business_key,
              p.process_definition_key, f"{p.process_definition_key}:1:demo",
              _naive(p.started_at), _naive(p.ended_at),
              "ACTIVE" if p.ended_at is None else "COMPLETED") for p in procs])
        cur.executemany(
            "INSERT INTO act_ru_execution (id_, rev_, root_proc_inst_id_, proc_inst_id_,"
            " business_key_, proc_def_id_, is_active_, proc_def_key_)"
            " VALUES (%s, 1, %s, %s, %s, %s, true, %s) ON CONFLICT DO NOTHING",
            [(p.process_instance_id, p.process_instance_id, p.process_instance_id,
              p.business_key, f"{p.process_definition_key}:1:demo", p.process_definition_key)
             for p in procs if p.process_instance_id in running])
        by_id = {p.process_instance_id: p for p in procs}
        count = 0
        for n, var in enumerate(variables):
            proc = by_id[var.process_instance_id]
            def_id = f"{proc.process_definition_key}:1:demo"
            text, bytearray_id = var.value, None
            if var.kind == "json":
                bytearray_id, text = f"demo-bytes-{n}", None
                cur.execute(
                    "INSERT INTO act_ge_bytearray (id_, rev_, name_, bytes_, type_,"
                    " create_time_, root_proc_inst_id_) VALUES (%s, 1, %s, %s, 3, %s, %s)"
                    " ON CONFLICT DO NOTHING",
                    (bytearray_id, var.name, var.value.encode("utf-8"),
                     _naive(proc.started_at), var.process_instance_id))
            var_type = "json" if var.kind == "json" else "string"
            cur.execute(
                "INSERT INTO act_hi_varinst (id_, proc_def_key_, proc_def_id_, root_proc_inst_id_,"
                " proc_inst_id_, execution_id_, name_, var_type_, create_time_, rev_,"
                " bytearray_id_, text_, state_) VALUES"
                " (%s, %s, %s, %s, %s, %s, %s, %s, %s, 1, %s, %s, 'CREATED')"
                " ON CONFLICT DO NOTHING",
                (f"demo-hv-{n}", proc.process_definition_key, def_id, var.process_instance_id,
                 var.process_instance_id, var.process_instance_id, var.name, var_type,
                 _naive(proc.started_at), bytearray_id, text))
            if var.running and var.process_instance_id in running:
                cur.execute(
                    "INSERT INTO act_ru_variable (id_, rev_, type_, name_, execution_id_,"
                    " proc_inst_id_, proc_def_id_, bytearray_id_, text_, var_scope_)"
                    " VALUES (%s, 1, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    (f"demo-rv-{n}", var_type, var.name, var.process_instance_id,
                     var.process_instance_id, def_id, bytearray_id, text,
                     var.process_instance_id))
            count += 1
    return len(procs), count
