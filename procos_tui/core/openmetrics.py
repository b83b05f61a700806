"""`procos-tui check --format openmetrics`: metrics as the Prometheus text exposition format.

The output is read by node_exporter's textfile collector, a scrape wrapper, or Prometheus
itself, so it keeps to what both the classic text format (0.0.4) and OpenMetrics 1.0 parse:
gauges only (a counter's `_total` sample name differs between the two), units at the end of
the names with a `# UNIT` line (a comment to the classic parsers), and `# EOF` last.

Label values are catalog names (any role may create an index named with quotes, backslashes,
newlines or escape sequences) and are escaped as the format requires: backslash, double quote
and newline, nothing else. A collector must get the exact name. Printed to a terminal, the
same output additionally shows every other control character as a visible stand-in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from procos_tui.core.sanitize import sanitize_plain

Labels = tuple[tuple[str, str], ...]


@dataclass
class Metric:
    name: str  # procos_..., ends with the unit when it has one
    help: str
    unit: str = ""  # "bytes", "seconds", or "" for a count
    samples: list[tuple[Labels, float]] = field(default_factory=list)

    def add(self, value: float, **labels: str) -> None:
        self.samples.append((tuple(labels.items()), value))


def escape_label_value(value: str) -> str:
    """The format's own escaping: \\\\, \\" and \\n; every other character stays as it is."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def format_value(value: float) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def render(metrics: Iterable[Metric], *, visible_controls: bool = False) -> str:
    """The exposition text. `visible_controls` (stdout is a terminal): label values are also
    passed through the sanitiser, after the format's escaping, so that nothing reaches the
    terminal raw; a file or pipe gets the exact names."""
    lines: list[str] = []
    for metric in metrics:
        lines.append(f"# HELP {metric.name} {_escape_help(metric.help)}")
        lines.append(f"# TYPE {metric.name} gauge")
        if metric.unit:
            lines.append(f"# UNIT {metric.name} {metric.unit}")
        for labels, value in metric.samples:
            shown = ""
            if labels:
                parts = []
                for key, raw in labels:
                    text = escape_label_value(raw)
                    if visible_controls:
                        text = sanitize_plain(text)
                    parts.append(f'{key}="{text}"')
                shown = "{" + ",".join(parts) + "}"
            lines.append(f"{metric.name}{shown} {format_value(value)}")
    lines.append("# EOF")
    return "\n".join(lines) + "\n"
