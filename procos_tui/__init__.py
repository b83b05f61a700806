"""procos-tui: read, search and check the AI conversations ProcOS stores in PostgreSQL."""

__version__ = "0.1.0"
