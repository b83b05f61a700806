"""`procos-tui backup verify` on real dumps: pg_dump (the embedded server's) in every format
of a database holding the demo's data (its 20 MB response, its hostile rows), verified clean;
then each failure made for real and reported with its exit code and one line."""

from __future__ import annotations

import glob
import gzip
import json
import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from procos_tui.db.pgtools import _embedded_bindir
from procos_tui.demo.load import load_demo_data
from tests.cli import run
from tests.conftest import Server

pytestmark = pytest.mark.db

FORMATS = {"plain": ["-Fp"], "plain-gzip": ["-Fp", "-Z", "6"], "custom": ["-Fc"],
           "directory": ["-Fd"], "tar": ["-Ft"]}


def pg_dump(conninfo: str, out: Path, *args: str) -> Path:
    bindir = _embedded_bindir()
    assert bindir is not None
    subprocess.run([str(bindir / "pg_dump"), "-d", conninfo, "-f", str(out), *args],
                   check=True, capture_output=True, timeout=300)
    return out


@pytest.fixture(scope="module")
def demo(pg_server: Server, template_db: str, layout: str,
         request: pytest.FixtureRequest) -> Iterator[str]:
    template = (request.getfixturevalue("partitioned_template_db") if layout == "partitioned"
                else template_db)
    name = pg_server.create_db("procos_bk", template=template)
    conninfo = pg_server.conninfo(name)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        load_demo_data(conn)
    yield conninfo
    pg_server.drop_db(name)


@pytest.fixture(scope="module")
def dumps(demo: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("dumps")
    return {fmt: pg_dump(demo, folder / f"demo.{fmt}", *args) for fmt, args in FORMATS.items()}


def verify(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run("backup", "verify", *args, env=env)


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.layouts
def test_every_format_verifies_clean_against_the_database(fmt: str, dumps: dict[str, Path],
                                                          demo: str) -> None:
    done = verify(str(dumps[fmt]), "--dsn", demo, "--json")
    assert done.returncode == 0, (done.stdout, done.stderr)
    report = json.loads(done.stdout)
    with psycopg.connect(demo) as conn:
        live: dict[str, int] = dict(conn.execute(
            "SELECT 'procos_ai_context', count(*) FROM procos_ai_context UNION ALL "
            "SELECT 'procos_ai_models', count(*) FROM procos_ai_models").fetchall())
        biggest = conn.execute("SELECT max(octet_length(content_text)) FROM procos_ai_context"
                               ).fetchone()
    tables = {t["table"]: t for t in report["tables"]}
    for name, rows in live.items():
        assert tables[name]["defined"] and tables[name]["data"]
        assert tables[name]["rows"] == tables[name]["live_rows"] == rows
    assert biggest is not None and biggest[0] > 20_000_000  # the demo's 20 MB response
    assert report["findings"] == [] and report["body_differs"] == []


def test_without_the_database_the_demos_cut_outputs_are_found(dumps: dict[str, Path],
                                                             demo: str) -> None:
    with psycopg.connect(demo) as conn:
        row = conn.execute("SELECT count(*) FROM procos_ai_context WHERE context_type = "
                           "'output' AND length(content_text) < 50").fetchone()
    assert row is not None and row[0] > 0
    for fmt in ("custom", "plain"):
        done = verify(str(dumps[fmt]))
        assert done.returncode == 1
        assert f"finding: {row[0]} output(s) under 50 characters in the dump" in done.stdout
        assert "\x1b" not in done.stdout


@pytest.mark.layouts
def test_a_body_cut_after_the_dump_is_found(demo: str, dumps: dict[str, Path],
                                            tmp_path: Path) -> None:
    with psycopg.connect(demo, autocommit=True) as conn:
        row = conn.execute("SELECT id::text FROM procos_ai_context "
                           "ORDER BY octet_length(content_text) DESC NULLS LAST LIMIT 1"
                           ).fetchone()
        assert row is not None
        dump = pg_dump(demo, tmp_path / "before.dump", "-Fc")
        middle = "length(content_text) / 2"
        kept = conn.execute(f"SELECT substr(content_text, {middle}, 1) FROM procos_ai_context "
                            "WHERE id = %s", row).fetchone()
        assert kept is not None and kept[0] != "X"
        # The 20 MB body gets one character changed in its middle, its length unchanged.
        update = (f"UPDATE procos_ai_context SET content_text = overlay(content_text PLACING "
                  f"%s FROM {middle}) WHERE id = %s")
        conn.execute(update, ("X", row[0]))
        try:
            done = verify(str(dump), "--dsn", demo)
        finally:
            conn.execute(update, (kept[0], row[0]))
    assert done.returncode == 1
    assert f"finding: 1 rows differ between the dump and the database (body length or " \
           f"digest): {row[0]}" in done.stdout


@pytest.mark.layouts
def test_rows_added_and_deleted_after_the_dump(demo: str, tmp_path: Path) -> None:
    with psycopg.connect(demo, autocommit=True) as conn:
        old = conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type, "
                           "content_data, created_at) VALUES ('backdated', 'input', '{}', "
                           "'2001-01-01') RETURNING id::text").fetchone()
        dump = pg_dump(demo, tmp_path / "d.dump", "-Fc")
        conn.execute("DELETE FROM procos_ai_context WHERE process_instance_id = 'backdated'")
        late = conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type, "
                            "content_data, created_at) VALUES ('late', 'input', '{}', "
                            "'2001-01-02') RETURNING id::text").fetchone()
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type, "
                     "content_data) VALUES ('new', 'input', '{}')")
        try:
            done = verify(str(dump), "--dsn", demo)
        finally:
            conn.execute("DELETE FROM procos_ai_context WHERE process_instance_id IN "
                         "('late', 'new')")
    assert old is not None and late is not None
    assert done.returncode == 1
    assert f"1 procos_ai_context rows of the database are not in the dump: {late[0]}" \
        in done.stdout
    assert f"1 rows of the dump are no longer in the database: {old[0]}" in done.stdout
    assert "1 newer rows in the database than the dump" in done.stdout


