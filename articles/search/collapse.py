"""Results by story: one place per story, however many outlets printed it.

A republished story (an agency piece in ten papers) would otherwise fill half
a page with the same text. Each story takes the place of its best-ranked
version; the place shows the story's lead (the original outlet) when the lead
matches the search too, and says how many other versions there are. Articles
outside any story are places of their own.
"""

from dataclasses import dataclass, field

from articles.models import Article
from articles.search.highlight import snippet

# Other versions listed under a place (the article page lists them all).
VERSIONS_SHOWN = 12


@dataclass
class StoryPlace:
    """One place on the results page: what the template reads of a haystack result, and the story's versions."""

    object: Article
    score: float
    highlighted: dict
    other_versions: int = 0  # the story's other articles, matching the search or not
    versions: list = field(default_factory=list)  # up to VERSIONS_SHOWN of them, oldest first


def places(hits, story_of, leads):
    """[(representative pk, score, story id or None)] in page order, one per story.

    ``hits`` are (pk, score) in page order; ``story_of`` maps the pks that
    belong to a story to its id; ``leads`` maps a story id to its lead's pk.
    """
    matched = {pk for pk, _ in hits}
    seen, found = set(), []
    for pk, score in hits:
        story = story_of.get(pk)
        if story is None:
            found.append((pk, score, None))
        elif story not in seen:
            seen.add(story)
            lead = leads.get(story)
            found.append((lead if lead in matched else pk, score, story))
    return found


def story_members():
    """({article pk: story id} for every article in a story, {story id: lead pk})."""
    from articles.models import Story

    story_of = dict(Article.objects.exclude(story=None).values_list("pk", "story_id"))
    leads = dict(Story.objects.exclude(lead=None).values_list("pk", "lead_id"))
    return story_of, leads


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
