"""The kiosk's configuration: one typed TOML file, each field documented with its unit.

    config = load_config("/etc/huduma-kiosk/config.toml")   # raises ConfigError, naming the field
    config = KioskConfig.demo()                              # simulated devices, no file needed

A file holds only what differs from the defaults. Each device family (``card_reader``,
``printer``, ``scanner``, ``camera``) names its adapter ``kind`` and that adapter's
``settings``; the adapter's own schema checks those settings, so a typo in a printer setting is
refused here, at load time, with the setting's full path.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from drivers.registry import FAMILIES, Registry, builtin_registry
from drivers.schema import Check, Untrusted, checked, made, settings
from kiosk_app.i18n import N_, translator

if TYPE_CHECKING:
    from pydantic import ValidationError

CONFIG_VERSION = 1
DEFAULT_CONFIG_PATH = Path("/etc/huduma-kiosk/config.toml")
Role = Literal["kiosk", "agent"]
Language = Literal["en", "sw"]


def _http_url(url: str) -> str:
    """A backend's address: http or https (runs only under the full check, with pydantic)."""
    if not url.startswith(("http://", "https://")):
        from pydantic_core import PydanticCustomError

        raise PydanticCustomError("url_scheme", "must start with http:// or https://")
    return url


DEMO_ENROLMENT_CODE = "HUDUMA-DEMO"
"""The sandbox backend's default enrolment code, which demo mode uses."""


@settings
class BackendConfig:
    """The kiosk API this device talks to."""

    url: Annotated[str, Check(after=_http_url)] = "http://127.0.0.1:8765"
    """Base URL of the kiosk API (the sandbox on loopback in demo mode)."""
    timeout_s: Annotated[float, Check(gt=0, le=60)] = 5.0
    """Time limit of each backend call, in seconds."""
    enrolment_code: Annotated[str | None, Check(min_length=6, max_length=64)] = None
    """A one-time code from the backend's operator that enrols this device on first contact
    (``huduma-kiosk enrol --code`` does the same by hand). Not needed once enrolled."""



@settings
class OutboxConfig:
    """The outbox: how long personal data is kept, and how sending is retried."""

    retention_hours: Annotated[float, Check(ge=0, le=24 * 90)] = 72.0
    """Hours the personal data of an application is kept after the backend has it; then it
    is purged (the row, its reference and its times stay)."""
    backoff_base_s: Annotated[float, Check(gt=0, le=600)] = 1.0
    """Seconds: the first wait after a failed send is up to this long; each further failure
    in a row doubles the limit (the wait is random below it: full jitter)."""
    backoff_cap_s: Annotated[float, Check(gt=0, le=86400)] = 300.0
    """Seconds: the longest wait between two tries, however many failed in a row."""


@settings
class TimeLimits:
    """How long a session may sit untouched, per role."""

    idle_s: Annotated[float, Check(ge=10, le=3600)] = 60.0
    """Kiosk role: seconds without a touch before the "do you need more time?" warning."""
    warning_s: Annotated[float, Check(ge=20, le=300)] = 30.0
    """Kiosk role: seconds the warning counts down before the session is wiped (20 or more,
    so that anyone can answer it: WCAG 2.2.1)."""
    agent_idle_s: Annotated[float, Check(ge=60, le=14400)] = 900.0
    """Agent role: seconds without input before the warning."""
    agent_warning_s: Annotated[float, Check(ge=20, le=600)] = 60.0
    """Agent role: seconds the warning counts down before the session is wiped."""


TRAINING_DIR = "training"
"""The folder under ``data_dir`` where an agent device in training mode keeps everything."""


