"""``huduma-kiosk doctor``: is everything a citizen needs working, and if not, what is down.

Each check is ``ok``, ``warning`` (works, but look soon: paper near its end, backend offline so
applications wait in the outbox) or ``fail`` (a citizen cannot be served as configured). Device
probes run in parallel, each with a time limit, so one hung device cannot hang the doctor.
"""
from __future__ import annotations

import concurrent.futures
import enum
from dataclasses import dataclass

from drivers.status import DeviceState, DeviceStatus
from kiosk_app.bootstrap import Kiosk
from kiosk_app.device_words import REASON_WORDS, STATUS_WORDS
from kiosk_app.i18n import N_, translator
from kiosk_app.outbox import OutboxError

PROBE_TIMEOUT_S = 3.0


class Verdict(enum.Enum):
    OK = "ok"
    WARNING = "warning"
    FAIL = "fail"


@dataclass(frozen=True)
class Check:
    name: str
    verdict: Verdict
    summary: str
    """A catalogue key with ``{placeholders}`` from ``params``."""
    params: dict[str, str]
    detail: dict[str, object]

    def render(self, language: str) -> str:
        _ = translator(language).gettext
        # Parameters may be catalogue keys themselves ("online"); others pass through as they are.
        params = {k: _(v) if v else v for k, v in self.params.items()}
        return _(self.summary).format(**params)


@dataclass(frozen=True)
class Report:
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(c.verdict is not Verdict.FAIL for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.verdict is Verdict.FAIL]

    def to_dict(self, language: str = "en") -> dict[str, object]:
        return {
            "ok": self.ok,
            "failed": [c.name for c in self.failed],
            "checks": [
                {"name": c.name, "verdict": c.verdict.value, "summary": c.render(language),
                 **c.detail}
                for c in self.checks
            ],
        }

    def table(self, language: str = "en") -> str:
        _ = translator(language).gettext
        marks = {Verdict.OK: "ok", Verdict.WARNING: "!!", Verdict.FAIL: "XX"}
        width = max(len(c.name) for c in self.checks)
        lines = [f"[{marks[c.verdict]}] {c.name.ljust(width)}  {c.render(language)}"
                 for c in self.checks]
        if self.ok:
            lines.append(_("Everything a citizen needs is working."))
        else:
            lines.append(_("Down: {names}").format(names=", ".join(c.name for c in self.failed)))
        return "\n".join(lines)




def _device_check(family: str, kind: str, state: DeviceState) -> Check:
    if not state.usable:
        verdict = Verdict.FAIL
    elif state.warning:
        verdict = Verdict.WARNING
    else:
        verdict = Verdict.OK
    return Check(family, verdict, N_("{kind}: {status} ({reason})") if state.reason
                 else N_("{kind}: {status}"),
                 {"kind": kind, "status": STATUS_WORDS[state.status],
                  "reason": REASON_WORDS[state.reason] if state.reason else ""},
                 {"kind": kind, **state.to_dict()})


def check_devices(kiosk: Kiosk) -> list[Check]:
    checks: list[Check] = []
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="doctor")
    futures = {f: pool.submit(d.probe) for f, d in kiosk.devices.devices.items()}
    configured = kiosk.config.devices.enabled()
    for family in kiosk.devices.families:
        device = kiosk.devices.get(family)
        kind = device.kind if device else configured[family].kind
        if device is None:
            checks.append(_device_check(family, kind, kiosk.devices.state(family)))
            continue
        try:
            state = futures[family].result(timeout=PROBE_TIMEOUT_S)
        except concurrent.futures.TimeoutError:
            state = DeviceState(DeviceStatus.OFFLINE, None,
                                f"no answer within {PROBE_TIMEOUT_S:g} s")
        except Exception as err:  # a probe must say what it saw, not crash the doctor
            state = DeviceState(DeviceStatus.HARDWARE_ERROR, None, type(err).__name__)
        checks.append(_device_check(family, kind, state))
    pool.shutdown(wait=False, cancel_futures=True)
    return checks


def check_backend(kiosk: Kiosk) -> Check:
    health = kiosk.backend.health(timeout_s=min(kiosk.config.backend.timeout_s, PROBE_TIMEOUT_S))
    if health.reachable:
        return Check("backend", Verdict.OK, N_("reachable in {ms} ms"),
                     {"ms": f"{health.latency_ms:g}"},
                     {"url": kiosk.backend.base_url, "latency_ms": health.latency_ms})
    # The kiosk works offline: applications wait in the outbox. Worth a look, not a failure.
    return Check("backend", Verdict.WARNING,
                 N_("not reachable ({detail}); applications wait in the outbox"),
                 {"detail": health.detail}, {"url": kiosk.backend.base_url, "detail": health.detail})


def check_outbox(kiosk: Kiosk) -> Check:
    try:
        integrity = kiosk.outbox.check()
        summary = kiosk.outbox.summary()
    except OutboxError as err:
        return Check("outbox", Verdict.FAIL, N_("cannot be used: {detail}"), {"detail": str(err)},
                     {"path": str(kiosk.outbox.path), "detail": str(err)})
    if integrity != "ok":
        return Check("outbox", Verdict.FAIL, N_("damaged: {detail}"), {"detail": integrity},
                     {"path": str(kiosk.outbox.path), "detail": integrity})
    verdict = Verdict.WARNING if summary.counts.get("failed") else Verdict.OK
    return Check("outbox", verdict, N_("{waiting} waiting to be sent, {failed} failed"),
                 {"waiting": str(summary.waiting), "failed": str(summary.counts["failed"])},
                 {"path": str(kiosk.outbox.path), "counts": summary.counts,
                  "oldest_waiting": summary.oldest_waiting})


def run_doctor(kiosk: Kiosk) -> Report:
    config_check = Check("config", Verdict.OK, N_("{role} role, device {device_id}{demo}"),
                         {"role": kiosk.config.role, "device_id": kiosk.config.device_id,
                          "demo": " (demo)" if kiosk.config.demo else ""},
                         {"role": kiosk.config.role, "device_id": kiosk.config.device_id,
                          "demo": kiosk.config.demo})
    return Report([config_check, *check_devices(kiosk), check_backend(kiosk), check_outbox(kiosk)])
