"""The directory of Arabic news outlets shipped with the archive (``articles/data/outlets.json``).

Each entry: a feed code (as SaudiNewsNet and other datasets name the
outlet), the Arabic name shown everywhere, the country, the web domains and
other names. Loading it makes each entry a Source with those as aliases, so
the importer resolves a record's ``source`` (code, name or alias) or its
URL to the outlet. Sources created before, under a code or another name,
are merged into the entry: their articles move over and are marked for the
index, so the facets show the Arabic name after the next reindex or import.
Editors keep the directory up to date in the admin; loading again adds what
is missing and never undoes their edits of names already present.
"""

import json
from pathlib import Path

from articles.models import alias_key

DIRECTORY = Path(__file__).resolve().parent / "data" / "outlets.json"


def read_directory(path=DIRECTORY):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def load_directory(Source, SourceAlias, Article, entries=None):
    """Make every entry a Source with its aliases; returns the pks of the sources whose articles changed name."""
    changed_sources = set()
    for entry in entries if entries is not None else read_directory():
        names = [entry["code"], entry["name"], *entry.get("aliases", ()), *entry.get("domains", ())]
        keys = {alias_key(name): name for name in names if name.strip()}
        matching = list(
            Source.objects.filter(code=entry["code"])
            | Source.objects.filter(name__in=[entry["name"], entry["code"]])
            | Source.objects.filter(aliases__normalised__in=list(keys))
        )
        matching = list({source.pk: source for source in matching}.values())
        target = (
            next((s for s in matching if s.code == entry["code"]), None)
            or next((s for s in matching if s.name == entry["name"]), None)
            or (matching[0] if matching else None)
        )
        if target is None:
            target = Source.objects.create(name=entry["name"])
        for other in matching:
            if other.pk == target.pk:
                continue
            Article.objects.filter(source=other).update(source=target, index_pending=True)
            Article.objects.filter(original_source=other).update(original_source=target, index_pending=True)
            SourceAlias.objects.filter(source=other).update(source=target)
            other.delete()
            changed_sources.add(target.pk)
        if not target.code:
            # A source the directory did not know yet (named by its feed code) takes the Arabic name.
            if target.name != entry["name"]:
                changed_sources.add(target.pk)
            target.name = entry["name"]
            target.code = entry["code"]
        target.country = target.country or entry.get("country", "")
        target.domains = target.domains or ", ".join(entry.get("domains", ()))
        target.save()
        taken = set(SourceAlias.objects.filter(normalised__in=list(keys)).values_list("normalised", flat=True))
        SourceAlias.objects.bulk_create([
            SourceAlias(source=target, name=name, normalised=key) for key, name in keys.items() if key not in taken
        ])
    if changed_sources:
        Article.objects.filter(source_id__in=changed_sources).update(index_pending=True)
        Article.objects.filter(original_source_id__in=changed_sources).update(index_pending=True)
    return changed_sources
