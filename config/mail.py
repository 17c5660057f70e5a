"""The embedded mail backend: every outgoing message becomes one .eml file.

Django's own file backend appends several messages to one .log file; a newcomer
(and the tests) want each message as a file a mail client can open.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class EmlFileBackend(BaseEmailBackend):
    def __init__(self, file_path: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
            final = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            partial = final.with_suffix(".part")
            with open(partial, "wb") as handle:
                handle.write(message.message().as_bytes(linesep="\r\n"))
                handle.flush()
                os.fsync(handle.fileno())
            # Rename last so that a reader never sees a half-written message.
            partial.rename(final)
            sent += 1
        return sent
