"""The Cockpit link of a process instance: config.toml's `cockpit_url` template, checked.

The id is stored text (hostile): it goes into the URL percent-encoded, every character but
the unreserved ones, so that the link the terminal gets (OSC 8) and the browser opens holds
nothing but the template's own characters and `%XX`.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

PLACEHOLDER = "{id}"

# Anything a terminal or a shell could read as more than a URL character.
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


class CockpitUrlError(ValueError):
    """A template that cannot be used; the message is one line for the user."""


def check_template(template: object) -> str:
    """The template as given, or CockpitUrlError saying what is wrong with it."""
    if not isinstance(template, str) or not template:
        raise CockpitUrlError("cockpit_url must be a string such as "
                              "\"https://cockpit.example/#/process-instance/{id}\"")
    if _UNSAFE.search(template):
        raise CockpitUrlError("cockpit_url holds spaces or control characters")
    if template.count(PLACEHOLDER) != 1:
        raise CockpitUrlError("cockpit_url must hold {id} exactly once (where the process "
                              "instance id goes)")
    if "{" in template.replace(PLACEHOLDER, "") or "}" in template.replace(PLACEHOLDER, ""):
        raise CockpitUrlError("cockpit_url: only {id} may be in braces")
    parts = urlsplit(template.replace(PLACEHOLDER, "x"))
    if parts.scheme.lower() not in ("http", "https"):
        raise CockpitUrlError("cockpit_url must start with http:// or https://")
    if not parts.netloc or PLACEHOLDER in template.split("//", 1)[1].split("/", 1)[0]:
        raise CockpitUrlError("cockpit_url needs a host, and {id} cannot be in it")
    return template


def cockpit_link(template: str, process_instance_id: str) -> str:
    """The template with the id percent-encoded in place of {id}."""
    return template.replace(PLACEHOLDER, quote(process_instance_id, safe=""))
