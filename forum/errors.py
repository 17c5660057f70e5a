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


class QuestionnaireClosed(UserError):
    """The questionnaire takes no answers now (a draft, closed, or past its dates)."""

    code = "questionnaire_closed"


class AnswerProblem:
    """What is wrong with the answer to one question: a stable code and a sentence."""

    __slots__ = ("code", "message", "question_id")

    def __init__(self, question_id: int, code: str, message: str):
        self.question_id = question_id
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"AnswerProblem({self.question_id}, {self.code!r})"


class AnswersInvalid(UserError):
    """Some answers cannot be recorded; nothing was. `problems` lists each of them."""

    code = "answers_invalid"

    def __init__(self, message: str, *, problems: list[AnswerProblem]):
        super().__init__(message)
        self.problems = problems

    def by_question(self) -> dict[int, AnswerProblem]:
        return {problem.question_id: problem for problem in self.problems}
