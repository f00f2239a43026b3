"""Telling a running import or export from one whose process died.

A job records the process running it as ``host:pid:start``: the start time
(from ``/proc``) tells a live process from a later one that reuses its pid.
When a worker or an import starts, jobs of this host whose process is gone
(``kill -9``, a SIGTERM from a supervisor, a crash) are marked failed with
that reason, instead of showing "running" forever. Jobs run on another host
are left alone: their process cannot be seen from here.
"""

import os
import socket

from django.db.models import Q
from django.utils import timezone

from articles.models import ExportLog, ImportFile, ImportJob

PROCESS_DIED = (
    "توقفت العملية التي كانت تنفّذ هذه المهمة قبل أن تنتهي / the process running this job "
    "(pid {pid}) stopped before it finished (killed or crashed)"
)


def _start_time(pid):
    """The process's start time in clock ticks since boot, or None if there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # The command name (field 2) may hold spaces; fields after it are plain.
            fields = stat.read().rsplit(b")", 1)[1].split()
        return fields[19].decode()
    except (OSError, IndexError):
        return None


def current_runner():
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid) or ''}"


def runner_alive(runner):
    try:
        host, pid, started = runner.rsplit(":", 2)
        pid = int(pid)
    except ValueError:
        return False
    if host != socket.gethostname():
        return True  # cannot tell from here
    if not os.path.exists("/proc"):  # no procfs: fall back on the pid alone
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return _start_time(pid) == started and started != ""


def fail_abandoned_jobs():
    """Mark imports and exports whose process died as failed; returns how many."""
    count = 0
    running = ImportJob.objects.filter(status=ImportJob.Status.RUNNING).exclude(runner="")
    for job in running:
        if runner_alive(job.runner):
            continue
        reason = PROCESS_DIED.format(pid=job.runner.rsplit(":", 2)[1])
        job.status, job.error, job.finished_at = ImportJob.Status.FAILED, reason, timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        job.files.filter(status=ImportFile.Status.QUEUED).update(
            status=ImportFile.Status.FAILED, message=f"لم يُستورد / not imported: {reason}"
        )
        count += 1
    unfinished = ExportLog.objects.filter(finished_at=None).filter(~Q(runner="")).filter(error="")
    for log in unfinished:
        if runner_alive(log.runner):
            continue
        log.error = PROCESS_DIED.format(pid=log.runner.rsplit(":", 2)[1])
        log.finished_at = timezone.now()
        log.save(update_fields=["error", "finished_at"])
        count += 1
    return count
