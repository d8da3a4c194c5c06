"""How much our eMRTD reader adds to the card's own time, measured beside bare pyscard.

Both sides talk to the same emulated ID card (``huduma-kiosk card emulate``, in its own process
as a real card is its own chip) behind the same private ``pcscd`` (its own socket and vpcd
port), in one run:

- **ours**: the PC/SC adapter and :class:`~drivers.card.emrtd.reader.EmrtdReader` doing BAC
  and reading the data groups under secure messaging (3DES, MACs, TLV parsing);
- **bare pyscard**: the very same command APDUs, recorded from one of our reads and replayed
  with ``smartcard.scard.SCardTransmit``, with no work between them.

The card is reset before every read, outside the timing, and its random numbers restart from
the same seed at each reset (``--seed``), so the replay is accepted and gets the same answers.
Printed: the median of each, and our overhead in percent (the target is under 20 %).

    .venv/bin/python benchmarks/card_read.py [--runs 21] [--card-ms 0]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drivers.card.emrtd.mrz import BacKey  # noqa: E402
from drivers.card.emrtd.reader import DG_FID, EmrtdReader  # noqa: E402
from drivers.card.emulator import demo_identity  # noqa: E402
from drivers.card.pcsc import PcscCardReader  # noqa: E402
from tests.drivers.card.pcscd import PrivatePcscd, wait_for_card  # noqa: E402


def seeded(seed: int):  # noqa: ANN201
    rng = random.Random(seed)
    return lambda n: rng.randbytes(n)


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


def our_read(connection, key: BacKey, groups: list[int]) -> None:  # noqa: ANN001
    reader = EmrtdReader(connection, random=seeded(2))
    reader.select_application()
    reader.authenticate(key)
    for number in groups:
        reader.read_file(DG_FID[number])


def bare_read(handle: int, protocol: int, apdus: list[bytes]) -> None:
    from smartcard import scard

    for apdu in apdus:
        hresult, _response = scard.SCardTransmit(handle, protocol, list(apdu))
        if hresult != scard.SCARD_S_SUCCESS:
            raise RuntimeError(scard.SCardGetErrorMessage(hresult))


def reset(connection) -> None:  # noqa: ANN001
    """Power-cycle the card: a fresh chip, random numbers from the seed again."""
    from smartcard import scard

    rv, _ = scard.SCardReconnect(connection._handle, scard.SCARD_SHARE_SHARED,
                                 scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
                                 scard.SCARD_RESET_CARD)
    if rv != scard.SCARD_S_SUCCESS:
        raise RuntimeError(scard.SCardGetErrorMessage(rv))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--card-ms", type=float, default=0.0,
                        help="time the emulated chip takes per command, in ms (default 0: as "
                             "fast as it can; real contactless chips take several ms)")
    args = parser.parse_args()

    identity = demo_identity()
    with tempfile.TemporaryDirectory() as tmp, PrivatePcscd() as daemon:
        os.environ.update(daemon.env)
        card = subprocess.Popen(
            [sys.executable, "-m", "kiosk_app", "card", "emulate", "--pki", str(Path(tmp) / "pki"),
             "--port", str(daemon.vpcd_port), "--seed", "1", "--face-bytes", "20000",
             "--latency", str(args.card_ms / 1000)],
            env={**os.environ, **daemon.env}, stdout=subprocess.PIPE, text=True)
        try:
            assert card.stdout is not None
            card.stdout.readline()
            wait_for_card(daemon.reader_name, present=True, timeout=10)
            adapter = PcscCardReader("card_reader", PcscCardReader.Settings(reader="Virtual PCD"))
            print(f"emulated chip in its own process, {args.card_ms:g} ms per command; "
                  f"{args.runs} runs, medians")
            print(f"{'read':<30}{'ours (ms)':>10}{'bare pyscard (ms)':>19}{'overhead':>10}  APDUs")
            worst = 0.0
            with adapter.connect() as connection:
                for label, groups in (("BAC + DG1", [1]), ("BAC + DG1 + DG2 (20 KB face)", [1, 2])):
                    reset(connection)
                    recorder = Recorder(connection)
                    our_read(recorder, identity.bac_key, groups)
                    ours, bare = [], []
                    for _ in range(args.runs):
                        reset(connection)
                        start = time.perf_counter()
                        our_read(connection, identity.bac_key, groups)
                        ours.append(time.perf_counter() - start)
                        reset(connection)
                        start = time.perf_counter()
                        bare_read(connection._handle, connection._protocol, recorder.sent)
                        bare.append(time.perf_counter() - start)
                    ours_ms, bare_ms = statistics.median(ours) * 1000, statistics.median(bare) * 1000
                    overhead = (ours_ms / bare_ms - 1) * 100
                    worst = max(worst, overhead)
                    print(f"{label:<30}{ours_ms:>10.1f}{bare_ms:>19.1f}{overhead:>9.1f}%"
                          f"  {len(recorder.sent)}")
            adapter.close()
        finally:
            card.terminate()
            card.wait(10)
    print(f"target: overhead under 20 % -> {'met' if worst < 20 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
