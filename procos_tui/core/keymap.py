"""The keymap: every action once, with its default keys, what it does and where it applies.

The footer, `?` help, the command palette, `procos-tui keys` and the README's table are all
drawn from this list (ui/keys.py turns it into Textual bindings), so a key means one thing in
every place it is active. A user's `[keys]` table in config.toml rebinds actions by name;
`effective()` checks it as strictly as the defaults are checked (tests/unit/test_keymap.py).

Keys are Textual's key names: `q`, `G`, `ctrl+x`, `f10`, `escape`, `question_mark`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

# Where an action applies. A screen's keys are its context's and the global ones; a text pane
# on the conversation screen adds the pane's; a dialog has only its own (Textual stops the
# app's bindings at a modal screen, so a letter typed into a dialog never opens a screen).
GLOBAL = "global"
PROCESS_LIST = "process list"
CONVERSATION = "conversation"
PANE = "pane"
SEARCH = "search"
MODELS = "models"
HEALTH = "health"
STATS = "stats"
COMPARE = "compare"
TRANSCRIPT = "transcript"
DIALOGS = "dialogs"
CONTEXTS = (GLOBAL, PROCESS_LIST, CONVERSATION, PANE, SEARCH, MODELS, HEALTH, STATS, COMPARE,
            TRANSCRIPT, DIALOGS)

# The sets of contexts that are active at one time: a key may mean one thing in each.
CHAINS: tuple[tuple[str, ...], ...] = (
    (PROCESS_LIST, GLOBAL),
    (PANE, CONVERSATION, GLOBAL),
    (SEARCH, GLOBAL),
    (MODELS, GLOBAL),
    (HEALTH, GLOBAL),
    (STATS, GLOBAL),
    (COMPARE, GLOBAL),
    (PANE, TRANSCRIPT, GLOBAL),
    (DIALOGS,),
)

# Keys Textual itself keeps (quit, the palette, copy in inputs, focus moves): not rebindable
# onto, so that a keymap cannot take away the way out or around.
RESERVED = {"ctrl+q": "quit (Textual)", "ctrl+c": "copy / how to quit (Textual)",
            "ctrl+p": "command palette (Textual)", "tab": "next field (Textual)",
            "shift+tab": "previous field (Textual)"}

# Actions of this group all mean "close the innermost thing, else go back": the pane's Esc
# clears its selection before the screen's Esc goes back, by design.
CLOSE = "close"


@dataclass(frozen=True)
class Action:
    name: str
    keys: tuple[str, ...]
    description: str  # the footer's and the palette's short label
    where: tuple[str, ...]
    help: str = ""  # a longer line for `?` and the README; the description when empty
    show: bool = True  # in the footer
    hidden_in: tuple[str, ...] = ()  # contexts whose footer leaves it out
    labels: Mapping[str, str] = field(default_factory=dict)  # a context's own wording
    key_display: str | None = None
    group: str = ""
    fixed: bool = False  # Textual's own key, listed for completeness, not rebindable

    def label(self, context: str) -> str:
        return self.labels.get(context, self.description)

    def shown_in(self, context: str) -> bool:
        return self.show and context not in self.hidden_in

    @property
    def long(self) -> str:
        return self.help or self.description


def _a(name: str, keys: str, description: str, *where: str, **options: object) -> Action:
    return Action(name, tuple(keys.split(",")), description, where, **options)  # type: ignore[arg-type]


DEFAULTS: tuple[Action, ...] = (
    # Global: the same on every screen, and no screen uses these keys for anything else.
    _a("help", "question_mark,f1", "Help", GLOBAL, DIALOGS, key_display="?",
       labels={DIALOGS: "Close help"},
       help="the keys of the current screen (Esc, ? or F1 closes it)"),
    _a("quit", "q", "Quit", GLOBAL, help="quit; asks first when a model form has unsaved "
       "changes (Ctrl+Q too)"),
    _a("go_to", "g", "Go to id", GLOBAL, help="go to a process instance by id"),
    _a("search", "s", "Search", GLOBAL,
       help="search (Enter: to the hits; Enter on a hit: open it at the match)"),
    _a("models", "m", "Models", GLOBAL, help="the model registry"),
    _a("health", "h", "Health", GLOBAL, help="schema drift, truncation, cut Camunda copies"),
    _a("stats", "t", "Stats", GLOBAL,
       help="calls, tokens, cost and latency by model, provider, activity or definition"),
    _a("palette", "ctrl+p", "Commands", GLOBAL, show=False, fixed=True,
       help="command palette (every action here, themes)"),
    _a("next_field", "tab", "Next pane", GLOBAL, show=False, fixed=True,
       help="focus the next list, pane or field"),
    _a("previous_field", "shift+tab", "Previous pane", GLOBAL, show=False, fixed=True,
       help="focus the list, pane or field before"),
    # Esc: back, or close the innermost thing; the footer says which.
    _a("back", "escape", "Back", PROCESS_LIST, CONVERSATION, SEARCH, MODELS, HEALTH, STATS,
       COMPARE, TRANSCRIPT, group=CLOSE, labels={PROCESS_LIST: "Clear filter"},
       help="back to the screen before (closing a zoom, the find line, a filter or a "
            "running search first); on the process list: clear the filter"),
    _a("close", "escape", "Close", DIALOGS, group=CLOSE, labels={DIALOGS: "Cancel"},
       help="close the dialog (cancel: nothing is written)"),
    _a("clear", "escape", "Clear selection/find", PANE, group=CLOSE,
       help="clear the selection, then the find highlight"),
    # Moving in lists and panes.
    _a("up", "up,k", "Up", PROCESS_LIST, CONVERSATION, STATS, MODELS, PANE, COMPARE, show=False,
       help="move up"),
    _a("down", "down,j", "Down", PROCESS_LIST, CONVERSATION, STATS, MODELS, PANE, COMPARE,
       show=False,
       help="move down; near the end of the list the next page loads"),
    _a("page_up", "pageup,b", "Page up", PROCESS_LIST, CONVERSATION, STATS, MODELS, PANE,
       COMPARE, show=False),
    _a("page_down", "pagedown,space", "Page down", PROCESS_LIST, CONVERSATION, STATS, PANE,
       COMPARE, show=False),
    # Space is the models' Active on/off: their list pages down with PgDn alone.
    _a("list_page_down", "pagedown", "Page down", MODELS, show=False),
    _a("first", "home", "First row", PROCESS_LIST, CONVERSATION, STATS, MODELS, PANE,
       COMPARE, show=False,
       labels={PANE: "Top", CONVERSATION: "First interaction", COMPARE: "Top"}),
    _a("last", "G,end", "Last row (loads more)", PROCESS_LIST, CONVERSATION, STATS, MODELS,
       PANE, SEARCH, COMPARE, show=False,
       labels={PANE: "Bottom", COMPARE: "Bottom",
               SEARCH: "Last loaded hit (loads the next page)",
               STATS: "Last row", MODELS: "Last row", CONVERSATION: "Last interaction"},
       help="the last row, hit or line (the next page loads)"),
    _a("scroll_left", "left", "Scroll left", PROCESS_LIST, CONVERSATION, STATS, MODELS,
       show=False,
       help="the screenful of columns before"),
    _a("scroll_right", "right", "Scroll right", PROCESS_LIST, CONVERSATION, STATS, MODELS,
       show=False,
       help="the next screenful of columns (the id stays)"),
    _a("open", "enter", "Open", PROCESS_LIST, HEALTH, STATS, MODELS, show=False,
       labels={HEALTH: "Open instance", STATS: "Its processes", MODELS: "Edit"},
       help="open the conversation (Stats: the process list filtered to the row)"),
    # The process list.
    _a("filter", "f,slash", "Filter", PROCESS_LIST, MODELS,
       help="filter: `provider:openai model:gpt-4o since:2026-11-01 id:PREFIX` (models: "
            "by provider, name or version)"),
    _a("refresh", "r", "Refresh", PROCESS_LIST, MODELS, HEALTH, STATS, hidden_in=(MODELS,),
       labels={HEALTH: "Run again"}, help="read again (the list from the newest activity)"),
    _a("mark", "x", "Mark", CONVERSATION, SEARCH, show=False,
       help="mark this interaction (a search: the hit's) to compare another with it (X)"),
    _a("compare", "X", "Compare", CONVERSATION, SEARCH, show=False,
       help="compare this interaction with the marked one (prompt with prompt, response "
            "with response)"),
    _a("previous_run", "P", "Previous run", CONVERSATION, show=False,
       help="compare with the previous run of this activity (in another instance of the "
            "same process definition, else earlier in this process)"),
    _a("transcript", "T", "Transcript", CONVERSATION, show=False,
       help="the whole process as one chat: system, user, assistant, in order, whole"),
    _a("request", "u", "Request", CONVERSATION, show=False,
       help="the request as the model received it: the system rows and the input, with "
            "the answer's token usage"),
    _a("layout", "w", "Side by side", COMPARE, show=False,
       help="side by side or unified (below 120 columns: unified)"),
    _a("unfold", "a", "All lines", COMPARE, show=False,
       help="show the unchanged lines folded away, or fold them again"),
    _a("follow", "F", "Follow", PROCESS_LIST, CONVERSATION, hidden_in=(CONVERSATION,),
       help="show rows as ProcOS stores them, marked ● and counted (F again stops; "
            "--follow starts so)"),
    # The conversation.
    _a("find", "slash", "Find", CONVERSATION, help="find in the pane (n / N: next, previous)"),
    _a("view", "v", "View", CONVERSATION, COMPARE, labels={COMPARE: "Text / JSON"},
       help="view: cycle rendered, raw, JSON (compare: the texts, or the JSON by path)"),
    _a("view_rendered", "1", "Rendered view", CONVERSATION, show=False),
    _a("view_raw", "2", "Raw text view", CONVERSATION, show=False),
    _a("view_json", "3", "JSON view", CONVERSATION, show=False),
    _a("copy", "y", "Copy", CONVERSATION, help="copy the pane or the selected lines"),
    _a("copy_exact", "Y", "Copy exact bytes (asks when controls)", CONVERSATION, show=False,
       help="copy the exact bytes, controls included (asks first)"),
    _a("pager", "o", "Pager", CONVERSATION, help="the pane in $PAGER"),
    _a("export", "e", "Export", CONVERSATION,
       help="export to a file (a dialog; Enter on the proposed name asks once more)"),
    _a("zoom", "z", "Zoom", CONVERSATION, help="zoom the pane (Esc or z again: back)"),
    _a("retry", "R", "Retry load", CONVERSATION, help="retry a load that failed"),
    _a("next_interaction", "right_square_bracket,ctrl+down", "Next interaction",
       CONVERSATION, show=False, key_display="]"),
    _a("previous_interaction", "left_square_bracket,ctrl+up", "Previous interaction",
       CONVERSATION, show=False, key_display="["),
    _a("next_process", "greater_than_sign", "Next process", CONVERSATION,
       key_display=">", show=False, help="the next process instance in the list's order and filter "
       "(without going back to the list)"),
    _a("previous_process", "less_than_sign", "Previous process", CONVERSATION,
       key_display="<", show=False,
       help="the previous process instance in the list's order and filter"),
    _a("copy_id", "c", "Copy id", CONVERSATION, show=False,
       help="copy the process instance id (OSC 52)"),
    _a("cockpit", "C", "Cockpit", CONVERSATION, show=False,
       help="open the instance in Camunda Cockpit (config.toml's cockpit_url; the id in the "
            "heading is the same link)"),
    _a("prompt_pane", "p", "Prompt pane", CONVERSATION, show=False),
    _a("response_pane", "r", "Response pane", CONVERSATION, show=False),
    _a("interactions", "i", "Interactions list", CONVERSATION, show=False),
    # A text pane.
    _a("next_match", "n", "Next match", PANE, COMPARE, show=False,
       labels={COMPARE: "Next change"}),
    _a("previous_match", "N", "Previous match", PANE, COMPARE, show=False,
       labels={COMPARE: "Previous change"}),
    _a("select", "V", "Select lines", PANE, show=False,
       help="select lines (then ↑ ↓); Esc clears"),
    # Search.
    _a("search_mode", "ctrl+t", "Mode", SEARCH, help="mode: substring, fuzzy, regex"),
    _a("edit_query", "ctrl+l", "Edit query", SEARCH, show=False),
    _a("rerun", "ctrl+r", "Run again", SEARCH, show=False),
    _a("to_hits", "down", "To the hits", SEARCH, show=False),
    # Models.
    _a("new", "n", "New", MODELS, help="new model (a form; nothing is written before its "
       "preview is confirmed)"),
    _a("edit", "e", "Edit", MODELS),
    _a("new_version", "c", "New version", MODELS),
    _a("toggle_active", "space", "Active on/off", MODELS, help="retire or reactivate the model "
       "(asks first)"),
    _a("delete", "d", "Delete", MODELS, help="delete (asks first)"),
    _a("sort", "o", "Sort", PROCESS_LIST, MODELS,
       help="sort (the list: choose the column; models: the next order)"),
    _a("reverse_sort", "O", "Reverse sort", PROCESS_LIST, show=False,
       help="the list's sort the other way round"),
    # Health.
    _a("cut_view", "v", "Cut copy", HEALTH, help="show side by side where the Camunda copy "
       "ends and what it lost"),
    _a("optimize", "o", "Camunda indexes", HEALTH, help="create Camunda indexes "
       "(asks first)"),
    _a("analyze", "a", "Analyse", HEALTH, help="run ANALYZE on the AI tables (asks first; "
       "not with --read-only), then check again"),
    # Stats.
    _a("group_by", "v", "By", STATS,
       help="group by the next of model, provider, activity, definition (v cycles, as views do)"),
    _a("widen", "plus,equals_sign", "Wider", STATS, key_display="+",
       help="a longer window (1 h, 6 h, 24 h, 7 d, 30 d, 90 d, 365 d)"),
    _a("narrow", "minus", "Narrower", STATS, key_display="-", help="a shorter window"),
    _a("earlier", "left_square_bracket", "Earlier", STATS, key_display="[",
       help="the window before this one"),
    _a("later", "right_square_bracket", "Later", STATS, key_display="]",
       help="the window after this one"),
    # Dialogs.
    _a("save_form", "ctrl+s", "Save (preview first)", DIALOGS,
       help="model form: check and preview the save"),
)


class KeymapError(ValueError):
    """A keymap that cannot be used; the message is one line for the user."""


_MODIFIERS = ("ctrl", "alt", "shift", "meta", "super", "hyper")
_NAMED = {"escape", "enter", "tab", "space", "backspace", "delete", "insert", "home", "end",
          "pageup", "pagedown", "up", "down", "left", "right",
          *(f"f{n}" for n in range(1, 25))}
# Textual's names for punctuation: the Unicode name, with its own short forms for a few.
_REPLACEMENTS = {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at",
                 "hyphen_minus": "minus", "plus_sign": "plus", "low_line": "underscore"}
_PUNCTUATION = {c: _REPLACEMENTS.get(n, n) for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
                for n in [unicodedata.name(c).lower().replace("-", "_").replace(" ", "_")]}
_PUNCTUATION_NAMES = set(_PUNCTUATION.values())


def normalize_key(key: str) -> str:
    """A key as Textual names it (`?` -> `question_mark`, `Ctrl+X` -> `ctrl+x`); KeymapError
    when it is no key Textual knows."""
    text = key.strip()
    if not text:
        raise KeymapError("an empty key")
    if len(text) == 1:
        if text.isascii() and text.isalnum():
            return text
        if text in _PUNCTUATION:
            return _PUNCTUATION[text]
        raise KeymapError(f"{key!r} is not a key")
    *mods, base = text.split("+")
    mods = [m.lower() for m in mods]
    if any(m not in _MODIFIERS for m in mods) or len(set(mods)) != len(mods):
        raise KeymapError(f"{key!r}: modifiers are {', '.join(_MODIFIERS)}")
    if len(base) == 1:
        base = normalize_key(base)
        if mods:
            base = base.lower()
    elif base.lower() in _NAMED or base.lower() in _PUNCTUATION_NAMES:
        base = base.lower()
    else:
        raise KeymapError(f"{key!r} is not a key Textual knows (for example q, G, ctrl+x, "
                          "f10, escape, slash)")
    return "+".join([*mods, base])


def display_key(key: str) -> str:
    """How the README and `keys` show a key: `?` for question_mark, `Ctrl+X`, `Esc`."""
    names = {"escape": "Esc", "enter": "Enter", "space": "space", "pageup": "PgUp",
             "pagedown": "PgDn", "home": "Home", "end": "End", "up": "↑", "down": "↓",
             "left": "←", "right": "→", "tab": "Tab"}
    chars = {v: k for k, v in _PUNCTUATION.items()}
    *mods, base = key.split("+") if len(key) > 1 else [key]
    shown = names.get(base) or chars.get(base) or (
        base.upper() if re.fullmatch(r"f\d+", base) or (mods and len(base) == 1) else base)
    return "+".join([m.capitalize() for m in mods] + [shown])


def collisions(actions: Iterable[Action]) -> list[str]:
    """Every key that means two things at one time: in one chain of contexts, two actions
    (not both of the Esc group) on one key. Empty when the keymap is sound."""
    actions = list(actions)
    problems: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for chain in CHAINS:
        screen = chain[-2] if len(chain) > 1 else chain[0]
        by_key: dict[str, list[Action]] = {}
        for action in actions:
            if set(action.where) & set(chain):
                for key in action.keys:
                    by_key.setdefault(key, []).append(action)
        for key, bound in by_key.items():
            distinct = {a.name: a for a in bound}
            if len(distinct) < 2 or all(a.group == CLOSE for a in distinct.values()):
                continue
            names = sorted(distinct)
            if (key, *names) in seen:
                continue
            seen.add((key, *names))
            local = [n for n in names if GLOBAL not in distinct[n].where]
            if local and len(local) < len(names):
                problems.append(f"{key} is the global {'/'.join(sorted(set(names) - set(local)))}"
                                f" but {'/'.join(local)} rebinds it on the {screen} screen")
            else:
                problems.append(f"{key} means both {' and '.join(names)} on the {screen} "
                                "screen")
    for action in actions:
        if not action.fixed:
            problems += [f"{key} is kept by Textual ({RESERVED[key]}): {action.name} cannot "
                         "take it" for key in action.keys if key in RESERVED]
    return list(dict.fromkeys(problems))


def parse_overrides(table: object) -> dict[str, tuple[str, ...]]:
    """config.toml's `[keys]` table: action = "key" or ["key", ...], strictly checked."""
    if not isinstance(table, Mapping):
        raise KeymapError("[keys] must be a table of action = \"key\" or [\"key\", ...]")
    known = {a.name: a for a in DEFAULTS}
    out: dict[str, tuple[str, ...]] = {}
    for name, value in table.items():
        if name not in known:
            raise KeymapError(f"[keys] names an unknown action {name!r} "
                              "(`procos-tui keys` lists them)")
        if known[name].fixed:
            raise KeymapError(f"[keys] {name}: Textual's own key, it cannot be rebound")
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not values \
                or not all(isinstance(v, str) for v in values):
            raise KeymapError(f"[keys] {name} must be a key or a non-empty list of keys")
        try:
            keys = tuple(dict.fromkeys(normalize_key(v) for v in values))
        except KeymapError as exc:
            raise KeymapError(f"[keys] {name}: {exc}") from None
        out[name] = keys
    return out


