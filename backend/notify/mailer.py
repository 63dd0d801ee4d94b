"""E-mail over SMTP (aiosmtplib). Without an SMTP server configured, e-mail goes to the log.

A send returns the server's reply to the message as the delivery receipt; a refusal raises
`SendFailed`, permanent for 5xx replies (retrying cannot help) and temporary otherwise.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from backend.core.i18n import normalise
from backend.core.settings import Settings
from backend.events.registry import EmailAttachment

log = logging.getLogger("koordinat.mail")


class SendFailed(Exception):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def build_message(
    settings: Settings,
    to: str,
    subject: str,
    body: str,
    delivery_id: uuid.UUID,
    language: str,
    attachments: Sequence[EmailAttachment] = (),
) -> EmailMessage:
    message = EmailMessage()
    # Content first: set_content() clears any Content-* header set before it.
    message.set_content(body)
    for attachment in attachments:
        # A calendar reads the invitation from the text/calendar part (method=REQUEST or
        # CANCEL); as an attachment it is also a file the recipient can open.
        message.add_attachment(
            attachment.content,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
            params=dict(attachment.params),
        )
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    # Every attempt at one delivery carries the same Message-ID, so a receiving system can
    # drop the copy if a send is ever repeated after a lost acknowledgement. The id is the
    # row's random delivery id: it names no event, person or time.
    domain = settings.smtp_from.rsplit("@", 1)[-1].strip(">").strip() or "koordinat.invalid"
    message["Message-ID"] = f"<{delivery_id.hex}@{domain}>"
    message["Content-Language"] = normalise(language)
    message["Auto-Submitted"] = "auto-generated"
    return message


async def send(settings: Settings, message: EmailMessage) -> str:
    """Deliver one message; returns the receipt."""
    if not settings.smtp_host:
        log.info("e-mail (no SMTP server configured) to %s: %s", message["To"], message["Subject"])
        return "logged: no SMTP server configured"
    try:
        _, reply = await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            use_tls=settings.smtp_security == "tls",
            start_tls=settings.smtp_security == "starttls",
            timeout=settings.smtp_timeout_seconds,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        detail = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        raise SendFailed(detail, permanent=all(500 <= c < 600 for c in codes)) from exc
    except aiosmtplib.SMTPResponseException as exc:
        raise SendFailed(f"{exc.code} {exc.message}", permanent=500 <= exc.code < 600) from exc
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise SendFailed(f"{type(exc).__name__}: {exc}", permanent=False) from exc
    # aiosmtplib returns the text of the server's 250 reply to the message data.
    return f"250 {reply}"
