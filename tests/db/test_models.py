"""The model registry's data layer against real PostgreSQL: validation, writes, no lost updates."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procos_tui.core.registry import (
    DuplicateModel,
    InvalidModel,
    ModelConflict,
    ModelRow,
    WritesRefused,
    validate,
)
from procos_tui.db.conninfo import Target
from procos_tui.db.models import ModelWriter
from procos_tui.db.session import BrowseSession
from tests.unit.test_models_validation import draft

pytestmark = pytest.mark.db


@pytest.fixture
def writer(db: str) -> Iterator[ModelWriter]:
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("DELETE FROM procos_ai_models")
        conn.execute("DELETE FROM procos_ai_context")
    yield ModelWriter(Target(db, "test"))


async def listed(db: str) -> list[ModelRow]:
    from dataclasses import replace

    session = BrowseSession(Target(db, "test"))
    await session.open()
    try:
        usage = await session.model_usage()
        return [replace(r, calls=u[0], total_tokens=u[1], last_used=u[2])
                if (u := usage.get((r.provider, r.model_name))) else r
                for r in await session.models()]
    finally:
        await session.close()


async def test_create_list_with_usage_edit_toggle_delete(db: str, writer: ModelWriter) -> None:
    row = writer.create(draft())
    assert row.is_active and json.loads(row.config_json or "") == {"temperature": 0.2}
    with psycopg.connect(db, autocommit=True) as conn:
        for tokens in (100, 250):
            conn.execute(
                "INSERT INTO procos_ai_context (process_instance_id, context_type, content_data,"
                " ai_provider, model_used, token_usage) VALUES ('m-1', 'output', '{}',"
                " 'openai', 'gpt-4o', %s)", (json.dumps({"total_tokens": tokens}),))
    [seen] = await listed(db)
    assert (seen.id, seen.calls, seen.total_tokens) == (row.id, 2, 350)
    assert seen.last_used is not None and seen.token == row.token

    time.sleep(0.01)
    edited = writer.update(seen, draft(config='{"temperature": 0.7}', stats='{"p95_ms": 900}'))
    assert json.loads(edited.stats_json or "") == {"p95_ms": 900}
    # The trigger moved updated_at, and with it the edit token.
    assert edited.updated_at and seen.updated_at and edited.updated_at > seen.updated_at
    assert edited.token != seen.token

    off = writer.set_active(edited, False)
    assert off.is_active is False and off.config_json == edited.config_json
    writer.delete(off)
    assert await listed(db) == []


def test_duplicate_names_the_row_that_has_it(writer: ModelWriter) -> None:
    first = writer.create(draft())
    with pytest.raises(DuplicateModel) as caught:
        writer.create(draft(config=""))
    assert caught.value.existing.id == first.id and first.id in str(caught.value)
    # Without a version the UNIQUE constraint would let a twin in; the editor does not.
    writer.create(draft(version=""))
    with pytest.raises(DuplicateModel):
        writer.create(draft(version="  "))
    # Editing a row into another's key is refused too.
    other = writer.create(draft(version="2024-11-20"))
    with pytest.raises(DuplicateModel):
        writer.update(other, draft())


def test_a_concurrent_edit_is_never_overwritten_silently(db: str, writer: ModelWriter) -> None:
    opened = writer.create(draft())
    time.sleep(0.01)
    with psycopg.connect(db, autocommit=True) as other:
        other.execute("UPDATE procos_ai_models SET config_data = '{\"temperature\": 1.0}'"
                      " WHERE id = %s", (opened.id,))
    with pytest.raises(ModelConflict) as caught:
        writer.update(opened, draft(config='{"temperature": 0.0}'))
    current = caught.value.current
    assert current is not None and json.loads(current.config_json or "") == {"temperature": 1.0}
    with pytest.raises(ModelConflict):
        writer.delete(opened)  # delete checks the token as well
    # Overwriting is a save over the version the conflict showed.
    forced = writer.update(current, draft(config='{"temperature": 0.0}'))
    assert json.loads(forced.config_json or "") == {"temperature": 0.0}
    writer.delete(forced)
    with pytest.raises(ModelConflict) as gone:
        writer.update(forced, draft())
    assert gone.value.current is None and "deleted" in str(gone.value)


def test_invalid_drafts_are_not_sent(writer: ModelWriter) -> None:
    with pytest.raises(InvalidModel) as caught:
        writer.create(draft(name="", config="{"))
    assert {e.field for e in caught.value.errors} == {"model_name", "config_data"}


def test_read_only_flag_and_read_only_server_refuse_writes(db: str,
                                                            writer: ModelWriter) -> None:
    row = writer.create(draft())
    with pytest.raises(WritesRefused, match="--read-only"):
        ModelWriter(Target(db, "test"), read_only=True).update(row, draft(config=""))
    server_ro = f"{db} options='-c default_transaction_read_only=on'"
    with pytest.raises(WritesRefused, match="refuses writes"):
        ModelWriter(Target(server_ro, "test")).update(row, draft(config=""))
    with psycopg.connect(db) as conn:
        stored = conn.execute("SELECT config_data FROM procos_ai_models WHERE id = %s",
                              (row.id,)).fetchone()
    assert stored == ({"temperature": 0.2},)


def test_refusal_is_known_before_editing(db: str, writer: ModelWriter) -> None:
    assert writer.refusal() is None
    assert ModelWriter(Target(db, "test"), read_only=True).refusal() is not None
    server_ro = f"{db} options='-c default_transaction_read_only=on'"
    refusal = ModelWriter(Target(server_ro, "test")).refusal()
    assert refusal is not None and "read-only" in refusal
    # A server that cannot be reached is not a refusal: the save will say what happened.
    assert ModelWriter(Target("host=127.0.0.1 port=1 connect_timeout=2", "t")).refusal() is None


def test_overwrite_is_conditional_on_the_version_shown(db: str, writer: ModelWriter) -> None:
    """C opens; A saves; C's save meets A's version; A saves again; C's overwrite of the
    version it was shown is one more conflict, with A's second save, which stays."""
    a, c = writer, ModelWriter(Target(db, "test"))
    row = a.create(draft())
    c_opened = row
    a_first = a.update(row, draft(config='{"by": "A", "save": 1}'))
    with pytest.raises(ModelConflict) as shown:
        c.update(c_opened, draft(config='{"by": "C"}'))
    theirs = shown.value.current
    assert theirs is not None and theirs.token == a_first.token
    a_second = a.update(a_first, draft(config='{"by": "A", "save": 2}'))
    with pytest.raises(ModelConflict) as again:
        c.update(theirs, draft(config='{"by": "C"}'))  # the overwrite
    newest = again.value.current
    assert newest is not None and newest.token == a_second.token
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT config_data FROM procos_ai_models WHERE id = %s",
                            (row.id,)).fetchone() == ({"by": "A", "save": 2},)
    # Shown A's second save, C may overwrite it.
    mine = c.update(newest, draft(config='{"by": "C"}'))
    assert json.loads(mine.config_json or "") == {"by": "C"}


