"""The knowledge store: chunks in Chroma (dense) with a BM25 index beside it,
searched together and fused by reciprocal rank.

Only current documents are searchable: a document superseded by a newer version
(same id, later `effective`/`version`, or named in another document's
`supersedes`) stays stored for the record but is marked inactive, because stale
policy quoted confidently is the most common real failure of support bots.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.config import Settings as ChromaSettings

from knowledge.chunking import Chunk
from knowledge.documents import Document, detect_language
from knowledge.lexical import LexicalIndex, query_terms, question_kinds, tokenize

COLLECTION_PREFIX = "tactful_knowledge"
RRF_K = 60  # the constant from Cormack et al. (2009); flattens the tail of both lists
CANDIDATES = 40  # per retriever, before fusion
# A document language's fused scores lose LANGUAGE_GAP_WEIGHT times the part of the gap
# (in cosine similarity, averaged over the models) between its best chunk and the best
# chunk overall that exceeds LANGUAGE_GAP_MARGIN; see KnowledgeStore._language_weights.
# Tuned on the dev half of evals/data/retrieval_queries.yaml (bench/RESULTS.md).
LANGUAGE_GAP_WEIGHT = 2.0
LANGUAGE_GAP_MARGIN = 0.03
# A question asked the way one kind of document answers ("can I ...?" a policy, "what did we do
# last time?" an incident write-up) keeps this share of the other kind's scores. Soft on purpose:
# the cues are phrasing, not meaning. Dev figures were flat from 0.5 to 0.8 (bench/RESULTS.md).
OTHER_KIND_WEIGHT = 0.8
# Below this share of chunks passing the filters, Chroma's own (slower) filter is cheaper
# than over-fetching unfiltered neighbours.
OVERFETCH_MIN_SHARE = 0.2
_REVISION_KEY = "tactful_revision"
REVISION_CHECK_SECONDS = 2.0


SearchMode = Literal["hybrid", "dense", "lexical"]


class StoreError(RuntimeError):
    """The store cannot be reached or used as configured."""


@dataclass(frozen=True)
class SearchResult:
    chunk_id: str
    doc_id: str
    title: str
    heading: str
    heading_path: str
    source: str
    kind: str
    lang: str
    text: str
    score: float  # fused reciprocal-rank score, 1 at best within the chunk's language; higher is better
    dense_rank: int | None  # 1-based rank in each retriever, None when it did not find the chunk
    lexical_rank: int | None
    version: str
    effective: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class StoredDocument:
    source: str
    doc_id: str
    kind: str
    lang: str
    title: str
    content_hash: str
    version: str
    effective: str
    supersedes: tuple[str, ...]
    active: bool
    chunk_ids: tuple[str, ...]


def open_client(*, path: Path | None = None, url: str | None = None) -> ClientAPI:
    """An embedded PersistentClient under `path`, or an HttpClient for a `chroma run` server."""
    settings = ChromaSettings(anonymized_telemetry=False)  # no phoning home: Tactful runs offline
    if url:
        from urllib.parse import urlparse

        parsed = urlparse(url)
        if not parsed.hostname:
            raise StoreError(f"TACTFUL_CHROMA_URL {url!r} has no host")
        port = parsed.port or (443 if parsed.scheme == "https" else 8000)
        try:
            return chromadb.HttpClient(host=parsed.hostname, port=port, ssl=parsed.scheme == "https", settings=settings)
        except Exception as exc:  # chromadb raises plain ValueError/ConnectionError variants
            raise StoreError(f"cannot reach the Chroma server at {url}: {exc}") from None
    if path is None:
        raise StoreError("either a data path or a Chroma URL is needed")
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


def collection_name(embedding_function: EmbeddingFunction[Documents]) -> str:
    # One collection per embedding function: vectors from two models must never mix,
    # and switching models then simply means re-ingesting into a fresh collection.
    return f"{COLLECTION_PREFIX}__{embedding_function.name()}".replace("-", "_")


class KnowledgeStore:
    """Chunks embedded by one or more models, one Chroma collection per model (all
    holding the same ids, texts and metadata), plus a BM25 index.

    Several models are fused rather than one chosen because they fail differently:
    on the labelled set, USE is the stronger across languages and E5 within one;
    together they beat either (see bench/RESULTS.md)."""

    def __init__(
        self, client: ClientAPI, embedding_functions: EmbeddingFunction[Documents] | Sequence[EmbeddingFunction[Documents]], namespace: str = ""
    ) -> None:
        """`namespace` keeps several knowledge bases apart on one Chroma server."""
        if not isinstance(embedding_functions, Sequence):
            embedding_functions = [embedding_functions]
        if not embedding_functions:
            raise StoreError("at least one embedding function is needed")
        self.client = client
        # Any: Chroma types a collection's function over texts and images alike; these embed texts only.
        self.embedding_functions: list[EmbeddingFunction[Any]] = list(embedding_functions)
        suffix = f"__{namespace}" if namespace else ""
        self.collections: list[Collection] = [
            client.get_or_create_collection(
                name=collection_name(ef) + suffix, embedding_function=ef, configuration={"hnsw": {"space": "cosine"}}, metadata={_REVISION_KEY: "new"}
            )
            for ef in self.embedding_functions
        ]
        # The first collection is the record: metadata, documents and the revision are read from it.
        self.collection = self.collections[0]
        self.name = self.collection.name
        self.revision_check_seconds = REVISION_CHECK_SECONDS
        self._lock = threading.RLock()
        self._loaded_revision: str | None = None
        self._checked_at = 0.0
        self._rows: dict[str, dict[str, Any]] = {}
        self._texts: dict[str, str] = {}
        self._lexical = LexicalIndex([], [])
        self._filters: dict[tuple[Any, ...], tuple[frozenset[str], np.ndarray]] = {}
        self._chunk_langs = np.array([], dtype=str)  # each BM25 position's document language
        self._langs_revision: str | None = None
        self._sections: dict[str, tuple[str, ...]] = {}  # chunk id -> its section, shared by its translations
        self._sections_revision: str | None = None

    # ---- writing -------------------------------------------------------------

    @staticmethod
    def embedding_texts(doc: Document, chunks: list[Chunk]) -> list[str]:
        """What the models embed for each chunk of `doc` (put() embeds these unless given their vectors)."""
        return [chunk.embedding_text(doc.title) for chunk in chunks]

    def embed(self, texts: list[str]) -> list[Embeddings]:
        """Vectors for `texts` from every model, in the order of `embedding_functions` (one call each:
        the local models embed a batch far faster than its texts one document at a time)."""
        return [ef(texts) for ef in self.embedding_functions]

    def put(self, doc: Document, chunks: list[Chunk], embeddings: Sequence[Embeddings] | None = None) -> None:
        """Replace every chunk of `doc.source` with `chunks`; `embeddings`, when given, are their
        vectors from embed(embedding_texts(doc, chunks)), e.g. computed with other documents' chunks.

        Embeddings are computed before anything is deleted, so a failing embedding
        backend leaves the previous version of the document in place.
        """
        if not chunks:
            raise ValueError(f"{doc.source}: no chunks to store")
        if embeddings is None:
            embeddings = self.embed(self.embedding_texts(doc, chunks))
        if len(embeddings) != len(self.collections) or any(len(vectors) != len(chunks) for vectors in embeddings):
            raise ValueError(f"{doc.source}: {len(chunks)} chunks but vectors for {[len(v) for v in embeddings]} from {len(self.collections)} models")
        metadatas = [self._chunk_metadata(doc, chunk) for chunk in chunks]
        with self._lock:
            old_ids = self._ids_for_source(doc.source)
            new_ids = [chunk.chunk_id for chunk in chunks]
            kept = set(new_ids)
            stale = [chunk_id for chunk_id in old_ids if chunk_id not in kept]
            # The record collection last, and in each collection the old chunks out before the new ones in:
            # the record's content hash is what tells the next ingest this document is stored, so an ingest
            # stopped anywhere in here leaves the record as it was (and the next ingest redoes the document),
            # never a record that claims vectors another model lacks or keeps an old version's chunks.
            written = reversed(list(zip(self.collections, embeddings, strict=True)))
            for collection, vectors in written:
                if stale:
                    collection.delete(ids=stale)
                collection.upsert(
                    ids=new_ids,
                    embeddings=vectors,
                    documents=[chunk.text for chunk in chunks],
                    metadatas=metadatas,  # type: ignore[arg-type]
                )

    def remove(self, source: str) -> int:
        with self._lock:
            ids = self._ids_for_source(source)
            if ids:
                for collection in reversed(self.collections):  # the record last, as in put()
                    collection.delete(ids=ids)
            return len(ids)

    def commit(self) -> None:
        """Recompute which documents are current, then publish a new revision so
        other processes sharing this store rebuild their keyword index."""
        with self._lock:
            self._update_active_flags()
            self.collection.modify(metadata={_REVISION_KEY: uuid.uuid4().hex})
            self._loaded_revision = None

    def _ids_for_source(self, source: str) -> list[str]:
        return list(self.collection.get(where={"source": source}, include=[])["ids"])

    @staticmethod
    def _chunk_metadata(doc: Document, chunk: Chunk) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "source": doc.source,
            "doc_id": doc.doc_id,
            "kind": doc.kind,
            "lang": doc.lang,
            "title": doc.title,
            "heading": chunk.heading,
            "heading_path": chunk.heading_path,
            "chunk_index": chunk.index,
            "content_hash": doc.content_hash,
            "version": doc.version,
            "effective": doc.effective.isoformat() if doc.effective else "",
            "supersedes": ",".join(doc.supersedes),
            "tags": ",".join(doc.tags),
            "active": True,
        }
        # One boolean per tag: Chroma filters on scalar metadata, not on lists.
        for tag in doc.tags:
            metadata[f"tag_{tag}"] = True
        return metadata

    def _update_active_flags(self) -> None:
        rows = self.collection.get(include=["metadatas"])
        docs = _group_documents(rows["ids"], rows["metadatas"] or [])
        current = current_sources(docs.values())
        ids: list[str] = []
        metadatas: list[dict[str, Any]] = []
        for chunk_id, metadata in zip(rows["ids"], rows["metadatas"] or [], strict=True):
            active = metadata["source"] in current
            if metadata.get("active") != active:
                ids.append(chunk_id)
                metadatas.append({**metadata, "active": active})
        if ids:
            for collection in self.collections:
                collection.update(ids=ids, metadatas=metadatas)  # type: ignore[arg-type]

    # ---- reading -------------------------------------------------------------

    def count(self) -> int:
        return self.collection.count()

    def chunk_text(self, chunk_id: str) -> str | None:
        """The stored text of one chunk (a draft's citation, opened by a reviewer); None if it is gone."""
        rows = self.collection.get(ids=[chunk_id], include=["documents"])
        documents = rows["documents"]
        return documents[0] if rows["ids"] and documents else None

    def documents(self) -> dict[str, StoredDocument]:
        rows = self.collection.get(include=["metadatas"])
        return _group_documents(rows["ids"], rows["metadatas"] or [])

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        kind: str | None = None,
        lang: str | None = None,
        tags: Iterable[str] = (),
        include_superseded: bool = False,
        mode: SearchMode = "hybrid",
    ) -> list[SearchResult]:
        """Hybrid search: dense and BM25 candidates fused by reciprocal rank, within each
        document language first (see `_fuse`), so that with no `lang` filter a question
        still finds the clause that exists only in the other language. A question phrased
        the way one kind of document answers ("can I ...?": a policy; "what did we do last
        time?": an incident) scores the other kind down (`_by_question_kind`). The ranking is
        then by section: a document's summary stands behind its sections, and each section
        (with its translation) takes one place until every section found has had one.
        `mode` "dense" or "lexical" uses one retriever alone (for evaluation)."""
        query = query.strip()
        if not query or k <= 0:
            return []
        self._ensure_loaded()
        tags = sorted({tag.lower() for tag in tags})
        allowed, mask = self._filter(kind, lang, tuple(tags), include_superseded)
        if not allowed:
            return []
        n = min(max(CANDIDATES, 2 * k), len(allowed))
        dense: list[list[str]] = []
        similarities: list[dict[str, float]] = []
        lexical: dict[str, list[str]] = {}
        if mode in ("hybrid", "dense"):
            dense, similarities = self._dense(query, n, allowed, self._where(kind, lang, tags, include_superseded))
        if mode in ("hybrid", "lexical"):
            lexical = self._lexical_by_language(query, n, mask, cross_language=mode == "hybrid")
        own = detect_language(query)
        fused = self._fuse(dense, lexical, self._language_weights(similarities))
        dense_rank: dict[str, int] = {}
        for ranking in dense:
            for rank, chunk_id in enumerate(ranking, start=1):
                dense_rank[chunk_id] = min(rank, dense_rank.get(chunk_id, rank))
        lexical_rank = {chunk_id: rank for ranking in lexical.values() for rank, chunk_id in enumerate(ranking, start=1)}
        if mode == "hybrid":
            fused = self._by_question_kind(fused, question_kinds().kind_of(query))
        fused = self._summaries_behind_sections(fused)
        # On equal scores the question's own language first: that copy needs no translating.
        ranked = sorted(fused, key=lambda chunk_id: (-fused[chunk_id], self._rows.get(chunk_id, {}).get("lang") != own, chunk_id))
        best = self._one_place_per_section(ranked)[:k]
        return [
            self._result(chunk_id, fused[chunk_id], dense_rank.get(chunk_id), lexical_rank.get(chunk_id))
            for chunk_id in best
            if chunk_id in self._rows
        ]

    def _by_question_kind(self, fused: dict[str, float], kind: str | None) -> dict[str, float]:
        """`fused` with documents of another kind than `kind` (the one the question's phrasing
        asks for, see knowledge/lexicon/question_kinds.yaml) scored down by OTHER_KIND_WEIGHT.

        An incident write-up retells the event a policy covers in the customer's own words, so
        it outscores the policy on "the order never came, what do I get"; the phrasing, not the
        topic, says a rule is wanted. Without a kind (no cues, or cues of both) nothing changes."""
        if kind is None:
            return fused
        return {
            chunk_id: score * (1.0 if self._rows.get(chunk_id, {}).get("kind") == kind else OTHER_KIND_WEIGHT) for chunk_id, score in fused.items()
        }

    def _summaries_behind_sections(self, fused: dict[str, float]) -> dict[str, float]:
        """A document's summary (its preamble) that outscores every section of that
        document hands its score to the best of them and takes that section's place.

        The summary restates the whole document, so it resembles every question the
        document answers and wins on similarity alone; what it says is that this
        document is the one, while the section is the clause a reply can cite. A summary
        keeps its place when none of its document's sections was found at all."""
        best_section: dict[str, str] = {}
        summaries: dict[str, str] = {}
        for chunk_id, score in fused.items():
            row = self._rows.get(chunk_id)
            if not row:
                continue
            source = row["source"]
            if _is_summary(row):
                if source not in summaries or score > fused[summaries[source]]:
                    summaries[source] = chunk_id  # a long preamble is cut into several chunks: its best speaks
            elif source not in best_section or score > fused[best_section[source]]:
                best_section[source] = chunk_id
        out = dict(fused)
        for source, summary in summaries.items():
            section = best_section.get(source)
            if section is not None and fused[summary] > fused[section]:
                out[section], out[summary] = fused[summary], fused[section]
        return out

    def _one_place_per_section(self, ranked: list[str]) -> list[str]:
        """`ranked` with each section's first chunk kept in place and its further chunks
        moved behind every other section's first: a long section split into several
        chunks, or a section and its translation, would otherwise fill the top places
        with one clause, and three places should show three.

        A document's summary whose document has a section in `ranked` moves back too: next
        to a section it only says again "this document", and the place is worth more to
        another clause a reply could cite."""
        sections = self._section_ids()
        with_sections = {self._rows[chunk_id]["source"] for chunk_id in ranked if chunk_id in self._rows and not _is_summary(self._rows[chunk_id])}
        first: list[str] = []
        rest: list[str] = []
        seen: set[tuple[str, ...]] = set()
        for chunk_id in ranked:
            section = sections.get(chunk_id, (chunk_id,))
            row = self._rows.get(chunk_id, {})
            repeated = section in seen or (_is_summary(row) and row["source"] in with_sections)
            (rest if repeated else first).append(chunk_id)
            seen.add(section)
        return first + rest

    def _section_ids(self) -> dict[str, tuple[str, ...]]:
        """Chunk id -> the section it belongs to. Translations of one document (same id,
        version and effective date) that have the same number of sections are taken to be aligned
        section by section, so a section and its translation share one id; copies that
        differ in structure cannot be aligned, and each keeps its own sections."""
        if self._sections_revision == self._loaded_revision and len(self._sections) == len(self._rows):
            return self._sections
        outlines: dict[str, list[str]] = defaultdict(list)  # source -> its heading paths, in order
        doc_of: dict[str, tuple[str, str, str]] = {}
        for _, chunk_id in sorted((row.get("chunk_index", 0), chunk_id) for chunk_id, row in self._rows.items()):
            row = self._rows[chunk_id]
            outline = outlines[row["source"]]
            if row.get("heading_path", "") not in outline:
                outline.append(row.get("heading_path", ""))
            doc_of[row["source"]] = (row["doc_id"], row.get("version", ""), row.get("effective", ""))
        copies: dict[tuple[str, str, str], set[int]] = defaultdict(set)
        for source, outline in outlines.items():
            copies[doc_of[source]].add(len(outline))
        sections: dict[str, tuple[str, ...]] = {}
        for chunk_id, row in self._rows.items():
            doc = doc_of[row["source"]]
            position = outlines[row["source"]].index(row.get("heading_path", ""))
            aligned = len(copies[doc]) == 1
            sections[chunk_id] = (*doc, str(position)) if aligned else (row["source"], row.get("heading_path", ""))
        self._sections = sections
        self._sections_revision = self._loaded_revision
        return sections

    def _lexical_by_language(self, query: str, n: int, mask: np.ndarray, *, cross_language: bool) -> dict[str, list[str]]:
        """One BM25 ranking per document language, each with its own ranks.

        In the question's own language BM25 searches the question's words plus the
        documents' words for the domain concepts it names (退钱 → 退款). In another
        language it can only search those concept words (退款 → refund) and the
        numbers and ids, which read the same in both; with neither a concept nor an id
        (LD-2) it sits out, since a few shared digits are noise, not evidence."""
        own = detect_language(query)
        tokens = tokenize(query)
        expansion = query_terms().expand(query)
        neutral = [t for t in tokens if any(c.isdigit() for c in t)]
        ids = [t for t in neutral if any(c.isalpha() for c in t)]
        rankings: dict[str, list[str]] = {}
        for doc_lang, lang_mask in self._language_masks(mask).items():
            if doc_lang == own or doc_lang not in expansion:
                words = [*tokens, *expansion.get(doc_lang, ())]
            elif cross_language and (expansion[doc_lang] or ids):
                words = [*expansion[doc_lang], *neutral]
            else:
                continue
            found = [chunk_id for chunk_id, _ in self._lexical.search_tokens(words, n, lang_mask)]
            if found:
                rankings[doc_lang] = found
        return rankings

    def _language_masks(self, mask: np.ndarray) -> dict[str, np.ndarray]:
        """`mask` cut into one BM25 weight mask per document language (languages it leaves empty left out)."""
        if self._langs_revision != self._loaded_revision or len(self._chunk_langs) != len(mask):
            self._chunk_langs = np.array([self._rows.get(chunk_id, {}).get("lang", "") for chunk_id in self._lexical.ids])
            self._langs_revision = self._loaded_revision
        masks = {str(doc_lang): mask * (self._chunk_langs == doc_lang) for doc_lang in np.unique(self._chunk_langs)}
        return {doc_lang: lang_mask for doc_lang, lang_mask in masks.items() if lang_mask.any()}

    def _language_weights(self, similarities: list[dict[str, float]]) -> dict[str, float]:
        """How far each document language's best match falls short of the best overall,
        as a weight on that language's fused scores.

        Ranks alone cannot tell whether a language has anything relevant at all: every
        language has a first chunk. The embedding models' similarities can, once
        averaged over the models: a language whose best chunk is clearly less similar
        than the other's best is pushed down by that gap (all but its best chunk: see
        `_fuse`), while a near tie (the usual case when the only answer is in the other
        language: the models score the question's own language a little higher
        regardless) keeps both in play."""
        best: dict[str, list[float]] = defaultdict(list)
        for similarity in similarities:
            per_language: dict[str, float] = {}
            for chunk_id, value in similarity.items():
                doc_lang = self._rows.get(chunk_id, {}).get("lang", "")
                per_language[doc_lang] = max(value, per_language.get(doc_lang, -1.0))
            for doc_lang, value in per_language.items():
                best[doc_lang].append(value)
        if len(best) < 2:
            return {}
        mean = {doc_lang: sum(values) / len(values) for doc_lang, values in best.items()}
        top = max(mean.values())
        return {doc_lang: max(0.0, 1.0 - LANGUAGE_GAP_WEIGHT * max(0.0, top - value - LANGUAGE_GAP_MARGIN)) for doc_lang, value in mean.items()}

    def _fuse(self, dense: list[list[str]], lexical: dict[str, list[str]], language_weights: dict[str, float] | None = None) -> dict[str, float]:
        """Reciprocal-rank fusion within each document language, normalised so each
        language's best chunk scores 1, then merged.

        Fusing the languages together let the question's own language win by the count
        of votes alone: its chunks collect a BM25 vote the other language rarely gets,
        and the multilingual models still rank same-language text first. Ranking each
        language's chunks among themselves gives the English-only policy a Chinese
        question needs the same chance as the Chinese chunks that merely share words;
        `language_weights` (from `_language_weights`) then scale the rest of each
        language down by how much weaker its best match is.

        Each language is measured against its own best chunk, not against a chunk first
        in every ranking: across languages some retrievers barely take part (BM25 only
        through the domain terms, E5 nearly blind from Chinese to English), so the other
        language's answer rarely collects every vote, and an ideal it can never reach
        put it behind the question's language's merely agreed-upon look-alikes."""
        by_language: dict[str, list[list[str]]] = defaultdict(list)
        for ranking in dense:
            split: dict[str, list[str]] = defaultdict(list)
            for chunk_id in ranking:
                split[self._rows.get(chunk_id, {}).get("lang", "")].append(chunk_id)
            for doc_lang, own_ranking in split.items():
                by_language[doc_lang].append(own_ranking)
        for doc_lang, ranking in lexical.items():
            by_language[doc_lang].append(ranking)
        fused: dict[str, float] = {}
        weights = language_weights or {}
        leaders: list[str] = []
        for doc_lang, rankings in by_language.items():
            scores: dict[str, float] = defaultdict(float)
            for ranking in rankings:
                for rank, chunk_id in enumerate(ranking, start=1):
                    scores[chunk_id] += 1.0 / (RRF_K + rank)
            # Every language's best chunk keeps its full score: similarity gaps mislead exactly when
            # the question's language has look-alikes (a Chinese membership page sharing 外卖 and 退款
            # with a question about a late order), and the one clause that answers must stay in sight.
            leader = max(scores, key=lambda chunk_id: (scores[chunk_id], chunk_id))
            scale = 1.0 / scores[leader]
            weight = weights.get(doc_lang, 1.0)
            fused.update({chunk_id: score * scale * (1.0 if chunk_id == leader else weight) for chunk_id, score in scores.items()})
            if weight < 1.0:
                leaders.append(leader)
        # ...but only right behind the strongest language's best, not ahead of it.
        strongest = max((fused[chunk_id] for chunk_id in fused if chunk_id not in leaders), default=0.0)
        for chunk_id in leaders:
            fused[chunk_id] = min(fused[chunk_id], strongest)
        return fused

    def _filter(self, kind: str | None, lang: str | None, tags: tuple[str, ...], include_superseded: bool) -> tuple[frozenset[str], np.ndarray]:
        """The chunks that pass the filters, and the BM25 weight mask for them.
        Cached per loaded revision: scanning 10k chunks' metadata in Python on every
        query would cost more than the rest of the search."""
        key = (kind, lang, tags, include_superseded)
        cached = self._filters.get(key)
        if cached is None:
            allowed = {
                chunk_id
                for chunk_id, metadata in self._rows.items()
                if (include_superseded or metadata.get("active", True))
                and (kind is None or metadata["kind"] == kind)
                and (lang is None or metadata["lang"] == lang)
                and all(metadata.get(f"tag_{tag}") for tag in tags)
            }
            cached = self._filters[key] = (frozenset(allowed), self._lexical.mask(allowed))
        return cached

    def _dense(self, query: str, n: int, allowed: frozenset[str], where: dict[str, Any] | None) -> tuple[list[list[str]], list[dict[str, float]]]:
        """One ranking per embedding model, of chunks in `allowed` only, and each
        model's cosine similarity of the chunks it ranked.

        Chroma's metadata filter is slow (measured at 10k chunks: 25–45 ms a query with
        a `where`, under 2 ms without), so when most chunks pass the filters the
        store over-fetches unfiltered neighbours and filters them here; when the
        filters are selective, or over-fetching came up short, Chroma filters.
        Sequential on purpose: running the models in parallel threads was measured
        slower on 2 cores (E5's OpenMP threads and the other work compete).
        """
        total = max(len(self._rows), 1)
        share = len(allowed) / total
        rankings = []
        similarities = []
        for ef, collection in zip(self.embedding_functions, self.collections, strict=True):
            embedding = ef.embed_query([query])
            ranking: list[str] = []
            similarity: dict[str, float] = {}
            if share >= OVERFETCH_MIN_SHARE:
                fetch = min(total, int(n / share * 1.5) + 10)
                result = collection.query(query_embeddings=embedding, n_results=fetch, include=["distances"])
                similarity = {chunk_id: value for chunk_id, value in _similarities(result).items() if chunk_id in allowed}
                ranking = list(similarity)[:n]
                if len(ranking) < n and fetch < total:
                    ranking = []  # too few survived the filters: ask Chroma to filter instead
            if not ranking:
                result = collection.query(query_embeddings=embedding, n_results=n, where=where, include=["distances"])
                similarity = _similarities(result)
                ranking = list(similarity)
            rankings.append(ranking)
            similarities.append(similarity)
        return rankings, similarities

    @staticmethod
    def _where(kind: str | None, lang: str | None, tags: list[str], include_superseded: bool) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if not include_superseded:
            clauses.append({"active": True})
        if kind:
            clauses.append({"kind": kind})
        if lang:
            clauses.append({"lang": lang})
        clauses.extend({f"tag_{tag}": True} for tag in tags)
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def _result(self, chunk_id: str, score: float, dense_rank: int | None, lexical_rank: int | None) -> SearchResult:
        metadata = self._rows[chunk_id]
        return SearchResult(
            chunk_id=chunk_id,
            doc_id=metadata["doc_id"],
            title=metadata["title"],
            heading=metadata["heading"],
            heading_path=metadata["heading_path"],
            source=metadata["source"],
            kind=metadata["kind"],
            lang=metadata["lang"],
            text=self._texts.get(chunk_id, ""),
            score=round(score, 6),
            dense_rank=dense_rank,
            lexical_rank=lexical_rank,
            version=metadata.get("version", ""),
            effective=metadata.get("effective", ""),
        )

    def _ensure_loaded(self) -> None:
        """Load chunk metadata and build the BM25 index, again only when the store's
        revision changed (checked at most every couple of seconds)."""
        now = time.monotonic()
        if self._loaded_revision is not None and now - self._checked_at < self.revision_check_seconds:
            return
        with self._lock:
            revision = self._current_revision()
            self._checked_at = now
            if revision == self._loaded_revision:
                return
            rows = self.collection.get(include=["metadatas", "documents"])
            ids = list(rows["ids"])
            metadatas = rows["metadatas"] or []
            texts = rows["documents"] or []
            self._rows = {chunk_id: dict(m) for chunk_id, m in zip(ids, metadatas, strict=True)}
            self._texts = dict(zip(ids, texts, strict=True))
            self._filters = {}
            self._lexical = LexicalIndex(ids, [tokenize(f"{m['title']} {m['heading_path']} {t}") for m, t in zip(metadatas, texts, strict=True)])
            self._loaded_revision = revision

    def _current_revision(self) -> str:
        fresh = self.client.get_collection(self.name, embedding_function=self.embedding_functions[0])
        return str((fresh.metadata or {}).get(_REVISION_KEY, "")) + f":{fresh.count()}"


