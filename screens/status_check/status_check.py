"""Check my application: show the receipt's QR code, or type its reference; then the timeline.

Phases of the screen (``StatusCheckPresenter.phase``):

- ``scan``: "show your receipt's QR code", with the camera's picture when it works, and
  "Type the reference". Scans reach the session from the event queue, which tells this
  presenter (``on_session_code_scanned``).
- ``type``: an on-screen keypad of the characters a reference is made of, shown grouped as it
  is printed (``HK-XXXX-XXXX-XX``); a wrong check character is caught as the last one is typed.
  When the scanner does not work, this is the only way, and the screen says why.
- ``checking``: the look-up runs on a worker (key directory, outbox, backend).
- ``result``: the steps with their marks, dates in Nairobi time, where to collect and when; or
  why there is no timeline, with what the receipt itself proves and what this kiosk still holds.

Threads: every method runs on the UI thread; the look-up, the camera and printing go to
``kiosk.workers``. Nothing scanned or typed stays here after the session is wiped.
"""
from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk_app.device_words import FALLBACK_WORDS
from kiosk_app.devices import DeviceState
from kiosk_app.i18n import N_
from kiosk_app.receipts.documents import money, nairobi_time
from kiosk_app.session import Session, SessionState, WipeReason
from kiosk_app.speech import Utterance
from kiosk_app.status_check import (BODY_LENGTH, KEPT_WORDS, MARK_WORDS, REFERENCE_KEYS, BadReference,
                                    Found, NotAReceipt, NotFound, Refused, StatusAnswer, StatusChecker,
                                    Unreachable, clean_typed, group_reference, nairobi_date,
                                    reference_problem)
from kiosk_app.status_check import print_status as print_status_slip
from kiosk_app.status_check import steps as timeline_steps
from screens.base import Presenter, View, action
from screens.theme import Themed
from screens.widgets.button_pool import ButtonPool
from screens.widgets.camera_preview import CameraPreview
from screens.widgets.common import QuietButton

SCAN_WITH_CAMERA = N_("Show your receipt's QR code to the camera.")
SCAN_WITH_SCANNER = N_("Show your receipt's QR code to the scanner.")
INCOMPLETE = N_("A reference has ten characters after HK. Please type all of them.")
LOOKUP_FAILED = N_("Your application could not be looked up just now. Please try again.")
SERVICE = N_("Service")
AMOUNT = N_("Amount")
DATE = N_("Date")
REFERENCE = N_("Reference")
RECEIPT_SAYS = N_("What your receipt shows:")
COLLECT_AT = N_("Where to collect")
EXPECTED_READY = N_("Expected to be ready by")
PRINTING = N_("Printing...")
PRINTED = N_("Printed. Please take your slip.")
NOT_PRINTED = N_("The printer is not working. Please note your reference.")


def _feedback_offered() -> bool:
    """Whether the feedback screen is there yet (asked when needed: the App imports us)."""
    from screens.app import SCREEN_FOR_STATE

    return SessionState.FEEDBACK in SCREEN_FOR_STATE


