"""The headless data layer: connections, SQL and typed results. Imports no Textual."""
