"""How much our eMRTD reader adds to the card's own time, measured beside bare pyscard.

Both sides talk to the same emulated ID card behind the same private ``pcscd`` (its own socket
and vpcd port), in one run:

- **ours**: the PC/SC adapter and :class:`~drivers.card.emrtd.reader.EmrtdReader` doing BAC
  and reading the data groups under secure messaging (3DES, MACs, TLV parsing, DG1 parsing);
- **bare pyscard**: the very same command APDUs, recorded from one of our reads and replayed
  with ``smartcard.scard.SCardTransmit``, with no work between them.

The card's random numbers are made the same on every read, so the replay is accepted and gets
the same answers. Printed: the median of each over the runs, and our overhead in percent
(the target is under 20 %).

    .venv/bin/python benchmarks/card_read.py [--runs 15]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drivers.card.emrtd.pki import ensure_test_pki  # noqa: E402
from drivers.card.emrtd.reader import DG_FID, EmrtdReader  # noqa: E402
from drivers.card.emulator import build_document, demo_face, demo_identity, make_applet  # noqa: E402
from drivers.card.emrtd.applet import EmrtdApplet  # noqa: E402
from drivers.card.pcsc import PcscCardReader  # noqa: E402
from drivers.card.vpcd import VpcdCardSlot  # noqa: E402
from tests.drivers.card.pcscd import PrivatePcscd  # noqa: E402


def seeded(seed: int):  # noqa: ANN201
    rng = random.Random(seed)
    return lambda n: bytes(rng.getrandbits(8) for _ in range(n))


class Recorder:
    """A card connection that remembers every command APDU sent through it."""

    def __init__(self, connection) -> None:  # noqa: ANN001
        self._connection = connection
        self.atr = connection.atr
        self.extended_length = getattr(connection, "extended_length", False)
        self.sent: list[bytes] = []

    def transmit(self, apdu: bytes) -> bytes:
        self.sent.append(apdu)
        return self._connection.transmit(apdu)


def our_read(connection, key, groups: list[int]) -> None:  # noqa: ANN001
    reader = EmrtdReader(connection, random=seeded(2))
    reader.select_application()
    reader.authenticate(key)
    for number in groups:
        reader.read_file(DG_FID[number])


def bare_read(handle, protocol, apdus: list[bytes]) -> None:  # noqa: ANN001
    from smartcard import scard

    for apdu in apdus:
        hresult, response = scard.SCardTransmit(handle, protocol, list(apdu))
        if hresult != scard.SCARD_S_SUCCESS:
            raise RuntimeError(scard.SCardGetErrorMessage(hresult))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--card-ms", type=float, default=0.0,
                        help="time the emulated chip takes per command, in ms (default 0: as fast "
                             "as it can; real contactless chips take several ms)")
    args = parser.parse_args()

    from smartcard import scard

    identity = demo_identity()
    with tempfile.TemporaryDirectory() as tmp, PrivatePcscd() as daemon:
        import os

        os.environ.update(daemon.env)
        document = build_document(identity, demo_face(20_000), ensure_test_pki(Path(tmp) / "pki"))
        slot = VpcdCardSlot(make_applet(document), port=daemon.vpcd_port,
                            latency_s=args.card_ms / 1000)
        print(f"emulated chip: {args.card_ms:g} ms per command; {args.runs} runs, medians")
        slot.insert()
        adapter = PcscCardReader("card_reader", PcscCardReader.Settings(reader="Virtual PCD"))
        print(f"{'read':<28}{'ours (ms)':>12}{'bare pyscard (ms)':>20}{'overhead':>10}  APDUs")
        worst = 0.0
        for label, groups in (("BAC + DG1", [1]), ("BAC + DG1 + DG2 (20 KB face)", [1, 2])):
            def fresh_card() -> None:
                slot.swap(EmrtdApplet(document.files, document.bac_key, random=seeded(1)))

            fresh_card()
            with adapter.connect() as connection:
                recorder = Recorder(connection)
                our_read(recorder, identity.bac_key, groups)
                apdus = recorder.sent
                ours, bare = [], []
                hcontext = connection._context if hasattr(connection, "_context") else None
                for _ in range(args.runs):
                    fresh_card()
                    start = time.perf_counter()
                    our_read(connection, identity.bac_key, groups)
                    ours.append(time.perf_counter() - start)
                    fresh_card()
                    start = time.perf_counter()
                    bare_read(connection._handle, connection._protocol, apdus)
                    bare.append(time.perf_counter() - start)
                del hcontext
            ours_ms, bare_ms = statistics.median(ours) * 1000, statistics.median(bare) * 1000
            overhead = (ours_ms / bare_ms - 1) * 100
            worst = max(worst, overhead)
            print(f"{label:<28}{ours_ms:>12.1f}{bare_ms:>20.1f}{overhead:>9.1f}%  {len(apdus)}")
        slot.close()
        adapter.close()
    print(f"target: overhead under 20 % -> {'met' if worst < 20 else 'NOT met'}")
    del scard
    return 0


if __name__ == "__main__":
    sys.exit(main())
