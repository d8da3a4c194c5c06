"""A flaky network between the kiosk and its backend: a TCP proxy on loopback that drops,
delays and cuts connections, chosen per connection from a seeded random plan.

    with FlakyProxy(("127.0.0.1", sandbox_port), seed=7) as proxy:
        client = BackendClient(proxy.url, ...)
        ...
        proxy.counts        # how many connections met each fault

Faults (each connection meets one, by weight):
- ``drop``: closed as soon as it is accepted, nothing read (the request never reaches the backend).
- ``delay``: held for ``delay_s`` before anything is passed (longer than the client's time limit,
  so the client gives up while the request may still arrive late).
- ``cut_request``: the first few bytes of the request pass, then both sides are closed (the
  backend gets half a request and applies nothing).
- ``cut_answer``: the whole request passes, the backend answers, and the answer is cut short
  (the backend has applied it; the client does not know: the case idempotency keys are for).
- ``pass``: nothing goes wrong.
"""
from __future__ import annotations

import random
import socket
import threading
from collections import Counter
from types import TracebackType

FAULTS = ("drop", "delay", "cut_request", "cut_answer", "pass")


class FlakyProxy:
    def __init__(self, target: tuple[str, int], *, seed: int = 0,
                 weights: dict[str, float] | None = None, delay_s: float = 1.5) -> None:
        self.target = target
        self.delay_s = delay_s
        self.weights = weights or {"drop": 1, "delay": 1, "cut_request": 1, "cut_answer": 2,
                                   "pass": 3}
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._sockets_lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, name="flaky-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthy(self) -> None:
        """From now on, let everything pass (to finish a test)."""
        self.weights = {"pass": 1}

    def __enter__(self) -> FlakyProxy:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        with self._sockets_lock:
            for sock in list(self._sockets):
                _close(sock)
        self._thread.join(5)

    def _choose(self) -> tuple[str, int]:
        with self._rng_lock:
            names = list(self.weights)
            fault = self._rng.choices(names, [self.weights[n] for n in names])[0]
            cut_at = self._rng.randint(1, 120)
            self.counts[fault] += 1
        return fault, cut_at

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            fault, cut_at = self._choose()
            threading.Thread(target=self._serve, args=(client, fault, cut_at),
                             name=f"flaky-{fault}", daemon=True).start()

    def _track(self, sock: socket.socket) -> None:
        with self._sockets_lock:
            self._sockets.add(sock)

    def _serve(self, client: socket.socket, fault: str, cut_at: int) -> None:
        self._track(client)
        if fault == "drop":
            _close(client)
            return
        if fault == "delay":
            if self._stop.wait(self.delay_s):
                _close(client)
                return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            _close(client)
            return
        self._track(upstream)
        for sock in (client, upstream):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        up_limit = cut_at if fault == "cut_request" else None
        # For cut_answer: let the answer's first bytes go (or none), then cut.
        down_limit = (cut_at // 4) if fault == "cut_answer" else None
        threads = [
            threading.Thread(target=self._pipe, args=(client, upstream, up_limit, True),
                             daemon=True),
            threading.Thread(target=self._pipe, args=(upstream, client, down_limit), daemon=True),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        _close(client)
        _close(upstream)

    def _pipe(self, source: socket.socket, sink: socket.socket, limit: int | None,
              one_request: bool = False) -> None:
        passed = 0
        try:
            while not self._stop.is_set():
                data = source.recv(65536)
                if not data:
                    break
                if one_request and passed == 0:
                    # One request per connection, so every request meets a fault of its own:
                    # ask the backend to close after its answer (the client then opens anew).
                    data = data.replace(b"Connection: keep-alive", b"Connection: close", 1)
                if limit is not None and passed + len(data) >= limit:
                    if limit > passed:
                        sink.sendall(data[:limit - passed])
                    break
                sink.sendall(data)
                passed += len(data)
        except OSError:
            pass
        # Cut both ways: the other pipe ends too.
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
