"""The indicators, one module each, registered by id."""

from __future__ import annotations

from models.indicators import (
    amount_outlier,
    benford,
    closed_without_reply,
    dissatisfied_closures,
    finance_corrections,
    late_disclosures,
    missing_periodic_items,
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
    )
}

__all__ = ["LEAD_TYPES", "REGISTRY", "Indicator"]
