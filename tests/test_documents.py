"""Reading documents: the happy paths and every way a file can be wrong."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import write
from pdfmaker import make_pdf

from knowledge.chunking import MAX_CHUNK_UNITS, chunk_document, units
from knowledge.documents import DocumentError, detect_language, load_document

GOOD = "---\nkind: policy\ntitle: Refunds\n---\n## Processing\nRefunds take 3 days.\n"


def test_markdown_with_full_front_matter(tmp_path: Path) -> None:
    path = write(
        tmp_path / "refund-policy.zh.md",
        """
        ---
        kind: policy
        lang: zh
        title: 退款与退货
        version: 3
        effective: 2026-09-01
        supersedes: refund-policy-2024
        tags: [Refund, returns]
        ---
        ## 处理时效
        退款3天内原路退回。
        """,
    )
    doc = load_document(path)
    assert (doc.doc_id, doc.kind, doc.lang, doc.title, doc.version) == ("refund-policy", "policy", "zh", "退款与退货", "3")
    assert doc.effective == date(2026, 9, 1)
    assert doc.supersedes == ("refund-policy-2024",) and doc.tags == ("refund", "returns")
    assert doc.body.startswith("## 处理时效") and doc.source == str(path.resolve())


def test_language_is_detected_when_not_given(tmp_path: Path) -> None:
    zh = load_document(write(tmp_path / "a.md", "---\nkind: incident\ntitle: 复盘\n---\n客服在 WeChat 群里说了别闹了行吗，引发退货潮。\n"))
    en = load_document(
        write(tmp_path / "b.txt", "---\nkind: incident\ntitle: Review\n---\nA staff member wrote 别闹了 in the group and returns spiked.\n")
    )
    assert (zh.lang, en.lang) == ("zh", "en")
    assert detect_language("退款") == "zh" and detect_language("refund please") == "en"


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.md"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_document(path).title == "Refunds"


def test_pdf_with_front_matter_on_first_page(tmp_path: Path) -> None:
    path = tmp_path / "privacy.pdf"
    path.write_bytes(make_pdf([["---", "kind: policy", "title: Privacy", "---", "What we collect."], ["We never post phone numbers."]]))
    doc = load_document(path)
    assert doc.title == "Privacy" and doc.pages == ("What we collect.", "We never post phone numbers.")
    chunks = chunk_document(doc)
    assert [c.heading for c in chunks] == ["page 1", "page 2"]


def test_pdf_with_sidecar_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "tiers.pdf"
    path.write_bytes(make_pdf([["Gold members get priority support."]]))
    write(tmp_path / "tiers.pdf.yaml", "kind: policy\ntitle: Member tiers\nlang: en\n")
    doc = load_document(path)
    assert (doc.title, doc.lang, doc.body) == ("Member tiers", "en", "Gold members get priority support.")


BAD_INPUTS = [
    ("gbk.md", "---\nkind: policy\ntitle: 退款\n---\n退款三天到账".encode("gb18030"), ["not valid UTF-8", "GB18030"]),
    ("latin.md", b"---\nkind: policy\ntitle: x\n---\n\xff\xfe\xfa", ["not valid UTF-8", "offset"]),
    ("none.md", b"## Refunds\nThree days.", ["missing YAML front matter"]),
    ("yaml.md", b"---\nkind: policy\ntitle: [unclosed\n---\nbody", ["invalid YAML front matter", "line"]),
    ("list.md", b"---\n- kind\n---\nbody", ["must be a mapping"]),
    ("kind.md", b"---\nkind: faq\ntitle: x\n---\nbody", ["unknown kind 'faq'", "policy, incident"]),
    ("nokind.md", b"---\ntitle: x\n---\nbody", ["no 'kind'"]),
    ("notitle.md", b"---\nkind: policy\n---\nbody", ["'title'"]),
    ("typo.md", b"---\nkind: policy\ntitle: x\nsupercedes: [a]\n---\nbody", ["unknown front-matter key 'supercedes'", "did you mean 'supersedes'"]),
    ("lang.md", b"---\nkind: policy\ntitle: x\nlang: fr\n---\nbody", ["unsupported lang 'fr'"]),
    ("date.md", b"---\nkind: policy\ntitle: x\neffective: next week\n---\nbody", ["'effective' must be a date"]),
    ("tags.md", b"---\nkind: policy\ntitle: x\ntags: {a: 1}\n---\nbody", ["'tags' must be a list"]),
    ("empty.md", b"---\nkind: policy\ntitle: x\n---\n\n   \n", ["empty"]),
    ("punct.md", b"---\nkind: policy\ntitle: x\n---\n---\n", ["empty"]),
    ("broken.pdf", b"%PDF-1.4\nthis is not really a pdf", ["broken PDF"]),
    ("nometa.pdf", make_pdf([["Just text, no front matter."]]), ["missing front matter", "nometa.pdf.yaml"]),
    ("blank.pdf", make_pdf([[]]), ["no extractable text"]),
    ("notes.docx", b"PK\x03\x04", ["unsupported file type .docx"]),
]


@pytest.mark.parametrize(("name", "content", "expected"), BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_names_the_file_and_the_problem(tmp_path: Path, name: str, content: bytes, expected: list[str]) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as caught:
        load_document(path)
    assert caught.value.path == str(path)
    assert str(caught.value).startswith(str(path))
    for fragment in expected:
        assert fragment in caught.value.problem


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="file not found"):
        load_document(tmp_path / "gone.md")
    (tmp_path / "dir.md").mkdir()
    with pytest.raises(DocumentError, match="directory"):
        load_document(tmp_path / "dir.md")


def test_oversized_document_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    path.write_bytes(GOOD.encode() + b"x" * (6 * 1024 * 1024))
    with pytest.raises(DocumentError, match="limited to 5 MB"):
        load_document(path)


def test_chunks_follow_headings_and_keep_their_path(tmp_path: Path) -> None:
    doc = load_document(
        write(
            tmp_path / "p.md",
            """
            ---
            kind: policy
            title: Late delivery
            ---
            Preamble text.

            ## Compensation
            ### Over 30 minutes
            Full refund.

            ```
            # not a heading
            ```

            ## How to claim
            Open a ticket.
            """,
        )
    )
    chunks = chunk_document(doc)
    assert [(c.heading, c.heading_path) for c in chunks] == [
        ("Late delivery", "Late delivery"),
        ("Over 30 minutes", "Compensation › Over 30 minutes"),
        ("How to claim", "How to claim"),
    ]
    assert "# not a heading" in chunks[1].text
    assert chunks[1].embedding_text(doc.title).startswith("Late delivery — Compensation › Over 30 minutes")
    assert chunk_document(doc) == chunks  # ids are stable across runs


@pytest.mark.parametrize("sentence", ["Refunds are processed within three days. ", "退款将在三个工作日内原路退回。", "x" * 97])
def test_long_sections_split_under_the_limit_without_losing_text(tmp_path: Path, sentence: str) -> None:
    body = "\n\n".join(sentence * 12 for _ in range(8))
    doc = load_document(write(tmp_path / "long.md", f"---\nkind: policy\ntitle: Long\n---\n## Section\n{body}\n"))
    chunks = chunk_document(doc)
    assert len(chunks) > 1
    assert all(units(c.text) <= MAX_CHUNK_UNITS for c in chunks)
    assert all(c.heading == "Section" for c in chunks)
    squash = lambda s: "".join(s.split())  # noqa: E731
    assert squash("".join(c.text for c in chunks)) == squash(body)
