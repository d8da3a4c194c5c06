"""``huduma-kiosk outbox ...`` and ``huduma-kiosk submit``: the technician's outbox tools.

    huduma-kiosk outbox status [--json]                       counts, oldest waiting, last error
    huduma-kiosk outbox list [--status S] [--kind K] [--limit N] [--json]
    huduma-kiosk outbox sync [--once]                         send what waits
    huduma-kiosk submit --file APPS.jsonl                     queue applications from a file

All take ``--config FILE`` or ``--demo`` like the other commands. Nothing here prints personal
data: ``list`` shows each row's key, kind, reference, service, status, attempts, last error and
times, read from the plain part of the row (no key is needed to read it).

``outbox sync --once`` makes one pass and exits 0 when nothing is left waiting, 1 otherwise;
without ``--once`` the sync worker runs in the foreground until Ctrl-C or SIGTERM.

``submit`` reads one JSON object per line, each with the fields of an application
(:class:`kiosk_app.contract.ApplicationIn`); ``reference`` and ``created_at`` may be left out
(a reference is then made from the line's content, ``created_at`` is now), and a line may carry
its own ``idempotency_key`` (a UUID). Without one, the key is made from the line's content
(UUID 5), so running the same file twice queues each application once: the second run finds it
already in the outbox. A bad line is reported with its number and what is wrong, in English and
Kiswahili, never with the values it holds; the other lines are still queued; the exit status is
1 if any line was bad.

Exit status: 0 done, 1 something failed or waits (said in both languages), 2 a wrong command
line or a file that cannot be read. Blocking (disk, network) on the calling thread.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from kiosk_app import contract
from kiosk_app.clock import NAIROBI
from kiosk_app.i18n import N_, bilingual

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

SUBMIT_NAMESPACE = uuid.UUID("6f1c7a52-3b1e-5d0e-9a6c-2f4b8e1d7c30")
"""The UUID 5 namespace of idempotency keys made from a submitted line's content."""
PERSONAL = ("applicant", "answers")
"""The fields of an application sealed in the outbox."""
STATUSES = ("pending", "sending", "sent", "failed")

CANNOT_USE = N_("The outbox cannot be used: {detail}")
NO_OUTBOX = N_("There is no outbox at {path} yet: nothing has been stored on this device.")
WAITING = N_("{waiting} waiting to be sent, {failed} failed")
CANNOT_READ = N_("The file {path} cannot be read ({detail}).")
BAD_LINE = N_("Line {line}: {detail}")
SUBMITTED = N_("{queued} applications queued, {already} already in the outbox, {refused} refused.")
QUEUED = N_("Line {line}: {reference} is queued to be sent.")
ALREADY = N_("Line {line}: {reference} is already in the outbox; it was not queued again.")
SYNCED = N_("{sent} sent, {failed} refused and set aside, {pending} still waiting.")
LAST_ERROR = N_("The last error was: {detail}")
NO_DELIVERY = N_("Sending is not possible: {detail}")
SYNC_RUNNING = N_("Sending what waits in the outbox. Press Ctrl-C to stop.")

NOT_JSON = N_("this is not valid JSON ({detail})")
NOT_OBJECT = N_("a line must be one JSON object")
BAD_KEY = N_("the idempotency_key must be a UUID")
FIELD_PROBLEM = N_("{field} {problem}")
_FIELD_PROBLEMS = {
    "missing": N_("is required"),
    "extra_forbidden": N_("is not a field of an application"),
    "string_pattern_mismatch": N_("is not in the expected form"),
    "string_too_long": N_("is too long"),
    "string_too_short": N_("is too short"),
    "string_type": N_("must be text"),
    "literal_error": N_("must be one of {expected}"),
    "enum": N_("must be one of {expected}"),
    "int_parsing": N_("must be a whole number"),
    "int_type": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "bool_parsing": N_("must be true or false"),
    "bool_type": N_("must be true or false"),
    "datetime_parsing": N_("must be a date and time (ISO 8601)"),
    "datetime_from_date_parsing": N_("must be a date and time (ISO 8601)"),
    "datetime_type": N_("must be a date and time (ISO 8601)"),
    "greater_than_equal": N_("must be at least {expected}"),
    "greater_than": N_("must be more than {expected}"),
    "less_than_equal": N_("must be at most {expected}"),
    "dict_type": N_("must be a JSON object"),
    "model_type": N_("must be a JSON object"),
}
_OTHER_PROBLEM = N_("is not accepted ({detail})")