@settings
class AgentConfig:
    """The agent role: how much cash may wait unconfirmed, the PIN lock, training mode."""

    offline_limit_cents: Annotated[int, Check(ge=0, le=100_000_000)] = 1_000_000
    """Kenya shilling cents: the most an agent device may hold in cash payments the backend
    has not confirmed yet (taken offline, or not yet sent); beyond it, cash is refused until
    the device has synced. The agent's own limit from the enrolment applies when it is lower."""
    offline_limit_count: Annotated[int, Check(ge=0, le=10_000)] = 30
    """How many cash payments an agent device may hold that the backend has not confirmed
    yet; the agent's own limit from the enrolment applies when it is lower."""
    lockout_s: Annotated[float, Check(ge=1, le=3600)] = 30.0
    """Seconds an agent is locked out on this device after five wrong PINs in a row; each
    lock after that lasts twice as long as the one before, until a right PIN."""
    training: bool = False
    """Training mode: every slip and screen says TRAINING / MAFUNZO, and the device keeps
    everything of training in ``data_dir/training`` and talks only to
    ``training_backend_url``, so nothing of it reaches the real books or backend."""
    training_backend_url: Annotated[str, Check(after=_http_url)] = "http://127.0.0.1:8765"
    """The backend training mode talks to: a sandbox, never the national backend."""
    training_enrolment_code: Annotated[str | None, Check(min_length=6, max_length=64)] = \
        DEMO_ENROLMENT_CODE
    """The training backend's enrolment code (the sandbox's, by default)."""



@settings
class DisplayConfig:
    """The touch screen and how the session starts on it."""

    orientation: Literal["portrait", "landscape"] = "portrait"
    """How the touch screen stands: portrait (1080x1920) or landscape (1920x1080)."""
    fullscreen: bool | None = None
    """Fill the screen with no border; unset means yes in the kiosk role, no in the agent role."""
    large_text: bool = False
    """Start with large text switched on."""
    high_contrast: bool = False
    """Start with high contrast switched on."""
    speech: bool = False
    """Start with spoken guidance switched on."""
    speech_volume: Annotated[int, Check(ge=20, le=200)] = 100
    """Loudness of spoken guidance at the start of a session, as espeak-ng's amplitude
    (100 is its normal loudness; people can change it for their own session)."""
    speech_rate: Annotated[int, Check(ge=80, le=300)] = 150
    """Speed of spoken guidance, in words per minute."""
    pixel_pitch_mm: Annotated[float, Check(gt=0.05, le=2.0)] = 0.248
    """Size of one pixel of the touch screen, in millimetres, from the panel's data sheet
    (a 21.5-inch 1080x1920 panel is 0.248): touch targets are checked against it."""


@settings
class IdentityConfig:
    """How people identify themselves."""

    csca_dir: Path | None = None
    """Folder of trusted CSCA certificates (PEM or DER) for passive authentication of ID
    cards and passports; unset means documents read as "not verifiable"."""
    card_attempts: Annotated[int, Check(ge=1, le=10)] = 3
    """Failed card reads in one session before typed details are offered instead."""


@settings
class DeviceConfig:
    """One device: which adapter drives it, and that adapter's settings."""

    kind: str = "simulator"
    """Which adapter drives this device, by name (``simulator``, ``escpos-network``, ...)."""
    enabled: bool = True
    """False when this kiosk has no such device fitted."""
    settings: dict[str, Any] = field(default_factory=dict)
    """The adapter's own settings (see each adapter's documentation)."""


@settings
class DevicesConfig:
    """The devices fitted to this kiosk, by family."""

    card_reader: DeviceConfig = field(default_factory=DeviceConfig)
    """The ID card reader."""
    printer: DeviceConfig = field(default_factory=DeviceConfig)
    """The receipt printer."""
    scanner: DeviceConfig = field(default_factory=DeviceConfig)
    """The code (QR) scanner."""
    camera: DeviceConfig = field(default_factory=DeviceConfig)
    """The camera (scanning and document photos)."""

    def enabled(self) -> dict[str, DeviceConfig]:
        return {fam: getattr(self, fam) for fam in FAMILIES if getattr(self, fam).enabled}


