"""The work of ``huduma-kiosk agent ...`` (the parser is :mod:`agent_mode.commands`).

Each command builds the agent's desk on the device's own data, does one thing, and closes it;
refusals are said in English and Kiswahili. Blocking (disk, network, printer) on the calling
thread.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

from kiosk_app.i18n import N_, bilingual

if TYPE_CHECKING:
    from agent_mode.desk import AgentDesk
    from agent_mode.signin import SignedIn

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

NOT_AGENT_DEVICE = N_("This device is not an agent's device (its role is {role}).")
BAD_AMOUNT = N_("The amount is not right: write it in shillings, like 1500 or 1,500.50.")
BAD_DATE = N_("The date is not right: write it as year-month-day, like 2026-03-02.")
NO_PIN = N_("No PIN was given.")
SIGNED_IN_BACKEND = N_("{agent} ({name}) is signed in; the office checked the PIN.")
SIGNED_IN_DEVICE = N_("{agent} ({name}) is signed in; this device checked it (no network).")
SHIFT_STARTED = N_("Shift started for {agent} with {amount} counted in the drawer.")
SHIFT_ENDED_OVER = N_("Shift ended for {agent}: {closing} counted, {expected} expected; "
                      "{difference} over.")
SHIFT_ENDED_SHORT = N_("Shift ended for {agent}: {closing} counted, {expected} expected; "
                       "{difference} short.")
SHIFT_OPEN = N_("{agent} has a shift open since {since}; {expected} should be in the drawer "
                "now.")
FLOAT_TOP_UP = N_("{amount} added to the float of {agent}.")
FLOAT_BANK = N_("{amount} of {agent}'s takings taken to the bank.")
MATCHES = N_("The books of {agent} from {since} to {until} match the office's.")
DIFFERS = N_("The books of {agent} from {since} to {until} do not match the office's yet:")
NOT_CHECKED = N_("The office's books could not be read ({detail}); this device's side only:")
WAITING = N_("{entries} ledger entries and {applications} applications wait to be sent.")
REFUSED = N_("{count} ledger entries were refused by the office; a technician must look at "
             "them (huduma-kiosk outbox list --status failed).")
DROPPED = N_("{count} ledger entries were sent but the office does not hold them: send them "
             "again with --send-again.")
UNKNOWN_HERE = N_("{count} ledger entries are in the office's books but were not made on this "
                  "device.")
DIFFERING = N_("{count} ledger entries differ between this device and the office.")
CASH_EXPECTED = N_("Cash expected in the drawer: {amount}.")
SENT_AGAIN = N_("{count} ledger entries were queued to be sent again.")
Z_PRINTED = N_("The Z-report was printed.")
Z_NOT_PRINTED = N_("The Z-report was not printed: {reason}")
REPORT_PRINTED = N_("The report was printed.")
REPORT_NOT_PRINTED = N_("The report was not printed: {reason}")


# -- reading what was typed ----------------------------------------------------------------------
class _Usage(Exception):
    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.text = bilingual(message, **params)


def parse_shillings(text: str) -> int:
    """``1500``, ``1,500.50``, ``KES 1,500`` as cents; raises ValueError."""
    cleaned = re.sub(r"^(KES|KSH|KSHS)\.?\s*", "", text.strip().upper())
    if not re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})*(\.[0-9]{1,2})?|[0-9]+(\.[0-9]{1,2})?",
                        cleaned):
        raise ValueError(text)
    whole, _, part = cleaned.replace(",", "").partition(".")
    return int(whole) * 100 + int((part + "00")[:2])


def _amount(text: str) -> int:
    try:
        return parse_shillings(text)
    except ValueError:
        raise _Usage(BAD_AMOUNT) from None


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Usage(BAD_DATE) from None


def _pin(args: argparse.Namespace) -> str:
    if args.pin_stdin:
        pin = sys.stdin.readline().strip()
    else:
        import getpass

        pin = getpass.getpass("PIN: ")
    if not pin:
        raise _Usage(NO_PIN)
    return pin


def _money(cents: int) -> str:
    from kiosk_app.receipts.documents import money

    return money(cents)


# -- the desk ----------------------------------------------------------------------------------
def _desk(args: argparse.Namespace, **parts: Any) -> AgentDesk:
    from agent_mode.desk import build_agent
    from kiosk_app.cli import resolve_config
    from kiosk_app.config import KioskConfig

    if args.demo and args.config is None:
        config = KioskConfig.demo_config(role="agent")
    else:
        config = resolve_config(args)
    if config.role != "agent":
        raise _Usage(NOT_AGENT_DEVICE, role=config.role)
    desk = build_agent(config, **parts)
    desk.kiosk.services.load()
    return desk


def _run(args: argparse.Namespace, work: Any, **parts: Any) -> int:
    """Build the desk, run ``work(desk)``, close; refusals in both languages, exit 1."""
    from agent_mode.assisted import AssistedError
    from agent_mode.limits import LimitReached
    from agent_mode.shifts import ShiftError
    from agent_mode.signin import SignInRefused
    from agent_mode.store import AgentStoreError
    from kiosk_app.outbox import OutboxError

    from kiosk_app.logs import setup_logging

    setup_logging("WARNING")
    try:
        desk = _desk(args, **parts)
    except _Usage as err:
        print(err.text, file=sys.stderr)
        return EXIT_USAGE
    try:
        return work(desk)
    except _Usage as err:
        print(err.text, file=sys.stderr)
        return EXIT_USAGE
    except (SignInRefused, ShiftError, LimitReached, AssistedError) as err:
        print(err.bilingual(), file=sys.stderr)
        return EXIT_FAILED
    except (OutboxError, AgentStoreError) as err:
        print(str(err), file=sys.stderr)
        return EXIT_FAILED
    finally:
        desk.close()
        desk.kiosk.close()


def _signed_in(desk: AgentDesk, args: argparse.Namespace) -> SignedIn:
    return desk.sign_in_with_pin(args.agent, _pin(args))


def _agent_number(args: argparse.Namespace) -> str:
    return args.agent.strip().upper()


# -- the commands --------------------------------------------------------------------------------
def cmd_sign_in(args: argparse.Namespace) -> int:
    def work(desk: AgentDesk) -> int:
        agent = _signed_in(desk, args)
        words = SIGNED_IN_BACKEND if agent.checked_by == "backend" else SIGNED_IN_DEVICE
        print(bilingual(words, agent=agent.agent_number, name=agent.name))
        return EXIT_OK

    return _run(args, work)


def cmd_shift_start(args: argparse.Namespace) -> int:
    def work(desk: AgentDesk) -> int:
        opening = _amount(args.opening)
        agent = _signed_in(desk, args)
        shift = desk.shifts.start(agent.agent_number, opening)
        print(bilingual(SHIFT_STARTED, agent=agent.agent_number,
                        amount=_money(shift.opening_cents)))
        return EXIT_OK

    return _run(args, work)


def cmd_shift_end(args: argparse.Namespace) -> int:
    def work(desk: AgentDesk) -> int:
        closing = _amount(args.closing)
        agent = _signed_in(desk, args)
        shift = desk.shifts.end(agent.agent_number, closing)
        difference = shift.over_short_cents or 0
        words = SHIFT_ENDED_OVER if difference >= 0 else SHIFT_ENDED_SHORT
        print(bilingual(words, agent=agent.agent_number, closing=_money(closing),
                        expected=_money(shift.expected_cents),
                        difference=_money(abs(difference))))
        return EXIT_OK

    return _run(args, work)


def cmd_shift_status(args: argparse.Namespace) -> int:
    from agent_mode.shifts import ShiftError
    from kiosk_app.receipts.documents import nairobi_time

    def work(desk: AgentDesk) -> int:
        shift = desk.shifts.current(_agent_number(args))
        if shift is None:
            raise ShiftError("none_open")
        print(bilingual(SHIFT_OPEN, agent=shift.agent_number,
                        since=nairobi_time(shift.started_at),
                        expected=_money(shift.expected_cents)))
        return EXIT_OK

    return _run(args, work)


def cmd_float(args: argparse.Namespace) -> int:
    move = "top_up" if args.float_command == "top-up" else "bank"

    def work(desk: AgentDesk) -> int:
        from agent_mode.shifts import ShiftError

        amount = _amount(args.amount)
        if amount <= 0:
            raise _Usage(BAD_AMOUNT)
        agent = _signed_in(desk, args)
        if desk.shifts.current(agent.agent_number) is None:
            raise ShiftError("none_open")
        desk.books.move_float(agent.agent_number, move, amount)
        _send(desk)
        words = FLOAT_TOP_UP if move == "top_up" else FLOAT_BANK
        print(bilingual(words, agent=agent.agent_number, amount=_money(amount)))
        return EXIT_OK

    return _run(args, work)


def _send(desk: AgentDesk) -> None:
    """Send what waits now, if the office answers (it waits in the outbox otherwise)."""
    from kiosk_app.backend.delivery import Delivery
    from kiosk_app.outbox.sync import sync_once

    if desk.kiosk.backend.health(timeout_s=2).reachable:
        sync_once(desk.kiosk.outbox, Delivery(desk.kiosk.backend, desk.kiosk.enroller))


def cmd_reconcile(args: argparse.Namespace) -> int:
    def work(desk: AgentDesk) -> int:
        day = _day(args.date)
        agent = _agent_number(args)
        rec = desk.reconciler.day(agent, day)
        queued = 0
        if args.send_again:
            queued = desk.reconciler.send_again(rec)
            _send(desk)
            rec = desk.reconciler.day(agent, day)
        if args.json:
            print(json.dumps({**rec.to_dict(), "sent_again": queued}, indent=2))
            return EXIT_OK if rec.matches else EXIT_FAILED
        _print_reconciliation(rec, queued)
        return EXIT_OK if rec.matches else EXIT_FAILED

    return _run(args, work)


def _print_reconciliation(rec: Any, queued: int) -> None:
    from kiosk_app.receipts.documents import nairobi_time

    span = {"agent": rec.agent_number, "since": nairobi_time(rec.since),
            "until": nairobi_time(rec.until)}
    lines = []
    if queued:
        lines.append(bilingual(SENT_AGAIN, count=queued))
    if not rec.backend_checked:
        lines.append(bilingual(NOT_CHECKED, detail=rec.backend_problem))
    elif rec.matches:
        lines.append(bilingual(MATCHES, **span))
    else:
        lines.append(bilingual(DIFFERS, **span))
    if rec.waiting or rec.applications_waiting:
        lines.append(bilingual(WAITING, entries=len(rec.waiting),
                               applications=len(rec.applications_waiting)))
    for items, words in ((rec.refused, REFUSED), (rec.dropped, DROPPED),
                         (rec.unknown_here, UNKNOWN_HERE), (rec.differing, DIFFERING)):
        if items:
            lines.append(bilingual(words, count=len(items)))
    if rec.cash_expected_cents is not None:
        lines.append(bilingual(CASH_EXPECTED, amount=_money(rec.cash_expected_cents)))
    print("\n\n".join(lines))


def cmd_report(args: argparse.Namespace) -> int:
    parts = _printer_parts(args)
    if parts is None:
        return EXIT_USAGE

    def work(desk: AgentDesk) -> int:
        first, last = _day(args.first), _day(args.last)
        assert first is not None and last is not None
        if last < first:
            raise _Usage(BAD_DATE)
        agent = _agent_number(args)
        report = desk.reports.between_days(agent, first, last)
        if args.json:
            print(json.dumps(report.to_dict(), indent=2))
        else:
            print(report.table(args.language))
        if not args.print_it:
            return EXIT_OK
        _open_printer(desk)
        return _said(desk.reports.print(report, agent_name=_name(desk, agent)),
                     REPORT_PRINTED, REPORT_NOT_PRINTED)

    return _run(args, work, **parts)


def cmd_z_report(args: argparse.Namespace) -> int:
    parts = _printer_parts(args)
    if parts is None:
        return EXIT_USAGE

    def work(desk: AgentDesk) -> int:
        day = _day(args.date)
        agent = _agent_number(args)
        z = desk.z_reports.make(agent, _name(desk, agent), day=day)
        if args.json:
            print(json.dumps(z.to_dict(), indent=2))
        _open_printer(desk)
        return _said(desk.z_reports.print(z), Z_PRINTED, Z_NOT_PRINTED)

    return _run(args, work, **parts)


def _printer_parts(args: argparse.Namespace) -> dict[str, Any] | None:
    """The printer ``--printer`` names, for the desk (none: the config's); None, with the
    refusal said, when its address is not right."""
    if not args.printer:
        return {}
    from drivers.errors import DeviceError
    from kiosk_app.printer_commands import BAD_ADDRESS, printer_for

    try:
        return {"printer": printer_for(args.printer, args.width)}
    except (ValueError, DeviceError) as err:
        print(bilingual(BAD_ADDRESS, detail=str(err)), file=sys.stderr)
        return None


def _open_printer(desk: AgentDesk) -> None:
    printer = desk.kiosk.devices.get("printer")
    if printer is not None:
        printer.open()  # sets its state, never raises for a missing printer


def _name(desk: AgentDesk, agent: str) -> str:
    return next((a.name for a in _bound(desk) if a.agent_number == agent), agent)


def _said(printed: Any, done: str, not_done: str) -> int:
    """Whether a slip printed, said in both languages; the exit status."""
    from kiosk_app.applying import PRINT_WORDS
    from kiosk_app.i18n import translator

    if printed.printed:
        print(bilingual(done))
        return EXIT_OK
    reason = PRINT_WORDS.get(printed.problem or "", PRINT_WORDS["not_working"])
    sw = translator("sw").gettext
    print(f"{not_done.format(reason=reason)}\n{sw(not_done).format(reason=sw(reason))}",
          file=sys.stderr)
    return EXIT_FAILED


def _bound(desk: AgentDesk) -> list[Any]:
    from agent_mode.signin import SignInRefused

    try:
        return desk.sign_in.bound_agents()
    except SignInRefused:
        return []
