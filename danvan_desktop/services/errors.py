"""Errors the services raise; each carries a Vietnamese message the window or command line shows as is."""

from __future__ import annotations

from danvan_desktop.domain.validation import FieldError, ValidationError

__all__ = ["ServiceError", "NotFound", "PermissionDenied", "Refused", "StaleRecord", "ValidationError",
           "FieldError", "AuthenticationFailed"]


class ServiceError(Exception):
    """A refusal with a Vietnamese message (`str(err)`)."""


class NotFound(ServiceError):
    """The record, unit or account asked for does not exist."""


class PermissionDenied(ServiceError):
    """The account's role does not allow this action."""


class AuthenticationFailed(ServiceError):
    """Wrong user name or password, or a disabled account."""


class Refused(ServiceError):
    """The request breaks a rule that is not a single field's (unit outside the subtree, bad file…)."""


class StaleRecord(ServiceError):
    """The record changed since it was opened (someone else saved it first)."""