@settings
class KioskConfig:
    version: int = CONFIG_VERSION
    """Version of this file's layout; older layouts are migrated when loaded."""
    role: Role = "kiosk"
    """Who is at the screen: ``kiosk`` (a citizen, self-service) or ``agent`` (a BETA agent)."""
    device_id: Annotated[str, Check(pattern=r"^[A-Z0-9][A-Z0-9-]{2,31}$")] = "KSK-DEMO-0001"
    """This device's id as enrolled with the backend (capitals, digits and dashes)."""
    language: Language = "en"
    """The language a new session starts in: ``en`` or ``sw``."""
    data_dir: Path = Path("/var/lib/huduma-kiosk")
    """Where the outbox, keys and caches live (on the appliance, the data partition)."""
    backend: BackendConfig = field(default_factory=BackendConfig)
    """The kiosk API this device talks to."""
    time_limits: TimeLimits = field(default_factory=TimeLimits)
    """How long a session may sit untouched, per role."""
    display: DisplayConfig = field(default_factory=DisplayConfig)
    """The touch screen and how the session starts on it."""
    devices: DevicesConfig = field(default_factory=DevicesConfig)
    """The devices fitted to this kiosk, by family."""
    identity: IdentityConfig = field(default_factory=IdentityConfig)
    """How people identify themselves."""
    outbox: OutboxConfig = field(default_factory=OutboxConfig)
    """The outbox: retention of personal data, and retries."""
    agent: AgentConfig = field(default_factory=AgentConfig)
    """The agent role: offline limits, the PIN lock, training mode."""
    demo: bool = False
    """Demo mode: simulated devices, marked as a demonstration on screen."""

    _effective: bool = field(default=False, init=False, repr=False, compare=False)
    """Whether :meth:`effective` has been applied already."""

    @property
    def training(self) -> bool:
        """Whether slips and screens say TRAINING / MAFUNZO: a demo, or an agent device in
        training mode."""
        return self.demo or (self.role == "agent" and self.agent.training)

    def effective(self) -> "KioskConfig":
        """The settings the device runs with (``bootstrap.build`` asks for them). An agent
        device in training mode keeps everything in ``data_dir/training`` (its own outbox,
        books, enrolment and keys) and talks to ``agent.training_backend_url`` with its code,
        so nothing of training reaches the real books or the real backend. Asking again
        changes nothing more."""
        if self._effective or self.role != "agent" or not self.agent.training:
            return self
        backend = dataclasses.replace(self.backend, url=self.agent.training_backend_url,
                                      enrolment_code=self.agent.training_enrolment_code)
        config = dataclasses.replace(self, data_dir=self.data_dir / TRAINING_DIR, backend=backend)
        object.__setattr__(config, "_effective", True)
        return config

    @property
    def fullscreen(self) -> bool:
        if self.display.fullscreen is not None:
            return self.display.fullscreen
        return self.role == "kiosk"

    @property
    def idle_limits(self) -> tuple[float, float]:
        """(seconds before the warning, seconds of warning) for this role."""
        t = self.time_limits
        return (t.idle_s, t.warning_s) if self.role == "kiosk" else (t.agent_idle_s, t.agent_warning_s)

    @property
    def outbox_path(self) -> Path:
        return self.data_dir / "outbox.sqlite3"

    @classmethod
    def demo_config(cls, *, role: Role = "kiosk", data_dir: Path | None = None) -> "KioskConfig":
        """The built-in demo: every device simulated, data in the user's own folder."""
        if data_dir is None:
            base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
            data_dir = base / "huduma-kiosk" / "demo"
        # The demo's sample ID card is signed under a demo CSCA kept in the data folder.
        return cls(role=role, demo=True, data_dir=data_dir,
                   device_id="AGT-DEMO-0001" if role == "agent" else "KSK-DEMO-0001",
                   backend=BackendConfig(enrolment_code=DEMO_ENROLMENT_CODE),
                   display=DisplayConfig(fullscreen=False),
                   identity=IdentityConfig(csca_dir=data_dir / "demo-pki"))


# --- loading, with refusals that name the field ---------------------------------------------

@dataclass(frozen=True)
class Problem:
    field: str
    """Dotted path of the setting, such as ``devices.printer.settings.faults``."""
    message: str
    """A catalogue key with ``{placeholders}``."""
    params: dict[str, str] = field(default_factory=dict)

    def render(self, language: str) -> str:
        _ = translator(language).gettext
        text = _(self.message).format(**self.params)
        return f"{self.field}: {text}" if self.field else text


