"""`procos-tui backup verify DUMP`: are the AI tables in this pg_dump, whole?

Archives (custom, tar, directory) are read through pg_restore: `--list` for what the dump
holds, `--data-only -f -` restricted to the AI tables for their rows, streamed line by line.
Plain dumps (and gzip-compressed ones) are read directly, also streamed. Nothing holds more
than one row at a time; per row of procos_ai_context only its id and its bodies' lengths and
md5 digests are kept, for the comparison with the live database (`--dsn`).
"""

from __future__ import annotations

import gzip
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from procos_tui.core.backup import (
    AI_TABLES,
    OPTIONAL_TABLES,
    SUSPECT_CHARS,
    BodyRow,
    DumpUnreadable,
    TableInDump,
    VerifyReport,
    attached_partition,
    copy_field,
    copy_header,
    digest,
    parse_archive_header,
    toc_has_partitions,
    toc_tables,
)
from procos_tui.db.pgtools import Tool, ToolMissing, find_tool

TABLES = AI_TABLES + OPTIONAL_TABLES
SUSPECTS_LISTED = 20
IDS_LISTED = 10
PROGRESS_EVERY_S = 2.0

Progress = Callable[[str], None]


def lines_of(stream: Any, chunk: int = 1 << 22) -> Iterator[bytes]:
    """Lines (with their newline) read in large blocks: a pipe's readline builds a 10 MB row
    from 8 KB reads, which cost more than everything else done with it."""
    pending: list[bytes] = []
    while True:
        block = stream.read(chunk)
        if not block:
            break
        start = 0
        while True:
            end = block.find(b"\n", start)
            if end < 0:
                pending.append(block[start:])
                break
            if pending:
                pending.append(block[start:end + 1])
                yield b"".join(pending)
                pending = []
            else:
                yield block[start:end + 1]
            start = end + 1
    if pending:
        yield b"".join(pending)


def detect_format(path: Path) -> str:
    if path.is_dir():
        if (path / "toc.dat").is_file():
            return "directory"
        raise DumpUnreadable("not a dump: a directory without toc.dat (pg_dump -Fd writes one)")
    try:
        with path.open("rb") as f:
            head = f.read(1024)
    except OSError as exc:
        raise DumpUnreadable(f"cannot read it: {exc.strerror or exc}") from None
    if head.startswith(b"PGDMP"):
        return "custom"
    if head[257:262] == b"ustar":
        return "tar"
    if head.startswith(b"\x1f\x8b"):
        return "plain-gzip"
    if b"PostgreSQL database dump" in head:
        return "plain"
    if not head:
        raise DumpUnreadable("not a dump: the file is empty (a backup that never wrote?)")
    raise DumpUnreadable("not a dump: no pg_dump header (custom, tar, directory or plain SQL)")


def _archive_head(path: Path, fmt: str) -> bytes:
    if fmt == "directory":
        with (path / "toc.dat").open("rb") as f:
            return f.read(4096)
    with path.open("rb") as f:
        head = f.read(512 + 4096)
    return head[512:] if fmt == "tar" else head


def check_tar_complete(path: Path) -> None:
    """Walk the tar headers (seeks only): pg_restore 18 loops forever on a tar cut off inside
    a member, so a cut-off tar is caught before pg_restore sees it."""
    size = path.stat().st_size
    offset = 0
    with path.open("rb") as f:
        while True:
            f.seek(offset)
            header = f.read(512)
            if len(header) < 512:
                raise DumpUnreadable("a truncated dump: the tar archive ends inside a header "
                                     "(a cut-off file)")
            if header == bytes(512):
                return  # the end-of-archive blocks
            try:
                member = int(header[124:136].strip(b"\0 ") or b"0", 8)
            except ValueError:
                raise DumpUnreadable("a damaged dump: a tar header does not parse") from None
            offset += 512 + (member + 511) // 512 * 512
            if offset > size:
                name = header[:100].rstrip(b"\0").decode("utf-8", "replace")
                raise DumpUnreadable(f"a truncated dump: the tar archive ends inside {name} "
                                     "(a cut-off file)")


