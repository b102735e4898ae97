from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.attention import needing_attention, with_change

SEP, OCT = dt.date(2024, 9, 1), dt.date(2024, 10, 1)


def test_flags_low_registration_and_falling_activity_only():
    frame = pl.DataFrame(
        {
            "region_code": ["A", "A", "B", "B", "C", "C", "D", "D"],
            "name": ["甲", "甲", "乙", "乙", "丙", "丙", "丁", "丁"],
            "period_start": [SEP, OCT] * 4,
            "registration_rate": [0.995, 0.985, 0.999, 0.999, 0.999, 0.999, 0.999, 0.9995],
            "activity_rate": [0.30, 0.31, 0.35, 0.29, 0.30, 0.26, None, 0.30],
            "residents": [100] * 8,
        }
    )
    changed = with_change(frame, OCT, SEP, ["registration_rate", "activity_rate"])
    flagged = needing_attention(changed)
    assert flagged.get_column("region_code").to_list() == ["A", "B"]  # C fell 4 points only
    rows = {r["region_code"]: r for r in flagged.iter_rows(named=True)}
    assert rows["A"]["low_registration"] and not rows["A"]["falling_activity"]
    assert rows["B"]["falling_activity"] and not rows["B"]["low_registration"]
