"""Helpers shared by the screens that import no Textual, so they can be tested on their own."""
