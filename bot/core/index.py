"""Character n-gram BM25 index over one office's entries, re-ranked by coverage and fuzzy similarity."""

from __future__ import annotations

import math
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import chain, compress, count

import numpy as np
from rapidfuzz import fuzz, process

from bot.core.knowledge import Entry
from bot.core.text import grams, match_keys
from bot.core.weights import specificities, specificity

# How much each field counts in an entry's document: a title or keyword hit says more than a
# word that happens to sit in one of several example questions. Whole numbers: a field counts as
# if written that many times, so a document's term counts stay exact integers.
FIELD_WEIGHTS = {"title": 3, "keywords": 2, "questions": 1}
K1, B = 1.2, 0.75
RERANK_DEPTH = 8
# A question term that no entry of the office knows weighs this share of a rare known term:
# it may be a neighbouring agency's word (護照) or only the citizen's context (阿公, 腳不好).
UNSEEN_SHARE = 0.2
W_COVERAGE, W_FUZZY, W_PHRASE = 0.5, 0.2, 0.3
# Term weights (idf, a phrasing's total) stored as 4-byte floats, as a posting's BM25 weight is rounded
# when computed: with 7 significant digits no answer changed on the 1,587 labelled questions.
REAL = "f"
# A bigram this specific in everyday Chinese is a domain word (榮民、送餐、過期), not padding.
ANCHOR_SPECIFICITY = 0.6


@dataclass(frozen=True)
class Candidate:
    """One entry scored against one question; `score` is the 0..1 confidence used for decisions."""

    entry: Entry
    score: float
    bm25: float
    coverage: float
    fuzzy: float
    phrase: float
    anchored: bool = True  # shares a domain word (a specific bigram) with the question
    unknown: float = 0.0  # share of the question's specific words that no entry of the office knows


def confidence(coverage: float, fuzzy: float, phrase: float) -> float:
    """Blend three 0..1 signals: how much of the question the entry covers, how close the
    question is to the nearest phrasing, and how much of the best-matching phrasing the
    question contains. Each alone is fooled (coverage by one rare shared word, fuzzy by length
    differences, phrase by a short keyword inside a long unrelated question); together less so.
    Weights chosen with `python -m bot calibrate` (README, "Calibration")."""
    return W_COVERAGE * coverage + W_FUZZY * fuzzy + W_PHRASE * phrase


def _codes(terms: list[str]) -> np.ndarray:
    """Each term of one or two characters of the Basic Multilingual Plane as one integer (terms of
    two CJK characters are nearly all of a vocabulary): a sorted array of these is the vocabulary at
    4 bytes a term, where a dict of strings costs some 150. -1 for any other term (looked up by
    name). Every term at once: its characters' code points read from one UTF-32 string."""
    # Two \0 after the last term: every term has a first and a second point to read (what a term
    # of one character or none reads past its end is not used).
    points = np.frombuffer(("".join(terms) + "\0\0").encode("utf-32-le"), np.uint32).astype(np.int64)
    lengths = np.fromiter(map(len, terms), np.int64, len(terms))
    starts = np.cumsum(lengths) - lengths
    first, second = points[starts], points[starts + 1]
    codes = np.where(lengths == 1, first, (first << 16) + second)
    bmp = (first <= 0xFFFF) & ((lengths == 1) | (second <= 0xFFFF))
    return np.where(((lengths == 1) | (lengths == 2)) & bmp, codes, -1)


_DTYPES = {"B": np.uint8, "H": np.uint16, "I": np.uint32}  # the id arrays' items, as numpy reads them in place


def _id_array(ids: np.ndarray, size: int) -> array:
    """Whole numbers below `size` as an array of the smallest items they fit: 1 byte (a term's count
    in a document), 2 (the docs of most offices, the terms of a small one) or 4."""
    code = "B" if size <= 0x100 else "H" if size <= 0x10000 else "I"
    return array(code, ids.astype(_DTYPES[code]).tobytes())


