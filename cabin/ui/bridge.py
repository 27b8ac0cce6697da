"""The one seam between the controller (no Qt) and the screens (Qt).

:class:`EventBridge` reads the controller's :attr:`~cabin.controller.Controller.events`
queue on the shared qasync loop and re-emits each event as a Qt signal, so a
screen connects to a signal and never touches asyncio's queue. :func:`async_slot`
turns an ``async def`` handler into a Qt slot (qasync's ``asyncSlot``) whose
task is kept in a :class:`Tasks` set: asyncio holds tasks only weakly, and a
slot task collected mid-measurement would silently stop the cuff's guidance.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

import qasync
from PyQt6.QtCore import QObject, pyqtSignal

from cabin.controller import IdleWarning, Live, StepFinished, UiEvent, VisitEnded
from cabin.errors import CabinError
from cabin.measure import Progress

__all__ = ["EventBridge", "HasTasks", "Tasks", "async_slot"]

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


class Tasks:
    """Strong references to the kiosk's running tasks, dropped as each one ends."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def keep(self, task: asyncio.Task[T]) -> asyncio.Task[T]:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def spawn(self, coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
        """Run ``coro`` on the loop, holding the task until it ends."""
        return self.keep(asyncio.get_running_loop().create_task(coro, name=name))

    def __len__(self) -> int:
        return len(self._tasks)

    async def cancel_all(self) -> None:
        """Cancel every task and wait for them (closing the kiosk)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class HasTasks(Protocol):
    @property
    def tasks(self) -> Tasks: ...


S = TypeVar("S", bound=HasTasks)


def async_slot(
    handler: Callable[Concatenate[S, P], Coroutine[Any, Any, None]],
) -> Callable[Concatenate[S, P], asyncio.Task[None]]:
    """Make ``async def handler(self, ...)`` a Qt slot whose task ``self.tasks`` keeps.

    A :class:`CabinError` (a double tap the visit no longer allows, a device
    gone) is logged and dropped: the resident's screen must not die of it.
    """

    @functools.wraps(handler)
    async def guarded(self: S, /, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await handler(self, *args, **kwargs)
        except CabinError as exc:
            log.warning("a screen action failed", extra={"error": type(exc).__name__})

    slot = qasync.asyncSlot()(guarded)

    def run(self: S, /, *args: P.args, **kwargs: P.kwargs) -> asyncio.Task[None]:
        task: asyncio.Task[None] = slot(self, *args, **kwargs)
        return self.tasks.keep(task)

    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


class EventBridge(QObject):
    """Controller events as Qt signals.

    Signals:
        progress(Progress), live(Live), finished(StepFinished), idle_warning(),
        visit_ended(str: how).
    """

    progress = pyqtSignal(object)
    live = pyqtSignal(object)
    finished = pyqtSignal(object)
    idle_warning = pyqtSignal()
    visit_ended = pyqtSignal(str)

    def __init__(self, events: asyncio.Queue[UiEvent], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._events = events

    async def run(self) -> None:
        """Forward events until cancelled."""
        while True:
            self.dispatch(await self._events.get())

    def dispatch(self, event: UiEvent) -> None:
        if isinstance(event, Live):
            self.live.emit(event)
        elif isinstance(event, Progress):
            self.progress.emit(event)
        elif isinstance(event, StepFinished):
            self.finished.emit(event)
        elif isinstance(event, IdleWarning):
            self.idle_warning.emit()
        elif isinstance(event, VisitEnded):
            self.visit_ended.emit(event.how)
