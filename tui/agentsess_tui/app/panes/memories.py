"""The memory pane: an agent's memories with full-text search, a type filter, a list and the
selected memory in detail; adding, editing and forgetting them. It owns the agent shown and
the memories listed. Every change goes through the core, in a thread worker."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from ...core.durations import format_ago
from ...core.models import MEMORY_TYPES, Memory
from ...core.phases import local_when
from ...core.search import snippet_parts
from ...core.text import one_line, visible
from ..messages import MemoriesLoaded, MemoryWritten, Notice
from ..workers import run_store_call

if TYPE_CHECKING:
    from ..app import AgentsessApp
    from ..screens.forms import MemoryDraft

LIST_LIMIT = 200


class MemoryList(OptionList):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select",
            "Edit",
            id="edit_memory",
            tooltip="Edit the selected memory",
        ),
        Binding(
            "delete",
            "forget",
            "Forget",
            id="forget_memory",
            tooltip="Forget the selected memory (asks first)",
        ),
        Binding("g", "first", "First", id="memory_first", show=False),
        Binding("G", "last", "Last", id="memory_last", show=False),
    ]

    class ForgetRequested(TextualMessage):
        def __init__(self, memory_id: int) -> None:
            super().__init__()
            self.memory_id = memory_id

    def action_forget(self) -> None:
        option = self.highlighted_option
        if option is not None and option.id is not None:
            self.post_message(self.ForgetRequested(int(option.id)))


class MemoryInspector(Vertical):
    """Shows the memories of one agent (the selected session's), or of every agent (`0`,
    as k9s shows all namespaces)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "0",
            "all_agents",
            "All agents",
            id="memory_all_agents",
            tooltip="Show the memories of every agent, or again only the selected one's",
        ),
    ]

    now: reactive[int] = reactive(0, repaint=False)  # read when listing, not drawn per tick
    # Every agent's memories instead of the selected session's agent's.
    all_agents: reactive[bool] = reactive(False, init=False)

    class EditRequested(TextualMessage):
        def __init__(self, memory: Memory) -> None:
            super().__init__()
            self.memory = memory

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.agent_id: str | None = None
        self.memories: dict[int, Memory] = {}
        self.snippets: dict[int, str] = {}
        self.reasons: dict[int, str] = {}  # why each search hit matched
        self._debounce: Timer | None = None
        self._built = False

    def build(self) -> None:
        """Mount the inspector's widgets the first time it is shown (not at start-up)."""
        if self._built:
            return
        self._built = True
        search = Input(placeholder="Search memories…", id="memory-search")
        search.cursor_blink = self.store_app.blink
        self.mount_all(
            [
                Static("", id="memory-title"),
                search,
                Select(
                    [(kind, kind) for kind in MEMORY_TYPES],
                    prompt="All types",
                    id="memory-type",
                ),
                MemoryList(id="memory-list"),
                Static("", id="memory-detail"),
            ]
        )

    @property
    def store_app(self) -> AgentsessApp:
        return cast("AgentsessApp", self.app)

    def show_agent(self, agent_id: str | None) -> None:
        if agent_id != self.agent_id:
            self.agent_id = agent_id
            if self._built:
                # A search typed for one agent means nothing for the next (k9s and lazygit
                # drop a filter when the context changes).
                self.query_one("#memory-search", Input).value = ""
                self.query_one("#memory-type", Select).clear()
            if self._built and self.display:
                self.reload()

    def action_all_agents(self) -> None:
        self.all_agents = not self.all_agents

    def watch_all_agents(self) -> None:
        self.reload()

    def focus_list(self) -> None:
        self.query_one(MemoryList).focus()

    def focus_search(self) -> None:
        self.query_one("#memory-search", Input).focus()

    @on(Input.Changed, "#memory-search")
    def _search_changed(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        delay = self.store_app.delays.memory_search
        if delay <= 0:
            self.reload()
        else:
            self._debounce = self.set_timer(delay, self.reload)

    @on(Select.Changed, "#memory-type")
    def _type_changed(self) -> None:
        self.reload()

    def reload(self) -> None:
        if not self._built:
            return
        title = self.query_one("#memory-title", Static)
        back = ("  m: back to the chat" if self.replaces_chat else "  m hides", "$text-muted")
        if self.all_agents:
            title.update(Content.assemble(("Memories of all agents", "bold"), back))
        elif self.agent_id is None:
            title.update(Content.styled("Memories — no agent selected", "$text-muted"))
            self.query_one(MemoryList).clear_options()
            self.query_one("#memory-detail", Static).update("")
            return
        else:
            title.update(
                Content.assemble(("Memories of ", "bold"), (self.agent_id, "bold $secondary"), back)
            )
        query = self.query_one("#memory-search", Input).value
        selected = self.query_one("#memory-type", Select).value
        kind = selected if isinstance(selected, str) else None
        self._load(None if self.all_agents else self.agent_id, query, kind)

    @property
    def replaces_chat(self) -> bool:
        """Too narrow to stand beside the chat: the inspector takes its place (app.tcss)."""
        return self.screen.has_class("-memories-replace")

    def _load(self, agent_id: str | None, query: str, kind: str | None) -> None:
        store = self.store_app.store

        def rows() -> list[tuple[Memory, str, str]]:
            if query.strip():
                # By words and meaning (core/semantic), on this worker thread: the first
                # search loads the model here, never on the UI thread.
                hits = store.search_memories(
                    query, agent_id=agent_id, type=kind, limit=LIST_LIMIT, mode="hybrid"
                )
                return [(hit.memory, hit.snippet, hit.why) for hit in hits]
            memories = store.list_memories(agent_id=agent_id, type=kind, limit=LIST_LIMIT)
            return [(memory, "", "") for memory in memories]

        run_store_call(
            self,
            rows,
            lambda found: MemoriesLoaded(agent_id, found),
            group="memories",
            exclusive=True,
        )

    @on(MemoriesLoaded)
    def _show(self, event: MemoriesLoaded) -> None:
        event.stop()
        if event.agent_id != (None if self.all_agents else self.agent_id):
            return
        rows = event.rows
        option_list = self.query_one(MemoryList)
        previous = option_list.highlighted_option
        previous_id = previous.id if previous is not None else None
        self.memories = {memory.id: memory for memory, _, _ in rows}
        self.snippets = {memory.id: snippet for memory, snippet, _ in rows}
        self.reasons = {memory.id: why for memory, _, why in rows if why}
        option_list.clear_options()
        option_list.add_options(
            [Option(self._prompt(memory), id=str(memory.id)) for memory, _, _ in rows]
        )
        if not rows:
            self.query_one("#memory-detail", Static).update(
                Content.styled("No memories match. Press a to add one.", "$text-muted")
            )
            return
        index = 0
        if previous_id is not None:
            index = next((i for i, (m, *_) in enumerate(rows) if str(m.id) == previous_id), 0)
        option_list.highlighted = index

    def _prompt(self, memory: Memory) -> Content:
        origin = memory.session_id[-6:] if memory.session_id else "—"
        agent = f"{one_line(memory.agent_id, 20)} · " if self.all_agents else ""
        return Content.assemble(
            (f"{memory.type:<12}", "$accent"),
            (one_line(memory.title, 60), ""),
            "\n",
            (
                f"#{memory.id} · {agent}from {origin} · {format_ago(self.now - memory.created_at)}",
                "$text-muted",
            ),
        )

    @on(OptionList.OptionHighlighted, "#memory-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        memory_id = int(event.option.id or 0)
        memory = self.memories.get(memory_id)
        if memory is not None:
            self.query_one("#memory-detail", Static).update(
                self._detail(memory, self.snippets.get(memory_id, ""))
            )

    @on(OptionList.OptionSelected, "#memory-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        memory = self.memories.get(int(event.option.id or 0))
        if memory is not None:
            self.post_message(self.EditRequested(memory))

    def _detail(self, memory: Memory, snippet: str) -> Content:
        parts: list[str | tuple[str, str]] = [
            (one_line(memory.title), "bold"),  # whole: the detail wraps
            "\n",
            (
                f"{memory.type} · {memory.status} · confidence {memory.confidence:.2f} · "
                f"agent {one_line(memory.agent_id, 40)}",
                "$text-muted",
            ),
            "\n",
        ]
        if memory.tags:
            parts += [("tags: " + ", ".join(visible(t) for t in memory.tags), "$secondary"), "\n"]
        if memory.supersedes:
            parts += [(f"supersedes #{memory.supersedes}", "$secondary"), "\n"]
        origin = memory.session_id or "deleted session"
        parts += [
            (f"from {origin}", "$text-muted"),
            "\n",
            (
                f"created {local_when(memory.created_at, self.now)} · "
                f"updated {local_when(memory.updated_at, self.now)}",
                "$text-muted",
            ),
            "\n\n",
        ]
        if snippet:
            why = self.reasons.get(memory.id)
            parts.append((f"match ({why}): " if why else "match: ", "$text-muted"))
            for text, hit in snippet_parts(snippet):
                parts.append((visible(text), "bold $accent") if hit else visible(text))
            parts.append("\n\n")
        parts.append(visible(memory.content))
        return Content.assemble(*parts)

    @property
    def selected_memory(self) -> Memory | None:
        option = self.query_one(MemoryList).highlighted_option
        if option is None or option.id is None:
            return None
        return self.memories.get(int(option.id))

    # -- changes ---------------------------------------------------------------------------

    def add_for(self, agent_id: str) -> None:
        from ..screens.forms import MemoryModal

        def saved(draft: MemoryDraft | None) -> None:
            if draft is not None:
                self._save(agent_id, None, draft)

        self.app.push_screen(MemoryModal(agent_id), saved)

    @on(EditRequested)
    def _edit(self, event: EditRequested) -> None:
        from ..screens.forms import MemoryModal

        memory = event.memory

        def saved(draft: MemoryDraft | None) -> None:
            if draft is not None:
                self._save(memory.agent_id, memory.id, draft)

        self.app.push_screen(MemoryModal(memory.agent_id, memory), saved)

    def _save(self, agent_id: str, memory_id: int | None, draft: MemoryDraft) -> None:
        store = self.store_app.store

        def save() -> MemoryWritten:
            if memory_id is None:
                memory = store.remember(
                    draft.content,
                    agent_id=agent_id,
                    type=draft.type,
                    title=draft.title,
                    tags=draft.tags,
                    confidence=draft.confidence,
                )
                verb = "Remembered"
            else:
                memory = store.update_memory(
                    memory_id,
                    content=draft.content,
                    title=draft.title or "",
                    type=draft.type,
                    tags=draft.tags,
                    confidence=draft.confidence,
                )
                verb = "Updated"
            return MemoryWritten(
                Notice(
                    "Memory saved",
                    f"{verb} #{memory.id} ({memory.type}): {one_line(memory.title, 40)}",
                )
            )

        run_store_call(self, save, lambda written: written, group="write")

    @on(MemoryList.ForgetRequested)
    def _forget(self, event: MemoryList.ForgetRequested) -> None:
        from ..screens.modals import confirm

        memory = self.memories.get(event.memory_id)
        if memory is None:
            return
        memory_id = memory.id

        def forget() -> MemoryWritten:
            self.store_app.store.forget_memory(memory_id)
            return MemoryWritten(Notice("Memory", f"Forgot memory #{memory_id}."))

        confirm(
            self.app,
            "Forget memory?",
            f"Forget #{memory.id} “{one_line(memory.title, 50)}”? It is marked deleted and no "
            "longer recalled.",
            "Forget",
            lambda: run_store_call(self, forget, lambda written: written, group="write"),
        )

    @on(MemoryWritten)
    def _written(self, event: MemoryWritten) -> None:
        event.stop()
        self.notify(event.notice.text, title=event.notice.title, markup=False)
        self.reload()