def test_the_token_tells_two_saves_apart_within_one_microsecond(db: str,
                                                                writer: ModelWriter) -> None:
    """Two saves that carry the same updated_at (the trigger's now() is the transaction's
    start, and clocks step back) are still two versions."""
    row = writer.create(draft())
    trigger = "TRIGGER trigger_procos_ai_models_updated_at"
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE procos_ai_models DISABLE {trigger}")
        try:
            conn.execute("UPDATE procos_ai_models SET config_data = '{\"other\": 1}'"
                         " WHERE id = %s", (row.id,))
        finally:
            conn.execute(f"ALTER TABLE procos_ai_models ENABLE {trigger}")
    with pytest.raises(ModelConflict):
        writer.update(row, draft(config='{"mine": 1}'))


async def test_twins_with_no_version_can_be_edited_and_toggled(db: str,
                                                               writer: ModelWriter) -> None:
    """Two rows that differ by a NULL version only (the UNIQUE constraint lets them in): a
    save that keeps a row's key creates no clash; only a new clash is refused."""
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_models (model_name, provider, version)"
                     " VALUES ('twin', 'p', NULL), ('twin', 'p', NULL), ('twin', 'p', 'v1')")
    first, second, versioned = sorted(await listed(db),
                                      key=lambda r: (r.version is not None, r.id))
    edited = writer.update(first, draft(name="twin", provider="p", version="",
                                        config='{"edited": true}'))
    assert json.loads(edited.config_json or "") == {"edited": True}
    assert writer.set_active(second, False).is_active is False
    # Still refused: a new twin, and moving a row onto a key another row has.
    with pytest.raises(DuplicateModel):
        writer.create(draft(name="twin", provider="p", version=""))
    with pytest.raises(DuplicateModel):
        writer.update(versioned, draft(name="twin", provider="p", version=""))
    with pytest.raises(DuplicateModel):
        writer.update(edited, draft(name="twin", provider="p", version="v1"))



async def test_init_db_again_does_not_bring_back_edited_defaults(fresh: str) -> None:
    """init-db, a default's version renamed and another default deleted in the editor, init-db
    again: the registry is as the operator left it."""
    from procos_tui.db.schema import apply_schema

    writer = ModelWriter(Target(fresh, "test"))
    defaults = {r.model_name: r for r in await listed(fresh)}
    assert {"gpt-4o", "claude-sonnet-4"} <= set(defaults)
    gpt = defaults["gpt-4o"]
    writer.update(gpt, draft(name=gpt.model_name, provider=gpt.provider, version="renamed",
                             config=gpt.config_json or ""))
    writer.delete(defaults["claude-sonnet-4"])
    before = sorted((r.provider, r.model_name, r.version) for r in await listed(fresh))
    with psycopg.connect(fresh, autocommit=True) as conn:
        apply_schema(conn)
    after = sorted((r.provider, r.model_name, r.version) for r in await listed(fresh))
    assert after == before
    assert ("openai", "gpt-4o", "renamed") in after


