"""One application error type. Every layer raises it; the API renders it as JSON with a code."""

from typing import Any


class ApplicationError(Exception):
    """A refusal the user can act on: a stable `code`, a translatable `message`, field details."""

    status_code = 400

    def __init__(
        self, code: str, message: Any, *, fields: dict[str, Any] | None = None, status: int | None = None
    ):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.fields = fields or {}
        if status is not None:
            self.status_code = status

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": {k: str(v) for k, v in self.fields.items()},
        }
