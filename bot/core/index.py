"""Character n-gram BM25 index over one office's entries, re-ranked by coverage and fuzzy similarity."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.core.knowledge import Entry
from bot.core.text import grams, match_key
from bot.core.weights import specificity

# How much each field counts in an entry's document: a title or keyword hit says more than a
# word that happens to sit in one of several example questions.
FIELD_WEIGHTS = {"title": 3.0, "keywords": 2.0, "questions": 1.0}
K1, B = 1.2, 0.75
RERANK_DEPTH = 8
# A question term that no entry of the office knows weighs this share of a rare known term:
# it may be a neighbouring agency's word (護照) or only the citizen's context (阿公, 腳不好).
UNSEEN_SHARE = 0.2
W_COVERAGE, W_FUZZY, W_PHRASE = 0.5, 0.2, 0.3
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


class Index:
    """Search structure for one office, built once per knowledge load."""

    def __init__(self, entries: tuple[Entry, ...]):
        self.entries = entries
        docs = [self._document(e) for e in entries]
        n = max(len(docs), 1)
        df = Counter(t for d in docs for t in d)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.unseen_idf = math.log(1 + (n + 0.5) / 0.5)
        avgdl = sum(sum(d.values()) for d in docs) / n or 1.0
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, doc in enumerate(docs):
            norm = K1 * (1 - B + B * sum(doc.values()) / avgdl)
            for term, tf in doc.items():
                self.postings[term].append((i, self.idf[term] * tf * (K1 + 1) / (tf + norm)))
        self.doc_terms = [frozenset(d) for d in docs]
        # Every phrasing of an entry, as match keys, for fuzzy comparison and exact hits.
        self.phrases = [
            sorted({k for k in map(match_key, (e.title, *e.questions, *e.keywords)) if k})
            for e in entries
        ]
        self.phrase_terms = [[self._weighted(p) for p in phrases] for phrases in self.phrases]

    def _weighted(self, phrase: str) -> tuple[dict[str, float], float]:
        """A phrasing's terms with their weight (idf × specificity), and their total."""
        weights = {t: self.idf.get(t, self.unseen_idf) * specificity(t) for t in set(grams(phrase))}
        return weights, sum(weights.values()) or 1.0

    def _phrase_cover(self, i: int, terms: set[str]) -> float:
        """The largest share of one phrasing of entry i that the question contains."""
        return max((sum(w for t, w in ws.items() if t in terms) / total
                    for ws, total in self.phrase_terms[i]), default=0.0)

    @staticmethod
    def _document(entry: Entry) -> Counter:
        doc: Counter = Counter()
        for fname, weight in FIELD_WEIGHTS.items():
            values = getattr(entry, fname)
            for text in [values] if isinstance(values, str) else values:
                for term in grams(match_key(text)):
                    doc[term] += weight
        return doc

    def _coverage_weights(self, terms: list[str]) -> dict[str, float]:
        """Weights of the question's terms for coverage: the office's idf times the term's
        specificity in everyday Chinese, so 我、想、要、現在 dilute nothing while 榮民證 carries
        the match. Unseen terms count against a match at UNSEEN_SHARE (比特幣 is in no entry),
        except the seam bigram between two known words (怎麼|反映 → 麼反), recognised by both
        its characters sitting in known bigrams."""
        in_known_bigram = {ch for t in terms if len(t) > 1 and t in self.idf for ch in t}
        weights = {}
        for t in set(terms):
            if t in self.idf:
                weights[t] = self.idf[t] * specificity(t)
            elif len(t) == 1 or not all(ch in in_known_bigram for ch in t):
                weights[t] = self.unseen_idf * specificity(t) * UNSEEN_SHARE
        return weights

    def search(self, key: str, limit: int = 3) -> list[Candidate]:
        """The best entries for a question's match key, best first."""
        terms = grams(key)
        if not terms:
            return []
        scores: dict[int, float] = defaultdict(float)
        for term in terms:
            for i, w in self.postings.get(term, ()):
                scores[i] += w
        if not scores:
            return []
        top = sorted(scores, key=scores.__getitem__, reverse=True)[:RERANK_DEPTH]
        weights = self._coverage_weights(terms)
        total = sum(weights.values()) or 1.0
        term_set = set(terms)
        anchors = {t for t in term_set if len(t) > 1 and t in self.idf and specificity(t) >= ANCHOR_SPECIFICITY}
        specific = {t: specificity(t) for t in term_set if len(t) > 1}
        unknown = sum(w for t, w in specific.items() if t not in self.idf) / (sum(specific.values()) or 1.0)
        out = []
        for i in top:
            cov = sum(w for t, w in weights.items() if t in self.doc_terms[i]) / total
            best = process.extractOne(key, self.phrases[i], scorer=fuzz.ratio)
            fz = best[1] / 100 if best else 0.0
            ph = self._phrase_cover(i, term_set)
            score = 1.0 if fz == 1.0 else confidence(cov, fz, ph)
            out.append(Candidate(self.entries[i], score, scores[i], cov, fz, ph,
                                 anchored=bool(anchors & self.doc_terms[i]), unknown=unknown))
        out.sort(key=lambda c: (c.score, c.bm25), reverse=True)
        return out[:limit]
