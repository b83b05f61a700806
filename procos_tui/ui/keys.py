"""The keymap (core/keymap.py) as Textual bindings: each screen and widget asks for its
context's actions by name and says which of its methods runs each.

Every binding carries its action's name as its id, so that the user's `[keys]` (the app's
Textual keymap) rebinds it wherever it is bound, and the footer, help and palette show the
keys in force.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.binding import Binding, BindingType

from procos_tui.core import keymap

# A node's bindings, as tests/unit/test_keymap.py checks them: class name -> (context,
# actions). Filled as each module's class body asks for its bindings.
REGISTRY: dict[str, tuple[str, tuple[str, ...]]] = {}

# A method name (Textual action string), or variants tried in order, each with the footer's
# label while it is the one that runs (a screen's check_action hides the others): Esc says
# "Unzoom" while zoomed and "Back" otherwise.
Target = str | Sequence[tuple[str, str]]


def bindings(node: str, context: str, targets: Mapping[str, Target]) -> list[BindingType]:
    actions = keymap.by_name(keymap.DEFAULTS)
    out: list[BindingType] = []
    for name, target in targets.items():
        action = actions[name]
        if context not in action.where:
            raise ValueError(f"{node}: the keymap has no {name} in {context}")
        variants = [(target, action.label(context))] if isinstance(target, str) else target
        for method, label in variants:
            out.append(Binding(",".join(action.keys), method, label,
                               show=action.shown_in(context), key_display=action.key_display,
                               id=name))
    REGISTRY[node] = (context, tuple(targets))
    return out


def textual_keymap(actions: Sequence[keymap.Action]) -> dict[str, str]:
    """The actions whose keys differ from the defaults, as App.set_keymap takes them."""
    defaults = keymap.by_name(keymap.DEFAULTS)
    return {a.name: ",".join(a.keys) for a in actions if a.keys != defaults[a.name].keys}
