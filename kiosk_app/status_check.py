"""Track my service: an application's status, from a scanned receipt or a typed reference.

    checker = StatusChecker.for_kiosk(kiosk)
    answer = checker.check_scan(scanned_text)       # blocking: disk and network (a worker)
    answer = checker.check_reference("hk7m2qk9xd38")
    match answer:
        case Found(application, receipt, kept):     ...   # the timeline: steps(application)
        case NotFound(reference, message, backend_message, receipt, kept): ...
        case Unreachable(reference, receipt, kept): ...   # show what the receipt proves
        case Refused(reason, message):              ...   # a forged or altered receipt
        case NotAReceipt(message) | BadReference(message): ...

A scanned receipt is verified offline against the kept key directory (what the upkeep round
keeps fresh, plus this kiosk's own key), so what it proves (service, amount, date, reference)
can be shown even when the office cannot be reached. Whatever the backend says, this kiosk's
own outbox is asked too, from its plain fields only (the sealed personal ones are never
opened): an application made here and not yet sent is "still waiting to be sent from this
kiosk", which is the truth the backend cannot know.

Typing a reference: :func:`group_reference` shows the characters typed so far as
``HK-XXXX-XXXX-XX``, and :func:`reference_problem` catches a wrong check character the moment
the last one is typed, before any network call.

Threads: the checks block (disk, network): call them on a worker. :func:`steps` and the
helpers for typing are pure and quick. Nothing here logs a scanned text or a reference.
"""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from drivers.printer.base import ReceiptPrinter
from kiosk_app.api_terms import ApplicationStatus, normalise_reference
from kiosk_app.backend.client import BackendClient, BackendError, BackendUnavailable
from kiosk_app.clock import NAIROBI, Clock
from kiosk_app.i18n import N_, translator
from kiosk_app.outbox import Outbox, OutboxStatus
from kiosk_app.outbox.store import OutboxError
from kiosk_app.receipts.documents import status_slip
from kiosk_app.receipts.keys import DEVICE_KEY_FILE, DIRECTORY_FILE, DeviceKey, KeyDirectory, KeyFileError
from kiosk_app.receipts.printing import print_now
from kiosk_app.receipts.spooler import PrintSpooler
from kiosk_app.receipts.token import ReceiptClaims
from kiosk_app.scans import ReceiptScan, RefusedReceipt, interpret
from kiosk_app.services import ServiceCatalogue

if TYPE_CHECKING:
    from kiosk_app.contract import Application, Text

log = logging.getLogger(__name__)

SLIP_DOCUMENT = "status_slip"
APPLICATION_KIND = "application"
"""The outbox kind that holds applications made on this kiosk."""

NOT_FOUND = N_("We have no application with this reference. Check the reference on your "
               "receipt and try again.")
UNREACHABLE = N_("The office cannot be reached now, so the latest progress cannot be shown. "
                 "Please try again later.")
WAITING_HERE = N_("This application is still waiting to be sent from this kiosk. It is kept "
                  "safely and will be sent when the network is back.")
SET_ASIDE_HERE = N_("This application is still on this kiosk: the office did not accept it. "
                    "A technician has been told. Please see an officer.")
WRONG_REFERENCE = N_("This reference is not right: a character may be wrong, or two swapped. "
                     "Please check it against your receipt.")
NOT_A_RECEIPT = N_("This is not a receipt. Please show the QR code printed on your receipt, "
                   "or type its reference.")

