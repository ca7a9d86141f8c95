"""The unit of work: a use case commits once, and acts only once the commit succeeded.

    with unit_of_work() as uow:
        ...writes...
        uow.after_commit(sync_products, [product.id], on_failure=queue_for_retry)
        uow.on_rollback(delete_files, stored_files)

The block commits when it ends and rolls back when anything inside raises. Effects registered with
`after_commit` (search index, file deletion, Stripe calls, e-mail, jobs) run after the commit, in order, each
in an application context (hence a database session) of its own, so an effect can neither see uncommitted
state nor roll back the caller's objects. An effect that raises is logged and handed to its `on_failure`
(a retry queue such as the search outbox); it never turns a committed request into an error.
Compensations registered with `on_rollback` (files stored during a use case that failed) run after the
rollback. A unit of work opened inside another joins it: one commit, at the outermost block.
`unit_of_work(keep_loaded=True)` leaves the objects loaded after the commit, for a use case that answers with
what it has just written instead of reading it back; what its effects change (in their own sessions) it must
refresh itself.

Signals are announced with `send_after_commit`: each receiver becomes an effect of its own, so one that fails
neither fails the request nor keeps the other receivers from running.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from blinker import Signal
from flask import current_app

from marketplace.extensions import db

log = logging.getLogger(__name__)


@dataclass
class _Call:
    function: Callable[..., Any]
    args: tuple
    kwargs: dict
    on_failure: Callable[[BaseException], Any] | None = None

    @property
    def name(self) -> str:
        return getattr(self.function, "__qualname__", None) or str(self.function)


@dataclass
class UnitOfWork:
    _effects: list[_Call] = field(default_factory=list)
    _compensations: list[_Call] = field(default_factory=list)

    def after_commit(self, effect: Callable[..., Any], *args: Any,
                     on_failure: Callable[[BaseException], Any] | None = None, **kwargs: Any) -> None:
        """Run `effect(*args, **kwargs)` once the commit succeeded; on error call `on_failure(error)`."""
        self._effects.append(_Call(effect, args, kwargs, on_failure))

    def on_rollback(self, compensation: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run `compensation(*args, **kwargs)` if the unit of work rolls back."""
        self._compensations.append(_Call(compensation, args, kwargs))


_current: ContextVar[UnitOfWork | None] = ContextVar("unit_of_work", default=None)


def current_unit_of_work() -> UnitOfWork:
    """The unit of work the caller runs in; effects cannot be registered outside one."""
    uow = _current.get()
    if uow is None:
        raise RuntimeError("no unit of work is open: wrap the use case in `with unit_of_work():`")
    return uow


def after_commit(effect: Callable[..., Any], *args: Any,
                 on_failure: Callable[[BaseException], Any] | None = None, **kwargs: Any) -> None:
    """Register an effect on the unit of work the caller runs in."""
    current_unit_of_work().after_commit(effect, *args, on_failure=on_failure, **kwargs)


def on_rollback(compensation: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Register a compensation on the unit of work the caller runs in."""
    current_unit_of_work().on_rollback(compensation, *args, **kwargs)


def send_after_commit(signal: Signal, load_sender: Callable[[], Any] | None = None, *,
                      on_failure: Callable[[BaseException], Any] | None = None, **kwargs: Any) -> None:
    """Send `signal` to each of its receivers after the commit, one effect per receiver.

    `load_sender()` runs in the receiver's own session (e.g. `partial(db.session.get, Cooperative, id)`), so
    receivers read committed rows; without it the sender is None.
    """
    for receiver in list(signal.receivers_for(None)):
        after_commit(_Delivery(signal.name, receiver, load_sender, kwargs), on_failure=on_failure)


@dataclass(frozen=True)
class _Delivery:
    signal: str | None
    receiver: Callable[..., Any]
    load_sender: Callable[[], Any] | None
    kwargs: dict

    def __call__(self) -> None:
        self.receiver(self.load_sender() if self.load_sender is not None else None, **self.kwargs)

    def __str__(self) -> str:
        return f"{getattr(self.receiver, '__qualname__', self.receiver)} (signal {self.signal})"


@contextmanager
def unit_of_work(*, keep_loaded: bool = False) -> Iterator[UnitOfWork]:
    """Open a use case's transaction (or join the one already open); see the module docstring."""
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    uow = UnitOfWork()
    token = _current.set(uow)
    try:
        try:
            yield uow
            _commit(keep_loaded)
        except BaseException:
            db.session.rollback()
            _run(uow._compensations, "compensation")
            raise
    finally:
        _current.reset(token)
    _run(uow._effects, "after-commit effect")


def _commit(keep_loaded: bool) -> None:
    session = db.session()
    expiring = session.expire_on_commit
    session.expire_on_commit = expiring and not keep_loaded
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring


def _run(calls: list[_Call], what: str) -> None:
    app = current_app._get_current_object()
    for call in calls:
        try:
            with app.app_context():
                call.function(*call.args, **call.kwargs)
        except Exception as error:  # an effect must never fail the committed use case
            log.exception("%s %s failed", what, call.name)
            if call.on_failure is not None:
                try:
                    with app.app_context():
                        call.on_failure(error)
                except Exception:
                    log.exception("recording the failure of %s failed", call.name)
