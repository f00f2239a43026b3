"""Grouping republications and near-duplicates into stories.

Three steps, on the light stems of the body's content words (so clitics,
diacritics and stop words do not matter):

1. Candidates: MinHash LSH (datasketch) over word triples, keeping pairs
   whose estimated Jaccard similarity is at least ``SHINGLE_THRESHOLD``.
   Word triples are what a republication copies; the signature is kept on
   the article, so later imports find earlier articles without re-reading.
2. Verification: the IDF-weighted Jaccard similarity of the two articles'
   word sets must reach ``WORD_THRESHOLD``, and their dates (when both have
   one) must be at most ``MAX_DAYS_APART`` apart. Weighting by rarity is what
   tells the same event retold (shared names, places, figures) from the
   formulaic news that fills a national press ("القيادة تهنئ رئيس …
   بذكرى اليوم الوطني" shares most of its triples with every other
   congratulation, but not the rare words).
3. Joining: an article joins the story of the most similar article only if
   it also reaches ``STORY_THRESHOLD`` with most of that story's members (the
   chain guard); otherwise it starts a story with the most similar article
   that has none, and the others that fit. Without the guard, grouping was
   single-linkage: a bulletin telling two events (the deputy crown prince
   meeting the Chechen president, then Samir Geagea) resembles the stories
   of both, so on 2015-07-21 one story chained the King's meeting with
   Geagea, the Chechen visit, Colombian, Egyptian and Omani national-day
   cables and the Egyptian foreign minister's visit: 40 versions.

Thresholds, from the SaudiNewsNet corpus (31,030 articles, 14 papers,
July–August 2015) by reading samples of candidate pairs in bands: with
triples alone, pairs at 0.2–0.3 are still often different events on one
template; with both tests, pairs at weighted 0.25–0.30 are mostly different
events on one topic, at 0.30–0.35 mostly the same event in two papers, and
above 0.35 nearly always the same. ``WORD_THRESHOLD`` stays at 0.30: the demo
samples (one story from a channel and an aggregator's rewrite) score 0.16 on
triples and 0.34 on weighted words among the real days. ``STORY_THRESHOLD``
was chosen on labelled real pairs (bench/stories.py, bench/story_labels.py:
145 pairs from 2015-07-21..23, tuned on one half by F1 of "same story"):
more than half of the members at 0.33 tied with at least half at 0.42 and
beat the story's lead alone or the mean over members at 0.30–0.50; the
reported case's pairs (far fewer wrong joins) broke the tie. On the
held-out half, precision went from 0.45 to 0.75 and recall from 0.75 to
0.63; the largest story of the three days from 40 versions to 16. What
still passes is formulaic news that shares rare names: one paper's
audience with one guest beside its bulletin of two (the same ministers
attend both), and the leadership's national-day cables to Colombia, Egypt
and Oman, whose words are the template's but for the country.
"""

import math
from collections import Counter, OrderedDict
from datetime import timedelta
from hashlib import sha1
from itertools import filterfalse

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH
from django.db.models import F, Max, Q, Window
from django.db.models.functions import RowNumber
from haystack import connections

from articles.models import Article, Story
from articles.search.analysis import STEM_SUFFIX
from articles.text import content_stems

NUM_PERM = 64
SHINGLE_THRESHOLD = 0.12
WORD_THRESHOLD = 0.30
# To join a story, an article must reach this with most of its members (not
# only with the one it resembles most): the chain guard.
STORY_THRESHOLD = 0.33
# A story's members compared with a newcomer, at most: its lead and the latest.
STORY_MEMBERS_COMPARED = 25
MAX_DAYS_APART = 3
# Bodies with fewer triples than this are too short to call a story.
MIN_SHINGLES = 8
WORD_SET_CACHE = 5_000
# Below this many articles, rarity means nothing and all words weigh the same.
MIN_DOCUMENTS_FOR_IDF = 1000
# Signatures of at most about this many earlier articles are held in memory:
# a story's articles are at most MAX_DAYS_APART apart, so only the days near
# the articles being imported are loaded (from the database), and the days
# used least recently are dropped. Undated articles are compared with
# everything, so they are always held. Each held article costs about 11 KB
# (its signature and its 32 LSH bands, measured with datasketch 2.0): 20,000
# is about 220 MB, and a dozen days of SaudiNewsNet's 1,600 a day, so a file
# in date order never reads a day twice (a batch needs seven).
STORY_WINDOW_ARTICLES = 20_000
# Document frequencies looked up in the index and remembered, at most.
FREQUENCY_CACHE = 200_000
# The table of log(n + 1) grows by this many counts at a time.
LOG_TABLE_STEP = 4096
# Values in one SQL ``IN (...)`` list, at most.
IN_LIST_VALUES = 500