REFERENCE_KEYS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""What a reference is made of (Crockford's base32: no I, L, O or U to mistake)."""
BODY_LENGTH = 10
"""Characters typed after ``HK``: nine and a check character."""


# -- the answers --------------------------------------------------------------------------------

class Kept(str, enum.Enum):
    """What this kiosk's own outbox holds of an application not yet at the office."""

    WAITING = "waiting"
    """Pending or being sent: it goes when the network is back."""
    SET_ASIDE = "set_aside"
    """The office refused it as it is; a person must look at it."""


KEPT_WORDS = {Kept.WAITING: WAITING_HERE, Kept.SET_ASIDE: SET_ASIDE_HERE}


@dataclass(frozen=True)
class ReceiptFacts:
    """What a verified receipt proves by itself, offline."""

    reference: str
    service_code: str
    amount_cents: int
    issued_at: datetime
    device_id: str
    service_name: Text | None = None
    """From the kept catalogue, when it knows the service code."""


@dataclass(frozen=True)
class Found:
    application: Application
    receipt: ReceiptFacts | None = None
    kept: Kept | None = None


@dataclass(frozen=True)
class NotFound:
    reference: str
    message: str = NOT_FOUND
    """A catalogue key: shown when the backend gave no words of its own."""
    backend_message: Text | None = None
    receipt: ReceiptFacts | None = None
    kept: Kept | None = None


@dataclass(frozen=True)
class Unreachable:
    reference: str
    receipt: ReceiptFacts | None = None
    kept: Kept | None = None
    message: str = UNREACHABLE


@dataclass(frozen=True)
class Refused:
    """A receipt code that did not verify: ``message`` is the token's own (token.MESSAGES)."""

    reason: str
    message: str


@dataclass(frozen=True)
class NotAReceipt:
    message: str = NOT_A_RECEIPT


@dataclass(frozen=True)
class BadReference:
    message: str = WRONG_REFERENCE


StatusAnswer = Found | NotFound | Unreachable | Refused | NotAReceipt | BadReference


# -- typing a reference -------------------------------------------------------------------------

def clean_typed(text: str) -> str:
    """The reference characters in ``text``, without ``HK``, dashes and spaces, at most
    :data:`BODY_LENGTH`; letters people mistake are read as the digits they look like."""
    body = "".join(text.upper().split()).replace("-", "")
    if body.startswith("HK"):
        body = body[2:]
    body = body.translate(str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"}))
    return "".join(c for c in body if c in REFERENCE_KEYS)[:BODY_LENGTH]


def group_reference(body: str) -> str:
    """``7M2QK9`` -> ``HK-7M2Q-K9``: what was typed so far, grouped as it is printed."""
    body = body[:BODY_LENGTH]
    groups = [body[:4], body[4:8], body[8:]]
    return "-".join(["HK", *[g for g in groups if g]])


def reference_problem(body: str) -> str | None:
    """A catalogue key when all :data:`BODY_LENGTH` characters are typed and the check
    character does not match; None while typing or when it is right."""
    if len(body) < BODY_LENGTH:
        return None
    return None if normalise_reference(body) else WRONG_REFERENCE


# -- the timeline, as steps to show ------------------------------------------------------------

class Mark(str, enum.Enum):
    DONE = "done"
    CURRENT = "current"
    TO_COME = "to_come"


STEP_TITLES = {
    ApplicationStatus.SUBMITTED: N_("Submitted"),
    ApplicationStatus.RECEIVED: N_("Received by the office"),
    ApplicationStatus.IN_PROGRESS: N_("In progress"),
    ApplicationStatus.READY: N_("Ready for collection"),
    ApplicationStatus.COLLECTED: N_("Collected"),
    ApplicationStatus.REJECTED: N_("Rejected"),
}
MARK_WORDS = {Mark.DONE: N_("Done"), Mark.CURRENT: N_("Now"), Mark.TO_COME: N_("To come")}

_PATH = [ApplicationStatus.SUBMITTED, ApplicationStatus.RECEIVED,
         ApplicationStatus.IN_PROGRESS, ApplicationStatus.READY, ApplicationStatus.COLLECTED]


@dataclass(frozen=True)
class Step:
    status: ApplicationStatus
    mark: Mark
    at: datetime | None = None
    """When the application reached this step; None for steps to come."""
    note: Text | None = field(default=None)
    """The office's words, e.g. why it was rejected."""

    @property
    def title(self) -> str:
        return STEP_TITLES[self.status]


def steps(application: Application) -> list[Step]:
    """Every step of the usual path with its mark; a rejected application's path ends at the
    rejection. The present status is "now", except "collected", which is simply done."""
    reached = {event.status: event for event in application.timeline}  # the latest of each
    status = application.status
    if status is ApplicationStatus.REJECTED:
        path = [s for s in _PATH if s in reached] + [ApplicationStatus.REJECTED]
    else:
        path = list(_PATH)
    here = path.index(status)
    out = []
    for index, step in enumerate(path):
        if index < here or (index == here and step is ApplicationStatus.COLLECTED):
            mark = Mark.DONE
        elif index == here:
            mark = Mark.CURRENT
        else:
            mark = Mark.TO_COME
        event = reached.get(step) if mark is not Mark.TO_COME else None
        out.append(Step(step, mark, event.at if event else None, event.note if event else None))
    return out


def nairobi_date(moment: datetime) -> str:
    """``24/11/2026`` in Nairobi time."""
    if moment.utcoffset() is None:
        raise ValueError("a shown date needs a timezone-aware datetime")
    return moment.astimezone(NAIROBI).strftime("%d/%m/%Y")


def slip_timeline(application: Application) -> list[tuple[datetime, str, str]]:
    """The steps reached, as ``documents.status_slip`` prints them: (when, English, Kiswahili)."""
    sw = translator("sw").gettext
    out = []
    for step in steps(application):
        if step.at is None:
            continue
        en, sw_text = step.title, sw(step.title)
        if step.note is not None:
            en, sw_text = f"{en}: {step.note.en}", f"{sw_text}: {step.note.sw}"
        out.append((step.at, en, sw_text))
    return out


def print_status(spooler: PrintSpooler, printer: ReceiptPrinter | None,
                 application: Application, printed_at: datetime) -> bool:
    """Print the status slip now (disk, printer); True when the printer has all of it."""
    return print_now(
        spooler, printer,
        lambda profile: status_slip(application.reference, slip_timeline(application), profile),
        job_id=f"{application.reference}@{printed_at:%Y%m%dT%H%M%S}", document=SLIP_DOCUMENT)


# -- the look-up (blocking) ---------------------------------------------------------------------

class StatusChecker:
    def __init__(self, *, client: BackendClient, outbox: Outbox, services: ServiceCatalogue,
                 data_dir: Path, device_id: str, clock: Clock) -> None:
        self.client = client
        self.outbox = outbox
        self.services = services
        self.data_dir = Path(data_dir)
        self.device_id = device_id
        self.clock = clock

    @classmethod
    def for_kiosk(cls, kiosk) -> StatusChecker:  # noqa: ANN001 - a bootstrap.Kiosk
        return cls(client=kiosk.backend, outbox=kiosk.outbox, services=kiosk.services,
                   data_dir=kiosk.config.data_dir, device_id=kiosk.config.device_id,
                   clock=kiosk.clock)

    def key_directory(self) -> KeyDirectory:
        """The kept directory and this kiosk's own key (disk). A damaged file is a technician's
        matter: this kiosk's own receipts still check."""
        try:
            directory = KeyDirectory.load(self.data_dir / DIRECTORY_FILE)
        except KeyFileError as err:
            log.error("%s", err)
            directory = KeyDirectory()
        own = self.data_dir / DEVICE_KEY_FILE
        if own.exists():
            try:
                directory = directory.with_device(DeviceKey.load(own), self.device_id)
            except KeyFileError as err:
                log.error("%s", err)
        return directory

    def check_scan(self, text: str) -> StatusAnswer:
        """What a scanned code says of an application (disk, network)."""
        meaning = interpret(text, keys=self.key_directory(), now=self.clock.now())
        if isinstance(meaning, RefusedReceipt):
            return Refused(meaning.reason, meaning.message)
        if not isinstance(meaning, ReceiptScan):
            return NotAReceipt()
        facts = self._facts(meaning.claims)
        return self._look_up(facts.reference, facts)

    def check_reference(self, typed: str) -> StatusAnswer:
        """What the backend and this kiosk know of a typed reference (network, disk)."""
        reference = normalise_reference(typed)
        if reference is None:
            return BadReference()
        return self._look_up(reference, None)

    def kept_here(self, reference: str) -> Kept | None:
        """Whether this kiosk's outbox still holds the application, from plain fields only."""
        for status, kept in ((OutboxStatus.PENDING, Kept.WAITING),
                             (OutboxStatus.SENDING, Kept.WAITING),
                             (OutboxStatus.FAILED, Kept.SET_ASIDE)):
            rows = self.outbox.rows(APPLICATION_KIND, status, opened=False)
            if any(row.payload.get("reference") == reference for row in rows):
                return kept
        return None

    def _facts(self, claims: ReceiptClaims) -> ReceiptFacts:
        service = self.services.service(claims.service_code)
        return ReceiptFacts(claims.reference, claims.service_code, claims.amount_cents,
                            claims.issued_at, claims.device_id,
                            service.name if service is not None else None)

    def _look_up(self, reference: str, receipt: ReceiptFacts | None) -> StatusAnswer:
        try:
            kept = self.kept_here(reference)
        except OutboxError as err:
            log.error("the outbox could not be asked about an application: %s", err)
            kept = None
        try:
            application = self.client.application(reference)
        except BackendUnavailable as err:
            log.info("status check: the backend does not answer (%s)", type(err).__name__)
            return Unreachable(reference, receipt, kept)
        except BackendError as err:
            if err.status == 404:
                return NotFound(reference, backend_message=err.message, receipt=receipt,
                                kept=kept)
            log.warning("status check: the backend refused (HTTP %s, %s)", err.status, err.code)
            return Unreachable(reference, receipt, kept)
        return Found(application, receipt, kept)
