"""Jurisdiction: which part of the division hierarchy a query may see.

Every read function takes a Scope and applies it in SQL, so that access control (a street
inspector sees their street only) is enforced where the data is read, not in the pages.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """Everything loaded (region_code None), or one district, street or village and below."""

    region_code: str | None = None

    def villages(self, column: str = "region_code") -> tuple[str, list]:
        """SQL condition on `column` holding village codes, with its parameters."""
        if self.region_code is None:
            return "TRUE", []
        return (
            f"{column} IN (SELECT region_code FROM regions WHERE level = 'village' "
            "AND ? IN (region_code, street_code, district_code))",
            [self.region_code],
        )

    def regions(self, column: str = "region_code") -> tuple[str, list]:
        """SQL condition on `column` holding codes of any level: the scope, its parts and
        the regions above it."""
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
