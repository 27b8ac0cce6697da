"""Settings for the whole test suite."""

from __future__ import annotations

import os

# No display here or in CI: Qt renders offscreen (screenshots still work).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
