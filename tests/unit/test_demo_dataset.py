"""The demo data set, built in memory: the same every time."""

from __future__ import annotations

from procos_tui.demo.content import demo_dataset


def test_dataset_is_deterministic() -> None:
    a, b = demo_dataset(), demo_dataset()
    assert a.processes == b.processes and a.camunda_variables == b.camunda_variables
    assert [r.content_text for r in a.rows()][:50] == [r.content_text for r in b.rows()][:50]
