"""The kiosk: PyQt6 screens over the controller, on one qasync loop.

Modules: :mod:`cabin.ui.app` (the process), :mod:`cabin.ui.kiosk` (the window),
:mod:`cabin.ui.bridge` (controller events as Qt signals), one module per group of
screens, :mod:`cabin.ui.widgets` and :mod:`cabin.ui.theme`. Every string comes
from :mod:`cabin.i18n`.
"""

from __future__ import annotations

from cabin.ui.app import display_available, run_kiosk, save_screen
from cabin.ui.bridge import EventBridge, Tasks, async_slot
from cabin.ui.identify import CardScanner
from cabin.ui.kiosk import Kiosk, KioskSettings, Session

__all__ = [
    "CardScanner",
    "EventBridge",
    "Kiosk",
    "KioskSettings",
    "Session",
    "Tasks",
    "async_slot",
    "display_available",
    "run_kiosk",
    "save_screen",
]
