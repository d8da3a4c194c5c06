"""From "I confirm" to a receipt: the session's application into the outbox, and its receipt out
of the printer.

    draft = Draft.from_session(session.data, kiosk.clock.now())     # UI thread: a copy
    applying = Applying.for_kiosk(kiosk)
    done = applying.submit(draft)                                    # worker thread
    done.reference, done.sent, done.printed, done.print_problem

The application is accepted by the kiosk the moment it is in the outbox: one durable SQLite
transaction, the applicant and the answers sealed, keyed by the reference (so submitting the
same draft twice keeps it once). The sync worker is woken and sends it when it can, online or
offline. While the backend answers, :meth:`Applying.submit` waits a few seconds for it to
confirm, so that the receipt need not say "waiting to be sent" when the kiosk is online;
when it has not confirmed by then (offline, or slow), the receipt says so, and the application
still goes later, by itself.

The receipt is issued here too: the signed token for its QR (:mod:`kiosk_app.receipts.token`)
and its ESC/POS document through the print spooler (kept in the outbox until the printer has
all of it). When the printer cannot print, :attr:`Submitted.print_problem` says why, in a key
of :data:`PRINT_WORDS`, and :attr:`Submitted.qr` holds the QR's modules for the screen.

A payment whose answer never came (``unknown``) does not stop the application: it goes ahead
with the payment's id when there is one, marked "payment to be confirmed" on the receipt. The
backend holds the payment under the application's reference either way, so nothing paid is
lost, and nobody is asked to pay again.

When the receipt could not print, the person may have the reference sent to their phone by SMS
(:func:`queue_reference_sms`): queued like everything else, after the application, and sent
by the sync worker.

Blocking (disk, printer): ``submit``, :func:`queue_feedback` and :func:`queue_reference_sms`
run on a worker thread.
"""
from __future__ import annotations

import dataclasses
import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from drivers.status import DeviceState
from kiosk_app.api_terms import DocumentType, PaymentStatus
from kiosk_app.config import KioskConfig
from kiosk_app.forms import mask_number
from kiosk_app.i18n import N_
from kiosk_app.lazy import lazy_module
from kiosk_app.outbox import NewRow, Outbox, OutboxError, OutboxStatus
from kiosk_app.payments import PaymentView
from kiosk_app.receipts.documents import receipt
from kiosk_app.receipts.issuing import ReceiptIssuer
from kiosk_app.receipts.keys import KeyFileError
from kiosk_app.receipts.qr import qr_modules
from kiosk_app.receipts.spooler import PrintSpooler
from kiosk_app.services import ServiceCatalogue

if TYPE_CHECKING:
    from kiosk_app import contract
    from kiosk_app.bootstrap import Kiosk
else:
    contract = lazy_module("kiosk_app.contract")  # pydantic, on first use (kiosk_app/lazy.py)

log = logging.getLogger(__name__)

APPLICATION_KIND = "application"
FEEDBACK_KIND = "feedback"
SMS_KIND = "sms"

CONFIRM_WAIT_S = 4.0
"""How long ``submit`` waits for the backend to confirm an application, while it answers."""

PRINT_WORDS = {
    "paper_out": N_("The printer has run out of paper."),
    "cover_open": N_("The printer's cover is open."),
    "no_printer": N_("This kiosk has no working printer."),
    "not_working": N_("The printer is not working."),
    "no_receipt": N_("The receipt could not be made on this kiosk."),
}
"""Why a receipt did not print, for the person (catalogue keys)."""

APPLY_WORDS = {
    "not_kept": N_("Your application could not be kept on this kiosk, so nothing was sent. "
                   "Please try again, or ask an officer for help."),
    "invalid": N_("Some of your details could not be used for this application. Please ask "
                  "an officer for help."),
}
"""Why an application could not be accepted (catalogue keys)."""


