"""The Textual user interface: thin screens over procos_tui.db."""
