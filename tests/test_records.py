"""Ticket files: every bad line is reported with its number and what was wrong, and every other line is read,
whatever went wrong with the encoding (a GBK file, one stray byte, a BOM, CRLF) or the format."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from drafting.domain.files import RecordError, read_tickets


def ticket(ticket_id: str, message: str = "My order was late.") -> dict:
    return {"id": ticket_id, "incident_id": "inc-1", "messages": [message], "facts": {"issue_type": "late_delivery"}}


def jsonl(*tickets: dict) -> list[bytes]:
    return [json.dumps(t, ensure_ascii=False).encode("utf-8") for t in tickets]


def read(path: Path, **options: str) -> tuple[list[str], dict[int, str]]:
    lines = list(read_tickets(path, **options))
    return [line.ticket.id for line in lines if line.ticket], {line.line: line.error for line in lines if line.error}


def test_one_stray_byte_costs_one_line(tmp_path: Path) -> None:
    good = jsonl(ticket("A"), ticket("B"), ticket("C"))
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\n".join([good[0], good[1].replace(b"late", b"l\xffate"), good[2]]) + b"\n")
    ids, errors = read(path)
    assert ids == ["A", "C"]
    assert list(errors) == [2] and "not valid UTF-8 (byte 0xff at column" in errors[2]


def test_a_gbk_line_among_utf8_lines_is_named_as_gbk(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    lines = jsonl(ticket("A", "晚了一个半小时"), ticket("B"))
    lines.insert(1, json.dumps(ticket("G", "汤全洒了"), ensure_ascii=False).encode("gbk"))
    path.write_bytes(b"\n".join(lines))
    ids, errors = read(path)
    assert ids == ["A", "B"] and "GBK/GB18030" in errors[2] and "--encoding gb18030" in errors[2]


def test_a_whole_gbk_file_reads_its_ascii_lines_and_all_of_it_with_the_encoding_named(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes("\n".join(json.dumps(t, ensure_ascii=False) for t in [ticket("A", "晚了"), ticket("B"), ticket("C", "洒了")]).encode("gbk"))
    ids, errors = read(path)
    assert ids == ["B"] and sorted(errors) == [1, 3]
    ids, errors = read(path, encoding="gb18030")
    assert ids == ["A", "B", "C"] and not errors
    assert next(iter(read_tickets(path, encoding="gb18030"))).ticket.messages == ["晚了"]


def test_bom_crlf_blank_lines_and_unicode_line_separators(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    # U+2028 is a line break to str.splitlines() but ordinary text inside a JSON string.
    lines = jsonl(ticket("A"), ticket("B", "first\u2028second"), ticket("C"))
    path.write_bytes(codecs.BOM_UTF8 + lines[0] + b"\r\n\r\n" + lines[1] + b"\r\n" + lines[2] + b"\r\n")
    ids, errors = read(path)
    assert ids == ["A", "B", "C"] and not errors


def test_a_utf16_file_with_a_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes("\r\n".join(json.dumps(t, ensure_ascii=False) for t in [ticket("A", "晚了"), ticket("B")]).encode("utf-16"))
    assert read(path) == (["A", "B"], {})


def test_bad_json_and_invalid_fields_are_reported_per_line(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(
        b"\n".join([*jsonl(ticket("A")), b"{broken", b"[1, 2]", *jsonl({**ticket("X"), "facts": {"issue_type": "meteor"}}), *jsonl(ticket("B"))])
    )
    ids, errors = read(path)
    assert ids == ["A", "B"]
    assert "not valid JSON" in errors[2] and "expected a JSON object" in errors[3] and "facts.issue_type" in errors[4]


CSV_HEADER = "id,customer,message,issue_type\r\n"


def test_csv_rows_with_bad_bytes_wrong_widths_and_an_unclosed_quote(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    rows = [
        'C1,Sam,"late\r\n\r\nstill waiting",late_delivery',  # lines 2-4: one row, two messages
        'C2,Bo,"never closed,late_delivery',  # line 5: would swallow the rest of the file
        "C3,Al,cold food,late_delivery",  # line 6
        "C4,\xff,bad byte,late_delivery",  # line 7 (the \xff is written as a raw byte below)
        "C5,Jo,one too many,late_delivery,extra",  # line 8
        "C6,Li,汤洒了,spilled",  # line 9
    ]
    raw = (codecs.BOM_UTF8 + CSV_HEADER.encode() + "\r\n".join(rows).encode("utf-8") + b"\r\n").replace("\xff".encode(), b"\xff")
    path.write_bytes(raw)
    lines = {line.line: line for line in read_tickets(path)}
    assert lines[2].ticket.messages == ["late", "still waiting"]
    assert "quote unclosed" in lines[5].error and "line 5 to line" in lines[5].error
    assert lines[6].ticket.id == "C3" and lines[9].ticket.id == "C6"
    assert "not valid UTF-8" in lines[7].error
    assert lines[8].error == "has 5 fields; the header has 4"
    assert sorted(lines) == [2, 5, 6, 7, 8, 9]


def test_a_nul_byte_in_a_csv_row_costs_that_row(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(CSV_HEADER.encode() + b"C1,Sam,late\x00,late_delivery\r\nC2,Bo,late,late_delivery\r\n")
    ids, errors = read(path)
    assert ids == ["C2"] and list(errors) == [2]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("t.csv", b"customer,message\nSam,late\n", "needs an 'id' column"),
        ("t.csv", b"id,cust\xffomer\nC1,Sam\n", "the header (line 1) is not valid UTF-8"),
        ("t.csv", b"", "the file is empty"),
        ("t.txt", b"{}", "must be a .jsonl or .csv file"),
    ],
)
def test_a_file_that_cannot_be_read_at_all_is_one_clear_error(tmp_path: Path, name: str, content: bytes, problem: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RecordError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        list(read_tickets(path))


def test_an_unknown_encoding_is_named(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\n".join(jsonl(ticket("A"))))
    with pytest.raises(RecordError, match="unknown encoding 'klingon'"):
        list(read_tickets(path, encoding="klingon"))
