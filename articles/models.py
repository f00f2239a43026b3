import hashlib

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles.importing.safety import storable, storable_json, storable_name
from articles.text import normalise, tokenise


class Source(models.Model):
    """An outlet that publishes articles (a channel, a paper, an agency).

    The outlets of the directory shipped in ``articles/data/outlets.json``
    (loaded by a migration, and again by ``manage.py load_outlets``) carry
    their feed code, country and web domains; files name them by any of
    these or an alias, and articles show the Arabic name.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.CharField(
        _("feed code"), max_length=60, blank=True, db_index=True,
        help_text=_("The outlet's short name in feeds and datasets (aawsat, sabq)."),
    )
    country = models.CharField(_("country"), max_length=100, blank=True)
    domains = models.CharField(
        _("web domains"), max_length=500, blank=True,
        help_text=_("Comma-separated (aawsat.com, bbc.com/arabic): an article's URL on one of them is from this outlet."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self):
        return self.name

    @classmethod
    def for_name(cls, name):
        """The source an outlet name refers to, through its aliases; created if new.

        Names are compared normalised and without a leading kind of outlet,
        so قناة الإخبارية، الاخبارية and الإخبارية are one source; other
        names (الإخبارية السورية) become one through aliases added in the admin.
        """
        # Cut to the column: a name in a file may be any length.
        name = " ".join(storable(name).split())[:200]
        if not name:
            return None
        key = alias_key(name)[:200]
        alias = SourceAlias.objects.select_related("source").filter(normalised=key).first()
        if alias:
            return alias.source
        if looks_like_address(name):
            known = cls.for_url(name)
            if known:
                return known
        bare = name.split(" ", 1)[1] if normalise(name.split(" ", 1)[0]) in OUTLET_KINDS and " " in name else name
        source, _ = cls.objects.get_or_create(name=bare)
        SourceAlias.objects.get_or_create(normalised=key, defaults={"source": source, "name": name})
        return source


    @classmethod
    def for_url(cls, url):
        """The directory's outlet whose domain an article URL (or bare domain) is on, or None."""
        keys = address_keys(url)
        if not keys:
            return None
        found = dict(SourceAlias.objects.filter(normalised__in=keys).values_list("normalised", "source_id"))
        for key in keys:  # the most specific first: bbc.com/arabic before bbc.com
            if key in found:
                return cls.objects.get(pk=found[key])
        return None


def looks_like_address(name):
    return " " not in name and "." in name and name.isascii()


def address_keys(url):
    """The keys an address is known by: host with its first path segment, the host, then its parent domains."""
    from urllib.parse import urlsplit

    url = url.strip().lower()
    if "//" not in url:
        url = "//" + url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return []
    host = host.removeprefix("www.")
    if "." not in host:
        return []
    keys = []
    segment = parts.path.strip("/").split("/", 1)[0]
    if segment:
        keys.append(f"{host}/{segment}")
    labels = host.split(".")
    keys += [".".join(labels[i:]) for i in range(len(labels) - 1)]
    return keys


# Words that say what kind of outlet a name is, not which one.
OUTLET_KINDS = {normalise(word) for word in "قناة موقع صحيفة جريدة مجلة إذاعة شبكة تلفزيون وكالة".split()}


def alias_key(name):
    words = normalise(" ".join(name.split())).split(" ")
    if len(words) > 1 and words[0] in OUTLET_KINDS:
        words = words[1:]
    return " ".join(words)


