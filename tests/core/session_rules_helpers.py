"""What the test_session_rules_*.py files share: a short policy whose window, warning and
lifetime cap are easy to reach with the manual clock."""

from __future__ import annotations

SHORT = {"window_minutes": 60, "warning_minutes": 10, "max_lifetime_minutes": 180}
