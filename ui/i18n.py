"""UI text in Simplified Chinese (default) and English."""

from __future__ import annotations

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
}


def language() -> str:
    lang = st.session_state.get("lang") or st.query_params.get("lang", "zh")
    return lang if lang in LANGUAGES else "zh"


def t(key: str, **values: object) -> str:
    zh, en = TEXT[key]
    text = en if language() == "en" else zh
    return text.format(**values) if values else text


def reason_text(code: str) -> str:
    zh, en = REASONS.get(code, (code, code))
    return en if language() == "en" else zh
