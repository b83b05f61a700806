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
