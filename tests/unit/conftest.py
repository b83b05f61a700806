"""The fast loop: no PostgreSQL here. A unit test that asks for a server fails at once."""

from __future__ import annotations

from typing import NoReturn

import pytest


@pytest.fixture(scope="session")
def pg_server() -> NoReturn:
    pytest.fail("tests/unit runs without a server: a test that needs one belongs in tests/db "
                "or tests/ui")
