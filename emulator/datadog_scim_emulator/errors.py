"""The one exception every SCIM handler raises to answer with Datadog's error body."""

from __future__ import annotations


class ApiError(Exception):
    """An answer other than success: an HTTP status and one message for the client.

    It becomes ``{"errors": [message]}``, the error body Datadog documents.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self) -> dict[str, list[str]]:
        return {"errors": [self.message]}