class StatusCheckPresenter(Presenter):
    phase = OptionProperty("scan", options=["scan", "type", "checking", "result"])
    scan_prompt = StringProperty("")
    """A catalogue key: how to show the QR code; empty when scanning is not possible."""
    scan_problem = StringProperty("")
    """A catalogue key: why only typing is offered."""
    camera = ObjectProperty(None, allownone=True)
    """The camera whose picture the view shows, or None."""
    typed = StringProperty(group_reference("_" * BODY_LENGTH))
    type_error = StringProperty("")
    error = StringProperty("")
    """A catalogue key: why the last code or look-up gave no answer (a refused receipt, ...)."""
    # The result, in the language shown (built again when it changes).
    outcome = OptionProperty("", options=["", "found", "not_found", "unreachable"])
    title = StringProperty("")
    reference = StringProperty("")
    notice = StringProperty("")
    kept_notice = StringProperty("")
    steps = ListProperty([])
    """One dict per step: mark, mark_word, title, when, note."""
    details = StringProperty("")
    receipt_facts = StringProperty("")
    can_print = BooleanProperty(False)
    print_note = StringProperty("")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checker = StatusChecker.for_kiosk(self.kiosk)
        self._body = ""
        self._answer: StatusAnswer | None = None
        self._generation = 0
        self._back_to = "scan"
        self.session.add_listener(self)
        self.kiosk.devices.add_listener(self)
        self.tr.fbind("_", self._render)

    # -- the session and the devices (UI thread) ----------------------------------------------
    def on_session_state_changed(self, session: Session, old: SessionState,
                                 new: SessionState) -> None:
        if new is SessionState.STATUS_CHECK:
            self._forget()
            self._start_over()
        elif old is SessionState.STATUS_CHECK:
            self._forget()

    def on_session_wiped(self, session: Session, reason: WipeReason) -> None:
        self._forget()

    def on_device_state_changed(self, family: str, state: DeviceState) -> None:
        if self.session.state is not SessionState.STATUS_CHECK:
            return
        if family in ("scanner", "camera"):
            self._follow_devices()
        elif family == "printer":
            self.can_print = self.outcome == "found" and state.usable

    def on_session_code_scanned(self, session: Session, text: str) -> None:
        """A code was scanned (from the event queue; the session has kept it already)."""
        if session.state is SessionState.STATUS_CHECK and self.phase != "checking":
            self._check(self.checker.check_scan, text)

    # -- what the person does -----------------------------------------------------------------
    @action
    def type_instead(self) -> None:
        self.error = ""
        self.phase = "type"
        self._follow_devices()

    @action
    def type_key(self, char: str) -> None:
        self.error = ""
        self._set_body(clean_typed(self._body + char))

    @action
    def delete(self) -> None:
        self.error = ""
        self._set_body(self._body[:-1])

    @action
    def check_typed(self) -> None:
        if len(self._body) < BODY_LENGTH:
            self.type_error = INCOMPLETE
            return
        if self.type_error:
            return
        self._check(self.checker.check_reference, self._body)

    @action
    def print_status(self) -> None:
        if not isinstance(self._answer, Found) or self.print_note == PRINTING:
            return
        self.print_note = PRINTING
        generation = self._generation
        self.kiosk.workers.submit(
            print_status_slip, self.kiosk.spooler, self.kiosk.devices.get("printer"),
            self._answer.application, self.kiosk.clock.now(),
            on_done=lambda printed: self._printed(generation, printed),
            on_error=lambda _err: self._printed(generation, False))

    @action
    def another(self) -> None:
        """Check another application."""
        self._forget()
        self._start_over()

    @action
    def back(self) -> None:
        if self.phase == "type" and self.scan_prompt:
            self.type_error = ""
            self.error = ""
            self.phase = "scan"
            self._follow_devices()
        elif self.phase == "result":
            self.another()
        else:
            self.session.go(SessionState.HOME)

    @action
    def finish(self) -> None:
        if _feedback_offered():
            self.session.go(SessionState.FEEDBACK)
        else:
            self.session.finish()

    # -- said aloud, when reading aloud is on ---------------------------------------------------
    def spoken(self) -> Utterance:
        """The screen's guidance and what went wrong; once there is an answer, the answer: the
        service, the step it is at (and the office's note), where and when, or why there is no
        timeline and what the receipt shows."""
        lang = self.tr.language
        _ = self.tr._
        if self.phase != "result":
            problem = self.type_error or self.error or self.scan_problem
            return super().spoken() + (((lang, _(problem)),) if problem else ())
        words = [self.title, self.notice, self.kept_notice]
        for step in self.steps:
            if step["mark"] == "current" or step is self.steps[-1] and step["mark"] == "done":
                words.append(f"{step['mark_word']}: {step['title']}. {step['note']}".strip())
        words += [self.details, self.receipt_facts]
        return tuple((lang, text) for text in words if text.strip())

    def _say(self) -> None:
        """Say it now when reading aloud is on (and keep it for "Repeat" either way)."""
        self.kiosk.speaker.say(self.spoken())

    # -- the look-up ------------------------------------------------------------------------
    def _check(self, look_up: Any, text: str) -> None:
        self._generation += 1
        generation = self._generation
        self.error = ""
        self.type_error = ""
        self._back_to = self.phase if self.phase in ("scan", "type") else "scan"
        self.phase = "checking"
        self._follow_devices()
        self.kiosk.workers.submit(look_up, text,
                                  on_done=lambda answer: self._answered(generation, answer),
                                  on_error=lambda _err: self._lookup_failed(generation))

    def _answered(self, generation: int, answer: StatusAnswer) -> None:
        """UI thread, from the worker."""
        if generation != self._generation or self.session.state is not SessionState.STATUS_CHECK:
            return  # the person left, or asked again, meanwhile
        self.session.data.status_result = answer
        if isinstance(answer, (Refused, NotAReceipt)):
            self.error = answer.message
            self.phase = self._back_to if self.scan_prompt else "type"
        elif isinstance(answer, BadReference):
            self.type_error = answer.message
            self.phase = "type"
        else:
            self._answer = answer
            self._render()
            self.phase = "result"
        self._follow_devices()
        self._say()

    def _lookup_failed(self, generation: int) -> None:
        if generation != self._generation or self.session.state is not SessionState.STATUS_CHECK:
            return
        self.error = LOOKUP_FAILED
        self.phase = self._back_to
        self._follow_devices()

    def _printed(self, generation: int, printed: bool) -> None:
        if generation == self._generation and self.outcome == "found":
            self.print_note = PRINTED if printed else NOT_PRINTED

    # -- showing ----------------------------------------------------------------------------
    def _render(self, *_args: object) -> None:
        answer = self._answer
        _ = self.tr._
        lang = self.tr.language
        if not isinstance(answer, (Found, NotFound, Unreachable)):
            return
        receipt = answer.receipt
        self.kept_notice = _(KEPT_WORDS[answer.kept]) if answer.kept else ""
        if isinstance(answer, Found):
            application = answer.application
            self.outcome = "found"
            self.title = application.service_name.get(lang)
            self.reference = application.reference
            self.notice = ""
            self.steps = [{"mark": step.mark.value, "mark_word": _(MARK_WORDS[step.mark]),
                           "title": _(step.title),
                           "when": nairobi_time(step.at) if step.at else "",
                           "note": step.note.get(lang) if step.note else ""}
                          for step in timeline_steps(application)]
            lines = [f"{_(COLLECT_AT)}: {application.collection.get(lang)}"]
            if application.expected_ready is not None:
                lines.append(f"{_(EXPECTED_READY)}: {nairobi_date(application.expected_ready)}")
            self.details = "\n".join(lines)
            self.receipt_facts = ""
            self.can_print = self.kiosk.devices.state("printer").usable
            return
        self.outcome = "not_found" if isinstance(answer, NotFound) else "unreachable"
        self.reference = answer.reference
        self.steps = []
        self.details = ""
        self.can_print = False
        if isinstance(answer, NotFound) and answer.backend_message is not None:
            self.notice = answer.backend_message.get(lang)
        else:
            self.notice = _(answer.message)
        if receipt is not None:
            service = receipt.service_name.get(lang) if receipt.service_name else \
                receipt.service_code
            self.title = service
            self.receipt_facts = "\n".join([
                _(RECEIPT_SAYS),
                f"{_(SERVICE)}: {service}",
                f"{_(AMOUNT)}: {money(receipt.amount_cents)}",
                f"{_(DATE)}: {nairobi_time(receipt.issued_at)}",
                f"{_(REFERENCE)}: {receipt.reference}"])
        else:
            self.title = answer.reference
            self.receipt_facts = ""

    def _set_body(self, body: str) -> None:
        self._body = body
        self.typed = group_reference(body + "_" * (BODY_LENGTH - len(body)))
        self.type_error = reference_problem(body) or ""

    def _start_over(self) -> None:
        self._follow_devices()
        self.phase = "scan" if self.scan_prompt else "type"
        self._follow_devices()

    def _follow_devices(self) -> None:
        """Offer scanning only when the scanner works; show the camera's picture only while
        waiting for a scan and the camera works too."""
        devices = self.kiosk.devices
        scanner_ok = devices.get("scanner") is not None and devices.state("scanner").usable
        camera = devices.get("camera")
        camera_ok = camera is not None and devices.state("camera").usable
        if scanner_ok:
            self.scan_prompt = SCAN_WITH_CAMERA if camera_ok else SCAN_WITH_SCANNER
            self.scan_problem = ""
        else:
            self.scan_prompt = ""
            self.scan_problem = FALLBACK_WORDS["scanner"]
            if self.phase == "scan":
                self.phase = "type"
        showing = (self.session.state is SessionState.STATUS_CHECK and self.phase == "scan"
                   and scanner_ok and camera_ok)
        if showing and self.camera is None:
            self.camera = camera
            self.kiosk.workers.submit(camera.start)
        elif not showing and self.camera is not None:
            stopping, self.camera = self.camera, None
            self.kiosk.workers.submit(stopping.stop)

    def _forget(self) -> None:
        self._generation += 1  # an answer still on its way is dropped
        self._answer = None
        self._set_body("")
        self._back_to = "scan"
        self.error = ""
        self.outcome = ""
        self.title = self.reference = self.notice = self.kept_notice = ""
        self.details = self.receipt_facts = self.print_note = ""
        self.steps = []
        self.can_print = False
        if self.camera is not None:
            stopping, self.camera = self.camera, None
            self.kiosk.workers.submit(stopping.stop)