class ConfigError(Exception):
    """The configuration was refused; ``problems`` says where and why."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(self.render("en"))

    def render(self, language: str) -> str:
        _ = translator(language).gettext
        lines = [_(N_("The configuration in {source} was refused:")).format(source=self.source)]
        lines += [f"  - {p.render(language)}" for p in self.problems]
        return "\n".join(lines)

    def bilingual(self) -> str:
        return f"{self.render('en')}\n\n{self.render('sw')}"


_PYDANTIC_MESSAGES = {
    "missing": N_("this setting is required"),
    "extra_forbidden": N_("unknown setting (check its spelling)"),
    "unexpected_keyword_argument": N_("unknown setting (check its spelling)"),
    "literal_error": N_("expected one of {expected}, got {got}"),
    "enum": N_("expected one of {expected}, got {got}"),
    "int_parsing": N_("expected a whole number, got {got}"),
    "int_type": N_("expected a whole number, got {got}"),
    "int_from_float": N_("expected a whole number, got {got}"),
    "float_parsing": N_("expected a number, got {got}"),
    "float_type": N_("expected a number, got {got}"),
    "bool_parsing": N_("expected true or false, got {got}"),
    "bool_type": N_("expected true or false, got {got}"),
    "string_type": N_("expected text, got {got}"),
    "string_pattern_mismatch": N_("expected text of the form {expected}, got {got}"),
    "list_type": N_("expected a list, got {got}"),
    "dict_type": N_("expected a table of settings, got {got}"),
    "model_type": N_("expected a table of settings, got {got}"),
    "dataclass_type": N_("expected a table of settings, got {got}"),
    "greater_than": N_("expected a value above {expected}, got {got}"),
    "greater_than_equal": N_("expected a value of at least {expected}, got {got}"),
    "less_than": N_("expected a value below {expected}, got {got}"),
    "less_than_equal": N_("expected a value of at most {expected}, got {got}"),
    "path_type": N_("expected a folder path, got {got}"),
    "url_scheme": N_("expected an address that starts with http:// or https://, got {got}"),
}
_VALUE_ERROR = N_("not accepted: {detail}")
_DETAILED_MESSAGES = {
    "printer_uri": N_("expected a printer address such as tcp://HOST[:PORT], usb://VID:PID or "
                      "serial:///dev/DEVICE?baud=N ({detail})"),
    "source_error": N_("expected camera:N, file:PATH or dir:PATH ({detail})"),
}
"""Errors of the adapters' own types, worded here in both languages; the detail (which part of
the value is wrong) stays as the adapter says it."""


def _problems_from(err: ValidationError, prefix: str = "") -> list[Problem]:
    problems = []
    for e in err.errors():
        loc = [str(part) for part in e["loc"] if not str(part).startswith("function-")]
        path = ".".join(([prefix] if prefix else []) + loc)
        ctx = e.get("ctx") or {}
        expected = ctx.get("expected", ctx.get("gt", ctx.get("ge", ctx.get("lt", ctx.get("le", ctx.get("pattern", ""))))))
        got = "" if e["type"] == "missing" else repr(e.get("input"))
        key = _PYDANTIC_MESSAGES.get(e["type"])
        if e["type"] in _DETAILED_MESSAGES:
            problems.append(Problem(path, _DETAILED_MESSAGES[e["type"]],
                                    {"detail": str(ctx.get("detail", ""))}))
        elif key is None:
            detail = e["msg"].removeprefix("Value error, ")
            problems.append(Problem(path, _VALUE_ERROR, {"detail": detail}))
        else:
            expected = str(expected).replace(" or ", ", ")
            problems.append(Problem(path, key, {"expected": expected, "got": got}))
    return problems


def _check_devices(raw: Any, registry: Registry) -> list[Problem]:
    """Check each device's kind and the adapter's own settings, from the raw table, so these
    problems are listed even when other parts of the file are refused too."""
    from pydantic import ValidationError

    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return problems  # the model's own check names this one
    for family in FAMILIES:
        dev = raw.get(family)
        if not isinstance(dev, dict) or dev.get("enabled", True) is False:
            continue
        kind = dev.get("kind", DeviceConfig().kind)
        kinds = registry.kinds(family)
        if kind not in kinds:
            problems.append(Problem(f"devices.{family}.kind", _PYDANTIC_MESSAGES["literal_error"],
                                    {"expected": ", ".join(kinds), "got": repr(kind)}))
            continue
        settings = dev.get("settings", {})
        if not isinstance(settings, dict):
            continue
        try:
            registry.parse_settings(family, kind, settings)
        except ValidationError as err:
            problems += _problems_from(err, f"devices.{family}.settings")
    return problems


def _migrate(raw: dict[str, Any]) -> dict[str, Any]:
    """Bring an older file's layout up to CONFIG_VERSION (there is only version 1 so far)."""
    return raw


