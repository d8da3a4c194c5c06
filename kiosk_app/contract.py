"""The kiosk API, version 1: every body that passes between a device and the backend.

These pydantic models are the one description of the API. The backend client
(:mod:`kiosk_app.backend`) builds and reads them; the sandbox (:mod:`sandbox`) serves them; and
``openapi.json`` is generated from the sandbox, so the three cannot drift apart
(``python -m sandbox.openapi`` writes it; a test fails when the published file is stale).

Rules that hold everywhere:

- Money is a whole number of Kenya shilling **cents** (``amount_cents``), never a float.
- Times are ISO 8601 with an offset; the backend answers in UTC.
- Words a person reads come as :class:`Text`, in English and Kiswahili both.
- Every write that must not happen twice carries an ``Idempotency-Key`` header (a UUID chosen
  by the device and kept in its outbox). The same key with the same body gets the first answer
  again; the same key with a different body is refused with 409.
- A device proves who it is with ``Authorization: Bearer <token>``, the token issued when it was
  enrolled (:class:`EnrolmentIn`).
- Errors are :class:`Problem` bodies (RFC 9457 style) with a bilingual ``message``.

Nothing here does I/O and it is safe to import from any layer. Its plain terms (paths, headers,
enumerations, references) are in :mod:`kiosk_app.api_terms`, re-exported here: what needs only
those imports them from there, without pydantic.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

# The plain terms (no pydantic), re-exported: kiosk_app/api_terms.py.
from kiosk_app.api_terms import (  # noqa: F401
    API_VERSION,
    ATTACHMENT_MAX_BYTES,
    ATTACHMENT_MAX_COUNT,
    DEVICE_HEADER,
    IDEMPOTENCY_HEADER,
    JPEG_START,
    NEXT_STATUSES,
    OPERATOR_HEADER,
    PHONE_PATTERN,
    PREFIX,
    REFERENCE_PATTERN,
    ApplicationStatus,
    Channel,
    DocumentType,
    FieldKind,
    LedgerAccount,
    MpesaResult,
    Paths,
    PaymentStatus,
    Role,
    decode_attachment,
    encode_attachment,
    new_reference,
    normalise_phone,
    normalise_reference,
    reference_from,
    valid_attachment,
    valid_reference,
)

# --- simple types ------------------------------------------------------------------------------

DeviceId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{3,32}$")]
ServiceCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9_-]{1,16}$")]
AgencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9_-]{1,16}$")]
FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Cents = Annotated[int, Field(ge=0, le=100_000_000_000)]
"""Kenya shilling cents: KES 1,000 is 100000."""
AgentNumber = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{3,16}$")]
Base64Url = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{16,200}$")]


Reference = Annotated[str, StringConstraints(pattern=REFERENCE_PATTERN),
                      AfterValidator(valid_reference)]

Phone = Annotated[str, StringConstraints(pattern=PHONE_PATTERN)]
"""A Kenyan mobile number in M-Pesa's form: 2547XXXXXXXX or 2541XXXXXXXX."""




class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Body):
    """Words a person reads, in both languages of the kiosk."""

    en: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    sw: Annotated[str, StringConstraints(min_length=1, max_length=2000)]

    def get(self, language: str) -> str:
        return self.sw if language == "sw" else self.en


class Problem(_Body):
    """Every error answer (RFC 9457 style)."""

    status: int
    code: str
    """A stable, machine-readable name, e.g. ``idempotency_conflict``."""
    message: Text
    fields: dict[str, str] = {}
    """For a refused body: each wrong field and what was wrong (English, for logs)."""


class Health(_Body):
    status: Literal["ok"] = "ok"
    api_version: str = API_VERSION
    server_time: datetime


# --- catalogue ---------------------------------------------------------------------------------



class Choice(_Body):
    value: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    label: Text


class FormField(_Body):
    name: FieldName
    kind: FieldKind
    label: Text
    hint: Text | None = None
    required: bool = True
    personal: bool = False
    """Personal data under the Data Protection Act: encrypted in the outbox, never logged."""
    min_length: int | None = Field(default=None, ge=0, le=2000)
    max_length: int | None = Field(default=None, ge=1, le=2000)
    pattern: str | None = None
    """A regular expression the whole answer must match (text kinds)."""
    min_value: float | None = None
    max_value: float | None = None
    choices: list[Choice] = []
    invalid: Text | None = None
    """What to say when the answer does not fit (beyond "this is required")."""


class Fee(_Body):
    code: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
    label: Text
    amount_cents: Cents
    agent_commission_cents: Cents = 0
    """What a BETA agent earns from this fee (paid by the government, not the customer)."""


class Agency(_Body):
    code: AgencyCode
    name: Text


