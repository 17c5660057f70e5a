"""Domain errors of the forum: the person's fault vs the operator's."""


class ForumError(Exception):
    """Base of every error the forum raises on purpose."""


class UserError(ForumError):
    """Something the person asked cannot be done; the message is shown to them."""

    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code


class RegistrationClosed(UserError):
    code = "registration_closed"


class SeedError(ForumError):
    """The programme data file is missing or malformed (the operator's fault)."""


class NotAllowed(ForumError):
    """The person may not do this (a 403 on the web, a refusal by mail)."""

    def __init__(self, message: str = "", *, code: str = "forbidden"):
        super().__init__(message)
        self.code = code


class ThreadLocked(UserError):
    code = "thread_locked"


class EditWindowClosed(UserError):
    code = "edit_window_closed"
