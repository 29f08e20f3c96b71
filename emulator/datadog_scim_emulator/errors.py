"""The one exception every SCIM handler raises to answer with Datadog's error body."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An answer other than success: an HTTP status and one message for the client.

    It becomes ``{"errors": [message]}``, the error body Datadog documents.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self, style: str = "datadog") -> dict[str, Any]:
        return error_body(self.status, self.message, style)


SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


def error_body(status: int, message: str, style: str) -> dict[str, Any]:
    """Datadog's documented ``{"errors": [...]}``, or the SCIM error schema of RFC 7644.

    Datadog documents the first; the second is what a strict SCIM server (and perhaps
    Datadog itself in places) sends, and a client has to read both.
    """
    if style == "scim":
        return {"schemas": [SCIM_ERROR_SCHEMA], "status": str(status), "detail": message}
    return {"errors": [message]}
