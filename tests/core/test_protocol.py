"""The SQLite `Store` is one implementation of the `SessionStore` protocol every client uses."""

from __future__ import annotations

import inspect

from agentsess_tui.core import Store
from agentsess_tui.core.protocol import SessionStore


def _members(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")}


def test_store_satisfies_the_protocol(store: Store) -> None:
    assert isinstance(store, SessionStore)
    checked: SessionStore = store  # mypy checks the same in core/store.py
    assert checked.now() == store.clock.now_ms()


def test_every_protocol_method_has_the_same_signature_on_the_store() -> None:
    methods = {
        name
        for name, value in vars(SessionStore).items()
        if not name.startswith("_") and inspect.isfunction(value)
    }
    assert len(methods) > 40
    for name in methods:
        expected = inspect.signature(getattr(SessionStore, name))
        # A forwarded method (core/facade.py) is its repository's method: read through it.
        actual = inspect.signature(inspect.unwrap(getattr(Store, name)))
        assert list(actual.parameters) == list(expected.parameters), name
        for param in expected.parameters.values():
            assert actual.parameters[param.name].default == param.default, (name, param.name)
            assert actual.parameters[param.name].kind == param.kind, (name, param.name)


def test_the_store_offers_nothing_public_beyond_the_protocol() -> None:
    # `db` is the SQLite connection owner, the one extra of this implementation.
    assert _members(Store) - _members(SessionStore) == set()
