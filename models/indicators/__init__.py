"""The indicators, one module each, registered by id."""

from __future__ import annotations

from models.indicators import (
    activity_bursts,
    activity_surge,
    amount_outlier,
    benford,
    closed_without_reply,
    crowded_minutes,
    dissatisfied_closures,
    finance_corrections,
    hollow_registrations,
    late_disclosures,
    missing_periodic_items,
    registration_bursts,
    repeat_after_closure,
    silent_admin,
    slow_clearance,
    slow_reply,
    slow_review,
    split_payments,
    unanswered_messages,
)
from models.indicators.base import LEAD_TYPES, Indicator

REGISTRY: dict[str, Indicator] = {
    module.INDICATOR.id: module.INDICATOR
    for module in (
        missing_periodic_items,
        unanswered_messages,
        silent_admin,
        slow_reply,
        slow_clearance,
        late_disclosures,
        slow_review,
        amount_outlier,
        split_payments,
        finance_corrections,
        closed_without_reply,
        dissatisfied_closures,
        repeat_after_closure,
        benford,
        # Padded figures: registration and activity (datastore/activity.py).
        activity_surge,
        activity_bursts,
        crowded_minutes,
        registration_bursts,
        hollow_registrations,
    )
}

# The indicators of padded registration and activity figures: a village with a lead on
# them has its figures noted in the rankings (models/padding.py).
PADDING = (
    "activity_surge",
    "activity_bursts",
    "crowded_minutes",
    "registration_bursts",
    "hollow_registrations",
)

__all__ = ["LEAD_TYPES", "PADDING", "REGISTRY", "Indicator"]
