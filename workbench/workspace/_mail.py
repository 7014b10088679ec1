"""E-mail to a contact: through SMTP when configured, else as .eml files in a local folder."""

from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from workbench.errors import ConfigError, WorkbenchError


class MailError(WorkbenchError):
    """The e-mail could not be handed over (SMTP refused it, the folder is not writable)."""


def setting(name: str, default: str | None = None) -> str | None:
    """A mail setting as it is now (read at sending time, so a changed setting applies)."""
    from workbench.config import Settings

    value = Settings.from_env()[name]
    return default if value in (None, "") else str(value)


def default_mail_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("workbench")) / "mail"


def message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "workbench.local")
    msg.set_content(body)
    return msg


def _send_smtp(msg: EmailMessage, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ConfigError(
            "WORKBENCH_SMTP_URL", "expected smtp://[USER:PASSWORD@]HOST[:PORT] or smtps://..."
        )
    port = parts.port or (465 if parts.scheme == "smtps" else 25)
    try:
        if parts.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                parts.hostname, port, timeout=30, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(parts.hostname, port, timeout=30)
        with client:
            if parts.scheme == "smtp" and client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        # The URL may carry a password: name the host only.
        raise MailError(
            f"WORKBENCH_SMTP_URL: {parts.hostname}:{port} refused the e-mail: {type(exc).__name__}"
        ) from None


def _write_eml(msg: EmailMessage, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    name = str(msg["Message-ID"]).strip("<>").replace("@", "_at_").replace("/", "_") + ".eml"
    target = folder / name
    fd, partial = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(bytes(msg))
        os.replace(partial, target)
    except OSError as exc:
        Path(partial).unlink(missing_ok=True)
        raise MailError(f"cannot write the e-mail to {folder}: {exc.strerror}") from None
    return target


def deliver(msg: EmailMessage, smtp_url: str | None, folder: Path) -> str:
    """Send ``msg``; returns where it went (``smtp://host`` or the .eml file's path)."""
    if smtp_url:
        _send_smtp(msg, smtp_url)
        return f"smtp://{urlsplit(smtp_url).hostname}"
    return str(_write_eml(msg, folder))
