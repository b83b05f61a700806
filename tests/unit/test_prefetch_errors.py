"""The forked first-page fetch without a server: errors in one line, never a stuck child."""

from __future__ import annotations

import os
import socket
import time

import pytest

from procos_tui.core.types import ProcessFilter
from procos_tui.db.prefetch import Prefetch, fetch_first_page

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def test_errors_come_back_as_one_line() -> None:
    answer = fetch_first_page("host=x = broken", None, ProcessFilter())
    assert answer.error is not None and "invalid connection string" in answer.error
    answer = fetch_first_page("host=127.0.0.1 port=1 password=s3cret connect_timeout=2", None,
                              ProcessFilter())
    assert answer.error is not None and "cannot connect" in answer.error
    assert "s3cret" not in answer.error


def test_abandon_ends_a_child_stuck_on_a_silent_server() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        prefetch = Prefetch.start(f"host=127.0.0.1 port={port} connect_timeout=30", None)
        assert prefetch is not None
        assert not prefetch.ready(0.5)
        started = time.monotonic()
        prefetch.abandon()
        assert time.monotonic() - started < 5
        with pytest.raises(ChildProcessError):
            os.waitpid(prefetch.pid, os.WNOHANG)