def effective(overrides: Mapping[str, tuple[str, ...]] | None = None) -> tuple[Action, ...]:
    """The defaults with the user's keys; KeymapError when the result has a collision."""
    overrides = overrides or {}
    actions = tuple(replace(a, keys=overrides[a.name], key_display=None)
                    if a.name in overrides else a for a in DEFAULTS)
    problems = collisions(actions)
    if problems:
        raise KeymapError(f"[keys]: {problems[0]}" + (f" (and {len(problems) - 1} more)"
                                                     if len(problems) > 1 else ""))
    return actions


def by_name(actions: Iterable[Action]) -> dict[str, Action]:
    return {a.name: a for a in actions}


def for_contexts(actions: Iterable[Action], contexts: Iterable[str]) -> list[Action]:
    """The actions of a screen's chain, its own context first, the global ones last."""
    order = list(contexts)
    chosen = [a for a in actions if set(a.where) & set(order)]
    return sorted(chosen, key=lambda a: min(order.index(w) for w in a.where if w in order))


def as_json(actions: Iterable[Action]) -> list[dict[str, object]]:
    return [{"action": a.name, "keys": list(a.keys), "where": list(a.where),
             "description": a.long} for a in actions]


def markdown_table(actions: Iterable[Action]) -> str:
    """The README's Keys table."""
    lines = ["| key | where | what | action |", "|---|---|---|---|"]
    for a in actions:
        keys = " ".join(f"`{display_key(k)}`" for k in a.keys)
        where = ", ".join("everywhere" if w == GLOBAL else w for w in a.where)
        lines.append(f"| {keys} | {where} | {a.long} | `{a.name}` |")
    return "\n".join(lines) + "\n"


def text_table(actions: Iterable[Action]) -> str:
    """`procos-tui keys`: one action a line."""
    actions = list(actions)
    rows = [(a.name, " ".join(display_key(k) for k in a.keys),
             ", ".join(a.where), a.long) for a in actions]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}"
                     for r in rows) + "\n"