def _segment_sums(values: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The sum of each segment of `values` (`ends`: where each segment begins, then where the last
    ends), or 1.0 for a sum of 0. Added one value after another, as Python's sum() adds them
    (numpy's own reductions add in pairs, which rounds otherwise): one step per position, over
    every segment at least that long, so the longest segment's length in steps."""
    starts, lengths = ends[:-1].astype(np.int64), np.diff(ends).astype(np.int64)
    longest_first = np.argsort(-lengths, kind="stable")
    descending = -lengths[longest_first]  # ascending, for searchsorted
    sums = np.zeros(len(lengths))
    for k in range(int(lengths.max(initial=0))):
        live = longest_first[:np.searchsorted(descending, -k, side="left")]  # the segments longer than k
        sums[live] += values[starts[live] + k]
    sums[sums == 0] = 1.0
    return sums


class Index:
    """Search structure for one office, built once per knowledge load.

    Memory is what limits a large office, so the structures are flat arrays over term ids (a
    term's id is its position in the vocabulary): postings as doc ids and BM25 weights, each
    entry's phrasings as term ids (which are also its document's terms).
    """

    def __init__(self, entries: tuple[Entry, ...], keys: dict[str, str] | None = None):
        """`keys`: the match key of every title, question and keyword, when the caller has them."""
        self.entries = entries
        if keys is None:
            texts = dict.fromkeys(t for e in entries for t in (e.title, *e.questions, *e.keywords))
            keys = dict(zip(texts, match_keys(texts)))
        # One pass over the entries, terms as ids from the start, each document's (term, count)
        # pairs and each phrasing's terms in flat lists: a large office's grams as strings, or its
        # documents as dicts, all alive at once would be most of a load's time and memory. (What is
        # no longer needed is let go on the way: the peak of a build stays in a worker's memory.)
        vocab: dict[str, int] = defaultdict(count().__next__)  # term -> id, in the order first met
        term_ids: dict[str, list[int]] = {}  # a key's grams as ids
        pair_terms, pair_counts, doc_at, dls = [], [], [0], []  # lists: looked up by the million below
        phrases, phrase_at, phrase_terms, terms_at = [], [0], array("I"), [0]
        for e in entries:
            fields = [([keys[e.title]], FIELD_WEIGHTS["title"]), ([keys[k] for k in e.keywords], FIELD_WEIGHTS["keywords"]),
                      ([keys[q] for q in e.questions], FIELD_WEIGHTS["questions"])]
            for k in chain.from_iterable(ks for ks, _ in fields):
                if k not in term_ids:
                    term_ids[k] = list(map(vocab.__getitem__, grams(k)))
            doc = Counter(chain.from_iterable(term_ids[k] * w for ks, w in fields for k in ks))
            pair_terms.extend(doc)
            pair_counts.extend(doc.values())
            doc_at.append(len(pair_terms))
            dls.append(sum(doc.values()))
            # Every phrasing of an entry, as match keys, for fuzzy comparison and exact hits.
            ps = sorted({k for ks, _ in fields for k in ks if k})
            phrases.append("\n".join(ps))
            phrase_at.append(phrase_at[-1] + len(ps))
            for k in ps:
                phrase_terms.extend(dict.fromkeys(term_ids[k]))
                terms_at.append(len(phrase_terms))
        del term_ids
        names, vocab = list(vocab), None
        rank, order = self._vocabulary(names)
        self._phrases, self._phrase_at, self._terms_at = phrases, array("I", phrase_at), array("I", terms_at)
        terms = rank[np.frombuffer(phrase_terms, np.uint32)]
        self._terms = _id_array(terms, len(names))
        pair_terms = rank[np.array(pair_terms, np.int64)]
        counts = self._idf(len(entries), len(names), pair_terms)
        # A phrasing's terms weigh idf × specificity; its total is what a question could cover.
        weight = np.frombuffer(self.idf, np.float32).astype(np.float64) * np.array(
            specificities(map(names.__getitem__, order)))
        names = order = rank = None
        totals = _segment_sums(weight[terms], np.frombuffer(self._terms_at, np.uint32))
        self._totals = array(REAL, totals.astype(np.float32).tobytes())
        self._postings(pair_terms, np.array(pair_counts, np.int64), counts, doc_at, dls)

    def _vocabulary(self, names: list[str]) -> tuple[np.ndarray, list[int]]:
        """Sort the vocabulary (`names`, by id in the order met): 1- and 2-unit terms by code, looked
        up by a binary search, then the others (Latin words, rare characters) by name. Returns each id's place, and the ids
        in the order of their places."""
        codes = _codes(names)
        coded = np.flatnonzero(codes >= 0)
        by_code = coded[np.argsort(codes[coded], kind="stable")]
        self._codes = array("I", codes[by_code].astype(np.uint32).tobytes())
        order = np.concatenate([by_code, np.flatnonzero(codes < 0)])
        rank = np.empty(len(order), np.int64)
        rank[order] = np.arange(len(order))
        self._long = {names[t]: int(rank[t]) for t in order[len(by_code):].tolist()}
        return rank, order.tolist()

    def _idf(self, n: int, terms: int, pair_terms: np.ndarray) -> np.ndarray:
        """Each term's idf over the n docs, from its document frequency (returned)."""
        counts = np.bincount(pair_terms, minlength=terms)
        seen, at = np.unique(counts, return_inverse=True)
        idf_of = [math.log(1 + (max(n, 1) - c + 0.5) / (c + 0.5)) for c in seen.tolist()]
        self.idf = array(REAL, np.array(idf_of, np.float64)[at].astype(np.float32).tobytes())
        self.unseen_idf = math.log(1 + (max(n, 1) + 0.5) / 0.5)
        return counts

    def _postings(self, pair_terms: np.ndarray, pair_counts: np.ndarray, counts: np.ndarray, doc_at: list[int],
                  dls: list[int]) -> None:
        """Every term's postings: the docs holding it (`counts` of them), ascending, with its count in
        each; and each doc's length norm. The pairs come by document; a stable sort by term turns
        them round. The BM25 weight of a posting is computed when a question needs it (`_bm25`): a
        count takes one or two bytes where a stored weight took four, the most of a large office's
        postings."""
        n = len(dls)
        self._post_at = array("I", np.concatenate([[0], np.cumsum(counts)]).astype(np.uint32).tobytes())
        by_term = np.argsort(pair_terms, kind="stable")
        docs = np.repeat(np.arange(n), np.diff(doc_at))
        self._post_docs = _id_array(docs[by_term], n)
        avgdl = sum(dls) / max(n, 1) or 1.0
        self._norms = array("d", (K1 * (1 - B + B * dl / avgdl) for dl in dls))
        self._post_tf = _id_array(pair_counts[by_term], int(pair_counts.max(initial=0)) + 1)

    def _ids(self, terms: list[str]) -> list[int]:
        """Each term's id, -1 when no entry of the office holds it."""
        codes, vocabulary = _codes(terms), np.frombuffer(self._codes, np.uint32)
        at = np.searchsorted(vocabulary, codes)
        found = (np.take(vocabulary, at, mode="clip") == codes) if len(vocabulary) else np.zeros(len(codes), bool)
        return [self._long.get(t, -1) if c < 0 else a if ok else -1
                for t, c, a, ok in zip(terms, codes.tolist(), at.tolist(), found.tolist())]

    def _terms_of(self, i: int) -> array:
        """The term ids of entry i's phrasings, one phrasing after another (its document's terms)."""
        return self._terms[self._terms_at[self._phrase_at[i]]:self._terms_at[self._phrase_at[i + 1]]]

    def _bm25(self, term_ids: list[int]) -> tuple[np.ndarray, list[int]]:
        """Every doc's BM25 score (added up term by term, in the question's order) and the best
        RERANK_DEPTH docs, best first; docs scoring the same keep the order they were first met in."""
        at = self._post_at
        docs = np.frombuffer(self._post_docs, _DTYPES[self._post_docs.typecode])
        tfs = np.frombuffer(self._post_tf, _DTYPES[self._post_tf.typecode])
        spans = [slice(at[t], at[t + 1]) for t in term_ids]
        doc_of = np.concatenate([docs[s] for s in spans])  # each posting's doc, term after term
        tf = np.concatenate([tfs[s] for s in spans]).astype(np.float64)
        idf = np.repeat(np.frombuffer(self.idf, np.float32)[term_ids].astype(np.float64), [s.stop - s.start for s in spans])
        # idf × tf × (K1 + 1) / (tf + norm), the operations in the order the weights were once stored
        # with (as 4-byte floats): every score is the same to the bit.
        ws = (idf * tf * (K1 + 1) / (tf + np.frombuffer(self._norms, np.float64)[doc_of])).astype(np.float32)
        # bincount adds each doc's weights in the order given, as a loop over the postings would.
        scores = np.bincount(doc_of, ws, len(self.entries))
        # Every doc as good as the RERANK_DEPTH-th (and holding a term), best first, ties by doc order:
        depth = min(RERANK_DEPTH, len(scores))
        cut = max(float(np.partition(scores, len(scores) - depth)[len(scores) - depth]), math.ulp(0.0))
        held_docs = np.flatnonzero(scores >= cut)
        top = held_docs[np.argsort(-scores[held_docs], kind="stable")].tolist()
        if len(set(scores[top].tolist())) < len(top):  # a tie: met first comes first
            held = {i: set(self._terms_of(i)) for i in top}
            first = {i: next(k for k, t in enumerate(term_ids) if t in held[i]) for i in top}
            top.sort(key=lambda i: (-scores[i], first[i]))
        return scores, top[:RERANK_DEPTH]

    def _coverage_weights(self, terms: list[str], ids: dict[str, int]) -> dict[str, float]:
        """Weights of the question's terms for coverage: the office's idf times the term's
        specificity in everyday Chinese, so 我、想、要、現在 dilute nothing while 榮民證 carries
        the match. Unseen terms count against a match at UNSEEN_SHARE (比特幣 is in no entry),
        except the seam bigram between two known words (怎麼|反映 → 麼反), recognised by both
        its characters sitting in known bigrams."""
        in_known_bigram = {ch for t in terms if len(t) > 1 and ids[t] >= 0 for ch in t}
        weights = {}
        for t in dict.fromkeys(terms):  # (in the question's order: the sums come out the same in every process)
            if ids[t] >= 0:
                weights[t] = self.idf[ids[t]] * specificity(t)
            elif len(t) == 1 or not all(ch in in_known_bigram for ch in t):
                weights[t] = self.unseen_idf * specificity(t) * UNSEEN_SHARE
        return weights

    def search(self, key: str, limit: int = 3) -> list[Candidate]:
        """The best entries for a question's match key, best first."""
        terms = grams(key)
        ids = dict(zip(terms, self._ids(terms)))
        known = [ids[t] for t in terms if ids[t] >= 0]
        if not known:
            return []
        scores, top = self._bm25(known)
        weights = self._coverage_weights(terms, ids)
        total = sum(weights.values()) or 1.0
        anchors = [ids[t] for t in ids if len(t) > 1 and ids[t] >= 0 and specificity(t) >= ANCHOR_SPECIFICITY]
        specific = {t: specificity(t) for t in ids if len(t) > 1}
        unknown = sum(w for t, w in specific.items() if ids[t] < 0) / (sum(specific.values()) or 1.0)
        by_id = {ids[t]: w for t, w in weights.items() if ids[t] >= 0}  # a known term's weight
        # The question's known terms' weights laid over the office's vocabulary (0 for every other term):
        # each candidate's terms (hundreds, for an entry with many phrasings) are then weighed in one
        # gather, not searched for one by one.
        every_term = np.frombuffer(self._terms, _DTYPES[self._terms.typecode])
        terms_at = np.frombuffer(self._terms_at, np.uint32)
        weight_of = np.zeros(len(self.idf))
        weight_of[list(by_id)] = list(by_id.values())
        totals = np.frombuffer(self._totals, np.float32)
        out = []
        for i in top:
            first, last = self._phrase_at[i], self._phrase_at[i + 1]
            ends = terms_at[first:last + 1]
            its_terms = every_term[ends[0]:ends[-1]]
            its_weights = weight_of[its_terms]  # of its terms the question holds, else 0
            held = set(its_terms[its_weights != 0].tolist())  # (a term weighing 0 adds nothing, and is no anchor)
            cov = sum(compress(by_id.values(), map(held.__contains__, by_id))) / total
            best = process.extractOne(key, self._phrases[i].split("\n") if self._phrases[i] else [], scorer=fuzz.ratio)
            fz = best[1] / 100 if best else 0.0
            ph = _phrase_cover(its_weights, ends, totals[first:last])
            score = 1.0 if fz == 1.0 else confidence(cov, fz, ph)
            out.append(Candidate(self.entries[i], score, float(scores[i]), cov, fz, ph,
                                 anchored=not held.isdisjoint(anchors), unknown=unknown))
        out.sort(key=lambda c: (c.score, c.bm25), reverse=True)
        return out[:limit]


def _phrase_cover(weights, ends, totals) -> float:
    """The largest share of one phrasing of an entry that the question contains (weights: of each of
    the entry's terms, 0 when the question does not hold it; ends: where each phrasing's terms end,
    the first value where they begin; a phrasing's terms weigh idf × specificity, as a question's
    known terms do). Running sums, added in order as Python adds them: each phrasing's share is a
    difference of two, not a sum of its own."""
    if len(totals) == 0:
        return 0.0
    held = np.empty(len(weights) + 1)
    held[0] = 0.0
    np.cumsum(weights, out=held[1:])
    at = held[ends - ends[0]]
    return float(((at[1:] - at[:-1]) / totals).max())