_STRING_PARTS = ("a", "é", "\\u0000", "\\u0001", "\\u00e9", "\\ud800", "\\udbff", "\\udc00",
                 "\\udfff", "\\ud83d\\ude00", "\\\\u0000", "\\\\", '\\"', "\\n", "\\/",
                 "NaN", "1e999999")


def _tricky_number() -> st.SearchStrategy[str]:
    edges = st.sampled_from([-16385, -16384, -16383, -16382, -1, 0, 1, 131070, 131071,
                             131072, 131073, 1073741823, 1073741824, -1073741823,
                             -1073741824, 99999999999])
    exponent = st.one_of(edges, st.integers(-20000, 140000))
    mantissa = st.tuples(st.sampled_from(["0", "1", "9", "12", "100", "0000"]),
                         st.sampled_from(["", "5", "000", "0001", "50"]))
    return st.builds(
        lambda sign, m, e, pad, use: (
            f"{sign}{int(m[0])}{'.' + m[1] if m[1] else ''}"
            + (f"e{'-' if e < 0 else '+'}{pad}{abs(e)}" if use else "")),
        st.sampled_from(["", "-"]), mantissa, exponent, st.sampled_from(["", "000"]),
        st.booleans())


_VALUE = st.one_of(
    _tricky_number(),
    st.lists(st.sampled_from(_STRING_PARTS), max_size=4).map(lambda p: '"' + "".join(p) + '"'),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "true", "null", "[]"]),
)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(_VALUE, min_size=1, max_size=3),
       key=st.lists(st.sampled_from(_STRING_PARTS), max_size=2))
def test_what_the_form_accepts_postgresql_accepts(db: str, values: list[str],
                                                  key: list[str]) -> None:
    """validate() and PostgreSQL's jsonb agree on JSON that Python's json takes: the form
    never passes what the server then refuses without a line and column (nor refuses what
    it would take)."""
    text = "{" + ", ".join(f'"{"".join(key)}{i}": {v}' for i, v in enumerate(values)) + "}"
    valid, errors = validate(draft(config=text))
    with psycopg.connect(db, autocommit=True) as conn:
        try:
            conn.execute("SELECT %s::jsonb", (text,))
            taken = True
        except (psycopg.Error, UnicodeEncodeError):
            taken = False
    assert (valid is not None) == taken, (text, errors)


async def test_json_too_large_for_the_form_is_kept_or_copied_as_stored(
        db: str, writer: ModelWriter) -> None:
    """Over EDIT_LIMIT_BYTES a JSON field is not read; a save keeps it, a new version made from
    the row copies it on the server, and a toggle sends neither JSON field back."""
    from dataclasses import replace

    from procos_tui.core.errors import DatabaseError
    from procos_tui.core.registry import EDIT_LIMIT_BYTES, ModelDraft

    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_models (model_name, provider, version, config_data,"
                     " performance_stats) VALUES ('big', 'p', 'v1', jsonb_build_object("
                     "'blob', repeat('x', %s)), '{\"small\": 1}')", (EDIT_LIMIT_BYTES,))

    def stored() -> list[tuple[object, ...]]:
        with psycopg.connect(db) as conn:
            return conn.execute("SELECT version, md5(config_data::text), performance_stats"
                                " FROM procos_ai_models ORDER BY version").fetchall()

    [row] = await listed(db)
    assert row.config_json is None and row.config_bytes and row.config_bytes > EDIT_LIMIT_BYTES
    assert row.stats_json == '{"small": 1}'
    [(_v, digest, _s)] = stored()
    edited = writer.update(row, replace(ModelDraft.of(row), stats_text='{"small": 2}'))
    assert stored() == [("v1", digest, {"small": 2})]
    toggled = writer.set_active(edited, False)
    assert toggled.is_active is False and stored() == [("v1", digest, {"small": 2})]
    copy = writer.create(replace(ModelDraft.of(toggled, new_version=True), version="v2"))
    assert stored() == [("v1", digest, {"small": 2}), ("v2", digest, {"small": 2})]
    writer.delete(toggled)
    with pytest.raises(DatabaseError, match="deleted meanwhile"):
        writer.create(replace(ModelDraft.of(toggled, new_version=True), version="v3"))
    assert stored() == [("v2", digest, {"small": 2})] and copy.version == "v2"
