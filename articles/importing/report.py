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