def _refuse_version(raw: dict[str, Any], source: str) -> None:
    version = raw.get("version", CONFIG_VERSION)
    if not isinstance(version, int) or not 1 <= version <= CONFIG_VERSION:
        raise ConfigError(source, [Problem("version", _PYDANTIC_MESSAGES["less_than_equal"],
                                           {"expected": str(CONFIG_VERSION), "got": repr(version)})])


def parse_config(raw: dict[str, Any], *, source: str = "<config>",
                 registry: Registry | None = None) -> KioskConfig:
    """``raw`` checked in full: every type and bound, and each device's settings by its adapter's
    own schema. Raises :class:`ConfigError` listing every problem."""
    from pydantic import ValidationError

    _refuse_version(raw, source)
    raw = _migrate(raw)
    problems = []
    config = None
    try:
        config = checked(KioskConfig, raw)
    except ValidationError as err:
        problems += _problems_from(err)
    problems += _check_devices(raw.get("devices", {}), registry or builtin_registry())
    if problems or config is None:
        raise ConfigError(source, problems)
    return config


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), [Problem("", N_("there is no such file"))]) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(str(path), [Problem("", N_("the file cannot be read ({detail})"),
                                              {"detail": type(err).__name__})]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(str(path), [Problem("", N_("this is not valid TOML: {detail}"),
                                              {"detail": str(err)})]) from None


def load_config(path: str | os.PathLike[str], *, registry: Registry | None = None) -> KioskConfig:
    """The config file at ``path``, checked in full; raises :class:`ConfigError`."""
    return parse_config(_read(Path(path)), source=str(path), registry=registry)


@dataclass(frozen=True)
class PendingCheck:
    """The full check of a config that was made at once (:func:`load_config_at_once`)."""

    source: str
    raw: dict[str, Any]
    made: KioskConfig

    def run(self, registry: Registry | None = None) -> None:
        """Check the file in full (imports pydantic: run it off the UI thread). Raises
        :class:`ConfigError` as :func:`load_config` would have."""
        full = parse_config(self.raw, source=self.source, registry=registry)
        if full != self.made:  # drivers/schema.py makes this impossible; never run on a guess
            raise ConfigError(self.source, [Problem("", N_("the file cannot be read ({detail})"),
                                                    {"detail": "made != checked"})])


def load_config_at_once(path: str | os.PathLike[str]) -> tuple[KioskConfig, PendingCheck | None]:
    """The config file at ``path`` for ``huduma-kiosk run``: made without pydantic when every
    value has its setting's type, with the full check of its bounds and of each device's
    settings to :meth:`PendingCheck.run` on a worker once the first frame is up, before any
    device, file or network is touched (kiosk_app/bootstrap.py). Importing pydantic and building
    the schemas took the first frame some 60 ms. A value of a wrong type or an unknown setting
    is checked in full at once instead (``None`` then for the check: it is done). Raises
    :class:`ConfigError`."""
    raw = _read(Path(path))
    _refuse_version(raw, str(path))
    raw = _migrate(raw)
    try:
        config = made(KioskConfig, raw)
    except Untrusted:
        return parse_config(raw, source=str(path)), None
    return config, PendingCheck(str(path), raw, config)
