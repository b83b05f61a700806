"""Pure logic shared by every screen: no Textual, no database, safe to unit-test in isolation."""
