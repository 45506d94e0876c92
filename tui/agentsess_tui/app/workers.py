"""The one way the app runs a blocking store call: in a thread worker that posts its answer.

The call runs off the UI thread; its result becomes a message (or nothing), a core error
becomes `StoreFailed` (or the message `failed` makes of it). Handlers on the UI thread do
the rest, so no worker ever touches a widget or waits for the UI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from textual.dom import DOMNode
from textual.message import Message
from textual.worker import Worker

from ..core.errors import AgentsessError
from .messages import StoreFailed

T = TypeVar("T")


def run_store_call(
    node: DOMNode,
    call: Callable[[], T],
    answer: Callable[[T], Message | Sequence[Message] | None],
    *,
    group: str,
    exclusive: bool = False,
    failed: Callable[[AgentsessError], Message] = StoreFailed,
) -> Worker[None]:
    """Run `call()` in a thread; post `answer(result)` (a message, several, or none) or
    `failed(error)` to `node`. Unexpected errors end the worker in ERROR, which the app reports."""

    def work() -> None:
        try:
            result = call()
        except AgentsessError as error:
            node.post_message(failed(error))
            return
        answered = answer(result)
        if isinstance(answered, Message):
            answered = [answered]
        for message in answered or ():
            node.post_message(message)

    return node.run_worker(work, thread=True, group=group, exclusive=exclusive, exit_on_error=False)
