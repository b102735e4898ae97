"""Who may see what: roles, their rights, and the jurisdiction every read is held to.

The dashboard passes each read through `check_scopes`, so a street inspector's request for
another street fails where the data is read, whatever page, URL or widget asked for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from datastore.scope import Scope

ANALYSIS_PAGES = frozenset(
    {
        "overview",
        "ranking",
        "registration",
        "disclosures",
        "messages",
        "leads",
        "village",
        "briefing",
    }
)
ADMIN_PAGES = frozenset({"data", "audit"})


@dataclass(frozen=True)
class Role:
    zh: str
    en: str
    area: str  # the level of region the role's jurisdiction is: district or street
    pages: frozenset[str]
    rights: frozenset[str]  # record (dispositions), unmask, export, load, audit


ROLES: dict[str, Role] = {
    "leadership": Role(
        "区领导", "District leadership", "district", ANALYSIS_PAGES, frozenset({"export"})
    ),
    "district_inspector": Role(
        "区纪委监委干部",
        "District inspector",
        "district",
        ANALYSIS_PAGES,
        frozenset({"export", "record", "unmask"}),
    ),
    "street_inspector": Role(
        "街道纪检监察干部",
        "Street inspector",
        "street",
        ANALYSIS_PAGES,
        frozenset({"export", "record", "unmask"}),
    ),
    "admin": Role(
        "系统管理员",
        "Administrator",
        "district",
        ADMIN_PAGES,
        frozenset({"export", "load", "audit"}),
    ),
}


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: str
    region_code: str | None  # the district or street answered for; None: everything
    via: str  # password, oidc or demo

    @property
    def jurisdiction(self) -> Scope:
        return Scope(self.region_code)

    def can(self, right: str) -> bool:
        return right in ROLES[self.role].rights

    def may_open(self, page: str) -> bool:
        return page in ROLES[self.role].pages


class OutsideJurisdiction(PermissionError):
    """A read asked for data outside the user's jurisdiction."""

    def __init__(self, asked: str, jurisdiction: str):
        super().__init__(f"{asked} is outside the jurisdiction {jurisdiction}")
        self.asked = asked
        self.jurisdiction = jurisdiction


def within(con: duckdb.DuckDBPyConnection, jurisdiction: Scope, region_code: str | None) -> bool:
    """Whether a region (None: everything loaded) lies inside the jurisdiction."""
    if jurisdiction.region_code is None:
        return True
    if region_code is None:
        return False
    rows = con.execute(
        "SELECT count(*) FROM regions WHERE region_code = ? "
        "AND ? IN (region_code, street_code, district_code)",
        [region_code, jurisdiction.region_code],
    ).fetchall()
    return rows[0][0] > 0


def check_scopes(con: duckdb.DuckDBPyConnection, jurisdiction: Scope, args: tuple) -> None:
    """Raise OutsideJurisdiction if any Scope among a read's arguments reaches outside."""
    for arg in args:
        if isinstance(arg, Scope) and not within(con, jurisdiction, arg.region_code):
            raise OutsideJurisdiction(arg.region_code or "everything", jurisdiction.region_code)


def region_level(con: duckdb.DuckDBPyConnection, region_code: str) -> str | None:
    rows = con.execute("SELECT level FROM regions WHERE region_code = ?", [region_code]).fetchall()
    return rows[0][0] if rows else None
