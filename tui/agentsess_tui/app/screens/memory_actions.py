"""Memory actions of the main screen: add, edit and forget, through the core."""

from __future__ import annotations

from textual import on, work

from ...core.errors import AgentsessError
from ...core.text import one_line
from ..widgets.memory_inspector import MemoryInspector, MemoryList
from .live import LiveScreen
from .modals import MemoryDraft, MemoryModal


class MemoryActions(LiveScreen):
    # -- memories --------------------------------------------------------------------------

    def action_add_memory(self) -> None:
        session = self.selected
        if session is None:
            return

        def saved(draft: MemoryDraft | None) -> None:
            if draft is not None:
                self.save_memory(session.agent_id, None, draft)

        self.app.push_screen(MemoryModal(session.agent_id), saved)

    @on(MemoryInspector.EditRequested)
    def _edit_memory(self, event: MemoryInspector.EditRequested) -> None:
        memory = event.memory

        def saved(draft: MemoryDraft | None) -> None:
            if draft is not None:
                self.save_memory(memory.agent_id, memory.id, draft)

        self.app.push_screen(MemoryModal(memory.agent_id, memory), saved)

    @work(thread=True, exit_on_error=False, group="write")
    def save_memory(self, agent_id: str, memory_id: int | None, draft: MemoryDraft) -> None:
        store = self.agentsess.store
        try:
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
        except AgentsessError as error:
            self.ui(self.agentsess.show_error, error)
            return
        self.notify(
            f"{verb} #{memory.id} ({memory.type}): {one_line(memory.title, 40)}",
            title="Memory saved",
            markup=False,
        )
        self.ui(self.query_one(MemoryInspector).reload)

    @on(MemoryList.ForgetRequested)
    def _forget_memory(self, event: MemoryList.ForgetRequested) -> None:
        inspector = self.query_one(MemoryInspector)
        memory = inspector.memories.get(event.memory_id)
        if memory is None:
            return
        self._confirm(
            "Forget memory?",
            f"Forget #{memory.id} “{one_line(memory.title, 50)}”? It is marked deleted and no "
            "longer recalled.",
            "Forget",
            lambda: self.forget_memory(memory.id),
        )

    @work(thread=True, exit_on_error=False, group="write")
    def forget_memory(self, memory_id: int) -> None:
        try:
            self.agentsess.store.forget_memory(memory_id)
        except AgentsessError as error:
            self.ui(self.agentsess.show_error, error)
            return
        self.notify(f"Forgot memory #{memory_id}.", title="Memory")
        self.ui(self.query_one(MemoryInspector).reload)