def add_outbox_commands(sub: argparse._SubParsersAction) -> None:
    from kiosk_app.cli import _add_config_options

    outbox = sub.add_parser("outbox", help="the outbox: what waits to be sent, and sending it")
    outbox_sub = outbox.add_subparsers(dest="outbox_command", required=True, metavar="ACTION")

    status = outbox_sub.add_parser("status", help="counts by state, oldest waiting, last error")
    status.add_argument("--json", action="store_true", help="print JSON")
    _add_config_options(status)
    status.set_defaults(func=cmd_status)

    listing = outbox_sub.add_parser("list", help="the rows, without their personal data")
    listing.add_argument("--status", choices=STATUSES, help="only rows in this state")
    listing.add_argument("--kind", help="only rows of this kind (application, feedback, print, ...)")
    listing.add_argument("--limit", type=int, metavar="N", help="at most N rows, oldest first")
    listing.add_argument("--json", action="store_true", help="print JSON")
    _add_config_options(listing)
    listing.set_defaults(func=cmd_list)

    sync = outbox_sub.add_parser("sync", help="send what waits to the backend")
    sync.add_argument("--once", action="store_true",
                      help="one pass, then exit: 0 if nothing is left waiting, 1 otherwise")
    _add_config_options(sync)
    sync.set_defaults(func=cmd_sync)

    submit = sub.add_parser("submit", help="queue applications from a JSON Lines file")
    submit.add_argument("--file", required=True, type=Path, metavar="APPS.jsonl",
                        help="one application per line (the fields of ApplicationIn)")
    _add_config_options(submit)
    submit.set_defaults(func=cmd_submit)


def _open(args: argparse.Namespace, *, must_exist: bool):  # noqa: ANN202 - (config, Outbox|None)
    from kiosk_app.cli import resolve_config
    from kiosk_app.logs import setup_logging
    from kiosk_app.outbox import Outbox

    config = resolve_config(args)
    setup_logging("WARNING")
    if must_exist and not config.outbox_path.exists():
        return config, None
    return config, Outbox(config.outbox_path, retention_h=config.outbox.retention_hours)


def _local(stamp: str | None) -> str:
    if not stamp:
        return "-"
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return f"{moment.astimezone(NAIROBI):%Y-%m-%d %H:%M:%S} EAT"


def _cannot_use(err: Exception) -> int:
    print(bilingual(CANNOT_USE, detail=str(err)), file=sys.stderr)
    return EXIT_FAILED


# --- outbox status -----------------------------------------------------------------------------

def cmd_status(args: argparse.Namespace) -> int:
    from kiosk_app.outbox import OutboxError

    config, outbox = _open(args, must_exist=True)
    if outbox is None:
        if args.json:
            print(json.dumps({"path": str(config.outbox_path), "exists": False,
                              "counts": {s: 0 for s in STATUSES}, "by_kind": {},
                              "oldest_waiting": None, "last_error": None, "purged": 0}, indent=2))
        else:
            print(bilingual(NO_OUTBOX, path=config.outbox_path))
        return EXIT_OK
    try:
        summary = outbox.summary()
        by_kind = outbox.counts_by_kind()
        last = outbox.last_error()
        purged = outbox.purged_count()
    except OutboxError as err:
        return _cannot_use(err)
    finally:
        outbox.close()
    last_error = None if last is None else {
        "idempotency_key": last.idempotency_key, "kind": last.kind, "status": last.status.value,
        "error": last.last_error, "at": last.updated_at}
    if args.json:
        print(json.dumps({"path": str(config.outbox_path), "exists": True,
                          "counts": summary.counts, "by_kind": by_kind,
                          "oldest_waiting": summary.oldest_waiting, "last_error": last_error,
                          "purged": purged}, indent=2))
        return EXIT_OK
    print(f"outbox          {config.outbox_path}")
    for status in STATUSES:
        print(f"{status:<15} {summary.counts[status]:>6}")
    for kind, counts in by_kind.items():
        print(f"  {kind:<13} " + "  ".join(f"{s} {counts[s]}" for s in STATUSES))
    print(f"oldest waiting  {_local(summary.oldest_waiting)}")
    if last_error is not None:
        print(f"last error      {_local(last.updated_at)} {last.kind} {last.idempotency_key} "
              f"({last.status.value}): {last.last_error}")
    print(f"purged          {purged}")
    print(bilingual(WAITING, waiting=summary.waiting, failed=summary.counts["failed"]))
    return EXIT_OK