class Category(_Body):
    code: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
    name: Text


class Service(_Body):
    code: ServiceCode
    category: str
    agency: Agency
    name: Text
    summary: Text
    fees: list[Fee]
    fields: list[FormField]
    documents: list[Text]
    """What to bring or photograph."""
    processing_days: Annotated[int, Field(ge=0, le=365)]
    """Working days from submission to "ready for collection"."""
    collection: Text
    """Where the result is collected or how it arrives."""
    online: bool = True
    """Whether the application can be made at a kiosk (otherwise: information only)."""

    @property
    def total_cents(self) -> int:
        return sum(fee.amount_cents for fee in self.fees)


class Catalogue(_Body):
    version: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    """Changes whenever anything in the catalogue changes; the ETag is built from it."""
    published_at: datetime
    categories: list[Category]
    services: list[Service]


# --- applications and their timeline -----------------------------------------------------------






class Applicant(_Body):
    """Who applies. All of it is personal data."""

    document_type: DocumentType
    document_number: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{5,12}$")]
    surname: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    given_names: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    date_of_birth: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")] | None = None
    phone: Phone | None = None
    chip_verified: bool = False
    """True when the details came from a chip that passed passive authentication."""


Attachment = Annotated[str, StringConstraints(
    min_length=4, max_length=4 * -(-ATTACHMENT_MAX_BYTES // 3),
    pattern=r"^[A-Za-z0-9+/]+={0,2}$"), AfterValidator(valid_attachment)]
"""A photo of a document: a JPEG of at most ``ATTACHMENT_MAX_BYTES``, in standard base64."""




class ApplicationIn(_Body):
    reference: Reference
    service_code: ServiceCode
    applicant: Applicant
    answers: dict[FieldName, Annotated[str, StringConstraints(max_length=2000)]] = {}
    """The form's answers by field name, as text (dates ISO 8601, yes/no as "yes"/"no")."""
    attachments: dict[FieldName, Attachment] = Field(default={}, max_length=ATTACHMENT_MAX_COUNT)
    """Photos of documents for the form's ``photo`` fields, by field name (personal data)."""
    language: Literal["en", "sw"] = "en"
    channel: Channel = Channel.KIOSK
    agent_number: AgentNumber | None = None
    amount_cents: Cents
    """The total the device showed and took, checked against the catalogue's fees."""
    payment: Annotated[str, StringConstraints(pattern=r"^(mpesa|cash|none)$")] = "none"
    payment_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    created_at: datetime
    """When the person confirmed it at the device (the device's clock)."""
    consent_at: datetime | None = None
    """When the customer agreed, on the agent's screen, that the agent applies for them with
    their details (the device's clock). Required when ``channel`` is ``agent``."""


class StatusEvent(_Body):
    status: ApplicationStatus
    at: datetime
    note: Text | None = None
    """For a rejection: why, in words the applicant understands."""


class Application(_Body):
    """What the backend tells about an application. No personal data: anyone holding the
    reference (the receipt's QR) may read it."""

    reference: Reference
    service_code: ServiceCode
    service_name: Text
    status: ApplicationStatus
    timeline: list[StatusEvent]
    amount_cents: Cents
    collection: Text
    expected_ready: datetime | None = None


class AdvanceIn(_Body):
    """The operator moves an application on (sandbox and back office only)."""

    status: ApplicationStatus
    note: Text | None = None


# --- payments ----------------------------------------------------------------------------------





class PaymentIn(_Body):
    reference: Reference
    """The application this pays for."""
    phone: Phone
    amount_cents: Annotated[int, Field(ge=100, le=15_000_000)]
    """M-Pesa takes whole shillings from KES 1 to KES 150,000."""


class Payment(_Body):
    payment_id: Annotated[str, StringConstraints(pattern=r"^PAY-[0-9A-Z]{8,24}$")]
    reference: Reference
    amount_cents: Cents
    status: PaymentStatus
    result_code: int | None = None
    result: Text | None = None
    """What M-Pesa's answer means, for the person."""
    mpesa_receipt: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{10}$")] | None = None
    updated_at: datetime


# --- queue tickets and feedback ----------------------------------------------------------------

class TicketIn(_Body):
    service_code: ServiceCode
    reference: Reference | None = None
    language: Literal["en", "sw"] = "en"


class Ticket(_Body):
    number: Annotated[str, StringConstraints(pattern=r"^[A-Z][0-9]{3}$")]
    """What the hall's screen calls, e.g. ``B042``."""
    service_code: ServiceCode
    counter_group: Text
    issued_at: datetime
    waiting_ahead: Annotated[int, Field(ge=0)]
    estimated_wait_minutes: Annotated[int, Field(ge=0)]


class FeedbackIn(_Body):
    rating: Annotated[int, Field(ge=1, le=5)]
    """Five faces: 1 very unhappy to 5 very happy."""
    reasons: list[Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}$")]] = Field(
        default=[], max_length=8)
    service_code: ServiceCode | None = None
    reference: Reference | None = None
    language: Literal["en", "sw"] = "en"
    created_at: datetime


