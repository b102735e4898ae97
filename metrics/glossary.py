"""Every metric's one definition, as the pages show it in help text and the exports document it.

Periods are calendar days or months in local time. "The end" of a period is its last
second; for a period still running it is the last moment of the loaded data. A rate whose
denominator is empty is null, shown as "—".

The daily 17:00 figures (`daily_*`, metrics/daily.py) cover the window from 17:00 the day
before to 17:00 that day, not the calendar day up to 17:00: the seed districts publish the
day's progress at 17:00 every day, so each report counts what happened since the previous
one, consecutive reports neither overlap nor leave out the evening, and a report's figures
never change once 17:00 has passed (nothing after the cut-off counts).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str
    zh: str
    en: str
    definition_zh: str
    definition_en: str
    unit: str  # "rate" (0–1), "count" or "hours"


# The fewest messages (and, for the satisfaction rate, rated messages) behind a rate for a
# unit to be ranked on it, and for a village's trend to draw it: below five, one message
# moves a rate by more than 20 points. The overview, the briefing and the village page all
# use this one value.
MIN_SAMPLE = 5

METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "registration_rate", "注册率", "Registration rate",
            "期末已注册且未注销的群众用户所属户数（按户号去重）÷ 户数。",
            "Distinct households of residents registered at or before the end and not "
            "cancelled at or before it ÷ households.",
            "rate",
        ),
        Metric(
            "activity_rate", "活跃度", "Activity rate",
            "期末在册的群众用户中，期内至少有一次访问的人数 ÷ 期末在册群众用户数。",
            "Residents registered at the end (not cancelled) with at least one activity "
            "event in the period ÷ those residents.",
            "rate",
        ),
        Metric(
            "feedback", "留言数", "Messages",
            "期内提交的群众留言条数。",
            "Messages submitted in the period.",
            "count",
        ),
        Metric(
            "same_day_reply_rate", "当日回应率", "Same-day reply rate",
            "期内提交的留言中，首次回复与提交在同一日历日的比例。",
            "Share of the period's messages whose first reply falls on the calendar date "
            "of submission.",
            "rate",
        ),
        Metric(
            "closed_7d_rate", "7日清零率", "7-day clearance rate",
            "期内提交的留言中，在提交后 7×24 小时内办结的比例。",
            "Share of the period's messages closed within 7 × 24 h of submission.",
            "rate",
        ),
        Metric(
            "median_reply_hours", "回复时长中位数（小时）", "Median reply time (hours)",
            "期内提交且已回复的留言，首次回复时间减提交时间（小时）的中位数；偶数条取中间两条的平均。",
            "Median of first reply − submission, in hours, over the period's replied "
            "messages (the mean of the middle two for an even count).",
            "hours",
        ),
        Metric(
            "satisfaction_rate", "满意率", "Satisfaction rate",
            "期内提交的留言中，（满意 + 基本满意）÷ 已评价条数（不含未评价）。",
            "(满意 satisfied + 基本满意 fairly satisfied) ÷ rated messages (未评价 excluded), "
            "over the period's messages.",
            "rate",
        ),
        Metric(
            "backlog", "期末未办结", "Open at the end",
            "期末已提交但尚未办结的留言条数。",
            "Messages submitted but not closed at the end.",
            "count",
        ),
        Metric(
            "overdue", "超期未办结", "Overdue",
            "期末未办结且已提交超过 7 天的留言条数。",
            "Messages open at the end that were submitted more than 7 days before it.",
            "count",
        ),
        Metric(
            "open_le_1d", "未办结：1天内", "Open ≤ 1 day",
            "期末未办结且提交不超过 1 天的留言。",
            "Messages open at the end, submitted at most 1 day before it.",
            "count",
        ),
        Metric(
            "open_1_7d", "未办结：1–7天", "Open 1–7 days",
            "期末未办结且提交超过 1 天、不超过 7 天的留言。",
            "Messages open at the end, submitted more than 1 and at most 7 days before it.",
            "count",
        ),
        Metric(
            "open_7_30d", "未办结：7–30天", "Open 7–30 days",
            "期末未办结且提交超过 7 天、不超过 30 天的留言。",
            "Messages open at the end, submitted more than 7 and at most 30 days before it.",
            "count",
        ),
        Metric(
            "open_gt_30d", "未办结：30天以上", "Open > 30 days",
            "期末未办结且提交超过 30 天的留言。",
            "Messages open at the end, submitted more than 30 days before it.",
            "count",
        ),
        Metric(
            "disclosures_party", "党务公开", "Party disclosures",
            "期内发布且未撤回的党务公开条数。",
            "Party-affairs disclosures published in the period and not withdrawn.",
            "count",
        ),
        Metric(
            "disclosures_village", "村（居）务公开", "Village disclosures",
            "期内发布且未撤回的村务、居务公开条数。",
            "Village- and residential-affairs disclosures published in the period and not "
            "withdrawn.",
            "count",
        ),
        Metric(
            "disclosures_finance", "财务公开", "Finance disclosures",
            "期内发布且未撤回的财务公开条数。",
            "Finance disclosures published in the period and not withdrawn.",
            "count",
        ),
        Metric(
            "on_time_rate", "按时公开率", "On-time rate",
            "期内发布且未撤回、可确定期限的公开中，在期限前发布的比例。期限：定期事项为所属期间最后一天"
            " 23:59:59 加事项的公开时限天数；事件类事项为事件日期当天结束加时限天数。",
            "Share of the period's non-withdrawn disclosures with a due time that were "
            "published at or before it: the end of their period (last day, 23:59:59) plus "
            "the item's due_days for periodic items, the end of the event's date plus "
            "due_days for event items.",
            "rate",
        ),
        Metric(
            "completeness", "公开完整率", "Completeness",
            "期内到期的定期事项（村 × 事项 × 所属期间）中，期末前已有未撤回公开的比例。",
            "Share of the periodic (village, item, period) falling due in the period that "
            "have a non-withdrawn disclosure published by the end.",
            "rate",
        ),
        Metric(
            "petitions", "信访举报", "Petitions and reports",
            "期内受理的信访举报件数（含检举控告）。",
            "Petitions and reports received in the period (accusations included).",
            "count",
        ),
        Metric(
            "accusations", "检举控告", "Accusations",
            "期内受理的检举控告件数。",
            "Accusations received in the period.",
            "count",
        ),
        Metric(
            "petitions_yoy", "信访举报同比", "Petitions, year on year",
            "（本期件数 − 上年同期件数）÷ 上年同期件数。",
            "(This period's petitions − the same period a year before) ÷ the latter.",
            "rate",
        ),
        Metric(
            "accusations_yoy", "检举控告同比", "Accusations, year on year",
            "（本期件数 − 上年同期件数）÷ 上年同期件数。",
            "(This period's accusations − the same period a year before) ÷ the latter.",
            "rate",
        ),
        Metric(
            "three_rates_score", "“三率”综合得分", "Three-rates score",
            "当日回应率、7日清零率、满意率的加权和（默认权重 30/35/35），满分 100。参与排名须"
            f"期内留言和已评价留言各不少于 {MIN_SAMPLE} 条；不足的单位照列其比率和得分（无样本"
            "的比率不计，其余权重按比例放大），标“仅供参考”，不排名次。",
            "Weighted sum of the same-day reply, 7-day clearance and satisfaction rates "
            "(default weights 30/35/35), out of 100. A unit is ranked when it has at least "
            f"{MIN_SAMPLE} messages and {MIN_SAMPLE} rated ones in the period; others are "
            "listed with their rates and score (a rate without a sample left out, the other "
            "weights scaled up), marked for reference only, and not ranked.",
            "count",
        ),
        # The daily 17:00 ranking: "the window" is 17:00 the day before to 17:00 that day.
        Metric(
            "daily_published", "当日发布公开", "Published that day",
            "统计时段（前一日 17:00 至当日 17:00，下同）内发布且未撤回的公开条数，各类别、各事项"
            "（含事件类）都计。",
            "Disclosures published in the window (17:00 the day before to 17:00 that day, as "
            "for every daily figure) and not withdrawn, of any category and item, event items "
            "included.",
            "count",
        ),
        Metric(
            "daily_due_items", "应公开事项", "Items due",
            "公开期限最后一天不晚于当日、且统计时段开始时尚无未撤回公开的定期事项（村 × 事项 × "
            "所属期间）：当日到期的和已逾期仍未公开的。只计期限在数据起始日及以后的事项（此前的"
            "公开无从查证）；事件类事项事先不知其有无，不计。",
            "Periodic (village, item, period) whose deadline is that day or earlier and that had "
            "no non-withdrawn disclosure when the window began: those due that day and those "
            "overdue and still missing. Only deadlines on or after the data's first day count "
            "(earlier publications are unknown); event items cannot be known beforehand and "
            "do not count.",
            "count",
        ),
        Metric(
            "daily_due_published", "已公开事项", "Items due, published",
            "应公开事项中在当日 17:00 前已发布的项数。",
            "Items due that were published before 17:00 that day.",
            "count",
        ),
        Metric(
            "daily_disclosure_rate", "应公开完成率", "Due items published",
            "已公开事项 ÷ 应公开事项。",
            "Items due, published ÷ items due.",
            "rate",
        ),
        Metric(
            "daily_replies_due", "应当日回应", "Replies due",
            "当天回应期限（提交当日 24 时）在统计时段内届满的留言条数，即前一日提交的留言：17 时"
            "判定时期限已过，结论不会再变；当日提交的留言期限未到，次日再判定。",
            "Messages whose same-day reply deadline (midnight after the day of submission) "
            "passed in the window, i.e. those submitted the day before: at 17:00 their deadline "
            "is over and the verdict final; that day's messages are judged the next day.",
            "count",
        ),
        Metric(
            "daily_same_day_replies", "当日回应", "Replied the same day",
            "应当日回应的留言中，首次回复与提交在同一日历日的条数。",
            "Replies due whose first reply fell on the calendar day of submission.",
            "count",
        ),
        Metric(
            "daily_reply_rate", "当日回应率（日）", "Same-day replies (day)",
            "当日回应 ÷ 应当日回应。",
            "Replied the same day ÷ replies due.",
            "rate",
        ),
        Metric(
            "daily_overdue", "超期留言", "Overdue messages",
            "统计时段内任一时刻处于超期（已提交超过 7×24 小时仍未办结）的留言条数。",
            "Messages overdue (submitted more than 7 × 24 hours before and not closed) at any "
            "instant of the window.",
            "count",
        ),
        Metric(
            "daily_overdue_cleared", "超期清零", "Overdue cleared",
            "超期留言中在当日 17:00 前办结的条数。",
            "Overdue messages closed before 17:00 that day.",
            "count",
        ),
        Metric(
            "daily_overdue_clearance_rate", "超期清零率", "Overdue cleared (rate)",
            "超期清零 ÷ 超期留言。",
            "Overdue cleared ÷ overdue messages.",
            "rate",
        ),
        Metric(
            "daily_overdue_left", "仍超期", "Still overdue",
            "当日 17:00 时超期未办结的留言条数。",
            "Messages overdue at 17:00 that day.",
            "count",
        ),
        Metric(
            "daily_new_registrations", "新增注册", "New registrations",
            "统计时段内注册、当日 17:00 时仍在册的群众用户数。",
            "Residents registered in the window and still registered at 17:00 that day.",
            "count",
        ),
        Metric(
            "daily_new_households", "新增注册户", "Newly registered households",
            "统计时段开始时没有在册群众用户、当日 17:00 时有的户数。",
            "Households with no registered resident when the window began and one at 17:00 "
            "that day.",
            "count",
        ),
        Metric(
            "daily_score", "日工作得分", "Day's score",
            "应公开完成率、当日回应率（日）、超期清零率的等权平均 × 100，只平均当日有应办事项（分母"
            "大于 0）的几项；三项都无应办事项的单位标为“当日无应办事项”，不参与排名。新增注册只列示"
            "不计分：注册率已近饱和，当日新增多为已注册户的家庭成员，多少取决于单位大小和尚未注册的"
            "户数，不宜在单位之间比较。名次变化较前一日。",
            "100 × the equally weighted mean of items due published, same-day replies (day) and "
            "overdue cleared, over those with something due (a non-empty denominator); a unit "
            "with nothing due in any is marked ‘nothing due’ and not ranked. New registrations "
            "are listed, not scored: registration is near complete, most new accounts are "
            "family members of registered households, and their number depends on a unit's "
            "size and the households left, so it does not compare across units. Rank change "
            "on the day before.",
            "count",
        ),
    )
}  # fmt: skip

# What the district aims for, shown beside the headline figures. The reply and clearance
# targets are the platform's rules (a reply the same day, cleared within 7 days); the
# others follow the seed district's reported figures.
TARGETS: dict[str, float] = {
    "registration_rate": 0.99,
    "activity_rate": 0.30,
    "same_day_reply_rate": 1.0,
    "closed_7d_rate": 1.0,
    "satisfaction_rate": 0.95,
    "on_time_rate": 0.95,
    "completeness": 1.0,
}


def format_change(value: float | None, before: float | None, english: bool = False) -> str | None:
    """A rate's change on an earlier period, in percentage points (个百分点); None when
    either is unknown."""
    if value is None or before is None:
        return None
    return f"{(value - before) * 100:+.1f}{' pp' if english else ' 个百分点'}"


def format_value(metric: str, value: float | None) -> str:
    """A metric's value as the pages show it: rates in percent, hours to a tenth, "—" for
    none."""
    if value is None:
        return "—"
    unit = METRICS[metric].unit
    if unit == "rate":
        return f"{value:.1%}"
    if unit == "hours":
        return f"{value:.1f}"
    return f"{value:,}"