# --- outbox list -------------------------------------------------------------------------------

def _listed(row: Any) -> dict[str, Any]:
    """What ``list`` shows of a row: nothing personal (the plain part has none, and only these
    fields are taken from it)."""
    payload = row.payload
    reference = payload.get("reference") if isinstance(payload.get("reference"), str) else None
    service = payload.get("service_code") if isinstance(payload.get("service_code"), str) else None
    return {"idempotency_key": row.idempotency_key, "kind": row.kind, "reference": reference,
            "service_code": service, "status": row.status.value, "attempts": row.attempts,
            "last_error": row.last_error, "created_at": row.created_at,
            "updated_at": row.updated_at, "sent_at": row.sent_at, "purged_at": row.purged_at}


def cmd_list(args: argparse.Namespace) -> int:
    from kiosk_app.outbox import OutboxError, OutboxStatus

    config, outbox = _open(args, must_exist=True)
    if outbox is None:
        if args.json:
            print("[]")
        else:
            print(bilingual(NO_OUTBOX, path=config.outbox_path))
        return EXIT_OK
    try:
        rows = outbox.rows(args.kind, OutboxStatus(args.status) if args.status else None,
                           opened=False, limit=args.limit)
    except OutboxError as err:
        return _cannot_use(err)
    finally:
        outbox.close()
    listed = [_listed(row) for row in rows]
    if args.json:
        print(json.dumps(listed, indent=2))
        return EXIT_OK
    print(f"{'key':<36}  {'kind':<12}  {'reference':<15}  {'service':<14}  {'status':<7}  "
          f"{'tries':>5}  {'made':<23}  {'changed':<23}  last error")
    for item in listed:
        error = (item["last_error"] or "")[:80]
        print(f"{item['idempotency_key']:<36}  {item['kind']:<12}  {item['reference'] or '-':<15}  "
              f"{item['service_code'] or '-':<14}  {item['status']:<7}  {item['attempts']:>5}  "
              f"{_local(item['created_at']):<23}  {_local(item['updated_at']):<23}  {error}")
    return EXIT_OK


# --- outbox sync -------------------------------------------------------------------------------

def cmd_sync(args: argparse.Namespace) -> int:
    from kiosk_app.backend.delivery import make_delivery
    from kiosk_app.outbox import OutboxError, OutboxSummary
    from kiosk_app.outbox.sync import SyncWorker, sync_once

    config, outbox = _open(args, must_exist=False)
    try:
        deliver = make_delivery(config)
    except (OSError, ValueError) as err:
        print(bilingual(NO_DELIVERY, detail=str(err)), file=sys.stderr)
        outbox.close()
        return EXIT_FAILED
    try:
        if args.once:
            try:
                counts = sync_once(outbox, deliver)
                last = outbox.last_error() if counts.pending else None
            except OutboxError as err:
                return _cannot_use(err)
            print(bilingual(SYNCED, sent=counts.sent, failed=counts.failed,
                            pending=counts.pending))
            if last is not None:
                print(bilingual(LAST_ERROR, detail=last.last_error))
            return EXIT_OK if counts.pending == 0 else EXIT_FAILED

        stop = threading.Event()

        def on_signal(signum: int, frame: object) -> None:
            stop.set()

        def on_outbox_changed(summary: OutboxSummary) -> None:
            """Worker thread: one line each time the counts change."""
            counts = summary.counts
            print(f"{_local(datetime.now(timezone.utc).isoformat())}  "
                  + "  ".join(f"{s} {counts[s]}" for s in STATUSES), flush=True)

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        worker = SyncWorker(outbox, deliver, base_s=config.outbox.backoff_base_s,
                            cap_s=config.outbox.backoff_cap_s)
        worker.add_listener(on_outbox_changed)
        print(bilingual(SYNC_RUNNING), flush=True)
        worker.start()
        try:
            while not stop.wait(0.5):
                pass
        finally:
            worker.stop(timeout=config.backend.timeout_s + 5)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return EXIT_OK
    finally:
        client = getattr(deliver, "client", None)
        if client is not None:
            client.close()
        outbox.close()


# --- submit ------------------------------------------------------------------------------------