def _is_summary(metadata: dict[str, Any]) -> bool:
    """A document's preamble: the text before its first heading, filed under the title."""
    return bool(metadata) and metadata.get("heading_path") == metadata.get("title")


def _similarities(result: Any) -> dict[str, float]:
    """Chunk id → cosine similarity, best first, from one Chroma query (collections use cosine distance)."""
    ids = list(result["ids"][0]) if result["ids"] else []
    distances = list(result["distances"][0]) if result.get("distances") else [1.0] * len(ids)
    return {chunk_id: 1.0 - float(distance) for chunk_id, distance in zip(ids, distances, strict=True)}


def _group_documents(ids: list[str], metadatas: Iterable[Any]) -> dict[str, StoredDocument]:
    chunks: dict[str, list[str]] = defaultdict(list)
    first: dict[str, Any] = {}
    for chunk_id, metadata in zip(ids, metadatas, strict=True):
        chunks[metadata["source"]].append(chunk_id)
        first.setdefault(metadata["source"], metadata)
    return {
        source: StoredDocument(
            source=source,
            doc_id=m["doc_id"],
            kind=m["kind"],
            lang=m["lang"],
            title=m["title"],
            content_hash=m["content_hash"],
            version=m.get("version", ""),
            effective=m.get("effective", ""),
            supersedes=tuple(filter(None, m.get("supersedes", "").split(","))),
            active=bool(m.get("active", True)),
            chunk_ids=tuple(sorted(chunks[source])),
        )
        for source, m in first.items()
    }


def _version_key(doc: StoredDocument) -> tuple[date, tuple[int, ...] | tuple[()], str]:
    effective = date.fromisoformat(doc.effective) if doc.effective else date.min
    numbers = tuple(int(part) for part in doc.version.split(".") if part.isdigit())
    return effective, numbers, doc.version


def current_sources(docs: Iterable[StoredDocument]) -> set[str]:
    """Sources that are in force: the newest version of each document id (in every
    language published at that version), minus any id another document supersedes."""
    docs = list(docs)
    superseded_ids = {doc_id for doc in docs for doc_id in doc.supersedes}
    by_id: dict[str, list[StoredDocument]] = defaultdict(list)
    for doc in docs:
        by_id[doc.doc_id].append(doc)
    current: set[str] = set()
    for doc_id, versions in by_id.items():
        if doc_id in superseded_ids:
            continue
        newest = max(_version_key(doc) for doc in versions)
        current.update(doc.source for doc in versions if _version_key(doc) == newest)
    return current
