"""Titles, authors and categories stored with HTML entities (&quot; &#8221;) as the characters they stand for.

Imports decode them since this migration (readers.decode_entities); articles
imported before keep their text otherwise unchanged, and are marked for the
index so the next import or ``reindex`` brings the index in step.
"""

from django.db import migrations
from django.db.models import Q

FIELDS = ("title", "author", "category")


def decode_stored_entities(apps, schema_editor):
    from articles.importing.readers import decode_entities

    Article = apps.get_model("articles", "Article")
    has_entity = Q()
    for name in FIELDS:
        has_entity |= Q(**{f"{name}__contains": "&"})
    changed = []
    for article in Article.objects.filter(has_entity).only("pk", *FIELDS).iterator(chunk_size=1000):
        before = [getattr(article, name) for name in FIELDS]
        for name in FIELDS:
            setattr(article, name, decode_entities(getattr(article, name)))
        if [getattr(article, name) for name in FIELDS] != before:
            article.index_pending = True
            changed.append(article)
        if len(changed) >= 1000:
            Article.objects.bulk_update(changed, [*FIELDS, "index_pending"])
            changed = []
    Article.objects.bulk_update(changed, [*FIELDS, "index_pending"])


class Migration(migrations.Migration):
    dependencies = [("articles", "0004_importjob_stage")]

    operations = [migrations.RunPython(decode_stored_entities, migrations.RunPython.noop)]
