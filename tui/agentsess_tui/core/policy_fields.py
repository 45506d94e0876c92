"""The names of the policy fields, without the pydantic model (cheap to import).

`policy.py` checks at import time that this list and the model agree.
"""

POLICY_FIELDS: tuple[str, ...] = (
    "window_minutes",
    "auto_renew",
    "max_lifetime_minutes",
    "warning_minutes",
    "extend_step_minutes",
    "single_active",
)