def _in_chunks(values):
    """``values`` (a list) a SQL ``IN`` list's worth at a time."""
    for start in range(0, len(values), IN_LIST_VALUES):
        yield values[start:start + IN_LIST_VALUES]


# Drawing the permutations is most of making a MinHash: draw them once (the
# same seed, so the same signatures as MinHash(num_perm=NUM_PERM)).
_TEMPLATE = MinHash(num_perm=NUM_PERM)


def signature(words):
    """(LeanMinHash of the word triples, number of triples).

    The triples are hashed as datasketch's default ``sha1_hash32`` hashes
    them (the first four bytes of SHA-1, little-endian), so signatures stay
    those stored by earlier imports, but the first four bytes of every
    digest are read at once, by numpy, not by a slice of each digest and a
    ``struct`` read each (hashing a real article's 300 triples: 379 to 332 µs).
    """
    triples = {f"{a} {b} {c}".encode("utf-8") for a, b, c in zip(words, words[1:], words[2:])}
    digests = np.frombuffer(b"".join([digest.digest() for digest in map(sha1, triples)]), dtype=np.uint8)
    hashes = np.ascontiguousarray(digests.reshape(-1, 20)[:, :4]).view("<u4").ravel()
    minhash = MinHash(num_perm=NUM_PERM, permutations=_TEMPLATE.permutations, scheme=_TEMPLATE.scheme, hashfunc=int)
    minhash.update_batch(hashes.tolist())
    return LeanMinHash(minhash), len(triples)


def _to_bytes(minhash):
    buffer = bytearray(minhash.bytesize())
    minhash.serialize(buffer)
    return bytes(buffer)


def story_signature(body, words=None):
    """What grouping needs of a body: (serialised signature, set of content stems, number of triples).

    Depends on the body alone, so the import computes it in its helper
    process (``pipeline.RecordPreparer``). ``words``: ``tokenise(body)``,
    when the caller has it already.
    """
    stems = content_stems(body, words)
    minhash, size = signature(stems)
    return _to_bytes(minhash), frozenset(stems), size


def choose_lead(articles):
    """The original among a story's articles.

    An article that is its outlet's own copy (no republication notice) beats
    a republication; then the earliest date; then the first imported.
    """

    def key(article):
        republished = bool(article.kept.get("attribution"))
        return (republished, article.date is None, article.date or 0, article.pk)

    return min(articles, key=key)


class DocumentFrequencies:
    """How many articles contain a stem: the index's count plus this import's.

    A word's IDF is log((N + 1) / (df + 1)) + 1, so the IDF summed over a set
    of words is the set's size times (log(N + 1) + 1) less the sum of
    log(df + 1). A set's sum is one pass in C (``weight``) instead of a
    Python call per word, which was a fifth of the import's own CPU (story
    grouping compares hundreds of words per pair): each word's count is
    kept in a ``Counter`` (``add`` is then one C call per article) and
    log(n + 1) is read from a table by count. Keeping a logarithm per word
    instead, updated as each article came, was a twelfth of the import
    process's CPU on the real 31k (py-spy).
    """

    def __init__(self):
        backend = connections["default"].get_backend()
        self.searcher = backend.searcher()
        self.field = backend.content_field_name + STEM_SUFFIX
        self.indexed = self.searcher.doc_count()
        self.added_docs = 0
        self.cache = {}  # word -> articles in the index that contain it, for the words looked up
        # word -> articles that contain it: this import's, plus the index's for the words in ``cache``.
        self.counts = Counter()
        self.most_indexed = 0  # the largest count looked up in the index
        self.logs = []  # log(n + 1) at n

    def add(self, words):
        self.counts.update(words)
        self.added_docs += 1

    def weighted(self):
        """Whether words weigh by rarity yet (with too few articles, every word weighs the same)."""
        return self.indexed + self.added_docs >= MIN_DOCUMENTS_FOR_IDF

    def _know(self, words):
        # Not ``words - cache.keys()``: that walks every key the dict holds.
        missing = list(filterfalse(self.cache.__contains__, words))
        if not missing:
            return
        counts, cache = self.counts, self.cache
        if len(cache) + len(missing) > FREQUENCY_CACHE:
            # Keep this import's counts only; the index's are looked up again as needed.
            for word, found in cache.items():
                if counts[word] == found:
                    del counts[word]
                else:
                    counts[word] -= found
            cache.clear()
            missing = words
        for word in missing:
            cache[word] = found = self.searcher.doc_frequency(self.field, word)
            counts[word] += found
            self.most_indexed = max(self.most_indexed, found)

    def weight(self, words):
        """The IDF of ``words`` (a set) summed; its size when words do not weigh by rarity yet."""
        if not self.weighted():
            return float(len(words))
        self._know(words)
        total = self.indexed + self.added_docs
        logs = self.logs
        highest = self.most_indexed + self.added_docs  # no count is above it
        if len(logs) <= highest:
            logs.extend(math.log(n + 1) for n in range(len(logs), highest + LOG_TABLE_STEP))
        return len(words) * (math.log(total + 1) + 1) - sum(map(logs.__getitem__, map(self.counts.__getitem__, words)))


