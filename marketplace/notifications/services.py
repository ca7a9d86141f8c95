"""`notify(event, recipient, context)`: the one way the platform tells someone something.

The message is rendered and recorded (`queued`) inside the caller's unit of work, and its sending is enqueued
after the commit: a use case that rolls back leaves neither a row nor a job. `deliver` sends it in a job: a
failure marks the message `failed` with the error and the time of the next attempt (exponential backoff:
NOTIFICATION_RETRY_SECONDS, doubled after each failure, up to NOTIFICATION_MAX_ATTEMPTS attempts); the periodic
`retry_due` sends what is due again. A message is claimed before it is sent, so a job and the sweep running at
the same moment send it once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from marketplace.auth.models import User
from marketplace.clock import now
from marketplace.extensions import db
from marketplace.i18n import LANGUAGES
from marketplace.jobs import enqueue, enqueue_after_commit
from marketplace.notifications.email import send_email
from marketplace.notifications.models import Channel, Notification, NotificationStatus
from marketplace.notifications.rendering import render
from marketplace.notifications.sms import is_mobile, sms_sender
from marketplace.pagination import paginate
from marketplace.transaction import current_unit_of_work, unit_of_work

log = logging.getLogger(__name__)
ERROR_LENGTH = 1000


@dataclass(frozen=True)
class Recipient:
    """Who a message goes to: an e-mail address, or a phone number for a text message, and their language."""

    language: str
    email: str | None = None
    phone: str | None = None
    user_id: int | None = None

    @classmethod
    def of(cls, user: User) -> Recipient:
        return cls(language=user.language, email=user.email, user_id=user.id)


def notify(event: str, recipient: Recipient | User, context: dict) -> Notification | None:
    """Record a message for `recipient` and send it after the current unit of work commits.

    A user or an e-mail address gets an e-mail; a phone number alone gets a text message, and only when it is a
    mobile number (None is returned for a fixed line). The template is rendered now, with the data as committed.
    """
    current_unit_of_work()  # fail loudly outside a use case: the row and the job belong to one
    if isinstance(recipient, User):
        recipient = Recipient.of(recipient)
    language = recipient.language if recipient.language in LANGUAGES else "fr"
    if recipient.email:
        channel, address = Channel.EMAIL, recipient.email
    elif recipient.phone and is_mobile(recipient.phone):
        channel, address = Channel.SMS, recipient.phone
    else:
        log.info("%s not sent: %s has no e-mail and no mobile number", event, recipient)
        return None
    rendered = render(event, language, context)
    notification = Notification(event=event, channel=channel, recipient=address, user_id=recipient.user_id,
                                language=language, subject=rendered.subject, body=rendered.body,
                                status=NotificationStatus.QUEUED, attempts=0, next_attempt_at=now())
    db.session.add(notification)
    db.session.flush()
    enqueue_after_commit(deliver, notification.id)
    return notification


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return timedelta(seconds=int(current_app.config["NOTIFICATION_RETRY_SECONDS"]) * 2 ** (attempts - 1))


def _claim(notification_id: int) -> Notification | None:
    """Take the message for one attempt: count it and push the next attempt back, in a commit of its own, so no
    other worker sends it meanwhile (and a crash mid-send leaves it to be retried later)."""
    moment, max_attempts = now(), int(current_app.config["NOTIFICATION_MAX_ATTEMPTS"])
    with unit_of_work():
        notification = db.session.get(Notification, notification_id)
        if notification is None or notification.status == NotificationStatus.SENT \
                or notification.attempts >= max_attempts or notification.next_attempt_at > moment:
            return None
        seen = notification.attempts
        claimed = db.session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.attempts == seen,
                   Notification.status != NotificationStatus.SENT)
            .values(attempts=seen + 1, next_attempt_at=moment + backoff(seen + 1))
            .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        return None
    db.session.refresh(notification)
    return notification


def _send(notification: Notification) -> None:
    if notification.channel == Channel.EMAIL:
        send_email(to=notification.recipient, subject=notification.subject or "", body=notification.body,
                   language=notification.language)
    else:
        sms_sender().send(to=notification.recipient, text=notification.body)


def deliver(notification_id: int) -> str | None:
    """Send one message if it is due and not sent yet (idempotent); returns its status after the attempt."""
    notification = _claim(notification_id)
    if notification is None:
        return None
    try:
        _send(notification)
    except Exception as error:  # whatever the server or provider did, the message records it and is retried
        log.warning("notification %s (%s) failed: %s", notification.id, notification.event, error)
        with unit_of_work():
            notification.status = NotificationStatus.FAILED
            notification.last_error = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
        return notification.status
    with unit_of_work():
        notification.status, notification.sent_at = NotificationStatus.SENT, now()
    return notification.status


def due_ids() -> list[int]:
    """Messages not sent whose next attempt is due and that have attempts left, oldest first."""
    return list(db.session.scalars(
        select(Notification.id)
        .where(Notification.status != NotificationStatus.SENT, Notification.next_attempt_at <= now(),
               Notification.attempts < int(current_app.config["NOTIFICATION_MAX_ATTEMPTS"]))
        .order_by(Notification.id)))


def retry_due() -> int:
    """Queue every due message (failed ones whose backoff is over, queued ones whose job was lost); returns how
    many were queued. Safe to run any number of times: each message is claimed before it is sent."""
    ids = due_ids()
    for notification_id in ids:
        enqueue(deliver, notification_id)
    return len(ids)


def list_notifications(*, page: int, per_page: int, status: str | None = None, recipient: str | None = None,
                       event: str | None = None, user_id: int | None = None) -> dict:
    """Messages newest first, filtered."""
    statement = select(Notification).order_by(Notification.id.desc())
    for column, value in ((Notification.status, status), (Notification.event, event),
                          (Notification.user_id, user_id)):
        if value is not None:
            statement = statement.where(column == value)
    if recipient:  # addresses are stored lower-cased, as accounts store them
        statement = statement.where(Notification.recipient == recipient.strip().lower())
    return paginate(statement, page=page, per_page=per_page)
