"""E-mail through Flask-Mailman: `console` on a laptop, `smtp` in production, `locmem` in tests (MAIL_*)."""
from __future__ import annotations

from flask import Flask, current_app
from flask_mailman import EmailMultiAlternatives, Mail

from marketplace.notifications.rendering import html

mail = Mail()


def init_app(app: Flask) -> None:
    """Read the MAIL_* settings (again, after a change: Flask-Mailman copies them when initialised)."""
    mail.init_app(app)


def send_email(*, to: str, subject: str, body: str, language: str) -> None:
    """Send one message with a plain-text and an HTML part; raises when the server refuses or is down."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=[to],
                                     from_email=current_app.config["MAIL_DEFAULT_SENDER"],
                                     headers={"Content-Language": language},
                                     connection=mail.get_connection(fail_silently=False))
    message.attach_alternative(html(body, language), "text/html")
    message.send(fail_silently=False)
