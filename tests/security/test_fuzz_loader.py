"""Property-based and fuzz tests of the loader's parsers and readers: whatever the bytes,
a load ends in success or in ExportError with the database unchanged, never in another
exception. Examples are few and small so that the suite stays fast."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.load import load_exports
from etl.readers import ExportError
from etl.validate import (
    WHITESPACE,
    _cleaned,
    _ends,
    _period_helpers,
    _period_text,
    literal,
    parse_amount,
    parse_boolean,
    parse_datetime,
    parse_integer,
    period_parts,
)
from schema.tables import TABLES
from tests.exports import base_export, snapshot

FUZZ = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A database and what it holds; a fuzzed export that loads becomes the new state."""
    folder = tmp_path_factory.mktemp("fuzz")
    db = folder / "db" / "sunshine.duckdb"
    load_exports([base_export(folder / "first")], db)
    return folder, db, {"digest": _digest(db), "rows": snapshot(db)}


def _digest(db) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


def _load_or_refuse(db, export, state) -> None:
    try:
        load_exports([export], db)
    except ExportError:
        assert _digest(db) == state["digest"], "a refused load changed the database"
        assert snapshot(db) == state["rows"]
    else:
        state.update(digest=_digest(db), rows=snapshot(db))


def _period_sql(text: str) -> str:
    parts = period_parts("p")
    inner = ", ".join(_period_helpers("p"))
    return (
        f"SELECT {parts['label']}, {parts['start']}, {parts['end']}, {parts['frequency']} "
        f"FROM (SELECT {inner} FROM (SELECT raw_p, {_period_text('p')} "
        f"FROM (SELECT {literal(text)} AS raw_p)))"
    )


@FUZZ
@given(st.text(max_size=40))
def test_every_parser_takes_any_text_without_raising(text):
    con = duckdb.connect()
    value = literal(text)
    for parse in (parse_datetime, parse_amount, parse_integer, parse_boolean):
        con.execute(f"SELECT {parse(value)}").fetchall()
    con.execute(_period_sql(text)).fetchall()


@settings(max_examples=150, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2099, 12, 31)),
    st.sampled_from(["-", "/", "年"]),
    st.sampled_from(["date", "minutes", "seconds", "fraction"]),
    st.booleans(),
    st.sampled_from([" ", "T", "  "]),
)
def test_a_date_time_written_in_any_documented_form_parses_to_its_parts(
    moment, separator, precision, padded, between
):
    """Each form the platform writes, with or without leading zeros, is parsed to the very
    moment it was written from: by its own format, or by the unified text when it fits none."""
    if precision == "fraction" and separator != "-":
        precision = "seconds"
    if between == "T" and separator == "年":
        between = " "
    fill = "02" if padded else ""
    month, day = f"{moment.month:{fill}}", f"{moment.day:{fill}}"
    date = (
        f"{moment.year}年{month}月{day}日"
        if separator == "年"
        else f"{moment.year}{separator}{month}{separator}{day}"
    )
    clock = {
        "date": "",
        "minutes": f"{moment.hour:02}:{moment.minute:02}",
        "seconds": f"{moment.hour:02}:{moment.minute:02}:{moment.second:02}",
        "fraction": f"{moment.hour:02}:{moment.minute:02}:{moment.second:02}."
        f"{moment.microsecond // 1000:03}",
    }[precision]
    text = f"{date}{between}{clock}" if clock else date
    expected = {
        "date": moment.replace(hour=0, minute=0, second=0, microsecond=0),
        "minutes": moment.replace(second=0, microsecond=0),
        "seconds": moment.replace(microsecond=0),
        "fraction": moment.replace(microsecond=moment.microsecond // 1000 * 1000),
    }[precision]
    parsed = duckdb.connect().execute(f"SELECT {parse_datetime(literal(text))}").fetchall()
    assert parsed == [(expected,)], text


@FUZZ
@given(
    st.sampled_from(["2022-08-01", "2022/8/1 9:5", "2022年8月1日 14:35", "2022-08-01T06:07:08"]),
    st.text(alphabet=" \t\u3000", max_size=3),
)
def test_dates_parse_whatever_white_space_surrounds_them(text, space):
    con = duckdb.connect()
    cell = f"SELECT {literal(space + text + space)} AS c0"
    cleaned = f"(SELECT {_cleaned(0)} FROM (SELECT *, {_ends([0])} FROM ({cell})))"
    assert con.execute(f"SELECT {parse_datetime(cleaned)}").fetchall()[0][0] is not None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=4) | st.sampled_from([*WHITESPACE, "中", "é", "😀"])))
def test_a_cell_is_cleaned_as_python_strips_white_space(pieces):
    text = "".join(pieces)
    cell = f"SELECT {literal(text)} AS c0"
    cleaned = f"SELECT {_cleaned(0)} FROM (SELECT *, {_ends([0])} FROM ({cell}))"
    assert duckdb.connect().execute(cleaned).fetchall()[0][0] == (text.strip(WHITESPACE) or None)


@FUZZ
@given(st.binary(max_size=600), st.sampled_from(sorted(TABLES)))
def test_arbitrary_bytes_as_a_file_load_or_are_refused(loaded, data, table):
    folder, db, state = loaded
    export = folder / "bytes"
    export.mkdir(exist_ok=True)
    for old in export.iterdir():
        old.unlink()
    (export / f"{table}.csv").write_bytes(data)
    _load_or_refuse(db, export, state)


@FUZZ
@given(st.data())
def test_damaged_zips_load_or_are_refused(loaded, data):
    folder, db, state = loaded
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((folder / "first").iterdir()):
            archive.writestr(f"x/{path.name}", path.read_bytes())
    damaged = bytearray(buffer.getvalue())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(damaged) - 1))
        damaged[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(damaged) // 2, len(damaged)))
    archive_path = folder / "damaged.zip"
    archive_path.write_bytes(bytes(damaged[:cut]))
    _load_or_refuse(db, archive_path, state)
