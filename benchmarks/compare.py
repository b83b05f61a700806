"""Comparing two bodies of 1 MB and 5 MB: what `procos-tui diff` and the compare screen do,
beside difflib (the reference, measured in the same run on the same texts).

    python benchmarks/compare.py [--sizes 1,5] [--changed 0.01]

The bodies are LLM-like text (sentences of the demo's corpus, one per line); the second is the
first with a share of its lines edited (a word changed), some removed and some added, as a
retry's answer differs from the first. Each figure is the median of three runs.
"""

from __future__ import annotations

import argparse
import difflib
import random
import statistics
import time
from collections.abc import Callable
from functools import partial

from procos_tui.core.compare import diff_rows, unified_text

TEXT = ("the invoice batch was retried after the OCR worker timed out on scanned PDFs and "
        "the model answered with a plan of three steps for the operator to follow")
WORDS = TEXT.split(" ")


def body(megabytes: float, rng: random.Random) -> list[str]:
    lines: list[str] = []
    size = 0
    while size < megabytes * 1_000_000:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18))) + "\n"
        lines.append(line)
        size += len(line)
    return lines


def edited(lines: list[str], share: float, rng: random.Random) -> list[str]:
    out = []
    for line in lines:
        roll = rng.random()
        if roll < share / 3:
            continue  # removed
        if roll < 2 * share / 3:
            words = line.split()
            words[rng.randrange(len(words))] = "CHANGED"
            out.append(" ".join(words) + "\n")
        elif roll < share:
            out += [line, "an added line the retry wrote\n"]
        else:
            out.append(line)
    return out


def median_s(work: Callable[[], object]) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1,5", help="megabytes per body, comma-separated")
    parser.add_argument("--changed", type=float, default=0.01,
                        help="share of lines removed, edited or followed by an added one")
    args = parser.parse_args()
    rng = random.Random(7)
    for mb in (float(s) for s in args.sizes.split(",")):
        a_lines = body(mb, rng)
        b_lines = edited(a_lines, args.changed, rng)
        a, b = "".join(a_lines), "".join(b_lines)
        ours = median_s(partial(unified_text, a, b, 3, "a", "b"))
        screen = median_s(partial(diff_rows, a, b, marks=False))
        reference = median_s(partial(lambda x, y: list(difflib.unified_diff(x, y, n=3)),
                                     a_lines, b_lines))
        print(f"{len(a) / 1e6:.1f} MB vs {len(b) / 1e6:.1f} MB ({len(a_lines):,} lines, "
              f"{args.changed:.0%} changed): unified diff {ours * 1000:.0f} ms, compare "
              f"screen rows (marks made as lines are painted) {screen * 1000:.0f} ms; "
              f"difflib's unified_diff {reference * 1000:.0f} ms ({reference / ours:.1f}x "
              "ours)")


if __name__ == "__main__":
    main()