class LineRefused(Exception):
    """A line of a submitted file that is not an application; ``problems`` say why, as
    (message key, parameters), never quoting the values."""

    def __init__(self, problems: list[tuple[str, dict[str, object]]]) -> None:
        super().__init__(problems[0][0])
        self.problems = problems

    def render(self, language: str) -> str:
        from kiosk_app.i18n import translator

        _ = translator(language).gettext
        parts = []
        for key, params in self.problems:
            params = dict(params)
            if "problem" in params:
                problem_key, problem_params = params["problem"]  # type: ignore[misc]
                params["problem"] = _(problem_key).format(**problem_params)
            parts.append(_(key).format(**params))
        return "; ".join(parts)

    def line_message(self, number: int) -> str:
        """``Line N: what is wrong``, in English then Kiswahili."""
        from kiosk_app.i18n import translator

        en = BAD_LINE.format(line=number, detail=self.render("en"))
        sw = translator("sw").gettext(BAD_LINE).format(line=number, detail=self.render("sw"))
        return en if en == sw else f"{en}\n{sw}"


def _field_problems(err: Any) -> list[tuple[str, dict[str, object]]]:
    problems: list[tuple[str, dict[str, object]]] = []
    for e in err.errors():
        field = ".".join(str(part) for part in e["loc"] if not str(part).startswith("function-"))
        ctx = e.get("ctx") or {}
        key = _FIELD_PROBLEMS.get(e["type"])
        if key is None:
            problem = (_OTHER_PROBLEM, {"detail": e["msg"].removeprefix("Value error, ")})
        else:
            expected = ctx.get("expected", ctx.get("ge", ctx.get("gt", ctx.get("le", ""))))
            problem = (key, {"expected": str(expected).replace(" or ", ", ")})
        problems.append((FIELD_PROBLEM, {"field": field or "(line)", "problem": problem}))
    return problems


def prepare_line(text: str, now: datetime) -> tuple[str, dict[str, Any]]:
    """One submitted line as (idempotency key, the application's JSON), or LineRefused.

    The key is the line's own, or a UUID 5 of the line's canonical content (its fields sorted,
    without ``idempotency_key``); a reference left out is made from the same content, so the
    same line always gives the same key and the same reference."""
    from pydantic import ValidationError

    try:
        item = json.loads(text)
    except json.JSONDecodeError as err:
        raise LineRefused([(NOT_JSON, {"detail": err.msg})]) from None
    if not isinstance(item, dict):
        raise LineRefused([(NOT_OBJECT, {})])
    own_key = item.pop("idempotency_key", None)
    if own_key is not None:
        try:
            own_key = str(uuid.UUID(str(own_key)))
        except ValueError:
            raise LineRefused([(BAD_KEY, {})]) from None
    canonical = json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    key = own_key or str(uuid.uuid5(SUBMIT_NAMESPACE, canonical))
    body = dict(item)
    if body.get("reference") is None:
        body["reference"] = contract.reference_from(canonical.encode())
    if body.get("created_at") is None:
        body["created_at"] = now.isoformat()
    try:
        application = contract.ApplicationIn.model_validate(body)
    except ValidationError as err:
        raise LineRefused(_field_problems(err)) from None
    return key, application.model_dump(mode="json")


def cmd_submit(args: argparse.Namespace) -> int:
    from kiosk_app.outbox import OutboxError

    try:
        lines = args.file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        detail = getattr(err, "strerror", None) or type(err).__name__
        print(bilingual(CANNOT_READ, path=args.file, detail=detail), file=sys.stderr)
        return EXIT_USAGE
    config, outbox = _open(args, must_exist=False)
    queued = already = refused = 0
    now = datetime.now(timezone.utc)
    try:
        for number, text in enumerate(lines, 1):
            if not text.strip():
                continue
            try:
                key, payload = prepare_line(text, now)
            except LineRefused as err:
                refused += 1
                print(err.line_message(number), file=sys.stderr)
                continue
            kept = outbox.get(key, opened=False)
            if kept is not None:
                already += 1
                print(bilingual(ALREADY, line=number,
                                reference=kept.payload.get("reference", key)), flush=True)
                continue
            outbox.enqueue("application", payload, idempotency_key=key, personal=PERSONAL)
            queued += 1
            print(bilingual(QUEUED, line=number, reference=payload["reference"]), flush=True)
    except OutboxError as err:
        return _cannot_use(err)
    finally:
        outbox.close()
    print(bilingual(SUBMITTED, queued=queued, already=already, refused=refused))
    return EXIT_FAILED if refused else EXIT_OK
