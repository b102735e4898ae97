"""A district's local practice: the constants of its rules that differ between places.

A district gives them in a settings file (`python -m etl load … --settings FILE`), a CSV
with the columns `key,value` (a `note` column, or any other, is kept for the reader and
ignored here). Keys left out keep their documented default; an unknown key, a repeated
one or a value out of range is refused, naming the file, row, key and value. The loader
keeps the file's values in the `settings` table; later loads without `--settings` keep
them.

The indicators read them as floors and rules: peers still set the bar wherever they do
worse than the rule, and where the local rule is not known the indicators still look
for the pattern itself (see models/indicators/split_payments.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

SETTINGS_DDL = """
CREATE TABLE IF NOT EXISTS settings (
    key VARCHAR NOT NULL,
    value DOUBLE NOT NULL,
    source VARCHAR NOT NULL,
    note VARCHAR
)"""


@dataclass(frozen=True)
class Setting:
    key: str
    unit: str  # yuan, hours or days
    zh: str
    en: str
    doc: str  # what it is, which indicators read it, and where the default comes from
    doc_zh: str
    minimum: float  # exclusive when `positive`, else inclusive
    maximum: float
    positive: bool = True


def _setting(default: float, **meta) -> float:
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class DistrictSettings:
    """The values in force: defaults, replaced by what the district's file gives."""

    approval_threshold: float = _setting(
        50_000.0,
        unit="yuan",
        zh="村级支出须经村民（代表）会议决议的金额",
        en="Village spending that needs the villagers' assembly",
        doc="A single payment at or above it needs the villagers' (representatives') "
        "assembly. split_payments looks for payments bunched just below it (and just below "
        "any round amount, for when the local figure is not configured). Default 50,000 "
        "yuan, the most common threshold in Liaoning's village regulations.",
        doc_zh="单笔支出达到该金额须经村民（代表）会议决议。拆分支付指标查找紧贴其下的多笔支付"
        "（也查找紧贴任一整数金额之下的，本地标准未配置时同样能发现）。默认 50,000 元。",
        minimum=0.0,
        maximum=100_000_000.0,
    )
    reply_hours: float = _setting(
        24.0,
        unit="hours",
        zh="留言回复时限",
        en="Time allowed for a first reply to a message",
        doc="slow_reply's floor: a village's median first reply must be slower than this "
        "(and than its peers and its own past) to count as slow. Default 24 hours: the "
        "platform's rule is a reply on the day of posting.",
        doc_zh="留言回复慢指标的下限：本村回复用时中位数须超过它（且超过同类村和本村以往）才算慢。"
        "默认 24 小时：平台要求当天回应。",
        minimum=0.0,
        maximum=24.0 * 60,
    )
    clearance_days: float = _setting(
        7.0,
        unit="days",
        zh="留言办结时限",
        en="Time allowed to clear a message",
        doc="slow_clearance's floor (median time to closure), and the age at which "
        "unanswered_messages counts a message with neither reply nor closure. Default "
        "7 days (the seeds' rule: messages cleared within 7 days).",
        doc_zh="留言办结慢指标的下限（办结用时中位数），也是留言无人回复指标计入一条留言的时长。"
        "默认 7 天（7天内动态清零）。",
        minimum=0.0,
        maximum=180.0,
    )
    review_hours: float = _setting(
        72.0,
        unit="hours",
        zh="街道审核时限",
        en="Time allowed for the street to review a disclosure",
        doc="slow_review's floor: the median hours from publication to the street's "
        "review. Default 72 hours (three days).",
        doc_zh="街道审核滞后指标的下限：发布到街道审核的用时中位数。默认 72 小时（三天）。",
        minimum=0.0,
        maximum=24.0 * 90,
    )
    late_days: float = _setting(
        7.0,
        unit="days",
        zh="公开逾期天数",
        en="Days past due before a disclosure counts as late",
        doc="late_disclosures counts an item published more than this many days after its "
        "catalogue due date as late. Default 7 days: a week's slack on top of the "
        "catalogue's own due days.",
        doc_zh="三务公开滞后指标把晚于目录规定期限超过该天数发布的事项计为逾期。"
        "默认 7 天：在目录期限之外再宽限一周。",
        minimum=0.0,
        maximum=365.0,
        positive=False,
    )
    missing_grace_days: float = _setting(
        30.0,
        unit="days",
        zh="定期事项判定未公开的宽限天数",
        en="Days past due before a periodic item counts as missing",
        doc="missing_periodic_items counts a periodic item as missing only this long "
        "after its due date, so that one published a little late is not taken for a "
        "missing one. Default 30 days.",
        doc_zh="定期公开事项逾期未公开指标只在到期该天数之后才把未发布的定期事项计为未公开，"
        "以免把稍有延迟的当作缺失。默认 30 天。",
        minimum=0.0,
        maximum=365.0,
    )

    pending_days: float = _setting(
        30.0,
        unit="days",
        zh="线索待核查督办天数",
        en="Days a lead may wait to be checked before follow-up",
        doc="The follow-up lists on the leads page and the overview name the leads still "
        "to check this many days after they were first raised. Default 30 days.",
        doc_zh="问题线索首次出现后超过该天数仍为待核查的，列入督办清单（问题线索页、总览）。"
        "默认 30 天。",
        minimum=0.0,
        maximum=365.0,
    )

    def with_values(self, values: dict[str, float]) -> DistrictSettings:
        return replace(self, **values)

    def differs(self) -> dict[str, float]:
        """The values that are not the defaults."""
        default = DistrictSettings()
        return {
            s.key: getattr(self, s.key)
            for s in SETTINGS.values()
            if getattr(self, s.key) != getattr(default, s.key)
        }


SETTINGS: dict[str, Setting] = {
    f.name: Setting(key=f.name, **f.metadata) for f in fields(DistrictSettings)
}
DEFAULTS = DistrictSettings()


class SettingsError(ValueError):
    """A settings file that cannot be used; the message names file, row, key and value."""


def _where(path: Path | str, row: int, key: str, value: str) -> str:
    return f"{path}: row {row}, key {key!r}, value {value!r}"


def parse_settings(path: Path | str, rows: list[tuple[int, str, str]]) -> dict[str, float]:
    """The values of a settings file's `(row number, key, value)` rows, checked: every key
    known and given once, every value a number in its range (thousands separators allowed)."""
    values: dict[str, float] = {}
    for row, raw_key, raw_value in rows:
        key, text = (raw_key or "").strip(), (raw_value or "").strip()
        if not key and not text:
            continue  # a blank line
        if key not in SETTINGS:
            known = ", ".join(SETTINGS)
            raise SettingsError(f"{_where(path, row, key, text)}: unknown key; known: {known}")
        if key in values:
            raise SettingsError(f"{_where(path, row, key, text)}: key given twice")
        setting = SETTINGS[key]
        try:
            value = float(text.replace(",", "").replace("，", ""))
            if not math.isfinite(value):
                raise ValueError
        except ValueError:
            raise SettingsError(
                f"{_where(path, row, key, text)}: not a number ({setting.unit})"
            ) from None
        low_ok = value > setting.minimum if setting.positive else value >= setting.minimum
        if not low_ok or value > setting.maximum:
            bound = ">" if setting.positive else "≥"
            raise SettingsError(
                f"{_where(path, row, key, text)}: out of range; must be {bound} "
                f"{setting.minimum:g} and ≤ {setting.maximum:g} {setting.unit}"
            )
        values[key] = value
    return values
