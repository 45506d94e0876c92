"""The SQLite repositories behind `core.store.Store`, one per piece of state.

Each takes the `Database` (and the clock); a repository that needs another's rules is handed
that repository (composition, never inheritance). Nothing here is public: clients use `Store`.
"""
