"""Rewrite the README's Keys table from the keymap (core/keymap.py); a unit test
(tests/unit/test_keymap.py) fails while they differ. Run: python scripts/readme_keys.py"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from procos_tui.core.keymap import DEFAULTS, markdown_table

README = Path(__file__).resolve().parents[1] / "README.md"


def main() -> None:
    text = README.read_text(encoding="utf-8")
    head, rest = text.split("## Keys\n", 1)
    section, tail = rest.split("\n## ", 1)
    lines = section.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")),
               len(lines))
    lines[start:end] = [markdown_table(DEFAULTS)]
    README.write_text(head + "## Keys\n" + "".join(lines) + "\n## " + tail, encoding="utf-8")


if __name__ == "__main__":
    main()
