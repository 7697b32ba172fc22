"""Reads of import jobs and their reports, by who is asking."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from core.roles import is_newsroom
from imports.models import ImportJob, ImportReject, ImportWarning


def import_job_list(*, viewer: AbstractBaseUser | AnonymousUser) -> QuerySet[ImportJob]:
    """Imports are newsroom work: editors start them, the whole newsroom may follow them;
    nobody else sees them."""
    if not is_newsroom(viewer):
        return ImportJob.objects.none()
    return ImportJob.objects.select_related("requested_by")


def import_reject_list(*, job: ImportJob, code: str = "") -> QuerySet[ImportReject]:
    """The job's rejected records in source order, optionally of one reason code."""
    rejects = ImportReject.objects.filter(job=job).order_by("index")
    return rejects.filter(code=code) if code else rejects


def import_warning_list(*, job: ImportJob, code: str = "") -> QuerySet[ImportWarning]:
    """The job's warnings in source order, optionally of one code."""
    warnings = ImportWarning.objects.filter(job=job).order_by("index", "code")
    return warnings.filter(code=code) if code else warnings