class SourceAlias(models.Model):
    """Another name of a source as it appears in files (قناة الإخبارية → الإخبارية)."""

    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("alias"), max_length=200)
    normalised = models.CharField(max_length=200, unique=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("source alias")
        verbose_name_plural = _("source aliases")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalised = alias_key(self.name)[:200]
        super().save(*args, **kwargs)


class Story(models.Model):
    """Articles that report the same story: an original and its republications."""

    lead = models.ForeignKey(
        "Article", verbose_name=_("lead article"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")

    def __str__(self):
        return self.lead.title if self.lead else f"story {self.pk}"


def body_fingerprint(body, words=None):
    """SHA-256 of the body's normalised words (``words``, when already tokenised): equal for exact duplicates.

    Diacritics, spacing and punctuation differences do not make a new article.
    """
    return hashlib.sha256(" ".join(tokenise(body) if words is None else words).encode("utf-8")).hexdigest()


class DatePrecision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


class Article(models.Model):
    external_id = models.CharField(
        _("external identifier"),
        max_length=200,
        blank=True,
        db_index=True,
        help_text=_("The record's id in the system it came from, kept for joining exports back."),
    )
    title = models.CharField(_("title"), max_length=500)
    title_derived = models.BooleanField(
        _("title derived"), default=False, help_text=_("The file had no title; this one is cut from the first sentence.")
    )
    body = models.TextField(_("text"))
    source = models.ForeignKey(
        Source, verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT, related_name="articles",
        help_text=_("The outlet that published this copy."),
    )
    original_source = models.ForeignKey(
        Source, verbose_name=_("original source"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="original_articles", help_text=_("The outlet that first published it, when the text says so."),
    )
    date = models.DateField(_("date"), null=True, blank=True, db_index=True)
    date_precision = models.CharField(_("date precision"), max_length=5, choices=DatePrecision.choices, blank=True)
    date_year_inferred = models.BooleanField(
        _("year inferred"), default=False, help_text=_("The text gave no year; it was inferred from the weekday.")
    )
    category = models.CharField(_("category"), max_length=200, blank=True, db_index=True)
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    author = models.CharField(_("author"), max_length=300, blank=True)
    kept = models.JSONField(
        _("kept boilerplate"), default=dict, blank=True,
        help_text=_("Lines removed from the body on import (attribution, disclaimer, tags), unchanged."),
    )
    story = models.ForeignKey(
        Story, verbose_name=_("story"), null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    import_file = models.ForeignKey(
        "ImportFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="articles", editable=False
    )
    origin = models.CharField(_("origin in file"), max_length=500, blank=True, editable=False)
    fingerprint = models.CharField(max_length=64, unique=True, editable=False)
    # MinHash signature of the body's word pairs, for grouping stories.
    minhash = models.BinaryField(null=True, editable=False)
    # Set on save, cleared once the search index holds this version: an import
    # killed between the two leaves it set, and the next import repairs it.
    index_pending = models.BooleanField(default=True, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [("export_articles", _("Can export search results"))]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="article_external_id_unique",
            )
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.fingerprint = body_fingerprint(self.body)
        self.index_pending = True
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", args=[self.pk])

    @property
    def link_url(self):
        """The url, if it may be a link: only http and https (never javascript:, data: …)."""
        scheme = self.url.split(":", 1)[0].strip().lower() if ":" in self.url else ""
        return self.url if scheme in ("http", "https") else ""

    @property
    def is_story_lead(self):
        return self.story_id is not None and self.story.lead_id == self.pk


class ImportJob(models.Model):
    """One upload in the admin, or one run of ``import_articles``."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True, help_text=_("Why the whole import stopped, if it did."))
    # host:pid:start time of the process running it (jobs.current_runner), so
    # a job whose process was killed can be told from one still running.
    runner = models.CharField(max_length=200, blank=True, editable=False)
    files_total = models.PositiveIntegerField(default=0)
    files_done = models.PositiveIntegerField(default=0)
    # What a running import is doing now: importing, committing to the index, merging the index.
    stage = models.CharField(max_length=200, blank=True)
    # Records read so far (imported, duplicate or failed), counted batch by
    # batch while the import runs, so a large file shows progress.
    records_done = models.PositiveIntegerField(_("records processed"), default=0)
    imported = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"{_('import')} {self.pk} ({self.get_status_display()})"


def original_upload_path(instance, filename):
    return f"originals/{instance.sha256[:2]}/{instance.sha256}"


class ImportFile(models.Model):
    """One file of an import (a zip's members are files of their own) and what became of it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        IMPORTED = "imported", _("imported")
        PARTIAL = "partial", _("partly imported")
        DUPLICATE = "duplicate", _("duplicate")
        FAILED = "failed", _("failed")
        ARCHIVE = "archive", _("archive expanded")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="files")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(max_length=1000)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    # The bytes as uploaded, so any article can be re-derived when extraction
    # improves; zip members are read back from their archive.
    original = models.FileField(upload_to=original_upload_path, blank=True, max_length=200)
    encoding = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    message = models.TextField(blank=True)
    imported = models.PositiveIntegerField(default=0)
    duplicate_of = models.JSONField(default=list, blank=True, help_text=_("[origin, article id] pairs"))
    failures = models.JSONField(default=list, blank=True, help_text=_("[origin, message] pairs"))
    notices = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("imported file")
        verbose_name_plural = _("imported files")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Names and messages carry text from the uploaded files: keep them
        # storable on every database (no NUL, no lone surrogate, within the column).
        self.name = storable_name(self.name, 1000)
        self.encoding = storable(self.encoding, 40)
        self.message = storable(self.message)
        self.failures, self.notices = storable_json(self.failures), storable_json(self.notices)
        self.duplicate_of = storable_json(self.duplicate_of)
        super().save(*args, **kwargs)


class ExportLog(models.Model):
    """Every export: who, when, what search, how many rows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    query = models.CharField(max_length=1000, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    sort = models.CharField(max_length=20)
    format = models.CharField(max_length=10)
    include_text = models.BooleanField(default=False)
    rows = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    background = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="exports/", blank=True)
    runner = models.CharField(max_length=200, blank=True, editable=False)  # as ImportJob.runner

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self):
        return f"{self.format} {self.query!r} ({self.rows})"

    def mark_finished(self):
        from django.utils import timezone

        self.finished_at = timezone.now()
        self.save(update_fields=["finished_at", "file"])