class SmsIn(_Body):
    """Send the application's reference to a phone by SMS (when the receipt could not print)."""

    phone: Phone
    language: Literal["en", "sw"] = "en"


class SmsMessage(_Body):
    """A message the backend's SMS gateway took (operator view). The phone is kept only as
    its last four digits."""

    id: str
    reference: Reference
    phone_last4: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
    language: Literal["en", "sw"]
    text: str
    sent_at: datetime


class Accepted(_Body):
    """A write the backend has stored."""

    id: str
    received_at: datetime


# --- devices -----------------------------------------------------------------------------------



class EnrolmentIn(_Body):
    device_id: DeviceId
    role: Role
    public_key: Base64Url
    """The device's Ed25519 public key (raw 32 bytes, base64url): it signs receipt tokens."""
    enrolment_code: Annotated[str, StringConstraints(min_length=6, max_length=64)]
    """A one-time code given to the technician for this device."""
    location: Annotated[str, StringConstraints(max_length=120)] = ""


class AgentCredential(_Body):
    """An agent bound to this device, with what lets the device check the PIN offline."""

    agent_number: AgentNumber
    name: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    pin_hash: Annotated[str, StringConstraints(max_length=300)]
    """``scrypt$n$r$p$salt$hash`` (base64url), never the PIN."""
    offline_limit_cents: Cents = 0
    """The most the device may hold in cash payments the backend has not confirmed yet."""
    offline_limit_count: Annotated[int, Field(ge=0)] = 0
    """The most cash payments the device may hold that the backend has not confirmed yet."""
    id_number_hash: Annotated[str, StringConstraints(max_length=300)] | None = None
    """The agent's own national ID number as ``scrypt$n$r$p$salt$hash``, like ``pin_hash``
    (never the number), so that the agent can sign in with their ID card, offline too; None
    when the agent has no card sign-in."""


class Enrolment(_Body):
    device_id: DeviceId
    token: Annotated[str, StringConstraints(min_length=32, max_length=200)]
    """Sent as ``Authorization: Bearer <token>`` on every later call."""
    key_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{8}$")]
    agents: list[AgentCredential] = []


class HeartbeatIn(_Body):
    app_version: Annotated[str, StringConstraints(max_length=40)]
    devices: dict[Annotated[str, StringConstraints(max_length=32)],
                  Annotated[str, StringConstraints(max_length=32)]] = {}
    """Each device by name and its status (``online``, ``user_error``, ...)."""
    outbox_waiting: Annotated[int, Field(ge=0)] = 0
    oldest_waiting: datetime | None = None
    sent_at: datetime


class HeartbeatOut(_Body):
    server_time: datetime
    catalogue_version: str


class PublicKey(_Body):
    """One device's receipt-signing key. ``key_id`` is the hex of the first 4 bytes of SHA-256
    of the raw public key (as in :func:`kiosk_app.receipts.keys.key_id_for`)."""

    key_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{8}$")]
    device_id: DeviceId
    public_key: Base64Url
    algorithm: Literal["Ed25519"] = "Ed25519"


class KeyDirectory(_Body):
    """The public keys that verify receipt tokens, one per enrolled device."""

    keys: list[PublicKey]


# --- agents ------------------------------------------------------------------------------------

class AgentSignInIn(_Body):
    agent_number: AgentNumber
    pin: Annotated[str, StringConstraints(pattern=r"^[0-9]{4,8}$")]


class AgentSession(_Body):
    agent_number: AgentNumber
    name: str
    signed_in_at: datetime




class LedgerEntryIn(_Body):
    entry_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f-]{36}$")]
    at: datetime
    debit: LedgerAccount
    credit: LedgerAccount
    amount_cents: Annotated[int, Field(gt=0, le=100_000_000_000)]
    reference: Reference | None = None
    service_code: ServiceCode | None = None
    memo: Annotated[str, StringConstraints(max_length=120)] = ""


class LedgerEntry(LedgerEntryIn):
    agent_number: AgentNumber
    device_id: DeviceId
    received_at: datetime


class Ledger(_Body):
    agent_number: AgentNumber
    since: datetime
    until: datetime
    entries: list[LedgerEntry]
    balances: dict[LedgerAccount, int]
    """Each account's debits minus credits over the range, in cents; they sum to zero."""


# --- the paths, in one place for client and server ---------------------------------------------