class ReferenceKey(QuietButton):
    """One character of a reference on the keypad: at least 15 mm each way."""


class StepMark(Themed, Widget):
    mark = OptionProperty("to_come", options=["done", "current", "to_come"])


STEPS_AHEAD = 6
"""Timeline steps made ahead: the usual path of an application has five (a rejected one, as
many as it reached and the rejection)."""


class StatusStep(Themed, BoxLayout):
    """One step of the timeline: its mark (a shape and a word), its title, when, and a note."""

    mark = OptionProperty("to_come", options=["done", "current", "to_come"])
    mark_word = StringProperty("")
    title = StringProperty("")
    when = StringProperty("")
    note = StringProperty("")


class StatusCheckView(View):
    kv_file = "status_check.kv"

    def on_kv_post(self, base_widget: Any) -> None:
        self.keys: dict[str, Any] = {}
        for char in REFERENCE_KEYS:
            key = ReferenceKey(text=char)
            key.bind(on_release=lambda _button, c=char: self.presenter.type_key(c))
            self.ids.keypad.add_widget(key)
            self.keys[char] = key
        self.preview = CameraPreview(watch=self.presenter.kiosk.ui_watch)
        self.ids.preview_box.add_widget(self.preview)
        # The timeline's steps are made once, in quiet frames, and given each answer's words:
        # making them when the answer came held that frame 10 to 15 ms more.
        self._steps = ButtonPool(lambda: StatusStep(theme=self.theme), what="StatusStep",
                                 idle=self.idle)
        self._steps.prepare(STEPS_AHEAD)
        self.presenter.bind(steps=self._show_steps, camera=self._show_camera,
                            phase=self._show_phase)
        self._show_phase(self.presenter, self.presenter.phase)

    def _show_phase(self, _presenter: object, phase: str) -> None:
        # Set here, not in the .kv: a kv rule sets ``current`` before the phases are added.
        self.ids.phases.current = phase

    def _show_steps(self, _presenter: object, steps: list[dict[str, str]]) -> None:
        box = self.ids.steps
        box.clear_widgets()
        for widget, step in zip(self._steps.take(len(steps)), steps):
            for name, value in step.items():
                setattr(widget, name, value)
            box.add_widget(widget)
        for widget in self._steps.buttons[len(steps):]:  # an answer's words stay with it only
            widget.title = widget.mark_word = widget.when = widget.note = ""

    def _show_camera(self, _presenter: object, camera: Any) -> None:
        if camera is None:
            self.preview.stop()
        else:
            self.preview.start(camera)
