"""The reference by SMS when the receipt cannot print, on the rendered receipt screen touched as
a person would: to the number they paid with, in one touch; or, after a free service, to a
number they type on the screen's keypad (a wrong one explained). The SMS waits in the outbox
with the phone sealed and reaches the sandbox's SMS gateway once."""
from __future__ import annotations

from pathlib import Path

import requests

from kiosk_app import contract
from kiosk_app.applying import sms_key
from tests.screens.test_apply_pay import FREE, fast, live_config, offline_config, pay, shown, \
    to_payment

QUEUED = "An SMS with your reference will come to {phone}."


def tap(ui, widget) -> None:  # noqa: ANN001
    """Touch a widget of the receipt screen, scrolled into view first (above the session bar),
    as a person would."""
    from kivy.uix.scrollview import ScrollView

    ui.pump(2)
    parent = widget.parent
    while parent is not None and not isinstance(parent, ScrollView):
        parent = parent.parent
    if parent is not None:
        parent.scroll_to(widget, padding=0, animate=False)
        ui.pump(2)
    ui.tap(widget)


def sms_sent(sandbox, reference: str) -> list[dict]:  # noqa: ANN001
    return requests.get(f"{sandbox.url}{contract.Paths.OPERATOR_SMS}",
                        params={"reference": reference}, headers=sandbox.operator_headers,
                        timeout=10).json()


def test_paper_out_after_paying_sends_the_reference_to_the_paying_phone_in_one_touch(
        make_ui, tmp_path: Path, sandbox_factory) -> None:  # noqa: ANN001
    sandbox = sandbox_factory(confirm_after=0.2)
    ui = make_ui(live_config(tmp_path, sandbox))
    fast(ui)
    printer = ui.kiosk.devices.get("printer")
    ui.wait_until(lambda: printer.state.status.value == "online", timeout=10)
    printer.inject("paper_out")
    to_payment(ui)
    pay(ui, "0712340000")
    ui.wait_until(lambda: ui.screen.name == "receipt", timeout=30)
    ui.pump(3)
    done = ui.kiosk.session.data.receipt
    ids = ui.screen.ids
    assert ids.send_sms.opacity == 1 and not ids.send_sms.disabled
    assert ids.send_sms.text == "Send the reference by SMS to *******000"
    assert ids.sms_typing.opacity == 0 and ids.sms_typing.disabled

    tap(ui, ids.send_sms)
    ui.wait_until(lambda: QUEUED.format(phone="*******000") in shown(ui), timeout=10)
    assert ids.send_sms.disabled and ids.send_sms.opacity == 0   # one SMS per receipt
    ui.wait_until(lambda: len(sms_sent(sandbox, done.reference)) == 1, timeout=20)
    message = sms_sent(sandbox, done.reference)[0]
    assert message["phone_last4"] == "0000" and message["language"] == "en"
    row = ui.kiosk.outbox.get(sms_key(done.reference), opened=False)
    assert row.status.value == "sent" and "phone" not in row.payload
    assert "0712340000" not in shown(ui)


def test_a_free_application_offline_asks_for_a_number_and_explains_a_wrong_one(
        make_ui, tmp_path: Path) -> None:  # noqa: ANN001
    ui = make_ui(offline_config(tmp_path))
    printer = ui.kiosk.devices.get("printer")
    ui.wait_until(lambda: printer.state.status.value == "online", timeout=10)
    printer.inject("paper_out")
    to_payment(ui, FREE, online=False)
    ui.wait_until(lambda: ui.screen.name == "receipt", timeout=20)
    ui.pump(3)
    done = ui.kiosk.session.data.receipt
    assert done.printed is False
    ids = ui.screen.ids
    assert ids.send_sms.text == "Send the reference to my phone by SMS"
    tap(ui, ids.send_sms)
    assert "Type the phone number for the SMS" in shown(ui)
    assert ids.sms_typing.opacity == 1 and ids.send_sms.text == "Send the SMS"

    for digit in "12345":
        tap(ui, ids.sms_pad.keys[digit])
    tap(ui, ids.send_sms)
    assert ("! This is not a Kenyan mobile number. Type it as 07XX XXX XXX or 01XX XXX XXX."
            in shown(ui))
    assert ui.kiosk.outbox.get(sms_key(done.reference)) is None

    while ids.sms_phone.text:
        tap(ui, ids.sms_pad.keys["delete"])
    for digit in "0722000111":
        tap(ui, ids.sms_pad.keys[digit])
    tap(ui, ids.send_sms)
    ui.wait_until(lambda: QUEUED.format(phone="*******111") in shown(ui), timeout=10)
    row = ui.kiosk.outbox.get(sms_key(done.reference))
    assert row.status.value == "pending"          # offline: it goes when the network is back
    assert row.payload == {"reference": done.reference, "phone": "254722000111",
                           "language": "en"}

    ui.app.tr.switch("sw")
    ui.pump(2)
    assert "*******111" in shown(ui) and QUEUED.format(phone="*******111") not in shown(ui)
    ui.app.tr.switch("en")
    ui.kiosk.session.finish()                      # the person leaves: the screen forgets it
    ui.pump(2)
    assert ui.app.presenters["receipt"].sms_masked == ""
