"""Reminders to managers before a certification expires (30 and 7 days before `expires_on`) and the day it
lapses (the day after `expires_on`). Each stage is recorded when sent, so a reminder is never sent twice; a
certificate found already closer to its expiry than a stage (the job did not run, or it was verified late) gets
only the latest stage that applies.
"""
from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cooperatives.models import Certification, CertificationReminder, CertificationStatus
from cooperatives.notifications import certification_facts, tell_managers
from cooperatives.signals import certification_lapsed
from marketplace.clock import today
from marketplace.extensions import db
from marketplace.transaction import send_after_commit, unit_of_work



class ReminderStage(StrEnum):
    EXPIRED = "expired"
    DAYS_7 = "7_days"
    DAYS_30 = "30_days"


# (stage, days before expires_on it starts) from the latest to the earliest; EXPIRED starts the day after
STAGES = ((ReminderStage.EXPIRED, -1), (ReminderStage.DAYS_7, 7), (ReminderStage.DAYS_30, 30))
# a certificate that lapsed longer ago than this is not announced (e.g. the first run on old data)
LAPSED_NOTICE_DAYS = 7


def stage_on(certification: Certification, day) -> ReminderStage | None:
    """The latest reminder stage `certification` has reached on `day`, or None."""
    days_left = (certification.expires_on - day).days
    for stage, starts in STAGES:
        if days_left <= starts:
            return stage
    return None


def send_certification_reminders() -> int:
    """Tell managers about certifications expiring in 30 or 7 days, or lapsed; returns how many reminders were
    sent. Running it again the same day sends nothing more."""
    day, sent = today(), 0
    with unit_of_work():
        certifications = db.session.scalars(
            select(Certification).options(selectinload(Certification.cooperative))
            .where(Certification.status == CertificationStatus.VERIFIED, Certification.expires_on.is_not(None),
                   Certification.expires_on >= day - timedelta(days=LAPSED_NOTICE_DAYS),
                   Certification.expires_on <= day + timedelta(days=STAGES[-1][1]))
            .order_by(Certification.id).with_for_update())
        for certification in certifications:
            stage = stage_on(certification, day)
            if stage is None or db.session.get(CertificationReminder, (certification.id, stage)) is not None:
                continue
            db.session.add(CertificationReminder(certification_id=certification.id, stage=stage))
            event = "certification_expired" if stage == ReminderStage.EXPIRED else "certification_expiring"
            tell_managers(certification.cooperative, event, {
                **certification_facts(certification), "days_left": (certification.expires_on - day).days})
            if stage == ReminderStage.EXPIRED:
                send_after_commit(certification_lapsed, partial(db.session.get, Certification, certification.id))
            sent += 1
    return sent
