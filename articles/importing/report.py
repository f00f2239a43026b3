"""Plain-language lines about what happened to an imported file (command and admin)."""


def describe_file(import_file, details=False):
    """The first line sums the file up; the rest name each failure (and duplicate, with details)."""
    if import_file.status == "failed" and not import_file.imported:
        return [f"FAILED     {import_file.name}: {import_file.message}"]
    head = (
        f"{import_file.get_status_display():10} {import_file.name}: {import_file.imported} imported, "
        f"{len(import_file.duplicate_of)} duplicates, {len(import_file.failures)} failed"
    )
    if import_file.encoding:
        head += f" ({import_file.encoding})"
    lines = [head]
    if import_file.message:
        lines.append(f"failed     the rest of the file: {import_file.message}")
    lines += [f"notice     {notice}" for notice in import_file.notices]
    lines += [f"failed     {origin}: {message}" for origin, message in import_file.failures]
    if details:
        lines += [f"duplicate  {origin}: same as article {pk}" for origin, pk in import_file.duplicate_of]
    return lines


# The admin's report of an import, in Arabic: the sums first, then each file,
# failures grouped by reason, and the full lists folded away.

FILE_STATUS_AR = {
    "queued": "في الانتظار", "imported": "استُورد", "partial": "استُورد بعضه", "duplicate": "مكرر",
    "failed": "فشل", "archive": "أرشيف مفكوك",
}


def _reason(message):
    """A failure message without what is particular to one record, so equal reasons group together."""
    import re

    return re.sub(r"\d+", "…", message.split(" / ")[0]).strip()


def job_report(job):
    """What the admin's import page shows: the sums, each file, failures by reason, duplicates with their article."""
    files = [f for f in job.files.all() if f.status != "archive"]
    reasons = {}
    duplicates = []
    for import_file in files:
        if import_file.status == "failed" and not import_file.imported and import_file.message:
            reasons.setdefault(_reason(import_file.message), []).append((import_file.name, import_file.message))
        for origin, message in import_file.failures:
            reasons.setdefault(_reason(message), []).append((origin, message))
        duplicates += [(origin, pk) for origin, pk in import_file.duplicate_of]
    return {
        "imported": sum(f.imported for f in files),
        "duplicates": len(duplicates),
        "failed": sum(len(items) for items in reasons.values()),
        "files": [
            {
                "name": f.name, "status": FILE_STATUS_AR.get(f.status, f.status), "imported": f.imported,
                "duplicates": len(f.duplicate_of), "failed": len(f.failures) + (f.status == "failed" and not f.imported),
                "encoding": f.encoding, "notices": f.notices, "message": f.message,
            }
            for f in files
        ],
        "reasons": sorted(
            ({"reason": reason, "count": len(items), "items": items} for reason, items in reasons.items()),
            key=lambda group: -group["count"],
        ),
        "duplicate_list": duplicates,
    }
