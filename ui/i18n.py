"""UI text in Simplified Chinese (default) and English."""

from __future__ import annotations

import polars as pl
import streamlit as st

from etl.validate import REASONS

LANGUAGES = {"zh": "中文", "en": "English"}

TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("阳光三务监督看板", "Sunshine Three Affairs Supervision"),
    "language": ("语言", "Language"),
    "home": ("数据概况", "Data overview"),
    "demo_badge": (
        "演示数据：由生成器按苏家屯区的真实区划生成，不是真实平台数据。",
        "Demo data: generated over the real divisions of Sujiatun; not real platform data.",
    ),
    "building_demo": (
        "首次运行：正在生成并装载演示数据集，约需半分钟……",
        "First run: generating and loading the demo data set, about half a minute…",
    ),
    "no_database": (
        "还没有数据库。请运行 `python -m etl load 导出文件夹` 装载平台导出，"
        "或 `python -m etl demo`。",
        "No database yet. Run `python -m etl load EXPORT` to load a platform export, "
        "or `python -m etl demo`.",
    ),
    "tables_heading": ("库中数据", "Data in the database"),
    "tables_caption": (
        "各表当前记录数（截至最近一次装载，数据截至 {data_end}）",
        "Rows per table now (as of the latest load; data up to {data_end})",
    ),
    "latest_load": ("最近一次装载", "Latest load"),
    "latest_load_caption": (
        "第 {load_id} 次装载，{finished_at} 完成，用时 {seconds} 秒，来源：{source}",
        "Load {load_id}, finished {finished_at} in {seconds} s, from {source}",
    ),
    "quarantined_heading": ("隔离的问题行", "Rows kept aside"),
    "quarantined_caption": (
        "最近一次装载中违反规则而未入库的行，按原因计（一行只计一次）",
        "Rows of the latest load that broke a rule and were not loaded, by reason "
        "(each row counted once per reason)",
    ),
    "no_quarantine": ("最近一次装载没有问题行。", "The latest load kept no row aside."),
    "files_heading": ("装载的文件", "Files loaded"),
    "history_heading": ("装载历史", "Load history"),
    "history_caption": ("最近 100 次装载，每行一次", "The latest 100 loads, one row each"),
    "rows_read": ("读取行数", "Rows read"),
    "rows_inserted": ("新增", "Inserted"),
    "rows_updated": ("更新", "Updated"),
    "rows_unchanged": ("未变", "Unchanged"),
    "rows_superseded": ("被取代的旧版本/重复事件", "Superseded versions / repeated events"),
    "rows_quarantined": ("隔离", "Quarantined"),
    "metric_rows_read_help": (
        "本次装载从全部文件读取的数据行（不含空行和表头）",
        "Data rows read from all files of this load (blank rows and headers excluded)",
    ),
    "metric_quarantined_help": (
        "违反规则、留待核对而未入库的行",
        "Rows that broke a rule and were kept aside instead of loaded",
    ),
    "load_id": ("装载编号", "Load"),
    "started_at": ("开始时间", "Started"),
    "finished_at": ("完成时间", "Finished"),
    "source": ("来源", "Source"),
    "files": ("文件数", "Files"),
    "file": ("文件", "File"),
    "table_name": ("表", "Table"),
    "format": ("格式", "Format"),
    "reason": ("原因", "Reason"),
    "reason_code": ("原因代码", "Reason code"),
    "rows": ("行数", "Rows"),
    "table_regions": ("行政区划", "Regions"),
    "table_admins": ("管理员", "Administrators"),
    "table_users": ("注册用户", "Registered users"),
    "table_activity": ("访问事件", "Activity events"),
    "table_disclosures": ("三务公开", "Disclosures"),
    "table_feedback": ("群众留言", "Residents' messages"),
    "table_petitions": ("信访举报", "Petitions and reports"),
    "overview": ("总览", "Overview"),
    "briefing": ("会议简报", "Briefing"),
    "prepare_exports": (
        "生成导出文件（PDF、PPTX、图表 PNG）",
        "Prepare exports (PDF, PPTX, chart PNGs)",
    ),
    "download_pdf": ("下载 PDF", "Download PDF"),
    "download_pptx": ("下载 PPTX", "Download PPTX"),
    "download_png": ("下载图表 PNG（zip）", "Download chart PNGs (zip)"),
    "disclosures": ("三务公开", "Disclosures"),
    "disclosures_title": ("{scope} · {month} 三务公开", "{scope} · {month} disclosures"),
    "completeness_heatmap": (
        "本月到期定期事项公开完整率（事项 × 单位）",
        "Completeness of periodic items falling due this month (item × unit)",
    ),
    "no_due_items": ("本月没有到期的定期事项。", "No periodic item falls due this month."),
    "lateness_heading": (
        "本月发布的公开相对期限的天数（负数为提前）",
        "Days past due of this month's disclosures (negative: early)",
    ),
    "category_mix": ("公开类别构成", "Category mix"),
    "calendar_heading": (
        "村（社区）公开日历：应公开与实际公开",
        "A village's calendar: due against published",
    ),
    "item": ("事项", "Item"),
    "due_date": ("公开期限", "Due"),
    "published_date": ("实际公开", "Published"),
    "days_late": ("逾期天数", "Days late"),
    "registration": ("注册与活跃", "Registration and activity"),
    "registration_title": (
        "{scope} · {month} 注册与活跃",
        "{scope} · {month} registration and activity",
    ),
    "registration_caption": (
        "注册率按月末在册计；活跃度为月末在册群众中本月至少访问一次的比例；变化为较上月（百分点）。",
        "Registration at the month's end; activity is the share of residents on the books at "
        "the end who used the app in the month; change on the month before (points).",
    ),
    "by_unit": ("分单位情况", "By unit"),
    "attention_heading": (
        "需关注：注册率低于 99% 或活跃度较上月下降 5 个百分点以上",
        "Needing a look: registration below 99 % or activity down 5 points or more",
    ),
    "residents": ("在册群众", "Residents"),
    "change_pp": ("较上月（百分点）", "Change (points)"),
    "activity_by_unit": ("各单位活跃度", "Activity rate by unit"),
    "upload_heading": ("上传平台导出并装载", "Upload an export and load it"),
    "upload_help": (
        "平台导出的 .zip（含各表的 CSV/XLSX 文件）。装载要么全部成功，要么不改变任何数据；"
        "问题行会被隔离并在上方列出。",
        "A platform export as .zip (the tables' CSV/XLSX files). A load succeeds whole or "
        "changes nothing; rows that break a rule are kept aside and listed above.",
    ),
    "upload_button": ("装载", "Load"),
    "upload_done": (
        "第 {load_id} 次装载完成：读取 {read} 行，新增 {inserted}，"
        "更新 {updated}，隔离 {quarantined}。",
        "Load {load_id} done: {read} rows read, {inserted} inserted, {updated} updated, "
        "{quarantined} kept aside.",
    ),
    "upload_failed": (
        "未装载，数据未作任何改变：{error}",
        "Nothing was loaded; no data changed: {error}",
    ),
    "messages": ("群众留言", "Messages"),
    "messages_title": ("{scope} · {month} 群众留言", "{scope} · {month} messages"),
    "messages_caption": (
        "{month} 提交的留言（截至数据日期 {data_end}）；期末指标按月末计。",
        "Messages submitted in {month} (data up to {data_end}); end-of-month figures at its end.",
    ),
    "reply_distribution": ("首次回复用时分布（小时）", "Time to first reply (hours)"),
    "close_distribution": ("办结用时分布（小时）", "Time to closure (hours)"),
    "backlog_by_age": ("月末未办结留言（按已等待时长）", "Open at month end, by age"),
    "overdue_heading": (
        "超期未办结清单（截至数据日期，已超过 7 天）",
        "Overdue list (open over 7 days at the data date)",
    ),
    "topics_heading": ("问题类别", "Topics"),
    "topic": ("类别", "Topic"),
    "count": ("条数", "Messages"),
    "dissatisfied": ("不满意", "Dissatisfied"),
    "age_days": ("已等待（天）", "Waiting (days)"),
    "submitted_at": ("提交时间", "Submitted"),
    "village": ("村（社区）", "Village"),
    "village_profile": ("村社区画像", "Village profile"),
    "choose_village": ("选择村（社区）", "Choose a village"),
    "not_in_scope": (
        "该村（社区）不在当前选定的街道内：请在左侧把街道改为“全部街道”或其所在街道。",
        "That village is not in the street chosen: choose all streets or its own street.",
    ),
    "profile_caption": (
        "{street} · {district} · {households} 户 · 常住人口 {population}",
        "{street} · {district} · {households} households · {population} residents",
    ),
    "comparison_heading": (
        "与街道、全区对比（{month}）",
        "Against its street and the district ({month})",
    ),
    "village_col": ("本村", "Village"),
    "street_col": ("所在街道", "Street"),
    "district_col": ("全区", "District"),
    "metric": ("指标", "Metric"),
    "messages_heading": ("群众留言记录", "Messages"),
    "disclosures_heading": ("三务公开记录", "Disclosures"),
    "village_leads": ("本村线索", "This village's leads"),
    "no_period_data": (
        "库中还没有访问、留言或公开记录，无法按月计算指标。请装载包含这些表的平台导出。",
        "No activity, messages or disclosures are loaded yet, so no monthly figure can be "
        "computed. Load an export that holds these tables.",
    ),
    "leads": ("问题线索", "Leads"),
    "filter_month": ("月份", "Month"),
    "filter_street": ("街道", "Street"),
    "least_active_shown": (
        "图中为活跃度最低的 {shown} 个（共 {total} 个），完整列表见下表。",
        "The chart shows the {shown} least active of {total}; the table below has them all.",
    ),
    "click_to_drill": (
        "点击街道可筛选到该街道，点击村（社区）可打开其画像。",
        "Click a street to filter to it, a village to open its profile.",
    ),
    "click_row_to_drill": (
        "选中一行：街道则筛选到该街道，村（社区）则打开其画像。",
        "Select a row: a street filters to it, a village opens its profile.",
    ),
    "lead_not_shown": (
        "链接中的线索不在当前范围或筛选条件内。",
        "The lead in the link is not within the current scope or filters.",
    ),
    "open_lead": ("查看线索与核查记录", "Open the lead and its record"),
    "lead_history": ("线索核查记录", "Record of the village's leads"),
    "recorded_at": ("记录时间", "Recorded at"),
    "row_number": ("行号", "Row"),
    "column_name": ("列", "Column"),
    "record": ("原始记录（已脱敏）", "Raw record (masked)"),
    "audit": ("审计日志", "Audit trail"),
    "audit_caption": (
        "登录与退出、查看线索、记录核查情况、导出与下载、显示完整个人信息、越权请求和数据加载，"
        "均逐条记录，只能追加，任何角色都不能在系统中修改或删除。",
        "Sign-ins and sign-outs, lead views, dispositions, exports and downloads, unmasking, "
        "refused requests and data loads, one entry each; append-only, and no role can change "
        "or delete them from the app.",
    ),
    "audit_days": ("日期范围", "Days"),
    "audit_actions": ("操作类型", "Actions"),
    "audit_actor": ("操作人", "Who"),
    "audit_count": ("共 {n} 条记录（最新在前）。", "{n} entries, newest first."),
    "audit_entry": ("序号", "Entry"),
    "audit_at": ("时间", "When"),
    "audit_role": ("角色", "Role"),
    "audit_action": ("操作", "Action"),
    "audit_target": ("对象", "What"),
    "audit_detail": ("详情", "Detail"),
    "audit_origin": ("来源", "From where"),
    "accounts_heading": ("账号", "Accounts"),
    "accounts_caption": (
        "账号在服务器上用命令管理：python -m etl users add|disable|enable|password|unlock|list。",
        "Accounts are managed on the server: python -m etl users add|disable|enable|password|"
        "unlock|list.",
    ),
    "region_code": ("辖区代码", "Jurisdiction"),
    "active": ("启用", "Active"),
    "locked_until": ("锁定至", "Locked until"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "sign_in": ("登录", "Sign in"),
    "sign_in_oidc": ("通过统一身份认证登录", "Sign in with the identity provider"),
    "sign_out": ("退出登录", "Sign out"),
    "sign_in_unknown": ("用户名或密码错误。", "Wrong user name or password."),
    "sign_in_wrong_password": ("用户名或密码错误。", "Wrong user name or password."),
    "sign_in_locked": (
        "连续输错密码次数过多，账号已锁定 {minutes} 分钟；如需提前解锁请联系管理员。",
        "Too many wrong passwords: the account is locked for {minutes} minutes; an "
        "administrator can unlock it sooner.",
    ),
    "sign_in_disabled": (
        "该账号已停用，请联系管理员。",
        "This account is disabled; ask an administrator.",
    ),
    "sign_in_no_password": (
        "该账号须通过统一身份认证登录。",
        "This account signs in through the identity provider.",
    ),
    "no_account_for_identity": (
        "身份 {email} 尚未开通本系统账号，请联系管理员。",
        "No account is mapped to {email}; ask an administrator.",
    ),
    "signed_in_as": ("当前用户：{name}（{role}）", "Signed in: {name} ({role})"),
    "demo_mode": ("演示模式", "Demo mode"),
    "demo_user": ("演示用户", "Demo user"),
    "demo_role": ("以何种角色查看", "View as"),
    "demo_street": ("所在街道", "Street"),
    "demo_data": ("演示数据", "demo data"),
    "demo_banner": (
        "演示模式：以下均为系统生成的演示数据，不涉及真实村社区和群众。可在左侧切换角色。",
        "Demo mode: everything here is generated demo data, about no real village or "
        "resident. Switch roles in the sidebar.",
    ),
    "no_such_page": (
        "链接中的页面不存在，已为您打开首页。请从左侧菜单选择页面。",
        "The link names no page of this dashboard; the first page is shown instead. "
        "Choose a page in the menu on the left.",
    ),
    "outside_jurisdiction": (
        "该内容不在您的辖区范围内，无法查看。此次请求已记入审计日志。",
        "This is outside your jurisdiction and cannot be shown. The request has been "
        "recorded in the audit trail.",
    ),
    "unmask": ("显示完整个人信息", "Show personal data in full"),
    "unmask_help": (
        "默认对留言中的手机号、身份证号和姓名脱敏。打开后显示原文，每次查看均记入审计日志。",
        "Phone and ID numbers and names in messages are masked by default. Turning this on "
        "shows them in full; each view is recorded in the audit trail.",
    ),
    "disposition_read_only": (
        "当前核查状态：{status}。您的角色只能查看，不能记录核查情况。",
        "Current disposition: {status}. Your role can read it but not record one.",
    ),
    "recorded_by": ("记录人：{name}（按登录账号记录）", "Recorded by: {name} (from your sign-in)"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "feedback_id": ("留言编号", "Message ID"),
    "download_excel": ("下载 Excel", "Download Excel"),
    "reply_hours": ("回复用时（小时）", "Reply time (hours)"),
    "close_hours": ("办结用时（小时）", "Clearance time (hours)"),
    "item_name": ("事项", "Item"),
    "filter_kind": ("村/社区", "Village or community"),
    "kind_all": ("村和社区", "Both"),
    "kind_village": ("村", "Villages"),
    "kind_community": ("社区", "Communities"),
    "kind_only_village": ("仅村", "villages only"),
    "kind_only_community": ("仅社区", "communities only"),
    "filter_as_of": ("截至日期", "As of"),
    "filter_as_of_help": (
        "线索按此日为止的记录研判；可选月份为此日前已结束的月份。默认为数据最后一天。",
        "Leads are judged on the records up to this day; the months offered are those over by "
        "then. Defaults to the data's last day.",
    ),
    "filter_all_streets": ("全部街道", "All streets"),
    "overview_title": ("{scope} · {month} 总览", "{scope} · {month} overview"),
    "headline_caption": (
        "{month} 全月（截至数据日期 {data_end}）；箭头为较上月变化，卡片下方为同比（较上年同月），"
        "单位均为百分点；目标见各项说明。",
        "The whole of {month} (data up to {data_end}); arrows show the change on the month "
        "before, and below each card the change on the same month a year before, both in "
        "percentage points; each figure's help gives its target.",
    ),
    "target": ("目标", "Target"),
    "trend_title": ("月度趋势", "Monthly trends"),
    "stamp": (
        "{scope} · {first} 至 {last} · 数据截至 {data_end}",
        "{scope} · {first} to {last} · data up to {data_end}",
    ),
    "ranking_heading": ("街道“三率”排名", "Street ranking on the three rates"),
    "village_ranking_heading": ("村（社区）“三率”排名", "Village ranking on the three rates"),
    "rank": ("排名", "Rank"),
    "score": ("得分", "Score"),
    "note": ("备注", "Note"),
    "name": ("名称", "Name"),
    "leads_heading": ("新线索", "New leads"),
    "leads_caption": (
        "截至 {as_of}、近 90 天的线索，按分值排序；线索是核查提示，不是结论。",
        "Leads as of {as_of} over the 90 days before, by score; "
        "a lead is a prompt to check, not a finding.",
    ),
    "no_leads": ("当前没有线索。", "No leads at present."),
    "freshness": ("数据更新", "Data freshness"),
    "freshness_text": (
        "最近一次装载 {finished_at}，数据截至 {data_end}，该次装载隔离问题行 {quarantined} 行。",
        "Last load {finished_at}; data up to {data_end}; "
        "{quarantined} rows kept aside by that load.",
    ),
    "lead_type": ("类型", "Type"),
    "window": ("时间窗口", "Window"),
    "explanation": ("为何提示", "Why flagged"),
    "indicators_fired": ("触发的指标", "Indicators fired"),
    "indicator": ("指标", "Indicator"),
    "value": ("数值", "Value"),
    "threshold": ("阈值", "Threshold"),
    "peer_median": ("同类村中位数", "Peers' median"),
    "sample": ("样本", "Sample"),
    "evidence": ("相关记录", "Records behind it"),
    "disposition": ("核查情况", "Disposition"),
    "status": ("状态", "Status"),
    "note_field": ("核查说明", "Note"),
    "actor": ("记录人", "Recorded by"),
    "save": ("保存", "Save"),
    "saved": ("已记录。", "Recorded."),
    "filter_type": ("线索类型", "Lead type"),
    "filter_status": ("核查状态", "Disposition"),
    "min_score": ("最低分值", "Minimum score"),
    # The overview's cards, trends and ranking, the village trend (briefing engineer).
    "year_change": ("同比 {change}", "Year on year {change}"),
    "no_year_before": ("同比 —（无上年同月数据）", "Year on year — (no data a year before)"),
    "trend_caption": (
        "每项一图，各用自己的纵轴；虚线为目标。悬停可见分子/分母。",
        "One panel per figure, each on its own scale; the dotted line is the target. "
        "Hover for numerator and denominator.",
    ),
    "ranking_period": ("排名期间", "Ranking period"),
    "ranking_months": ("近 {n} 个月", "Last {n} months"),
    "ranking_one_month": ("当月", "The month"),
    "ranking_caption": (
        "{period}：{rule}名次变化较上一期：↑ 上升、↓ 下降，数字为名次数。",
        "{period}: {rule} Change on the period before: ↑ up, ↓ down, by that many places.",
    ),
    "ranking_thin": (
        "{period} 期间只有 {ranked}/{units} 个单位达到样本要求；可在上方改为更长的排名期间。",
        "In {period} only {ranked} of {units} units reach the sample; choose a longer "
        "ranking period above.",
    ),
    "ranking_span": ("{first} 至 {last}", "{first} to {last}"),
    "better_worse_heading": ("变好还是变差", "Getting better or worse"),
    "better_worse_caption": (
        "每格为该期“三率”综合得分（{period}）；带 * 的样本不足，仅供参考，不排名次。"
        "下方为各单位每期名次（1 在上），选中的单位标红，未排名的月份留空。",
        "Each cell is the period's three-rates score ({period}); * marks a sample too small "
        "to rank (for reference only). Below, each unit's rank per period (1 at the top), the "
        "chosen one in red; months without a rank are left blank.",
    ),
    "score_heatmap_title": ("“三率”综合得分逐月", "Three-rates score by month"),
    "rank_history_title": ("各单位名次逐月", "Each unit's rank by month"),
    "rank_history_highlight": ("突出显示", "Highlight"),
    "rank_history_too_few": (
        "这一年里不到两个单位有过名次，名次逐月图从略；可改为更长的排名期间。",
        "Fewer than two units had a rank in this year: no rank history; choose a longer "
        "ranking period.",
    ),
    "too_many_units": (
        "共 {units} 个单位，图中只列最近一期得分最低的 {shown} 个。",
        "{units} units: the charts show the {shown} with the lowest latest score.",
    ),
    "village_trend_caption": (
        "比率只在样本（分母）不少于 {min_sample} 的月份画出，样本更少时一两条记录就能让比率在 0 "
        "和 100% 之间跳动；这些月份只看条数（“留言数”）。悬停可见分子/分母。",
        "A rate is drawn only in months whose sample (denominator) is at least {min_sample}: "
        "below that one or two records swing it between 0 and 100 %. Those months show "
        "counts only (Messages). Hover for numerator and denominator.",
    ),
    # Lead episodes and the district's settings (models/episodes.py, schema/settings.py).
    "leads_period": ("线索期间", "Period of the leads"),
    "episodes_caption": (
        "{first} 至 {last} 期间出现过的线索，按月末逐月研判至 {as_of}；进行中的在前。"
        "线索是核查提示，不是结论。",
        "Leads seen between {first} and {last}, judged at every month end up to {as_of}; "
        "ongoing ones first. A lead is a prompt to check, not a finding.",
    ),
    "episodes_count": (
        "符合条件的线索 {n} 条，其中进行中 {ongoing} 条",
        "{n} leads match, {ongoing} of them ongoing",
    ),
    "episode_ongoing": ("进行中", "ongoing"),
    "episode_ended": ("已结束", "ended"),
    "episode_state": ("进展", "Progress"),
    "episode_months": ("出现月份", "Months seen"),
    "episode_length": ("持续月数", "Months"),
    "peak_score": ("峰值分", "Peak score"),
    "episode_detail": (
        "出现月份：{months}（{state}）；峰值窗口 {peak}",
        "Seen in: {months} ({state}); peak window {peak}",
    ),
    "episodes_timeline": ("线索时间线", "Leads over time"),
    "settings_heading": ("本区设置", "District settings"),
    "settings_caption": (
        "各项指标采用的本地规则。由 `python -m etl load … --settings 文件` 装载，"
        "之后的装载沿用；未设置的取默认值。",
        "The local rules the indicators use. Loaded with `python -m etl load … --settings "
        "FILE` and kept by later loads; those not set take their default.",
    ),
    "setting": ("设置项", "Setting"),
    "setting_key": ("键", "Key"),
    "setting_value": ("现行值", "Value in force"),
    "setting_default": ("默认值", "Default"),
    "setting_from_default": ("默认", "default"),
    "setting_doc": ("说明", "What it means"),
    "unit_yuan": ("元", "yuan"),
    "unit_hours": ("小时", "hours"),
    "unit_days": ("天", "days"),
    # Padded registration and activity figures (views/registration.py, models/padding.py).
    "padding_note_open": ("数据异常，待核实", "Figures look padded, to be checked"),
    "padding_note_confirmed": ("数据异常，经核查属实", "Figures found padded on checking"),
    "padding_note_villages": ("（{n} 个村社区）", " ({n} villages)"),
    "padding_ranking_caption": (
        "备注“数据异常，待核实”：该单位（或其下村社区）本月的注册或活跃数据有疑似虚增的线索，"
        "名次仅供参考；核查结论为不属实后不再标注。",
        "Noted “figures look padded”: the unit (or a village in it) has a lead of padded "
        "registration or activity figures this month; read its place with care. The note "
        "goes once inspectors find the lead unfounded.",
    ),
    "padding_heading": (
        "数据异常，待核实：注册或活跃疑似虚增的村社区",
        "Figures to check: villages whose registration or activity look padded",
    ),
    "padding_none": (
        "{month} 没有注册或活跃数据疑似虚增的村社区（数据截至 {data_end}）。",
        "No village's registration or activity figures look padded in {month} (data up "
        "to {data_end}).",
    ),
    "padding_caption": (
        "按 {first} 至 {last} 的记录判断：集中时段代登录、同一分钟大批活跃、活跃度异常跃升、"
        "突击注册、无户籍或随即注销的账号。此为核查提示，不是结论。",
        "Judged on the records of {first} to {last}: residents logged in in bursts, many in "
        "the same minute, activity leaping, accounts registered in bursts, without a "
        "household or cancelled right after the ranking. A prompt to check, not a finding.",
    ),
    "padding_evidence_heading": ("触发的指标与相关记录", "Indicators fired and their records"),
    "padding_records": (
        "{indicator}：相关记录 {n} 条（{table}）",
        "{indicator}: {n} records ({table})",
    ),
    "padding_records_more": (
        "仅列出前 {shown} 条，共 {n} 条；完整清单见问题线索台账。",
        "The first {shown} of {n} are listed; the lead ledger has them all.",
    ),
    "padding_hours_title": (
        "{name} · {month} 每小时活跃群众数",
        "{name} · {month} residents active per hour",
    ),
    "padding_burst_level": ("集中活跃线", "Burst level"),
    "padding_hours_caption": (
        "红色为集中活跃时段：该小时活跃群众数达到本村按自身节奏推算的上限（且至少 10 人）。",
        "Red: burst hours, with at least as many active residents as the village's own "
        "pace explains at most (and 10 or more).",
    ),
    "padding_open_lead": ("打开 {name} 的问题线索", "Open the lead of {name}"),
    # Access and privacy (access engineer's block).
    "list_cut_newest": (
        "共 {total} 条，此处显示最新的 {shown} 条；全部记录请下载或缩小筛选范围。",
        "{total} in all; the newest {shown} are shown here. Download or narrow the filters "
        "for the rest.",
    ),
    "list_cut_oldest": (
        "共 {total} 条，此处显示最早的 {shown} 条；全部记录请缩小筛选范围。",
        "{total} in all; the oldest {shown} are shown here. Narrow the filters for the rest.",
    ),
    "part_of_load_caption": (
        "以下仅为您辖区（{region}）内的数据：一次装载的总数涵盖整个导出，只向管辖全部数据的管理员显示；"
        "未能归属到任何已装载区划的隔离行也只向其显示。",
        "Only what concerns your jurisdiction ({region}) is shown: a load's totals cover the "
        "whole export and are shown to administrators of everything, as are rows kept aside "
        "that name no loaded region.",
    ),
    "rows_current": ("本次装载写入、现仍有效的行", "Rows written by this load, still current"),
    "rows_current_help": (
        "您辖区内现存记录中，当前版本由这次装载写入（新增或更新）的行数。",
        "Rows of your jurisdiction whose present version this load wrote (inserted or updated).",
    ),
    "upload_whole_only": (
        "装载会改变所有已装载辖区的数据，只有管辖全部已装载数据的管理员可以上传。",
        "A load changes the data of every jurisdiction loaded: only an administrator of "
        "everything loaded can upload.",
    ),
    "session_expired": (
        "登录已过期或已被撤销，请重新登录。",
        "Your session has expired or was revoked. Please sign in again.",
    ),
    # The daily ranking, its page and the digest's deliveries (issue 14).
    "ranking": ("排名", "Ranking"),
    "ranking_title": ("{scope} · 排名", "{scope} · ranking"),
    "ranking_grain": ("排名周期", "Ranked on"),
    "grain_day": ("日", "Day"),
    "grain_month": ("月", "Month"),
    "ranking_units": ("排名单位", "Units"),
    "units_streets": ("街道", "Streets"),
    "units_villages": ("村（社区）", "Villages"),
    "ranking_day": ("日期（截至 17:00）", "Day (as of 17:00)"),
    "daily_caption": (
        "统计时段 {start} 至 {end}（前一日 17 时至当日 17 时，每天 17 时的日排名只计上期以来"
        "发生的事）。得分为应公开完成率、当日回应率、超期清零率的等权平均，只计当日有应办事项的"
        "几项；表中“完成/应办”；新增注册只列示不计分。名次变化较前一日。",
        "Window {start} to {end} (17:00 the day before to 17:00 that day: each 17:00 ranking "
        "counts what happened since the previous one). The score is the equally weighted mean "
        "of due items published, same-day replies and overdue cleared, over those with "
        "something due; the table shows done/due; new registrations are listed, not scored. "
        "Rank change on the day before.",
    ),
    "daily_partial": (
        "数据截至 {data_end}，尚未到当日 17:00：此后发生的事待下次装载后计入。",
        "The data ends at {data_end}, before 17:00: what happened since counts once it is loaded.",
    ),
    "rank_change_day": ("较前日", "Change"),
    "daily_ranking_file": ("日排名_{day}", "daily_ranking_{day}"),
    "score_by_unit": ("得分", "Score"),
    "nothing_due": ("当日无应办事项", "nothing due"),
    "daily_ranking_heading": ("街道日排名", "Street daily ranking"),
    "village_daily_ranking_heading": ("村（社区）日排名", "Village daily ranking"),
    "overview_ranking_daily": (
        "{day} 17:00 日排名（前一日 17 时至当日 17 时）；详见“排名”页。",
        "Daily ranking as of {day} 17:00 (17:00 the day before to 17:00); see the Ranking page.",
    ),
    "digest_heading": ("日报推送", "Daily digest delivery"),
    "digest_all_sent": (
        "近 {days} 天的日报均已送达。",
        "Every daily digest of the last {days} days was delivered.",
    ),
    "digest_failed": (
        "近 {days} 天有 {n} 项日报推送失败（已按设定重试）。处理后运行 "
        "`python -m reports daily --date 日期` 补发，已送达的不会重发。",
        "{n} digest deliveries of the last {days} days failed (after the configured retries). "
        "Once fixed, run `python -m reports daily --date DAY`: what was delivered is not "
        "sent again.",
    ),
    "digest_day": ("日期", "Day"),
    "digest_kind": ("类型", "Kind"),
    "digest_kind_digest": ("日报", "digest"),
    "digest_kind_warning": ("数据未更新提醒", "stale-data warning"),
    "digest_recipient": ("接收方", "Recipient"),
    "digest_channel": ("渠道", "Channel"),
    "digest_attempts": ("尝试次数", "Attempts"),
    "digest_error": ("错误", "Error"),
    "digest_at": ("时间", "At"),
    # Casework: the lead as a case file, rectification (整改), follow-up (督办), ledgers.
    "case_history": ("核查经过", "Case history"),
    "case_history_empty": ("尚无核查记录：待核查。", "Nothing recorded yet: to check."),
    "carried_from": ("记录于", "Recorded on"),
    "evidence_caption": (
        "共 {n} 条记录；点击“打开”在村社区画像中查看该记录。留言内容已隐去个人信息。",
        "{n} records; “open” shows the record in the village profile. Personal data in "
        "messages is masked.",
    ),
    "evidence_indicator": ("指标", "Indicator"),
    "evidence_kind": ("记录类型", "Kind"),
    "evidence_kind_feedback": ("群众留言", "message"),
    "evidence_kind_disclosure": ("三务公开", "disclosure"),
    "evidence_kind_missing": ("应公开未公开", "not published"),
    "evidence_id": ("记录编号", "Record"),
    "evidence_at": ("提交/发布时间", "Submitted / published"),
    "evidence_title": ("标题/事项", "Title / item"),
    "evidence_period": ("所属期间", "Period"),
    "evidence_content": ("内容/收款方", "Content / payee"),
    "evidence_amount": ("金额（元）", "Amount (yuan)"),
    "evidence_answered": ("回复/审核时间", "Replied / reviewed"),
    "evidence_closed": ("办结时间", "Closed"),
    "evidence_link": ("查看", "View"),
    "evidence_open": ("打开", "open"),
    "evidence_heading": ("证据记录", "Evidence record"),
    "evidence_not_found": (
        "该村（社区）没有编号为 {id} 的记录。",
        "This village has no record {id}.",
    ),
    "confirmed_checked": ("已核查", "Checked"),
    "confirmed_count": ("属实（含部分属实）", "Confirmed (incl. partly)"),
    "confirmed_rate": ("属实率", "Confirmation rate"),
    "confirmation_caption": (
        "属实率：本辖区至今已核查（属实、部分属实、不属实）的线索中，含该指标且属实或部分属实的比例。",
        "Confirmation rate: of the leads in your jurisdiction concluded so far (confirmed, "
        "partly confirmed, unfounded) that included the indicator, the share confirmed at "
        "least in part.",
    ),
    "rectification": ("整改", "Rectification"),
    "rectification_needs_confirmed": (
        "核查结论为属实或部分属实后，可提出整改意见。",
        "Rectification items can be opened once the lead is found confirmed or partly confirmed.",
    ),
    "rectification_item": ("整改项 {id} · {state}", "Item {id} · {state}"),
    "rect_problem": ("存在问题", "Problem"),
    "rect_unit": ("责任单位", "Responsible unit"),
    "rect_person": ("责任人", "Responsible person"),
    "rect_measures": ("整改措施", "Measures required"),
    "rect_deadline": ("整改时限", "Deadline"),
    "rect_add": ("新增整改项", "Open a rectification item"),
    "rect_added": ("已新增整改项。", "Rectification item opened."),
    "rect_state": ("整改状态", "State"),
    "rect_days_overdue": ("逾期天数", "Days overdue"),
    "rect_details": (
        "责任单位：{unit}　责任人：{person}　整改时限：{deadline}　提出：{actor}，{at}",
        "Unit: {unit}　Person: {person}　Deadline: {deadline}　Opened by {actor}, {at}",
    ),
    "rect_events": ("整改经过", "Progress"),
    "rect_event_kind": ("事项", "What"),
    "rect_event_progress": ("整改进展", "progress note"),
    "rect_event_reported": ("单位报告整改完成", "unit reported it done"),
    "rect_event_extended": ("延期（新的整改时限）", "deadline put off (new deadline)"),
    "rect_put_off": ("（原定 {first}，延期 {n} 次）", " (first set to {first}, put off {n}×)"),
    "rect_event_reopened": ("退回继续整改", "sent back"),
    "rect_event_closed": ("销号", "closed"),
    "rect_happened_on": ("完成日期 / 延期至", "Done on / put off to"),
    "rect_action": ("操作", "Action"),
    "rect_note": ("说明", "Note"),
    "rect_report_day": (
        "日期：报告整改完成时填单位所报完成日期，延期时填新的整改时限",
        "Date: the day the unit says it was done (for a report), or the new deadline "
        "(to put it off)",
    ),
    "rect_submit": ("提交", "Submit"),
    "refused_missing": ("未保存：请填写“{field}”。", "Not saved: “{field}” is required."),
    "refused_state": (
        "未保存：该整改项当前为“{state}”，不能“{kind}”。",
        "Not saved: the item is {state}; “{kind}” is not possible now.",
    ),
    "refused_report_day": (
        "未保存：整改完成日期不能晚于今天（{today}）。",
        "Not saved: the day it was done cannot be after today ({today}).",
    ),
    "refused_later_deadline": (
        "未保存：新的整改时限须晚于现行时限（{deadline}），且不早于今天（{today}）。",
        "Not saved: the new deadline must fall after the one in force ({deadline}) and not "
        "before today ({today}).",
    ),
    "rect_recorded": ("已记录整改情况。", "Recorded."),
    "recheck_heading": ("数据复核", "Data re-check"),
    "recheck_window": (
        "复核区间：{first} 至 {last}（{since}起，与同街道同类村比较，按原指标规则重新测算）",
        "Re-check window: {first} to {last} (from {since}; against villages of the same "
        "street and kind, by the indicators' own rules)",
    ),
    "recheck_since_report": ("单位报告整改完成之日", "the day the unit reported it done"),
    "recheck_since_deadline": ("整改时限次日", "the day after the deadline"),
    "recheck_not_due": (
        "未到复核时点：单位报告整改完成或整改时限届满后，按其后的数据复核。",
        "Not yet due: the data is re-checked once the unit reports it done or the deadline passes.",
    ),
    "recheck_advice": (
        "数据复核仅供参考，是否销号由纪检监察干部决定。",
        "The data re-check is shown for reference: closing is the inspector's decision.",
    ),
    "recheck_before": ("整改前", "Before"),
    "recheck_after": ("整改后", "After"),
    "recheck_sample_after": ("整改后样本", "Records after"),
    "recheck_still": ("仍超出阈值", "Still beyond"),
    "recheck_yes": ("是", "yes"),
    "recheck_no": ("否", "no"),
    "recheck_unknown": ("样本不足", "too few"),
    "follow_up": ("督办", "Follow-up"),
    "follow_up_days": ("待核查超过天数", "Pending longer than (days)"),
    "follow_up_overdue": (
        "逾期未整改：{n} 项（截至 {today}，整改时限已过且未报告整改完成）",
        "Overdue rectifications: {n} (on {today}: deadline passed, not reported done)",
    ),
    "follow_up_pending": (
        "超过 {days} 天仍待核查的线索：{n} 条（自线索首次出现之日算起，截至 {today}）",
        "Leads still to check more than {days} days after first raised: {n} (on {today})",
    ),
    "follow_up_none": ("无", "None"),
    "days_pending": ("待核查天数", "Days pending"),
    "first_seen": ("首次出现", "First raised"),
    "street": ("所属街道", "Street"),
    "casework_summary": ("线索核查与整改情况", "Leads checked and rectified"),
    "casework_summary_caption": (
        "{first} 至 {last} 首次出现的线索：核查与整改情况截至 {today}"
        "（核查中、已核查、属实按各线索的最新结论计；整改项按其状态计，逾期为截至当日已过时限且未报告完成）。",
        "Leads first raised from {first} to {last}, checked and rectified as of {today} (by "
        "each lead's latest finding; items by their state, overdue: past the deadline, not "
        "reported done).",
    ),
    "sum_raised": ("线索数", "Leads raised"),
    "sum_checking": ("核查中", "Being checked"),
    "sum_concluded": ("已核查", "Checked"),
    "sum_confirmed": ("属实（含部分属实）", "Confirmed"),
    "sum_items": ("整改项", "Rectification items"),
    "sum_closed": ("已销号", "Closed"),
    "sum_overdue": ("逾期", "Overdue"),
    "ledger_leads": ("导出问题线索台账（Excel）", "Export the problem ledger (Excel)"),
    "ledger_items": ("导出整改台账（Excel）", "Export the rectification ledger (Excel)"),
    "oidc_email": ("统一身份认证邮箱", "Identity-provider e-mail"),
    # The briefing page (views/briefing.py); the briefing itself is reports/briefing.py's.
    "briefing_prompt_not_finding": (
        "线索为核查提示，不是结论",
        "leads are prompts to check, not findings",
    ),
    "briefing_demo_warning": (
        "演示数据：由生成器按真实区划生成，不是真实平台数据；导出的文件每页都标明。",
        "Demo data: generated on the real divisions, not the platform's data; every page of "
        "the exported files says so.",
    ),
    "briefing_issued_in_chinese": (
        "简报以中文印发：导出的 PDF、PPTX 和图表为中文版。",
        "The briefing is issued in Chinese: the PDF, PPTX and charts exported are the "
        "Chinese briefing.",
    ),
    "briefing_leads_heading": ("重点线索", "Main leads"),
    "briefing_casework_heading": (
        "线索核查与整改情况（今年以来）",
        "Leads checked and rectified (this year)",
    ),
    # Streamlit's own words on widgets, drawn over in the page's language (ui/builtin_texts.py).
    "builtin_skip_to_content": ("跳到正文", "Skip to main content"),
    "builtin_press_enter": ("按回车键提交", "Press Enter to submit"),
    "builtin_upload": ("上传", "Upload"),
    "builtin_upload_limit": ("单个文件不超过 200MB · ZIP", "200 MB per file · ZIP"),
    "choose_options": ("请选择", "Choose"),
    # Where a lead's evidence records are (models/indicators: evidence_table).
    "table_catalogue items (item period)": ("应公开事项（事项、期次）", "items due (item, period)"),
    "table_mart_village_month": ("村月度指标", "village monthly figures"),
}


def language() -> str:
    lang = st.session_state.get("lang") or st.query_params.get("lang", "zh")
    return lang if lang in LANGUAGES else "zh"


def t(key: str, **values: object) -> str:
    zh, en = TEXT[key]
    text = en if language() == "en" else zh
    return text.format(**values) if values else text


# Message topics as the platform writes them (platform-export-spec.md: 问题类别); a topic
# not listed is shown as written.
TOPICS = {
    "环境卫生": "Sanitation", "涉农补贴": "Farm subsidies", "三资管理": "Collective assets",
    "征收拆迁": "Land acquisition", "基础设施": "Infrastructure", "低保救助": "Welfare aid",
    "党务": "Party affairs", "其他": "Other",
}  # fmt: skip


def topic_column(column: str = "topic") -> pl.Expr:
    """A message topic in the page's language."""
    if language() != "en":
        return pl.col(column)
    return pl.col(column).replace_strict(TOPICS, default=pl.col(column))


def explanation_column() -> str:
    """The column of a lead's explanation in the page's language (models/leads.py)."""
    return "explanation_en" if language() == "en" else "explanation"


def reason_text(code: str) -> str:
    zh, en = REASONS.get(code, (code, code))
    return en if language() == "en" else zh
