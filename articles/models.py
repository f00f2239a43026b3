import hashlib

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles.text import tokenise


class Source(models.Model):
    """An outlet that publishes articles (a channel, a paper, an agency)."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self):
        return self.name


def body_fingerprint(body):
    """SHA-256 of the body's normalised words: equal for exact duplicates.

    Diacritics, spacing and punctuation differences do not make a new article.
    """
    return hashlib.sha256(" ".join(tokenise(body)).encode("utf-8")).hexdigest()


class Article(models.Model):
    external_id = models.CharField(
        _("external identifier"),
        max_length=200,
        blank=True,
        db_index=True,
        help_text=_("The record's id in the system it came from, kept for joining exports back."),
    )
    title = models.CharField(_("title"), max_length=500)
    body = models.TextField(_("text"))
    source = models.ForeignKey(
        Source, verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT, related_name="articles"
    )
    date = models.DateField(_("date"), null=True, blank=True, db_index=True)
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    author = models.CharField(_("author"), max_length=300, blank=True)
    fingerprint = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
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
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", args=[self.pk])
