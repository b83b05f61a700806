"""The model form's validation: what is wrong, per field, before anything is sent."""

from __future__ import annotations

from procos_tui.core.registry import ModelDraft, validate


def draft(name: str = "gpt-4o", provider: str = "openai", version: str = "2024-08-06",
          config: str = '{"temperature": 0.2}', stats: str = "", active: bool = True
          ) -> ModelDraft:
    return ModelDraft(name, provider, version, config, stats, active)


def test_validation_says_what_is_wrong_per_field() -> None:
    valid, errors = validate(draft(name="  ", provider="p" * 101, config='{"a": 1,,}',
                                   stats="[1, 2]"))
    assert valid is None
    messages = {e.field: e.message for e in errors}
    assert messages["model_name"] == "required"
    assert messages["provider"].startswith("at most 100 characters")
    assert messages["config_data"].startswith("not valid JSON at line 1, column 9")
    assert messages["performance_stats"] == "must be a JSON object ({...}), not list"
    valid, errors = validate(draft(name="  gpt-4o ", version="  ", config="", stats="{}"))
    assert errors == [] and valid is not None
    assert (valid.model_name, valid.version, valid.config_data, valid.performance_stats) == \
        ("gpt-4o", None, None, "{}")


def config_error(config: str) -> str | None:
    """The config_data field's message for this text, or None when it is accepted."""
    _valid, errors = validate(draft(config=config))
    return next((e.message for e in errors if e.field == "config_data"), None)


def test_what_postgresql_refuses_is_refused_with_line_and_column() -> None:
    """Python's json takes NaN, Infinity, \\u0000, lone surrogates and numbers beyond
    PostgreSQL's numeric; jsonb refuses them without saying where."""
    cases = {
        '{"t": NaN}': ("line 1, column 7", "NaN"),
        '{\n  "t": Infinity}': ("line 2, column 8", "Infinity"),
        '{\n  "t": [1,\n   -Infinity]}': ("line 3, column 4", "-Infinity"),
        '{"t": "ok\\u0000"}': ("line 1, column 10", "\\u0000"),
        '{"a\\u0000b": 1}': ("line 1, column 4", "\\u0000"),
        '{"t": "\\ud800"}': ("line 1, column 8", "high surrogate"),
        '{"t": "\\ud800\\n"}': ("line 1, column 8", "high surrogate"),
        '{"t": "\\ud800\\ud800\\udc00"}': ("line 1, column 8", "high surrogate"),
        # found by the jsonb equivalence test: a plain character between high and low
        '{"t": "\\ud800a\\udc00"}': ("line 1, column 8", "high surrogate"),
        '{"t": "x\\udc00"}': ("line 1, column 9", "low surrogate"),
        '{"t": "\ud800"}': ("line 1, column 8", "U+D800"),
        '{"t": 1e131072}': ("line 1, column 7", "numeric"),
        '{"t": 1.5e-16383}': ("line 1, column 7", "16383 digits"),
        '{"t": 0e-16384}': ("line 1, column 7", "16383 digits"),
        '{"t": 1e1073741824}': ("line 1, column 7", "exponent"),
        '{"t": 1e99999999999999999999}': ("line 1, column 7", "exponent"),
    }
    for text, (where, what) in cases.items():
        message = config_error(text)
        assert message is not None, text
        assert message.startswith(f"not valid for PostgreSQL at {where}: "), (text, message)
        assert what in message, (text, message)


def test_what_postgresql_takes_is_taken() -> None:
    for text in ('{"t": "\\\\u0000"}', '{"t": "\\\\\\\\ud800"}', '{"t": "\\ud83d\\ude00"}',
                 '{"t": "\\u00e9 NaN Infinity"}', '{"NaN": -0, "x": 1E+2}',
                 '{"t": 1e131071}', '{"t": 1e-16383}', '{"t": 12345e-16383}',
                 '{"t": 0e99999999}', '{"t": 1e-0000000000000000000007}',
                 '{"t": 1' + "0" * 5000 + "}"):  # beyond Python's int() digit limit
        assert config_error(text) is None, text


def test_scalar_fields_refuse_lone_surrogates() -> None:
    _valid, errors = validate(draft(name="gpt\ud800"))
    assert [(e.field, e.message) for e in errors] == [
        ("model_name", "contains a lone surrogate character")]
