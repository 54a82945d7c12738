"""The domain error every service raises. Like stream, this module imports no app."""


class DomainError(Exception):
    """A request that cannot be honoured, with a message the person can act on.

    `status` is the HTTP status that fits: 400 bad input, 403 not yours, 404 unknown,
    409 conflict with the current state (a unit someone else just took).
    """

    status = 400

    def __init__(self, message, *, status: int | None = None, data: dict | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.data = data or {}

    def __str__(self):
        return str(self.message)
