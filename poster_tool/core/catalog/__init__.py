"""The catalog in SQLite: ``store.PosterStore`` and one module per table group.

``connection`` holds the one connection (private to this package) and its transactions;
``titles``, ``posters``, ``edits``, ``labels``, ``embeddings``, ``profiles``, ``runs``,
``crawl`` and ``audit`` each hold the SQL of their tables behind a small typed API, and
``store.PosterStore`` brings them together.
"""