class StoryGrouper:
    """Assigns new articles to stories during one import.

    Holds the MinHash signatures of the days near the articles it is given
    (``STORY_WINDOW_ARTICLES`` at most, give or take one batch's days), not
    the whole archive's.
    """

    def __init__(self, window_articles=None):
        self.window_articles = window_articles or STORY_WINDOW_ARTICLES
        self.lsh = None
        self.signatures = {}
        self.dates = {}
        self.days = OrderedDict()  # date (or None) -> pks held, least recently used first
        self.word_sets = OrderedDict()  # a bounded cache: memory stays flat
        self._pending = {}
        self.newest = 0  # the highest article pk seen

    def _load(self):
        self.frequencies = DocumentFrequencies()
        self.lsh = MinHashLSH(threshold=SHINGLE_THRESHOLD, num_perm=NUM_PERM)

    def _hold(self, pk, minhash, date):
        if pk in self.signatures:
            return
        self.lsh.insert(pk, minhash, check_duplication=False)
        self.signatures[pk], self.dates[pk] = minhash, date
        self.days[date].append(pk)

    def _load_days(self, wanted, skip=()):
        """Hold the signatures of the articles dated on the ``wanted`` days (None: undated), but ``skip``'s."""
        missing = [day for day in wanted if day not in self.days]
        for day in wanted:
            if day in self.days:
                self.days.move_to_end(day)
        if missing:
            for day in missing:
                self.days[day] = []
            rows = Article.objects.exclude(minhash=None)
            dated = [day for day in missing if day is not None]
            rows = rows.filter(date__in=dated) if None not in missing else (
                rows.filter(date__in=dated) | rows.filter(date=None)
            )
            for pk, data, date in rows.values_list("pk", "minhash", "date").iterator(chunk_size=2000):
                if pk in skip:
                    continue
                self._hold(pk, LeanMinHash.deserialize(bytes(data)), date)
        held = len(self.signatures)
        for day in list(self.days):
            if held <= self.window_articles:
                break
            if day in wanted:
                continue
            for pk in self.days.pop(day):
                self.lsh.remove(pk)
                del self.signatures[pk], self.dates[pk]
                held -= 1

    def _catch_up(self, ours):
        """Hold what other imports saved since we last looked, on the days held (``ours`` are this batch's).

        Imports save their batches one at a time (``pipeline.lock_saving``),
        so every article with a higher pk than the newest seen is new to us.
        Days not held yet are read whole when a batch needs them.
        """
        rows = Article.objects.exclude(minhash=None).filter(pk__gt=self.newest).exclude(pk__in=ours)
        dated = [day for day in self.days if day is not None]
        rows = rows.filter(date__in=dated) | rows.filter(date=None) if None in self.days else rows.filter(date__in=dated)
        for pk, data, date in rows.values_list("pk", "minhash", "date").order_by().iterator(chunk_size=2000):
            self._hold(pk, LeanMinHash.deserialize(bytes(data)), date)

    def held(self):
        """How many signatures are in memory."""
        return len(self.signatures)

    def _words(self, pks):
        missing = [pk for pk in pks if pk not in self.word_sets]
        if missing:
            for pk, body in Article.objects.filter(pk__in=missing).values_list("pk", "body"):
                self._remember(pk, frozenset(content_stems(body)))
        return {pk: self.word_sets[pk] for pk in pks if pk in self.word_sets}

    def _remember(self, pk, words):
        self.word_sets[pk] = words
        self.word_sets.move_to_end(pk)
        if len(self.word_sets) > WORD_SET_CACHE:
            self.word_sets.popitem(last=False)

    def weighted_similarity(self, a, b):
        weight = self.frequencies.weight
        union = weight(a | b)
        return weight(a & b) / union if union else 0.0

    def _close_in_time(self, date, other_pk):
        other = self.dates.get(other_pk)
        return date is None or other is None or abs((date - other).days) <= MAX_DAYS_APART

    def sign(self, article, signed=None):
        """Set ``article.minhash`` before it is saved; remembers its words for ``add``.

        ``signed``: ``story_signature(article.body)``, when the caller has it already.
        """
        data, word_set, size = signed or story_signature(article.body)
        article.minhash = data
        self._pending[id(article)] = (word_set, LeanMinHash.deserialize(data), size)

    def add(self, articles):
        """Group ``articles`` (signed, then saved with pks) with the archive's earlier articles."""
        # This batch's own articles are saved already; they go in one by one
        # below, so that none is found similar to itself.
        ours = [article.pk for article in articles]
        if self.lsh is None:
            self._load()
            self.newest = Article.objects.aggregate(newest=Max("pk"))["newest"] or 0
        else:
            self._catch_up(ours)
        self.newest = max([self.newest] + ours)
        wanted = {None}
        for article in articles:
            if article.date is not None:
                wanted.update(article.date + timedelta(days=d) for d in range(-MAX_DAYS_APART, MAX_DAYS_APART + 1))
        self._load_days(wanted, skip=set(ours))
        same_story = {}
        for article in articles:
            word_set, minhash, size = self._pending.pop(id(article))
            self.frequencies.add(word_set)
            if size < MIN_SHINGLES:
                continue
            candidates = [
                pk for pk in self.lsh.query(minhash)
                if self._close_in_time(article.date, pk)
                and minhash.jaccard(self.signatures[pk]) >= SHINGLE_THRESHOLD
            ]
            scored = ((self.weighted_similarity(word_set, other), pk) for pk, other in self._words(candidates).items())
            same_story[article.pk] = sorted((pair for pair in scored if pair[0] >= WORD_THRESHOLD), reverse=True)
            self._hold(article.pk, minhash, article.date)
            self._remember(article.pk, word_set)
        joining = [article for article in articles if same_story.get(article.pk)]
        similar = sorted({pk for article in joining for _, pk in same_story[article.pk]})
        touched = _TouchedStories(similar, articles)
        for article in joining:
            self._join(article, same_story[article.pk], touched)

    def fits(self, pk, members):
        """Whether article ``pk`` reaches ``STORY_THRESHOLD`` with more than half of ``members`` (pks)."""
        words = self._words([pk, *members])
        if pk not in words:
            return False
        close = sum(self.weighted_similarity(words[pk], words[m]) >= STORY_THRESHOLD for m in members if m in words)
        return 2 * close > len(members)

    def _join(self, article, similar, touched):
        """Put ``article`` in a story with the articles it resembles ((score, pk) pairs, best first).

        It joins the story of the most similar article whose story it fits
        (``fits``: close to most of its members, not only to one), so
        one article that tells two events (a bulletin with two audiences)
        cannot chain the two events' stories into one. Failing that, it starts
        a story with the most similar article that has none, and with the
        others that fit it. Stories are never merged. ``touched``: the
        stories of the batch's similar articles (``_TouchedStories``); updated here.
        """
        story_of = touched.story_of
        loose = [pk for _, pk in similar if story_of.get(pk) is None]
        story_id, old_lead, tried = None, None, set()
        for _, pk in similar:
            candidate = story_of.get(pk)
            if candidate is None or candidate in tried:
                continue
            tried.add(candidate)
            members, lead = touched.members(candidate)
            if self.fits(article.pk, members):
                story_id, group, old_lead = candidate, members + [article.pk], lead
                break
        if story_id is None:
            if not loose:
                return  # it resembles only stories it does not fit: it stays alone
            group, loose = [article.pk, loose[0]], loose[1:]
        joining = group[-2:] if story_id is None else [article.pk]
        for pk in loose:
            if self.fits(pk, group):
                group.append(pk)
                joining.append(pk)
        # The lead is the first of the story's articles in choose_lead's order, so the
        # first of the old lead and the newcomers: the other members are not read again.
        if story_id and old_lead is None:
            contenders = list(Article.objects.filter(Q(story_id=story_id) | Q(pk__in=joining)).only("pk", "date", "kept"))
        else:
            contenders = touched.articles([*joining, old_lead] if old_lead else joining)
        lead = choose_lead(contenders)
        if story_id is None:
            story = Story.objects.create(lead=lead)
        else:
            story = Story(pk=story_id, lead_id=old_lead)
            if lead.pk != old_lead:
                story.lead = lead
                story.save(update_fields=["lead"])
        Article.objects.filter(pk__in=joining).update(story=story)
        touched.joined(story.pk, joining, lead.pk)
        article.story = story