def _classify(stderr: str) -> str:
    """pg_restore's complaint, as what went wrong with the backup."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    first = next((ln for ln in lines if "error" in ln), lines[0] if lines else "failed")
    from procos_tui.core.sanitize import sanitize_plain

    shown = sanitize_plain(first)
    lower = stderr.lower()
    if any(s in lower for s in ("end of file", "could not read from input file",
                                "unexpected end", "could not find block",
                                "could not open input file", "not a valid archive",
                                "corrupt", "data block", "could not uncompress",
                                "could not read input file", "could not close data file")):
        return f"a truncated or damaged dump: {shown}"
    return f"pg_restore cannot read it: {shown}"


def _check_version(header_version: str | None, archive: tuple[int, int, int], tool: Tool
                   ) -> None:
    from procos_tui.core.backup import major

    needed = major(header_version)
    if needed is not None and needed > tool.major:
        raise DumpUnreadable(
            f"made by pg_dump {header_version} (archive format {'.'.join(map(str, archive))}): "
            f"pg_restore {tool.version} from {tool.where} ({tool.path}) cannot read it; it "
            f"needs pg_restore {needed} or newer (set PG_BINDIR to its bin directory)")


class _Reader:
    """Consumes the text of COPY blocks, whatever they come from, a row at a time."""

    def __init__(self, report: VerifyReport, progress: Progress) -> None:
        self.report = report
        self.progress = progress
        self.bodies: dict[str, BodyRow] = {}
        self.newest: datetime | None = None
        self.started = time.monotonic()
        self.last_shown = self.started
        self.table: str | None = None
        self.columns: dict[str, int] = {}
        self.finished = False  # plain: the "dump complete" trailer was read
        # The partitioned layout: a partition's COPY block holds rows of its parent's table.
        self.partition_of: dict[str, str] = {}

    def _tick(self) -> None:
        now = time.monotonic()
        if now - self.last_shown >= PROGRESS_EVERY_S:
            self.last_shown = now
            rows = sum(t.rows for t in self.report.tables.values())
            mb = self.report.bytes_read / 1e6
            self.progress(f"read {mb:,.0f} MB ({mb / (now - self.started):,.0f} MB/s), "
                          f"{rows:,} rows of the AI tables")

    def feed(self, lines: Iterable[bytes], plain: bool) -> None:
        report = self.report
        for line in lines:
            report.bytes_read += len(line)
            if self.table is not None:
                if line == b"\\.\n" or line == b"\\.\r\n":
                    self.table = None
                    continue
                self._row(line)
                continue
            if line.startswith(b"COPY "):
                head = copy_header(line)
                table = self.partition_of.get(head[0], head[0]) if head else None
                if head and table in report.tables:
                    self.table = table
                    self.columns = {name: i for i, name in enumerate(head[1])}
                    report.tables[self.table].data = True
                elif head:
                    self.table = "\0other"  # rows of a table we do not read
                continue
            if plain:
                self._plain_line(line)
            self._tick()

    def attach(self, line: bytes) -> None:
        found = attached_partition(line)
        if found and found[0] in self.report.tables:
            self.partition_of[found[1]] = found[0]

    def _plain_line(self, line: bytes) -> None:
        if line.startswith(b"ALTER TABLE ONLY "):
            self.attach(line)
        elif line.startswith(b"CREATE TABLE "):
            name = line[13:].split(b" ")[0].split(b".")[-1].strip(b'"').decode("utf-8", "replace")
            if name in self.report.tables:
                self.report.tables[name].defined = True
        elif line.startswith(b"INSERT INTO "):
            name = line[12:].split(b" ")[0].split(b".")[-1].strip(b'"').decode("utf-8", "replace")
            if name in self.report.tables and not self.report.tables[name].data:
                self.report.tables[name].data = True
                self.report.findings.append(
                    f"{name}'s data is in INSERT statements (pg_dump --inserts): its rows are "
                    "neither counted nor compared; verify reads COPY, pg_dump's default")
        elif line.startswith(b"-- Dumped from database version "):
            self.report.facts["Dumped from database version"] = line[32:].strip().decode()
        elif line.startswith(b"-- Dumped by pg_dump version "):
            self.report.facts["Dumped by pg_dump version"] = line[29:].strip().decode()
        elif line.startswith(b"-- PostgreSQL database dump complete"):
            self.finished = True

    def _row(self, line: bytes) -> None:
        table = self.table
        if table == "\0other" or table is None:
            return
        self.report.tables[table].rows += 1
        self._tick()
        if table != "procos_ai_context":
            return
        if not line.endswith(b"\n"):
            raise DumpUnreadable("a truncated dump: a row of procos_ai_context is cut off")
        fields = line[:-1].split(b"\t")
        cols = self.columns
        try:
            row_id = fields[cols["id"]].decode()
            text = copy_field(fields[cols["content_text"]])
            data = copy_field(fields[cols["content_data"]])
        except (KeyError, IndexError):
            raise DumpUnreadable("procos_ai_context's rows in the dump lack id, content_text or "
                                 "content_data: not the table init-db.sql makes") from None
        self.bodies[row_id] = BodyRow(digest(text), digest(data))
        if "created_at" in cols:
            self._created(fields[cols["created_at"]])
        if (text is not None and len(text) < 4 * SUSPECT_CHARS
                and "context_type" in cols and fields[cols["context_type"]] == b"output"):
            chars = len(text.decode("utf-8", "replace"))
            if chars < SUSPECT_CHARS:
                self.report.suspect_count += 1
                if len(self.report.suspects) < SUSPECTS_LISTED:
                    pid = copy_field(fields[cols["process_instance_id"]]) or b""
                    self.report.suspects.append((row_id, pid.decode("utf-8", "replace"), chars))

    def _created(self, raw: bytes) -> None:
        if raw == b"\\N":
            return
        text = raw.decode()
        if len(text) > 3 and text[-3] in "+-" and text[-3:].lstrip("+-").isdigit():
            text += ":00"  # "+00" -> "+00:00" for fromisoformat
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            return
        if self.newest is None or when > self.newest:
            self.newest = when


def _stream_pg_restore(tool: Tool, path: Path, tables: list[str], reader: _Reader) -> None:
    args = [str(tool.path), "--data-only", "-f", "-"]
    for table in tables:
        args += ["-t", table]
    args.append(str(path))
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        # stderr is drained only at the end: pg_restore writes little there.
        try:
            reader.feed(lines_of(proc.stdout), plain=False)
        except DumpUnreadable:
            # A row cut off mid-line: pg_restore's own complaint says why, when it has one.
            proc.stdout.read()
            if proc.wait() == 0:
                raise
        stderr = proc.stderr.read().decode("utf-8", "replace")
        code = proc.wait()
    if code != 0:
        raise DumpUnreadable(_classify(stderr))
    if reader.table is not None:
        raise DumpUnreadable("a truncated dump: a COPY block ends without its terminator")


def _read_attachments(tool: Tool, path: Path, reader: _Reader) -> None:
    """Which partitions are whose: the archive's listing does not say, its schema does."""
    done = subprocess.run([str(tool.path), "--schema-only", "-f", "-", str(path)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise DumpUnreadable(_classify(done.stderr.decode("utf-8", "replace")))
    for line in done.stdout.splitlines():
        if line.startswith(b"ALTER TABLE ONLY "):
            reader.attach(line)


def _read_plain(path: Path, compressed: bool, reader: _Reader) -> None:
    try:
        with (gzip.open(path, "rb") if compressed else path.open("rb")) as f:
            reader.feed(lines_of(f), plain=True)
    except EOFError:
        raise DumpUnreadable("a truncated dump: the gzip stream ends early (a cut-off "
                             "file)") from None
    except (OSError, gzip.BadGzipFile) as exc:
        raise DumpUnreadable(f"cannot read it: {exc}") from None
    if reader.table is not None or not reader.finished:
        raise DumpUnreadable("a truncated dump: it stops before pg_dump's \"dump complete\" "
                             "line (a cut-off file)")


def read_dump(path: Path, progress: Progress) -> tuple[VerifyReport, dict[str, BodyRow],
                                                         datetime | None, str | None]:
    """The dump's AI tables: the report, the bodies by id, the newest created_at, and when
    the archive was made (as its listing says), if known."""
    fmt = detect_format(path)
    report = VerifyReport(dump=str(path), format=fmt,
                          tables={t: TableInDump(t) for t in TABLES})
    reader = _Reader(report, progress)
    created = None
    if fmt in ("plain", "plain-gzip"):
        _read_plain(path, fmt == "plain-gzip", reader)
    else:
        if fmt == "tar":
            check_tar_complete(path)
        header = parse_archive_header(_archive_head(path, fmt))
        try:
            tool = find_tool("pg_restore")
        except ToolMissing as exc:
            raise DumpUnreadable(str(exc)) from None
        _check_version(header.dump_version, header.version, tool)
        listed = subprocess.run([str(tool.path), "--list", str(path)], capture_output=True,
                                check=False)
        if listed.returncode != 0:
            raise DumpUnreadable(_classify(listed.stderr.decode("utf-8", "replace")))
        defined, data, facts = toc_tables(listed.stdout.decode("utf-8", "replace"))
        report.facts.update(facts)
        report.facts["pg_restore"] = f"{tool.version} ({tool.where})"
        created = facts.get("created")
        for name, table in report.tables.items():
            table.defined = name in defined
        if toc_has_partitions(listed.stdout.decode("utf-8", "replace")):
            _read_attachments(tool, path, reader)
        with_data = [t for t in TABLES if t in data]
        with_data += [p for p in reader.partition_of if p in data]
        if with_data:
            _stream_pg_restore(tool, path, with_data, reader)
    report.seconds = time.monotonic() - reader.started
    return report, reader.bodies, reader.newest, created


def structure_findings(report: VerifyReport) -> None:
    tables = report.tables
    if not any(tables[t].defined or tables[t].data for t in AI_TABLES):
        db = report.facts.get("dbname")
        report.findings.append(
            "no ProcOS tables in this dump: a dump of another database"
            + (f" ({db})" if db else "") + ", or of other tables only")
        return
    for name in AI_TABLES:
        table = tables[name]
        if not table.defined and not table.data:
            report.findings.append(f"{name} is not in the dump at all (neither its definition "
                                   "nor its data)")
        elif table.defined and not table.data:
            report.findings.append(f"{name}'s definition is in the dump but not its data (made "
                                   f"with --exclude-table-data={name}?)")
        elif not table.defined:
            report.findings.append(f"{name}'s data is in the dump but not its definition (a "
                                   "--data-only dump restores only into an existing table)")


def compare_live(conn: Any, report: VerifyReport, bodies: dict[str, BodyRow],
                 cutoff: str | None) -> None:
    from psycopg import sql

    from procos_tui.db.queries import backup as backup_sql
    from procos_tui.db.rows import fetch_one

    report.compared = True
    for name, table in report.tables.items():
        present = fetch_one(conn, backup_sql.TABLE_PRESENT, {"table": name})
        if present and present["present"]:
            count = fetch_one(conn, sql.SQL(backup_sql.COUNT_ROWS).format(
                table=sql.Identifier(name)))
            table.live_rows = int(count["rows"]) if count else None
    if report.tables["procos_ai_context"].live_rows is None:
        report.findings.append("the live database has no procos_ai_context to compare with")
        return
    remaining = dict(bodies)
    with conn.transaction(), conn.cursor(name="procos_backup_verify") as cur:
        cur.itersize = 5000
        cur.execute(backup_sql.LIVE_BODIES, {"cutoff": cutoff or "infinity"})
        for row_id, tlen, tmd5, dlen, dmd5, newer in cur:
            dumped = remaining.pop(row_id, None)
            if dumped is None:
                if newer:
                    report.newer_than_dump += 1
                else:
                    report.missing_from_dump.append(row_id)
                continue
            live_text = None if tlen is None else (tlen, tmd5)
            live_data = None if dlen is None else (dlen, dmd5)
            if (dumped.text, dumped.data) != (live_text, live_data):
                report.differs.append(row_id)
    report.not_live = sorted(remaining)

    def some(ids: list[str]) -> str:
        shown = ", ".join(ids[:IDS_LISTED])
        return shown + (f" and {len(ids) - IDS_LISTED:,} more" if len(ids) > IDS_LISTED else "")

    if report.missing_from_dump:
        missing = report.missing_from_dump
        report.findings.append(f"{len(missing):,} procos_ai_context rows of the database are "
                               f"not in the dump: {some(missing)}")
    if report.differs:
        report.findings.append(f"{len(report.differs):,} rows differ between the dump and the "
                               f"database (body length or digest): {some(report.differs)}")
    if report.not_live:
        report.findings.append(f"{len(report.not_live):,} rows of the dump are no longer in the "
                               f"database: {some(report.not_live)}")


def verify(path: Path, conn_factory: Callable[[], Any] | None, progress: Progress
           ) -> VerifyReport:
    report, bodies, newest, created = read_dump(path, progress)
    structure_findings(report)
    if conn_factory is not None and report.tables["procos_ai_context"].data:
        cutoff = created or (newest.isoformat() if newest else None)
        with conn_factory() as conn:
            compare_live(conn, report, bodies, cutoff)
    elif report.suspect_count:
        report.findings.append(f"{report.suspect_count:,} output(s) under {SUSPECT_CHARS} "
                               "characters in the dump (cut-looking, as `check` reports them)")
    return report
