"""The technician's commands that talk to the backend.

    huduma-kiosk enrol [--code CODE] [--location TEXT]    register this device, keep its token
    huduma-kiosk catalogue refresh|show [--json]          download the services / show the kept copy
    huduma-kiosk status REFERENCE [--json]                an application's timeline, as a kiosk shows it

All take ``--config FILE`` or ``--demo`` like the other commands. Exit status: 0 done, 1 the
backend refused or did not answer (said in English and Kiswahili), 2 a wrong command line.
"""
from __future__ import annotations

import argparse
import json
import sys

from kiosk_app.i18n import N_, bilingual

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

NO_ANSWER = N_("The backend at {url} did not answer. Check the network and try again.")
REFUSED = N_("The backend refused: {detail}")
NO_CODE = N_("This device is not enrolled. Give the enrolment code from the backend's operator "
             "with --code.")
ENROLLED = N_("Enrolled as {device_id} with {url}.")
NOT_A_REFERENCE = N_("{typed} is not a valid reference. A reference looks like HK-7M2Q-K9XD-38; "
                     "check each character.")
NO_SUCH_APPLICATION = N_("There is no application with the reference {reference}.")


def add_backend_commands(sub: argparse._SubParsersAction) -> None:
    from kiosk_app.cli import _add_config_options

    enrol = sub.add_parser("enrol", help="register this device with the backend and keep its token")
    enrol.add_argument("--code", help="the one-time enrolment code (default: backend.enrolment_code)")
    enrol.add_argument("--location", default="", help="where the device stands, in a few words")
    _add_config_options(enrol)
    enrol.set_defaults(func=cmd_enrol)

    catalogue = sub.add_parser("catalogue", help="the catalogue of services kept on this device")
    catalogue.add_argument("action", choices=["refresh", "show"])
    catalogue.add_argument("--json", action="store_true", help="print JSON")
    _add_config_options(catalogue)
    catalogue.set_defaults(func=cmd_catalogue)

    status = sub.add_parser("status", help="an application's status, by its reference")
    status.add_argument("reference", metavar="REFERENCE")
    status.add_argument("--json", action="store_true", help="print JSON")
    _add_config_options(status)
    status.set_defaults(func=cmd_status)


def _client(config):  # noqa: ANN001, ANN202 - KioskConfig -> BackendClient
    from kiosk_app.backend.client import BackendClient

    return BackendClient(config.backend.url, timeout_s=config.backend.timeout_s)


def _say_error(err: Exception, url: str) -> int:
    from kiosk_app.backend.client import BackendError, BackendUnavailable

    if isinstance(err, BackendUnavailable):
        print(bilingual(NO_ANSWER, url=url), file=sys.stderr)
    elif isinstance(err, BackendError) and err.message is not None:
        print(f"{err.message.en}\n{err.message.sw}", file=sys.stderr)
    else:
        print(bilingual(REFUSED, detail=str(err)), file=sys.stderr)
    return EXIT_FAILED


def cmd_enrol(args: argparse.Namespace) -> int:
    from kiosk_app.backend.client import BackendError
    from kiosk_app.backend.enrolment import enrol
    from kiosk_app.cli import resolve_config
    from kiosk_app.receipts.keys import KeyFileError

    config = resolve_config(args)
    code = args.code or config.backend.enrolment_code
    if not code:
        print(bilingual(NO_CODE), file=sys.stderr)
        return EXIT_USAGE
    client = _client(config)
    try:
        credentials = enrol(config, client, code, location=args.location)
    except BackendError as err:
        return _say_error(err, config.backend.url)
    except KeyFileError as err:
        print(err, file=sys.stderr)
        return EXIT_FAILED
    finally:
        client.close()
    print(bilingual(ENROLLED, device_id=credentials.device_id, url=config.backend.url))
    return EXIT_OK


def cmd_catalogue(args: argparse.Namespace) -> int:
    from kiosk_app.cli import resolve_config
    from kiosk_app.receipts.documents import money
    from kiosk_app.services import CATALOGUE_FILE, NO_CATALOGUE, ServiceCatalogue

    config = resolve_config(args)
    services = ServiceCatalogue(config.data_dir / CATALOGUE_FILE)
    services.load()
    if args.action == "refresh":
        client = _client(config)
        try:
            outcome = services.refresh(client)
        finally:
            client.close()
        if not outcome.reachable:
            print(bilingual(NO_ANSWER, url=config.backend.url), file=sys.stderr)
            return EXIT_FAILED
    catalogue = services.current
    if catalogue is None:
        print(bilingual(NO_CATALOGUE), file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(catalogue.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return EXIT_OK
    fetched = services.fetched_at.isoformat(timespec="seconds") if services.fetched_at else "-"
    print(f"catalogue {catalogue.version}, {len(catalogue.services)} services, checked {fetched}")
    for service in catalogue.services:
        print(f"  {service.code:<16} {money(service.total_cents):>14}  {service.name.en}")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from kiosk_app.backend.client import BackendError
    from kiosk_app.cli import resolve_config
    from kiosk_app.clock import NAIROBI
    from kiosk_app.contract import normalise_reference

    reference = normalise_reference(args.reference)
    if reference is None:
        print(bilingual(NOT_A_REFERENCE, typed=args.reference), file=sys.stderr)
        return EXIT_USAGE
    config = resolve_config(args)
    client = _client(config)
    try:
        application = client.application(reference)
    except BackendError as err:
        if err.status == 404:
            print(bilingual(NO_SUCH_APPLICATION, reference=reference), file=sys.stderr)
            return EXIT_FAILED
        return _say_error(err, config.backend.url)
    finally:
        client.close()
    if args.json:
        print(json.dumps(application.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"{application.reference}  {application.service_name.en}  [{application.status.value}]")
    for event in application.timeline:
        when = event.at.astimezone(NAIROBI).strftime("%Y-%m-%d %H:%M")
        note = f"  ({event.note.en})" if event.note else ""
        print(f"  {when}  {event.status.value}{note}")
    return EXIT_OK
