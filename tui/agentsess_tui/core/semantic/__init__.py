"""Recall by meaning: embeddings, their storage beside each memory, hybrid ranking and
consolidation.

Each module takes a `sqlite3.Connection` and plain values, never the store, so it does not
depend on how the store is put together. numpy and the model are imported inside functions:
importing this package (and so the core, the CLI and the TUI) stays as fast as before; the
first semantic query pays for them.
"""