class ApplyError(Exception):
    """The application could not be accepted: ``key`` is a key of :data:`APPLY_WORDS`. The
    message names fields at most, never their values."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(f"{key}: {detail}" if detail else key)
        self.key = key
        self.message = APPLY_WORDS[key]


@dataclass(frozen=True)
class Assisted:
    """An application a BETA agent makes for a customer (the agent role): who applies for
    them, when the customer consented, and whether the fees were paid in cash."""

    agent_number: str
    consent_at: datetime
    """When the customer agreed, on the agent's screen, that the agent applies for them with
    their details: sent with the application."""
    cash: bool = False
    """The customer paid the fees in cash to the agent (else by M-Pesa, or nothing to pay)."""


@dataclass(frozen=True)
class Draft:
    """What the session holds at "I confirm", copied on the UI thread for the worker.
    Personal data: hidden from repr."""

    reference: str
    service_code: str
    language: str
    confirmed_at: datetime
    identity: Any = field(repr=False)
    answers: Mapping[str, Any] = field(default_factory=dict, repr=False)
    attachments: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    phone: str | None = field(default=None, repr=False)
    payment: PaymentView | None = None
    assisted: Assisted | None = None
    """Set when an agent applies for the customer (``dataclasses.replace`` it in)."""

    @classmethod
    def from_session(cls, data: Any, now: datetime) -> Draft:
        """From a :class:`~kiosk_app.session.SessionData`; raises ApplyError("invalid") when
        there is no reference, service or identity yet."""
        missing = [name for name in ("reference", "service_code", "identity")
                   if getattr(data, name, None) is None]
        if missing:
            raise ApplyError("invalid", f"the session has no {', '.join(missing)}")
        return cls(reference=data.reference, service_code=data.service_code,
                   language=data.language, confirmed_at=now, identity=data.identity,
                   answers=dict(data.answers), attachments=dict(data.attachments),
                   phone=data.phone, payment=data.payment)


@dataclass(frozen=True)
class Submitted:
    """What happened to one application: it is always queued by the time this exists."""

    reference: str
    service_code: str
    service_name: contract.Text
    amount_cents: int
    payment: str
    """``mpesa``, ``cash`` (to an agent) or ``none``, as sent."""
    payment_to_confirm: bool
    mpesa_code: str | None
    sent: bool
    """Whether the backend had confirmed it before the receipt was printed."""
    printed: bool
    print_problem: str | None
    """Why the receipt did not print: a key of :data:`PRINT_WORDS`, or None."""
    token: str | None
    """The signed receipt token (the QR's text), or None when no receipt could be made."""
    qr: tuple[tuple[bool, ...], ...] | None = field(default=None, repr=False)
    """The QR's modules, for the screen."""
    print_job: str | None = None
    """The print job's key in the outbox (it prints by itself once the printer is fixed)."""


# -- the application's body -------------------------------------------------------------------
_DOCUMENT_NUMBER = r"[A-Z0-9]{5,12}"


def applicant_from(identity: Any, phone: str | None = None) -> contract.Applicant:
    """An :class:`~kiosk_app.identity.Identity` (read from a chip, or typed) as the contract's
    applicant. ``phone``: a number the person gave here (M-Pesa), in any usual form."""
    surname = " ".join(str(identity.surname).split())[:60]
    given = " ".join(str(identity.given_names).split())[:80] or surname
    if identity.source == "card":
        if getattr(identity, "document_format", None) == "TD3":
            kind, number = DocumentType.PASSPORT, identity.document_number
        else:
            kind = DocumentType.NATIONAL_ID
            # A Kenyan ID card's chip holds the ID number beside the card's serial number: the
            # ID number is what the agencies know a person by.
            id_number = identity.id_number or ""
            number = id_number if re.fullmatch(_DOCUMENT_NUMBER, id_number) \
                else identity.document_number
    else:
        kind, number = DocumentType.TYPED, identity.id_number or identity.document_number
    born = identity.birth_date
    normalised = contract.normalise_phone(phone) if phone else None
    return contract.Applicant(
        document_type=kind, document_number=str(number).upper(), surname=surname or given,
        given_names=given, date_of_birth=born.isoformat() if isinstance(born, date) else None,
        phone=normalised or getattr(identity, "phone", None),
        chip_verified=identity.source == "card" and identity.verification == "valid")


def answer_text(value: Any) -> str | None:
    """A form's answer as the contract's text: dates ISO 8601, yes/no as "yes"/"no"; None for
    no answer."""
    if value is None or isinstance(value, (bytes, bytearray)):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        value = ",".join(str(v) for v in value)
    text = str(value).strip()
    return text or None


def fee_split(service: contract.Service) -> tuple[int, int]:
    """(official fees, convenience fees) in cents: the receipt prints them apart."""
    convenience = sum(f.amount_cents for f in service.fees if f.code.endswith("convenience"))
    return service.total_cents - convenience, convenience


def application_in(draft: Draft, service: contract.Service) -> contract.ApplicationIn:
    """The contract's body for ``draft``; raises ApplyError("invalid") naming the fields (never
    their values) that do not fit."""
    payment = draft.payment
    paid = service.total_cents > 0
    assisted = draft.assisted
    cash = paid and assisted is not None and assisted.cash
    if cash:
        payment = None  # paid to the agent in cash: no M-Pesa payment goes with it
    if paid and payment is None and not cash:
        raise ApplyError("invalid", "a paid service with no payment")
    if payment is not None and payment.status is PaymentStatus.FAILED:
        raise ApplyError("invalid", "the payment failed")
    answers = {name: text for name, value in draft.answers.items()
               if (text := answer_text(value)) is not None}
    from pydantic import ValidationError

    try:
        return contract.ApplicationIn(
            reference=draft.reference, service_code=service.code,
            applicant=applicant_from(draft.identity, draft.phone), answers=answers,
            attachments={name: contract.encode_attachment(jpeg)
                         for name, jpeg in draft.attachments.items()},
            language=draft.language if draft.language in ("en", "sw") else "en",
            channel=contract.Channel.AGENT if assisted else contract.Channel.KIOSK,
            agent_number=assisted.agent_number if assisted else None,
            consent_at=assisted.consent_at if assisted else None,
            amount_cents=service.total_cents,
            payment="cash" if cash else "mpesa" if paid else "none",
            payment_id=payment.payment_id if paid and payment is not None else None,
            created_at=draft.confirmed_at)
    except ValidationError as err:
        where = sorted({".".join(map(str, e["loc"])) for e in err.errors()})
        raise ApplyError("invalid", f"does not fit the API: {', '.join(where)}") from None


# -- the work ---------------------------------------------------------------------------------
_KEYS = uuid.UUID("6f1d3a52-8c1e-4b7a-9a55-2f0e6c1d4b90")


@dataclass(frozen=True)
class Queued:
    """An application in the outbox, not yet with a receipt (:meth:`Applying.queue`)."""

    draft: Draft
    body: contract.ApplicationIn = field(repr=False)
    service: contract.Service = field(repr=False)
    key: str
    """The application's outbox row (its idempotency key)."""


def application_key(reference: str) -> str:
    """The application's idempotency key (a UUID, as the API asks), made from its reference:
    the same application queued twice is kept once, and sent once."""
    return str(uuid.uuid5(_KEYS, f"{APPLICATION_KIND}:{reference}"))


class Applying:
    def __init__(self, config: KioskConfig, *, outbox: Outbox, services: ServiceCatalogue,
                 spooler: PrintSpooler, printer: Any, wake_sync: Callable[[], None],
                 online: Callable[[], bool | None],
                 printer_state: Callable[[], DeviceState] | None = None,
                 confirm_wait_s: float = CONFIRM_WAIT_S, poll_s: float = 0.05) -> None:
        self.config = config
        self.outbox = outbox
        self.services = services
        self.spooler = spooler
        self.printer = printer
        self.wake_sync = wake_sync
        self.online = online
        self.printer_state = printer_state
        self.confirm_wait_s = confirm_wait_s
        self.poll_s = poll_s
        self._issuer: ReceiptIssuer | None = None

    @classmethod
    def for_kiosk(cls, kiosk: Kiosk, **kwargs: Any) -> Applying:
        """The parts of a built kiosk; ``kwargs`` replace any of them (tests)."""
        parts: dict[str, Any] = dict(
            outbox=kiosk.outbox, services=kiosk.services, spooler=kiosk.spooler,
            printer=kiosk.devices.get("printer"), wake_sync=kiosk.sync.wake,
            online=lambda: kiosk.upkeep.online,
            printer_state=lambda: kiosk.devices.state("printer"))
        return cls(kiosk.config, **{**parts, **kwargs})

    def submit(self, draft: Draft) -> Submitted:
        """Worker thread. Queue the application (durably, sealed), wake the sync worker, wait a
        little for the backend while it answers, then issue and print the receipt. Raises
        ApplyError only when the application could not be queued."""
        return self.finish(self.queue(draft))

    def queue(self, draft: Draft, *,
              with_rows: Callable[[contract.ApplicationIn, contract.Service],
                                  Sequence[NewRow]] | None = None) -> Queued:
        """Worker thread; the first half of :meth:`submit`. Check the draft against the
        catalogue and queue the application durably (sealed) in one transaction with the rows
        ``with_rows(body, service)`` makes for it (an agent's ledger entries), after it; then
        wake the sync worker. Raises ApplyError when it could not be queued: then nothing of
        it is kept."""
        service = self.services.service(draft.service_code)
        if service is None:
            raise ApplyError("invalid", f"no service {draft.service_code} in the catalogue")
        body = application_in(draft, service)
        payload = body.model_dump(mode="json")
        personal = tuple(name for name in ("applicant", "answers", "attachments")
                         if name in payload)
        key = application_key(body.reference)
        rows = [NewRow(APPLICATION_KIND, payload, key, personal)]
        if with_rows is not None:
            rows += with_rows(body, service)
        try:
            self.outbox.enqueue_many(rows)
        except OutboxError as err:
            log.error("application %s could not be queued: %s", body.reference, err)
            raise ApplyError("not_kept", str(err)) from None
        log.info("application %s queued (%s, payment %s)", body.reference, service.code,
                 body.payment)
        self.wake_sync()
        return Queued(draft, body, service, key)

    def finish(self, queued: Queued) -> Submitted:
        """Worker thread; the second half of :meth:`submit`: wait a little for the backend
        while it answers, then issue and print the receipt."""
        draft, body, service, key = queued.draft, queued.body, queued.service, queued.key
        sent = self._wait_until_sent(key)

        payment = draft.payment if body.payment == "mpesa" else None
        to_confirm = body.payment == "mpesa" and (
            payment is None or payment.status is not PaymentStatus.CONFIRMED)
        mpesa_code = payment.mpesa_receipt if payment is not None else None
        token = job_key = qr = None
        printed, problem = False, None
        try:
            issuer = self._receipt_issuer()
            official, convenience = fee_split(service)
            data = issuer.receipt(
                reference=body.reference, service_code=service.code,
                service_name_en=service.name.en, service_name_sw=service.name.sw,
                official_fee_cents=official, convenience_fee_cents=convenience,
                payment_method=body.payment, mpesa_code=mpesa_code,
                issued_at=draft.confirmed_at, training=self.config.training)
            data = dataclasses.replace(data, payment_to_confirm=to_confirm,
                                       waiting_to_be_sent=not sent)
            token = data.token
            qr = qr_modules(token)
        except (KeyFileError, OSError, ValueError) as err:
            log.error("the receipt for %s could not be made: %s", body.reference,
                      type(err).__name__)
            problem = "no_receipt"
        else:
            printed, problem, job_key = self._print(body.reference, data)
        return Submitted(
            reference=body.reference, service_code=service.code, service_name=service.name,
            amount_cents=body.amount_cents, payment=body.payment, payment_to_confirm=to_confirm,
            mpesa_code=mpesa_code, sent=sent, printed=printed, print_problem=problem,
            token=token, qr=qr, print_job=job_key)

    def _receipt_issuer(self) -> ReceiptIssuer:
        if self._issuer is None:
            self._issuer = ReceiptIssuer.for_data_dir(self.config.data_dir, self.config.device_id)
        return self._issuer

    def _wait_until_sent(self, key: str) -> bool:
        """Whether the backend has the row, waiting up to ``confirm_wait_s`` while it answers."""
        deadline = time.monotonic() + self.confirm_wait_s
        while True:
            row = self.outbox.get(key, opened=False)
            if row is not None and row.status is OutboxStatus.SENT:
                return True
            if self.online() is False or time.monotonic() >= deadline:
                return False
            time.sleep(self.poll_s)

    def _print(self, reference: str, data: Any) -> tuple[bool, str | None, str | None]:
        """(printed, why not, the job's key)."""
        if self.printer is None:
            return False, "no_printer", None
        try:
            job = self.spooler.submit(receipt(data, self.printer.profile), job_id=reference,
                                      document="receipt")
        except OutboxError as err:
            log.error("the receipt for %s could not be queued for printing: %s", reference, err)
            return False, "not_working", None
        self.spooler.pump()
        row = self.outbox.get(job.key, opened=False)
        if row is not None and row.status is OutboxStatus.SENT:
            return True, None, job.key
        reason = row.last_error if row is not None else None
        if reason not in PRINT_WORDS and self.printer_state is not None:
            state = self.printer_state()
            reason = state.reason.value if state.reason is not None else None
        return False, reason if reason in PRINT_WORDS else "not_working", job.key


# -- the reference by SMS ----------------------------------------------------------------------
def sms_key(reference: str) -> str:
    """One SMS per application from this device: a second touch, or a retry, queues nothing
    more. (Made from the reference only: a key is stored in the clear, a phone number is not.)"""
    return str(uuid.uuid5(_KEYS, f"{SMS_KIND}:{reference}"))


def queue_reference_sms(outbox: Outbox, wake_sync: Callable[[], None], reference: str,
                        phone: str, language: str) -> str:
    """Worker thread: ask for the application's reference to be sent to ``phone`` by SMS (the
    phone sealed in the outbox), the sync woken. Raises ApplyError("invalid") for a number
    that is not a Kenyan mobile number. Returns the row's key."""
    number = contract.normalise_phone(phone)
    if number is None:
        raise ApplyError("invalid", "not a Kenyan mobile number")
    key = outbox.enqueue(SMS_KIND, {"reference": reference, "phone": number,
                                    "language": language if language in ("en", "sw") else "en"},
                         idempotency_key=sms_key(reference))
    wake_sync()
    return key


def masked_phone(phone: str) -> str:
    """A phone number as it may be shown on a screen others can see (``*******678``), or ""
    when it is not a Kenyan mobile number."""
    number = contract.normalise_phone(phone)
    return mask_number("0" + number[3:]) if number else ""


# -- feedback ---------------------------------------------------------------------------------
def queue_feedback(outbox: Outbox, wake_sync: Callable[[], None],
                   feedback: contract.FeedbackIn) -> str:
    """Worker thread: one rating into the outbox (no personal data in it), the sync woken.
    Returns the row's key."""
    key = outbox.enqueue(FEEDBACK_KIND, feedback.model_dump(mode="json"), personal=())
    wake_sync()
    return key