class _TouchedStories:
    """The stories a batch's new articles may join, read once for the batch, kept up to date by ``_join``.

    Imports save one batch at a time (``pipeline.lock_saving``), so no one
    else changes these stories meanwhile. Reading a story's members and lead,
    and the lead's contenders, with a query each per joining article was
    about 30% of grouping's CPU on the real 31k (py-spy).
    """

    def __init__(self, similar, batch):
        """``similar``: pks of the earlier articles the batch's articles resemble; ``batch``: its saved articles."""
        self.story_of = {}  # pk -> story id (None: in no story)
        for chunk in _in_chunks(similar):
            self.story_of.update(Article.objects.filter(pk__in=chunk).values_list("pk", "story_id"))
        story_ids = sorted({story_id for story_id in self.story_of.values() if story_id is not None})
        self.newest = {story_id: [] for story_id in story_ids}  # story id -> its newest members' pks, newest first
        self.leads = {}
        for chunk in _in_chunks(story_ids):
            self.leads.update(Story.objects.filter(pk__in=chunk).values_list("pk", "lead_id"))
            # Each story's newest members only: a story may have thousands.
            rows = (Article.objects.filter(story_id__in=chunk)
                    .annotate(rank=Window(RowNumber(), partition_by=F("story_id"), order_by=F("pk").desc()))
                    .filter(rank__lte=STORY_MEMBERS_COMPARED).order_by("story_id", "-pk").values_list("story_id", "pk"))
            for story_id, pk in rows.iterator(chunk_size=2000):
                self.newest[story_id].append(pk)
        # choose_lead's inputs (pk, date, kept) of every article that may lead a story: the batch's own,
        # the loose similar ones and the leads.
        self._articles = {article.pk: article for article in batch}
        wanted = sorted(({pk for pk, story_id in self.story_of.items() if story_id is None}
                         | {pk for pk in self.leads.values() if pk is not None}) - self._articles.keys())
        for chunk in _in_chunks(wanted):
            rows = Article.objects.filter(pk__in=chunk).only("pk", "date", "kept")
            self._articles.update((article.pk, article) for article in rows)

    def members(self, story_id):
        """(The lead and the latest members of a story: whom a newcomer must resemble, the lead's pk)."""
        members = self.newest.get(story_id, [])[:]
        lead = self.leads.get(story_id)
        if lead and lead not in members:
            members[-1:] = [lead]
        return members, lead

    def articles(self, pks):
        """The articles at ``pks`` that are still there (one may have been deleted since the batch began)."""
        return [self._articles[pk] for pk in pks if pk in self._articles]

    def joined(self, story_id, pks, lead):
        """``pks`` joined story ``story_id`` (new or not), now led by ``lead``."""
        self.story_of.update(dict.fromkeys(pks, story_id))
        self.newest[story_id] = sorted([*self.newest.get(story_id, ()), *pks], reverse=True)[:STORY_MEMBERS_COMPARED]
        self.leads[story_id] = lead
