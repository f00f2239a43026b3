"""Re-scoring a long search's first hits by the letters their words share with it.

A question or a headline seldom uses the very forms of the article that
answers it: "ما يرتبط بوظيفتها" against "وظيفة مرتبطة", "المستعمرة" against
"مستعمرات". The light stem joins only the forms whose affixes it knows, and
BM25 over stems then ranks the answer below articles that repeat the
question's other words. Character trigrams of the words (with the word's
edges marked, "_وظ", "ظيف", "فة_") match such forms in part, in proportion
to what they share: the record of n-gram retrieval for Arabic (the TREC
2001-2002 Arabic track) is that stems and n-grams together beat either.

Indexing trigrams would multiply the index's postings several times, so
they are counted at search time, over the texts of the first
``RESCORE_DEPTH`` hits only: BM25 over trigrams (k1 1.2, b 0.75), with the
document frequencies and the average length taken among those texts. Each
hit's score becomes its BM25 plus ``TRIGRAM_WEIGHT`` times its trigram score
scaled to the best BM25 of the lot, so a re-scored hit never scores below
its BM25 and the hits after the first ``RESCORE_DEPTH`` still come after.

Chosen on bench/retrieval.py's tuning halves (MRR@10 on the tuning / held-out
halves; re-scoring the first 30 with the trigram score weighed 1):

    set               BM25 alone        re-scored         Lucene 9.9
    xquad_ar          0.925 / 0.928     0.945 / 0.947     0.923
    snn_title2body    0.657 / 0.661     0.678 / 0.690     0.631
    xquad_plus_news   0.842 / 0.859     0.852 / 0.871     0.830

Weight 2 did better on xquad_ar's tuning half (0.948) and worse on the others'
(0.669, 0.834); 0.75 and 1.25 were within 0.6 points of 1 on every tuning half,
and 1 was the only weight 2 points above Lucene on all three. The first 20 or
50 instead of 30 changed the tuning halves by less than 0.6 points.
"""

import math
from collections import Counter

from articles.text import is_stopword, normalise, tokenise

RESCORE_DEPTH = 30
TRIGRAM_WEIGHT = 1.0
# Each text is read up to here, so a search costs a bounded amount whatever
# the archive holds (a news article is some 2,000 characters).
RESCORE_TEXT_CHARS = 20_000
GRAM = 3
K1 = 1.2
B = 0.75


def word_grams(word):
    """The character trigrams of a normalised word, its edges marked: a word of one letter is one gram."""
    marked = f"_{word}_"
    return [marked[i:i + GRAM] for i in range(max(len(marked) - GRAM + 1, 1))]


def content_words(text):
    """A text's normalised words, stop words left out."""
    return [word for word in tokenise(normalise(text)) if not is_stopword(word)]


def marked_words(text):
    """A text's words, stop words left out, each between edge marks ("_word_ _word_"), and how
    many trigrams they have (a word has as many as letters)."""
    words = content_words(text)
    if not words:
        return "", 0
    return "_" + "_ _".join(words) + "_", sum(map(len, words))


def trigram_scores(query, texts):
    """Each text's BM25 over the trigrams of ``query``'s words, counted among ``texts`` alone.

    A trigram's count in a text is its count in the marked words (``str.count``: a gram that
    overlaps itself, as in ييي, counts once per run; no gram spans two words, as none has a space).
    """
    wanted = {gram for word in content_words(query) for gram in word_grams(word)}
    if not wanted or not texts:
        return [0.0] * len(texts)
    counted = []
    for text in texts:
        marked, length = marked_words(text[:RESCORE_TEXT_CHARS])
        counts = {}
        for gram in wanted:
            found = marked.count(gram)
            if found:
                counts[gram] = found
        counted.append((counts, length))
    size = len(counted)
    average = sum(length for _, length in counted) / size or 1.0
    document_frequency = Counter(gram for counts, _ in counted for gram in counts)
    idf = {gram: _idf(size, found) for gram, found in document_frequency.items()}
    scores = []
    for counts, length in counted:
        norm = K1 * (1 - B + B * length / average)
        scores.append(sum(idf[gram] * frequency * (K1 + 1) / (frequency + norm) for gram, frequency in counts.items()))
    return scores


def _idf(size, found):
    return math.log(1 + (size - found + 0.5) / (found + 0.5))


def search_words(groups):
    """The words of a parsed search's groups that are re-scored by: prefixes are not whole words."""
    return " ".join(word for group in groups for clause in group if clause.kind != "prefix" for word in clause.words)


def rescored(query, scores, texts):
    """New scores for hits with BM25 ``scores`` (best first) and these ``texts``."""
    grams = trigram_scores(query, texts)
    best_grams = max(grams, default=0.0)
    best_score = max(scores, default=0.0)
    if best_grams <= 0 or best_score <= 0:
        return list(scores)
    scale = TRIGRAM_WEIGHT * best_score / best_grams
    return [score + scale * gram for score, gram in zip(scores, grams)]


def rescore_hits(query, hits, texts):
    """``hits`` ((id, BM25 score), best first: the first ``RESCORE_DEPTH`` of a search) in their new
    order, with their new scores; ``texts(ids)`` gives their indexed texts. Ties keep BM25's order."""
    hits = list(hits)
    if not hits:
        return hits
    ids = [hit_id for hit_id, _ in hits]
    scores = rescored(query, [score for _, score in hits], texts(ids))
    order = sorted(range(len(hits)), key=lambda i: (-scores[i], i))
    return [(ids[i], scores[i]) for i in order]
