"""Jurisdiction: which part of the division hierarchy a query may see.

Every read function takes a Scope and applies it in SQL, so that access control (a street
inspector sees their street only) is enforced where the data is read, not in the pages.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """Everything loaded (region_code None), or one district, street or village and below;
    optionally only villages of one kind (村 `village` or 社区 `community`)."""

    region_code: str | None = None
    kind: str | None = None

    def villages(self, column: str = "region_code") -> tuple[str, list]:
        """SQL condition on `column` holding village codes, with its parameters."""
        if self.region_code is None and self.kind is None:
            return "TRUE", []
        conditions, params = ["level = 'village'"], []
        if self.region_code is not None:
            conditions.append("? IN (region_code, street_code, district_code)")
            params.append(self.region_code)
        if self.kind is not None:
            conditions.append("kind = ?")
            params.append(self.kind)
        return (
            f"{column} IN (SELECT region_code FROM regions WHERE {' AND '.join(conditions)})",
            params,
        )

    def below(self, column: str = "region_code") -> tuple[str, list]:
        """SQL condition on `column` holding codes of any level: the scope itself and the
        regions inside it, never those above it (what a row about a region belongs to)."""
        if self.region_code is None:
            return "TRUE", []
        return (
            f"{column} IN (SELECT region_code FROM regions "
            "WHERE ? IN (region_code, street_code, district_code))",
            [self.region_code],
        )

    def regions(self, column: str = "region_code") -> tuple[str, list]:
        """SQL condition on `column` holding codes of any level: the scope, its parts and
        the regions above it. Counts kept per region rather than per village (petitions)
        cannot be split by kind, so the kind does not narrow them."""
        if self.region_code is None:
            return "TRUE", []
        return (
            f"{column} IN (SELECT region_code FROM regions "
            "WHERE ? IN (region_code, street_code, district_code) "
            "UNION SELECT street_code FROM regions WHERE region_code = ? "
            "UNION SELECT district_code FROM regions WHERE region_code = ?)",
            [self.region_code] * 3,
        )


EVERYTHING = Scope()