def test_cut_off_dumps_are_unreadable(dumps: dict[str, Path], tmp_path: Path) -> None:
    for fmt in ("custom", "plain", "plain-gzip", "tar"):
        data = dumps[fmt].read_bytes()
        cut = tmp_path / f"cut.{fmt}"
        cut.write_bytes(data[: len(data) * 2 // 3])
        done = verify(str(cut))
        assert done.returncode == 2, (fmt, done.stdout, done.stderr)
        assert "truncated" in one_line(done), fmt
    # A directory dump that lost the data file of procos_ai_context.
    copy = tmp_path / "dir"
    shutil.copytree(dumps["directory"], copy)
    biggest = max(copy.glob("*.dat.gz"), key=lambda p: p.stat().st_size)
    biggest.write_bytes(biggest.read_bytes()[: biggest.stat().st_size // 2])
    done = verify(str(copy))
    assert done.returncode == 2 and "truncated" in one_line(done)


def test_excluded_data_and_a_missing_table(demo: str, tmp_path: Path) -> None:
    excluded = pg_dump(demo, tmp_path / "x.dump", "-Fc",
                       "--exclude-table-data=procos_ai_context")
    done = verify(str(excluded))
    assert done.returncode == 1
    assert ("finding: procos_ai_context's definition is in the dump but not its data (made "
            "with --exclude-table-data=procos_ai_context?)") in done.stdout
    only = pg_dump(demo, tmp_path / "only.sql", "-Fp", "--table=procos_ai_context")
    done = verify(str(only), "--dsn", demo)
    assert done.returncode == 1
    assert ("finding: procos_ai_models is not in the dump at all (neither its definition nor "
            "its data)") in done.stdout


def test_an_insert_form_dump_is_said_to_be_unchecked(demo: str, tmp_path: Path) -> None:
    dump = pg_dump(demo, tmp_path / "inserts.sql", "-Fp", "--inserts",
                   "--table=procos_ai_models")
    done = verify(str(dump))
    assert done.returncode == 1
    assert ("finding: procos_ai_models's data is in INSERT statements (pg_dump --inserts): its "
            "rows are neither counted nor compared") in done.stdout
    assert "made with --exclude-table-data" not in done.stdout


def test_not_a_dump_and_another_database(empty_db: object, tmp_path: Path) -> None:
    for name, content in (("empty", b""), ("text.sql", b"SELECT 1;\n"),
                          ("random.bin", os.urandom(4096))):
        path = tmp_path / name
        path.write_bytes(content)
        done = verify(str(path))
        assert done.returncode == 2 and "not a dump" in one_line(done), name
    done = verify(str(tmp_path / "absent.dump"))
    assert done.returncode == 2 and "cannot read it" in one_line(done)
    assert callable(empty_db)
    other = empty_db()
    with psycopg.connect(other, autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id int PRIMARY KEY, total numeric)")
        conn.execute("INSERT INTO invoices VALUES (1, 9.5)")
    dump = pg_dump(other, tmp_path / "other.dump", "-Fc")
    done = verify(str(dump))
    assert done.returncode == 1
    assert "finding: no ProcOS tables in this dump: a dump of another database" in done.stdout


def _older_pg_restore(tmp_path: Path) -> Path:
    """A PostgreSQL client older than the embedded 18: the system's when there is one."""
    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin")):
        if Path(bindir, "pg_restore").exists() and int(Path(bindir).parent.name) < 18:
            return Path(bindir)
    # No older PostgreSQL installed: a stand-in that answers as pg_restore 15 would.
    stand_in = tmp_path / "bin"
    stand_in.mkdir()
    script = stand_in / "pg_restore"
    script.write_text("#!/bin/sh\necho 'pg_restore (PostgreSQL) 15.0'\nexit 1\n")
    script.chmod(0o755)
    return stand_in


def test_a_dump_newer_than_the_client_tools(dumps: dict[str, Path], tmp_path: Path) -> None:
    bindir = _older_pg_restore(tmp_path)
    for fmt in ("custom", "directory", "tar"):
        done = verify(str(dumps[fmt]), env={"PG_BINDIR": str(bindir)})
        assert done.returncode == 2
        line = one_line(done)
        assert "made by pg_dump 18." in line and "needs pg_restore 18 or newer" in line, line


def test_tar_and_gzip_are_what_they_claim(dumps: dict[str, Path]) -> None:
    with tarfile.open(dumps["tar"]) as tar:
        assert tar.getnames()[0] == "toc.dat"
    with gzip.open(dumps["plain-gzip"]) as f:
        assert b"PostgreSQL database dump" in f.read(200)
