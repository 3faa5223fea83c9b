"""Domain errors raised by services; heatservice.api turns them into HTTP answers.

Apps may import this module (and only this one) from heatservice (STYLE.md §3).
"""


class DomainError(Exception):
    """A rule of DOMAIN.md refused the request. `field` names the input at fault, if any."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.field = field

    def as_dict(self) -> dict:
        return {self.field or "detail": [self.message] if self.field else self.message}


class InvalidInput(DomainError):
    """Bad input: 400 with a message per field."""

    status_code = 400
    errors: dict[str, list[str]] | None = None

    @classmethod
    def many(cls, errors: dict[str, list[str]]) -> "InvalidInput":
        first_field, messages = next(iter(errors.items()))
        exc = cls(messages[0], field=first_field)
        exc.errors = errors
        return exc

    def as_dict(self) -> dict:
        return self.errors or super().as_dict()


class ActionNotAllowed(DomainError):
    """The action is not allowed in the ticket's current state (the transition table)."""

    status_code = 409


class NotPermitted(DomainError):
    """The caller's role may not do this."""

    status_code = 403
