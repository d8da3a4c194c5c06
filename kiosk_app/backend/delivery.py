"""Delivery: how one outbox row reaches the backend, with the row's own idempotency key.

    deliver = make_delivery(config)          # or Delivery(client, Enroller(config, client))
    deliver(row)                             # returns when the backend has it; raises otherwise

The sync worker (:mod:`kiosk_app.outbox.sync`) calls it and decides from the error what to do:
:class:`~kiosk_app.backend.client.BackendError` says by ``retryable`` whether to try again later
or to set the row aside for a person. A row whose stored body no longer fits the API is never
retryable: it would be refused for ever.

Kinds and their payloads (each the JSON of a :mod:`kiosk_app.contract` model):

| kind           | payload                                         | call                    |
|----------------|-------------------------------------------------|-------------------------|
| ``application``  | ``ApplicationIn``                               | POST /v1/applications   |
| ``feedback``     | ``FeedbackIn``                                  | POST /v1/feedback       |
| ``ticket``       | ``TicketIn``                                    | POST /v1/queue/tickets  |
| ``ledger_entry`` | ``{"agent_number": ..., "entry": LedgerEntryIn}`` | POST /v1/agents/{n}/ledger |
| ``sms``          | ``{"reference": ..., "phone": ..., "language": ...}`` | POST /v1/applications/{r}/sms |

An SMS is queued after the application it is about, but the backend may not have that
application yet when the SMS comes up (it was set back by a dropped network): the backend's
404 then means "later", not "never".

Blocking (network): runs on the sync worker's thread.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Callable

from kiosk_app.backend.client import BackendClient, BackendError
from kiosk_app.backend.enrolment import Enroller
from kiosk_app.config import KioskConfig
from kiosk_app.lazy import lazy_module
from kiosk_app.outbox.store import OutboxRow

if TYPE_CHECKING:
    from pydantic import BaseModel

    from kiosk_app import contract
else:
    contract = lazy_module("kiosk_app.contract")  # pydantic, on first use (kiosk_app/lazy.py)

log = logging.getLogger(__name__)

KINDS = ("application", "feedback", "ticket", "ledger_entry", "sms")


class UnsendableRow(BackendError):
    """A stored row that does not fit the API (a bug, or a row from an older version)."""

    @property
    def retryable(self) -> bool:
        return False


class Delivery:
    """Sends rows; ``on_delivered(row, answer)`` (on the caller's thread) hears each answer,
    e.g. an application's timeline as the backend first tells it."""

    def __init__(self, client: BackendClient, enroller: Enroller | None = None, *,
                 on_delivered: Callable[[OutboxRow, BaseModel], None] | None = None) -> None:
        self.client = client
        self.enroller = enroller
        self.on_delivered = on_delivered

    def __call__(self, row: OutboxRow) -> None:
        send = self._sender(row)
        answer = send() if self.enroller is None else self.enroller.authorised(send)
        if self.on_delivered is not None:
            self.on_delivered(row, answer)

    def _sender(self, row: OutboxRow) -> Callable[[], BaseModel]:
        from pydantic import ValidationError

        key = row.idempotency_key
        payload: dict[str, Any] = row.payload
        try:
            if row.kind == "application":
                application = contract.ApplicationIn.model_validate(payload)
                return lambda: self.client.submit_application(application, idempotency_key=key)
            if row.kind == "feedback":
                feedback = contract.FeedbackIn.model_validate(payload)
                return lambda: self.client.send_feedback(feedback, idempotency_key=key)
            if row.kind == "ticket":
                ticket = contract.TicketIn.model_validate(payload)
                return lambda: self.client.take_ticket(ticket, idempotency_key=key)
            if row.kind == "sms":
                reference = str(payload["reference"])
                sms = contract.SmsIn.model_validate({k: payload[k] for k in ("phone", "language")})
                return lambda: self._sms(reference, sms, key)
            if row.kind == "ledger_entry":
                agent = str(payload["agent_number"])
                entry = contract.LedgerEntryIn.model_validate(payload["entry"])
                return lambda: self.client.post_ledger_entry(agent, entry, idempotency_key=key)
        except (ValidationError, KeyError, TypeError) as err:
            # Field names only: the values may be personal data.
            where = sorted({".".join(map(str, e["loc"])) for e in err.errors()}) \
                if isinstance(err, ValidationError) else [str(err)]
            raise UnsendableRow(f"the stored {row.kind} does not fit the API: "
                                f"{', '.join(where)}") from None
        raise UnsendableRow(f"no delivery for rows of kind {row.kind!r}")


    def _sms(self, reference: str, body: contract.SmsIn, key: str) -> BaseModel:
        try:
            return self.client.send_reference_sms(reference, body, idempotency_key=key)
        except BackendError as err:
            if err.status == 404:
                # The application it is about is still on its way (it was queued first).
                raise ApplicationNotThereYet(str(err), err.status, err.problem) from err
            raise


class ApplicationNotThereYet(BackendError):
    """An SMS about an application the backend does not have yet: asked again later."""

    @property
    def retryable(self) -> bool:
        return True


def make_delivery(config: KioskConfig, client: BackendClient | None = None, **kwargs: Any
                  ) -> Delivery:
    """The delivery for this device's configured backend (a new client unless given)."""
    client = client or BackendClient(config.backend.url, timeout_s=config.backend.timeout_s)
    return Delivery(client, Enroller(config, client), **kwargs)
