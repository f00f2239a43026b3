from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import models, transaction
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from articles.importing.report import job_report
from articles.models import Article, ExportLog, ImportFile, ImportJob, Source, SourceAlias, Story
from articles.wording import counted, stage_in_arabic


def reindex_after_commit(pks):
    """Index updates run in the background worker, after the edit has committed."""
    from articles.tasks import reindex_articles_later

    pks = list(pks)
    transaction.on_commit(lambda: reindex_articles_later.enqueue(pks))


class SourceAliasInline(admin.TabularInline):
    model = SourceAlias
    extra = 1
    fields = ["name"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "country", "alias_list", "article_count"]
    list_filter = ["country"]
    search_fields = ["name", "code", "domains", "aliases__name"]
    fields = ["name", "code", "country", "domains"]
    inlines = [SourceAliasInline]

    @admin.display(description=_("aliases"))
    def alias_list(self, source):
        return "، ".join(alias.name for alias in source.aliases.all())

    @admin.display(description=_("articles"))
    def article_count(self, source):
        return source.articles.count()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("aliases")


class StoryArticleInline(admin.TabularInline):
    model = Article
    fields = ["title", "source", "original_source", "date"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "size", "created_at"]
    search_fields = ["articles__title"]
    raw_id_fields = ["lead"]
    list_select_related = ["lead"]
    inlines = [StoryArticleInline]

    @admin.display(description=_("articles"))
    def size(self, story):
        return story.articles.count()


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "source", "original_source", "date", "category", "story"]
    list_filter = [("source", admin.RelatedOnlyFieldListFilter), ("date", admin.DateFieldListFilter), "category"]
    search_fields = ["title", "external_id", "source__name"]
    list_select_related = ["source", "original_source", "story"]
    raw_id_fields = ["source", "original_source", "story"]
    readonly_fields = ["import_file_link", "origin", "created_at", "updated_at"]
    date_hierarchy = "date"
    show_full_result_count = False
    # A URL typed without a scheme is taken as https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["reindex"]
    fieldsets = [
        (None, {"fields": ["title", "title_derived", "body"]}),
        (_("Source and date"), {"fields": [
            "source", "original_source", "date", "date_precision", "date_year_inferred", "author", "url", "category",
        ]}),
        (_("Provenance"), {"classes": ["collapse"], "fields": [
            "external_id", "story", "kept", "import_file_link", "origin", "created_at", "updated_at",
        ]}),
    ]

    @admin.display(description=_("imported from"))
    def import_file_link(self, article):
        if not article.import_file_id:
            return "—"
        url = reverse("admin:articles_importjob_change", args=[article.import_file.job_id])
        return format_html('<a href="{}">{}</a>', url, article.import_file.name)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        reindex_after_commit([obj.pk])

    def delete_model(self, request, obj):
        pk = obj.pk
        super().delete_model(request, obj)
        reindex_after_commit([pk])  # gone from the database: removed from the index

    def delete_queryset(self, request, queryset):
        pks = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        reindex_after_commit(pks)

    @admin.action(description=_("Update the search index for the selected articles"), permissions=["change"])
    def reindex(self, request, queryset):
        pks = list(queryset.values_list("pk", flat=True))
        reindex_after_commit(pks)
        self.message_user(request, _("%(count)d articles will be re-indexed in the background.") % {"count": len(pks)})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        # An empty file fails alone in the import report, not the whole upload.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [item for item in (data if isinstance(data, (list, tuple)) else [data]) if item]
        if not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Files"),
        help_text=_(
            "Text (.txt, .md), JSON, JSON Lines, CSV/TSV or HTML article files, or zips of them. "
            "Each file may be up to 200 MB; an upload up to %(total)s MB in all."
        ) % {"total": settings.MAX_UPLOAD_MB},
        error_messages={"required": _("Choose at least one file.")},
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        total = sum(f.size for f in files)
        if total > settings.MAX_UPLOAD_MB * 2**20:
            raise forms.ValidationError(
                _("The upload is %(size)d MB; the limit is %(limit)d MB. Upload fewer files at a time.")
                % {"size": total // 2**20, "limit": settings.MAX_UPLOAD_MB}
            )
        return files


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "started", "user", "state", "progress", "imported_count", "duplicate_count",
                    "failed_count"]
    list_filter = ["status"]
    # The report comes first: what was imported, what was already there, what failed and why.
    readonly_fields = ["report", "state", "progress", "user", "started", "finished", "failure"]
    fields = readonly_fields
    change_form_template = "admin/articles/importjob/change_form.html"

    @admin.display(description=_("report"))
    def report(self, job):
        return render_to_string("admin/articles/importjob/report.html", {"job": job, "report": job_report(job)})

    @admin.display(description=_("status"))
    def state(self, job):
        return job.get_status_display()

    @admin.display(description=_("created by"))
    def user(self, job):
        return job.created_by or "—"

    @admin.display(description=_("started at"))
    def started(self, job):
        return readable_time(job.started_at or job.created_at)

    @admin.display(description=_("finished at"))
    def finished(self, job):
        return readable_time(job.finished_at)

    @admin.display(description=_("error"))
    def failure(self, job):
        return job.error or "—"

    @admin.display(description=_("imported"))
    def imported_count(self, job):
        return job.imported

    @admin.display(description=_("duplicates"))
    def duplicate_count(self, job):
        return job.duplicates

    @admin.display(description=_("failed"))
    def failed_count(self, job):
        return job.failed

    @admin.display(description=_("progress"))
    def progress(self, job):
        files = f"{counted(job.files_done, 'file')} من {job.files_total}"
        done = f"{files}، {counted(job.records_done, 'record')}"
        return f"{done} ({stage_in_arabic(job.stage)})" if job.stage else done

    def has_change_permission(self, request, obj=None):
        return False  # a report is read, not edited

    def changelist_view(self, request, extra_context=None):
        from articles.jobs import fail_abandoned_jobs

        fail_abandoned_jobs()  # no import shows "running" after its process died
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="articles_importjob_upload"),
        ] + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:articles_importjob_upload")

    def upload_view(self, request):
        if not self.has_add_permission(request):
            return TemplateResponse(request, "admin/articles/importjob/upload.html", status=403)
        form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
        if request.method == "POST" and form.is_valid():
            job = start_upload_import(request.user, form.cleaned_data["files"])
            self.message_user(
                request, _("%(count)d files were received; the import runs in the background.")
                % {"count": job.files_total}, messages.SUCCESS,
            )
            return redirect("admin:articles_importjob_change", job.pk)
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.model._meta,
                   "title": _("Import articles")}
        return TemplateResponse(request, "admin/articles/importjob/upload.html", context)


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    """Every export, for the record: read, never edited."""

    list_display = ["created_at", "user", "query", "format", "rows", "include_text", "background", "finished_at"]
    list_filter = ["format", "background", "include_text"]
    search_fields = ["query", "user__username"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in ExportLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def readable_time(moment):
    """A time as the admin reads it, local, to the minute and day first: 29 نوفمبر 2026، 10:14 (or "—")."""
    return date_format(timezone.localtime(moment), "j F Y، H:i") if moment else "—"


def start_upload_import(user, uploaded_files):
    """Keep the uploaded files and queue their import; returns the ``ImportJob``.

    A file refused for its size is reported and never stored: nothing of it
    stays in the media folder.
    """
    from articles.importing.pipeline import keep_original
    from articles.importing.readers import too_large
    from articles.tasks import run_import_job

    with transaction.atomic():
        job = ImportJob.objects.create(created_by=user)
        for uploaded in uploaded_files:
            if too_large(uploaded.name, uploaded.size) and not uploaded.name.lower().endswith(".zip"):
                ImportFile.objects.create(
                    job=job, name=uploaded.name, size=uploaded.size, status=ImportFile.Status.FAILED,
                    message=too_large(uploaded.name, uploaded.size),
                )
                continue
            keep_original(job, uploaded.name, uploaded)  # streamed: a large upload waits on disk, not in memory
            job.files_total += 1
        job.save(update_fields=["files_total"])
        transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    return job


def hide_third_party_models(site=admin.site):
    """Keep the admin home to the archive: the login-lockout records (django-axes) and the task queue's
    results (django-tasks) are internals an archive admin need not see; superusers reach them by URL-less
    tools (``manage.py axes_reset``, the worker's log)."""
    for label, model in [("axes", "AccessAttempt"), ("axes", "AccessLog"), ("axes", "AccessFailureLog"),
                         ("django_tasks_db", "DBTaskResult"), ("django_tasks_database", "DBTaskResult")]:
        from django.apps import apps

        try:
            registered = apps.get_model(label, model)
        except LookupError:
            continue
        if site.is_registered(registered):
            site.unregister(registered)
