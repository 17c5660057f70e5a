"""One table from reason to SMTP reply (RFC 5321 §4.2, enhanced codes RFC 3463)."""

from __future__ import annotations

from enum import Enum


class Reply(Enum):
    #            code  enhanced   text
    ACCEPTED = (250, "2.1.5", "Recipient OK")
    UNKNOWN_ADDRESS = (550, "5.1.1", "No such list or address here")
    NOT_ACCEPTING_YET = (451, "4.3.2", "This list does not accept mail yet; try again later")
    TEMPORARY_FAILURE = (451, "4.3.0", "Temporary failure, please try again later")

    def __init__(self, code: int, enhanced: str, text: str):
        self.code = code
        self.enhanced = enhanced
        self.text = text

    def line(self, detail: str = "") -> str:
        text = f"{self.text}: {detail}" if detail else self.text
        return f"{self.code} {self.enhanced} {text}"
