"""The chat's own keys: copy the last reply or its last code block, regenerate the last reply,
edit the last message you sent. Bound on the chat pane, so the footer shows them while the
prompt or the transcript has the focus.

They act on what the transcript shows (the last page of the open session). Copying asks the
terminal (OSC 52, Textual's `copy_to_clipboard`) and says so: the app cannot check it arrived.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from textual.binding import Binding, BindingType

from ...core.models import Message
from ..widgets.message_view import MessageView
from .replies import PendingReply

if TYPE_CHECKING:
    from .chat import ChatPane

CHAT_BINDINGS: list[BindingType] = [
    # `?` types itself in the prompt: the footer names the help's other key (the app's own
    # binding, same id, so a [keymap] remap of it moves both).
    Binding("f1", "app.show_help", "Help", id="help_f1", tooltip="Show all keys"),
    Binding(
        "ctrl+r",
        "regenerate",
        "Regenerate",
        id="chat_regenerate",
        tooltip="Ask for the last reply again (after a failure: retry); the earlier reply stays",
    ),
    Binding(
        "ctrl+g",
        "edit_last",
        "Edit last",
        id="chat_edit_last",
        tooltip="Put your last message back in the box, to change it and send it again",
    ),
    Binding(
        "ctrl+o",
        "copy_reply",
        "Copy reply",
        id="chat_copy_reply",
        tooltip="Ask the terminal to copy the last reply to the clipboard (OSC 52)",
    ),
    Binding(
        "ctrl+t",
        "copy_code",
        "Copy code",
        id="chat_copy_code",
        tooltip="Ask the terminal to copy the last code block of the last reply (OSC 52)",
    ),
]

# A fenced block: ``` or ~~~, an optional info string, the code, the same fence closing it.
_FENCE = re.compile(r"^[ ]{0,3}(```|~~~)[^\n]*\n(.*?)^[ ]{0,3}\1[ \t]*$", re.DOTALL | re.MULTILINE)


def last_code_block(markdown: str) -> str | None:
    blocks = _FENCE.findall(markdown)
    return blocks[-1][1] if blocks else None


def last_shown(pane: ChatPane, role: str) -> Message | None:
    """The newest message of `role` in the open session's transcript."""
    views = pane.transcript.query(MessageView)
    if pane.open_id is None or pane.transcript.session_id != pane.open_id:
        return None
    return next((v.message for v in reversed(list(views)) if v.message.role == role), None)


def copy(pane: ChatPane, text: str, what: str) -> None:
    from ..screens.session_dialogs import osc52_where

    pane.app.copy_to_clipboard(text)
    pane.notify(
        f"Asked the terminal to copy {what} ({len(text):,} characters) to the clipboard "
        f"(OSC 52): {osc52_where()}.",
        title="Sent to the terminal",
        timeout=8,
    )


def copy_reply(pane: ChatPane) -> None:
    reply = last_shown(pane, "assistant")
    if reply is None:
        pane.notify("There is no reply here to copy.", title="Nothing to copy")
        return
    copy(pane, reply.content, "the last reply")


def copy_code(pane: ChatPane) -> None:
    reply = last_shown(pane, "assistant")
    code = last_code_block(reply.content) if reply is not None else None
    if code is None:
        pane.notify("The last reply has no code block.", title="Nothing to copy")
        return
    copy(pane, code, "the last code block")


def regenerate(pane: ChatPane) -> None:
    session_id = pane.open_id
    if session_id is None:
        return
    replies = pane.replies
    if replies.is_replying(session_id):
        pane.notify("A reply is still coming: escape stops it.", title="Replying")
        return
    if replies.has_failed(session_id):
        replies.retry(session_id)
        return
    asked = last_shown(pane, "user")
    if asked is None:
        pane.notify("Send a message first: there is nothing to answer again.", title="No message")
        return
    last_id = pane.transcript.last_id or asked.id
    replies.start(PendingReply(session_id, asked.content, last_id))


def edit_last(pane: ChatPane) -> None:
    from .chat import as_typed

    sent = last_shown(pane, "user")
    if sent is None:
        pane.notify("You have sent nothing here yet.", title="Nothing to edit")
        return
    pane.chat_input.put(as_typed(sent.content))
    pane.chat_input.focus()
