"""Results by story: one place per story, however many outlets printed it.

A republished story (an agency piece in ten papers) would otherwise fill half
a page with the same text. Each story takes the place of its best-ranked
version; the place shows the story's lead (the original outlet) when the lead
matches the search too, and says how many other versions there are. Articles
outside any story are places of their own.
"""

import threading
import time
from dataclasses import dataclass, field

import numpy as np
from django.db import connection
from django.db.models.signals import post_delete, post_save
from haystack import connections

from articles.models import Article, Story
from articles.search.highlight import snippet
from articles.search.ranking import Hits

# Other versions listed under a place (the article page lists them all).
VERSIONS_SHOWN = 12
# How long a process may reuse the archive's story map while its index is
# unchanged. Imports change the index (so the map is read again when their
# commit becomes visible) and saves in this process clear it at once; this
# bounds how long an edit made in another process (a story's lead changed
# in the admin) can go unseen.
STORY_MAP_SECONDS = 30


@dataclass
class StoryPlace:
    """One place on the results page: what the template reads of a haystack result, and the story's versions."""

    object: Article
    score: float
    highlighted: dict
    other_versions: int = 0  # the story's other articles, matching the search or not
    versions: list = field(default_factory=list)  # up to VERSIONS_SHOWN of them, oldest first


def places(hits, story_of, leads, offset=0, limit=None, ordered=None):
    """([(representative pk, score, story id or None)] of places ``offset`` to ``offset + limit``, how many places).

    ``hits`` are (pk, score) in page order (``ranking.Hits`` or pairs), or
    with ``ordered``, only their first ``ordered`` in page order and the
    rest in any (``Ranking.best_then_rest``); None when those first ones
    fill fewer places than the page needs (ask again with every hit in
    order). ``story_of`` gives, at a pk, the id of its story (-1 for none,
    and for pks past its end); ``leads`` maps a story id to its lead's pk. A
    story takes the place of its first hit, shown by its lead when the lead
    is a hit too. Worked on arrays: a word in 60,000 articles is 60,000 hits.
    """
    hits = Hits.of(hits)
    pks = hits.ids
    stories = np.full(len(pks), -1, dtype=np.int64)
    inside = pks < len(story_of)
    stories[inside] = story_of[pks[inside]]
    if ordered is not None and ordered < len(pks) and limit is not None:
        # How many places, without putting every hit in order: the lone
        # articles and the distinct stories.
        storied = stories[stories >= 0]
        seen = np.zeros(int(storied.max()) + 1 if len(storied) else 0, dtype=bool)
        seen[storied] = True
        count = int((stories < 0).sum() + seen.sum())
        positions = _first_places(stories[:ordered])
        if len(positions) < min(offset + limit, count):
            return None
    else:
        positions = _first_places(stories)
        count = len(positions)
    chosen = positions[offset:None if limit is None else offset + limit]
    chosen_stories = stories[chosen].tolist()
    chosen_leads = [leads.get(story, -1) if story >= 0 else -1 for story in chosen_stories]
    lead_matched = np.isin(chosen_leads, pks).tolist() if chosen_leads else []
    page = []
    for position, story, lead, lead_is_hit in zip(chosen.tolist(), chosen_stories, chosen_leads, lead_matched):
        pk, score = int(pks[position]), float(hits.scores[position])
        if story < 0:
            page.append((pk, score, None))
        else:
            page.append((lead if lead_is_hit else pk, score, story))
    return page, count


def _first_places(stories):
    """Positions of the hits that take a place: every lone article, and each story's first hit."""
    in_story = np.flatnonzero(stories >= 0)
    _, first = np.unique(stories[in_story], return_index=True)
    keep = stories < 0
    keep[in_story[first]] = True
    return np.flatnonzero(keep)


_story_map = threading.local()
_story_map_changes = [0]  # bumped by every save or delete of an article or story in this process


def _story_map_changed(**kwargs):
    _story_map_changes[0] += 1


post_save.connect(_story_map_changed, sender=Article, dispatch_uid="collapse-article-saved")
post_delete.connect(_story_map_changed, sender=Article, dispatch_uid="collapse-article-deleted")
post_save.connect(_story_map_changed, sender=Story, dispatch_uid="collapse-story-saved")
post_delete.connect(_story_map_changed, sender=Story, dispatch_uid="collapse-story-deleted")


def _read_story_map():
    # Plain rows: model instances for every article in a story cost most of a
    # results page at 30,000 articles.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, story_id FROM {Article._meta.db_table} WHERE story_id IS NOT NULL")
        members = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
        cursor.execute(f"SELECT id, lead_id FROM {Story._meta.db_table} WHERE lead_id IS NOT NULL")
        leads = dict(cursor.fetchall())
    story_of = np.full(int(members[:, 0].max()) + 1 if len(members) else 0, -1, dtype=np.int64)
    story_of[members[:, 0]] = members[:, 1]
    return story_of, leads


def story_members():
    """(the story id at each article pk, -1 for none; {story id: lead pk}).

    Read once per open Whoosh searcher (a new one opens when the index
    changes) for at most STORY_MAP_SECONDS, and again after any save in this
    process; engines without a searcher to key on read it every time.
    """
    backend = connections["default"].get_backend()
    if not hasattr(backend, "searcher"):
        return _read_story_map()
    searcher = backend.searcher()
    cached = getattr(_story_map, "entry", None)
    now = time.monotonic()
    if (cached is None or cached[0] is not searcher or cached[1] != _story_map_changes[0]
            or now - cached[2] > STORY_MAP_SECONDS):
        _story_map.entry = cached = (searcher, _story_map_changes[0], now, _read_story_map())
    return cached[3]


def load_places(page, terms, highlight=True):
    """StoryPlaces for a page of ``places`` output, articles and versions loaded in two queries."""
    articles = (
        Article.objects.select_related("source", "original_source", "story").defer("minhash", "kept")
        .in_bulk([pk for pk, _, _ in page])
    )
    stories = [story for _, _, story in page if story is not None]
    members = {}
    for version in (Article.objects.filter(story_id__in=stories).select_related("source")
                    .only("pk", "title", "date", "story_id", "source__name", "source__id").order_by("date", "pk")):
        members.setdefault(version.story_id, []).append(version)
    found = []
    for pk, score, story in page:
        article = articles.get(pk)
        if article is None:
            continue  # deleted since the index was written
        others = [version for version in members.get(story, ()) if version.pk != pk]
        found.append(StoryPlace(
            object=article,
            score=score,
            highlighted={"text": [snippet(article.body, terms)]} if highlight else {},
            other_versions=len(others),
            versions=others[:VERSIONS_SHOWN],
        ))
    return found
