"""Export views: a count first, then the download (streamed) or a background job."""

import tempfile

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from articles.exporting import FORMATS, export_chunks, export_search
from articles.forms import ExportForm
from articles.models import ExportLog
from articles.search.service import iter_search

can_export = permission_required("articles.export_articles", raise_exception=True)


def _attachment_name(fmt):
    return f"archive-export-{timezone.now():%Y%m%d-%H%M%S}.{FORMATS[fmt][1]}"


def _log(request, form, stream, background=False):
    data = form.cleaned_data
    return ExportLog.objects.create(
        user=request.user, query=data["q"], filters=form.filters().as_json(), sort=data["sort"],
        format=data["format"], include_text=data["text"], rows=stream.total, background=background,
    )


@can_export
def export(request):
    form = ExportForm(request.GET)
    if not form.is_valid():
        return render(request, "articles/export.html", {"form": form}, status=400)
    data = form.cleaned_data
    stream = iter_search(data["q"], sort=data["sort"], filters=form.filters(), include_text=data["text"])
    large = stream.total > settings.EXPORT_MAX_DIRECT_ROWS
    if not data["confirm"] or large:
        # Say how many rows before anything is written; large exports go to the background.
        return render(request, "articles/export.html", {"form": form, "total": stream.total, "large": large})
    log = _log(request, form, stream)
    fmt = data["format"]
    if fmt == "xlsx":
        # A workbook is a zip: it is complete only when saved, so it goes through a file.
        out = tempfile.TemporaryFile()
        export_search(stream, fmt, out, include_text=data["text"], arabic_headers=data["headers"] == "ar")
        out.seek(0)
        log.mark_finished()
        return FileResponse(out, as_attachment=True, filename=_attachment_name(fmt), content_type=FORMATS[fmt][0])
    chunks = export_chunks(stream, fmt, include_text=data["text"], arabic_headers=data["headers"] == "ar")

    def body():
        for chunk in chunks:
            yield chunk.encode("utf-8")
        log.mark_finished()

    response = StreamingHttpResponse(body(), content_type=FORMATS[fmt][0])
    response["Content-Disposition"] = f'attachment; filename="{_attachment_name(fmt)}"'
    return response


@can_export
@require_POST
def export_start(request):
    from articles.tasks import run_export

    form = ExportForm(request.POST)
    if not form.is_valid():
        return render(request, "articles/export.html", {"form": form}, status=400)
    stream = iter_search(form.cleaned_data["q"], sort=form.cleaned_data["sort"], filters=form.filters(),
                         include_text=form.cleaned_data["text"])
    log = _log(request, form, stream, background=True)
    run_export.enqueue(log.pk)
    return redirect("articles:export_status", log.pk)


def _own_export(request, pk):
    log = get_object_or_404(ExportLog, pk=pk)
    if log.user_id != request.user.pk and not request.user.is_superuser:
        raise Http404
    return log


@can_export
def export_status(request, pk):
    return render(request, "articles/export_status.html", {"log": _own_export(request, pk)})


@can_export
def export_download(request, pk):
    log = _own_export(request, pk)
    if not log.file:
        raise Http404
    return FileResponse(log.file.open("rb"), as_attachment=True, filename=_attachment_name(log.format),
                        content_type=FORMATS[log.format][0])
