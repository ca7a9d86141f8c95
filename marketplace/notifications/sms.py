"""Text messages behind a small interface: `SMS_BACKEND=console` logs them and keeps an outbox (the default),
`SMS_BACKEND=http` POSTs `{"from", "to", "text"}` as JSON to the provider at SMS_URL with a bearer token.

Only mobile numbers receive text messages: `is_mobile` asks `phonenumbers` for the number's type.
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Protocol

import phonenumbers
from flask import Flask, current_app

log = logging.getLogger(__name__)
MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


class SmsError(RuntimeError):
    pass


class SmsSender(Protocol):
    def send(self, *, to: str, text: str) -> None:
        """Hand one message to the provider; raise SmsError when it is not accepted."""


class ConsoleSms:
    """Logs each message and keeps it in `outbox` (what a laptop and the tests read)."""

    def __init__(self) -> None:
        self.outbox: list[dict[str, str]] = []

    def send(self, *, to: str, text: str) -> None:
        log.info("SMS to %s: %s", to, text)
        self.outbox.append({"to": to, "text": text})


class HttpSms:
    """A provider that takes a JSON POST; any answer but 2xx is a failure (the message is retried)."""

    def __init__(self, url: str, token: str, sender: str, timeout: float = 10) -> None:
        self.url, self.token, self.sender, self.timeout = url, token, sender, timeout

    def send(self, *, to: str, text: str) -> None:
        request = urllib.request.Request(
            self.url, method="POST", data=json.dumps({"from": self.sender, "to": to, "text": text}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            raise SmsError(f"SMS provider answered {error.code}: {error.read()[:200].decode(errors='replace')}") from None
        except (urllib.error.URLError, OSError) as error:
            raise SmsError(f"SMS provider unreachable: {error}") from None


def init_app(app: Flask) -> None:
    config = app.config
    if config["SMS_BACKEND"] == "http":
        app.extensions["sms"] = HttpSms(config["SMS_URL"], config["SMS_TOKEN"], config["SMS_SENDER"])
    else:
        app.extensions["sms"] = ConsoleSms()


def sms_sender() -> SmsSender:
    return current_app.extensions["sms"]


def is_mobile(e164: str) -> bool:
    """Whether the number can receive text messages (a mobile, or a number its plan does not tell apart)."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number(number) and phonenumbers.number_type(number) in MOBILE_TYPES
