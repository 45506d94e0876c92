"""`forward`: a `Store` method that is one of its repositories' methods, written once.

`remember = forward("_memories", MemoryRepo.remember)` makes `store.remember` the bound
`store._memories.remember`, typed exactly as it (mypy reads the signature through the
ParamSpec, so the `SessionStore` protocol check still holds) and with sqlite3 errors turned
into ours, naming the store's file. It is bound once per store, on first use. The signature
and its defaults live in the repository only; `SessionStore` states them for other
implementations, and a test compares the two.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from .sqlite_errors import translate

P = ParamSpec("P")
R = TypeVar("R")


class forward(Generic[P, R]):
    def __init__(self, owner: str, method: Callable[Concatenate[Any, P], R]) -> None:
        self.owner = owner
        self.name = method.__name__
        self.__wrapped__ = method  # inspect.signature(Store.remember) reads the repository's
        self.__doc__ = method.__doc__

    @overload
    def __get__(self, store: None, cls: type) -> forward[P, R]: ...
    @overload
    def __get__(self, store: object, cls: type) -> Callable[P, R]: ...
    def __get__(self, store: object | None, cls: type) -> Any:
        if store is None:
            return self
        method: Callable[P, R] = getattr(getattr(store, self.owner), self.name)
        path = getattr(store, "path", None)

        @wraps(method)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return method(*args, **kwargs)
            except sqlite3.Error as exc:
                raise translate(exc, path) from None

        # Kept on the store: the next `store.remember` is a plain attribute, not this again
        # (a descriptor without __set__ yields to the instance's own attributes).
        vars(store)[self.name] = call
        return call
