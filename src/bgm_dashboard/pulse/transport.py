"""Delivers mails through the operator's SMTP server (STARTTLS, TLS, or plain on localhost).
Logs nothing about recipients: no address and no message text leaves this module."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from types import TracebackType

from bgm_dashboard.pulse.mailconfig import MailSettings


class DeliveryRefused(Exception):
    """The server refused one recipient (the batch goes on)."""


class SmtpTransport:
    """One connection for a batch of mails; use as a context manager."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        s = self.settings
        if s.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        smtp.set_debuglevel(0)
        if s.user:
            smtp.login(s.user, s.password)
        self._smtp = smtp
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except smtplib.SMTPException:
                self._smtp.close()
            self._smtp = None

    def send(self, to: str, subject: str, body: str) -> None:
        assert self._smtp is not None
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.settings.sender.rsplit("@", 1)[-1])
        message.set_content(body, charset="utf-8")
        try:
            self._smtp.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
            raise DeliveryRefused(type(exc).__name__) from None
