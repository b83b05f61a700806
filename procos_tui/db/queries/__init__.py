"""Every SQL statement procos-tui sends, named after the question it answers, one module per
question area:

- browsing: the server's facts, the process list, one instance's rows, Camunda's view of it;
- registry: the model registry (procos_ai_models), its usage and its guarded writes;
- search: which rows hold a term, in which order, a snippet around it; the fuzzy word list;
- health: `check`'s catalog, truncation suspects, Camunda copies and growth;
- export: every column of one instance's rows;
- schema: what the server says after init-db.sql ran;
- fragments: pieces the others share.

Column aliases are the names of the fields the rows become; the db modules bind them with
psycopg's row factories, never by position. Values travel as parameters only.
"""
