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


LAYOUTS = ("plain", "partitioned")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked `layouts` (or all of a module with BOTH_LAYOUTS = True) that use a
    database run twice: on init-db.sql's table and on the partitioned one."""
    if "layout" not in metafunc.fixturenames:
        return
    if (metafunc.definition.get_closest_marker("layouts") is not None
            or getattr(metafunc.module, "BOTH_LAYOUTS", False)):
        metafunc.parametrize("layout", LAYOUTS, indirect=True, scope="module")


@pytest.fixture(scope="module")
def layout(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "plain"))


@pytest.fixture(scope="session")
def partitioned_template_db(pg_server: Server, template_db: str) -> str:
    """The template turned into the partitioned layout by `procos-tui partition --apply`'s
    own code: a row dated two years back (removed afterwards) gives it monthly partitions
    from then to three months ahead; the table from before is dropped."""
    from procos_tui.db.partition import migrate

    name = pg_server.create_db("procos_tplp", template=template_db)
    with psycopg.connect(pg_server.conninfo(name), autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_data, content_text, created_at) VALUES ('layout-seed', 'input',"
                     " '{}', 'seed', now() - interval '2 years')")
        migrate(conn, lambda _message: None)
        conn.execute("DROP TABLE procos_ai_context_unpartitioned")
        conn.execute("DELETE FROM procos_ai_context WHERE process_instance_id = 'layout-seed'")
    return name


def _template(request: pytest.FixtureRequest, layout: str, template_db: str) -> str:
    if layout == "partitioned":
        return str(request.getfixturevalue("partitioned_template_db"))
    return template_db


@pytest.fixture(scope="module")
def db(pg_server: Server, template_db: str, layout: str,
       request: pytest.FixtureRequest) -> Iterator[str]:
    """Conninfo of a fresh database with init-db.sql applied, one per test module (and per
    layout, where the tests run on both)."""
    name = pg_server.create_db("procos_t", template=_template(request, layout, template_db))
    yield pg_server.conninfo(name)
    pg_server.drop_db(name)


@pytest.fixture
def empty_db(pg_server: Server) -> Callable[[], str]:
    def make() -> str:
        return pg_server.conninfo(pg_server.create_db("procos_e"))

    return make


@pytest.fixture
def fresh(empty_db: Callable[[], str], pg_server: Server, template_db: str, layout: str,
          request: pytest.FixtureRequest) -> str:
    """Conninfo of a database of its own for one test, with init-db.sql applied."""
    if layout == "partitioned":
        return pg_server.conninfo(pg_server.create_db(
            "procos_e", template=_template(request, layout, template_db)))
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
