"""A real PostgreSQL for the tests: PROCOS_TEST_DSN when set, else an embedded server.

Each test module gets its own database cloned from a template that has init-db.sql applied;
tests that need an empty database ask `empty_db` for one.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import conninfo as pg_conninfo
from psycopg import sql

from procos_tui.db.schema import apply_schema
from procos_tui.demo.camunda import CAMUNDA_SUBSET_DDL

# The real Camunda 7.23 create scripts (a verbatim subset) live outside the repository, in the
# team's shared/ folder beside the checkout; only the conformance test reads them.
FIXTURE_CAMUNDA = Path(os.environ.get(
    "PROCOS_CAMUNDA_FIXTURE",
    Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "camunda7-postgres-subset.sql"))


class Server:
    def __init__(self, admin_conninfo: str, label: str) -> None:
        self.admin_conninfo = admin_conninfo
        self.label = label
        self.created: list[str] = []

    def conninfo(self, dbname: str) -> str:
        return pg_conninfo.make_conninfo(self.admin_conninfo, dbname=dbname)

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.admin_conninfo, autocommit=True)

    def create_db(self, prefix: str, template: str | None = None) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with self.admin() as conn:
            stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template:
                stmt = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template))
            conn.execute(stmt)
        self.created.append(name)
        return name

    def drop_db(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))
        if name in self.created:
            self.created.remove(name)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    dsn = os.environ.get("PROCOS_TEST_DSN")
    if dsn:
        server = Server(dsn, "PROCOS_TEST_DSN")
        yield server
    else:
        from procos_tui.db import embedded

        pgdata = Path(tempfile.mkdtemp(prefix="procos-tui-test-")) / "pg"
        handle = embedded.start(pgdata, delete_on_stop=True)
        server = Server(handle.conninfo("postgres"), "embedded")
        yield server
    for name in list(server.created):
        server.drop_db(name)
    if not dsn:
        handle.stop()


@pytest.fixture(scope="session")
def template_db(pg_server: Server) -> str:
    name = pg_server.create_db("procos_tpl")
    with psycopg.connect(pg_server.conninfo(name), autocommit=True) as conn:
        apply_schema(conn)
    return name


@pytest.fixture(scope="module")
def db(pg_server: Server, template_db: str) -> Iterator[str]:
    """Conninfo of a fresh database with init-db.sql applied, one per test module."""
    name = pg_server.create_db("procos_t", template=template_db)
    yield pg_server.conninfo(name)
    pg_server.drop_db(name)


@pytest.fixture
def empty_db(pg_server: Server) -> Callable[[], str]:
    def make() -> str:
        return pg_server.conninfo(pg_server.create_db("procos_e"))

    return make


@pytest.fixture
def fresh(empty_db: Callable[[], str]) -> str:
    """Conninfo of a database of its own for one test, with init-db.sql applied."""
    conninfo = empty_db()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        apply_schema(conn)
    return conninfo


@pytest.fixture
def camunda_ddl() -> str:
    """Camunda's tables as the project declares them (procos_tui/demo/camunda.py)."""
    return CAMUNDA_SUBSET_DDL


@pytest.fixture
def real_camunda_ddl() -> str:
    """Camunda 7.23's own create statements, when the shared fixture is at hand."""
    if not FIXTURE_CAMUNDA.is_file():
        pytest.skip(f"no Camunda create scripts at {FIXTURE_CAMUNDA} (set PROCOS_CAMUNDA_FIXTURE)")
    return FIXTURE_CAMUNDA.read_text(encoding="utf-8")
