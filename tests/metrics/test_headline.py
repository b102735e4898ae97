from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.headline import headline


def _months(*rows):
    return pl.DataFrame(
        [{"period_start": month, "same_day_reply_rate": rate} for month, rate in rows]
    )


def test_each_figure_has_its_change_on_the_month_and_the_year_before():
    months = _months(
        (dt.date(2025, 10, 1), 0.80),
        (dt.date(2026, 9, 1), 0.95),
        (dt.date(2026, 10, 1), 0.90),
    )
    (figure,) = headline(months, dt.date(2026, 10, 1), ["same_day_reply_rate"])
    assert (figure.value, figure.month_before, figure.year_before) == (0.90, 0.95, 0.80)
    assert figure.month_change() == "-5.0 个百分点"
    assert figure.year_change() == "+10.0 个百分点"
    assert figure.year_change(english=True) == "+10.0 pp"
    assert figure.target == 1.0


def test_no_year_before_where_the_data_does_not_reach_back_a_year():
    months = _months((dt.date(2025, 11, 1), 0.5), (dt.date(2026, 10, 1), 0.9))
    (figure,) = headline(months, dt.date(2026, 10, 1), ["same_day_reply_rate"])
    assert figure.year_before is None and figure.year_change() is None
    assert figure.month_before is None and figure.month_change() is None
    (january,) = headline(
        _months((dt.date(2025, 1, 1), 0.7), (dt.date(2026, 1, 1), 0.9)),
        dt.date(2026, 1, 1),
        ["same_day_reply_rate"],
    )
    assert january.year_change() == "+20.0 个百分点"  # across the turn of the year
