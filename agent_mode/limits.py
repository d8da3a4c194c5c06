"""How much cash an agent device may hold that the backend has not confirmed yet.

    limits = OfflineLimits(config, outbox)
    status = limits.status(agent.credential)      # held, limit, what is left
    limits.check(agent.credential, 105_000)       # raises LimitReached, in both languages

Cash taken while the network is down (or not yet sent) is money the backend does not know of:
the device holds it within limits. What counts is every cash-paid application in this device's
outbox that the backend has not taken yet (waiting, being sent, or refused and set aside for a
person), by value and by number. The limit is the tighter of this device's config
(``agent.offline_limit_cents``, ``agent.offline_limit_count``) and the agent's own limits from
the enrolment. M-Pesa payments and free services do not count: no cash changes hands. When the
outbox has sent what waits, the room comes back by itself.

Blocking (disk): ``status`` and ``check``; call on a worker thread.
"""
from __future__ import annotations

from dataclasses import dataclass

from kiosk_app import contract
from kiosk_app.config import KioskConfig
from kiosk_app.i18n import N_, translator
from kiosk_app.outbox import Outbox, OutboxStatus
from kiosk_app.receipts.documents import money

from agent_mode.ledger import APPLICATION_KIND

WORDS = {
    "amount": N_("This device already holds {held} in cash that is not yet sent to the office; "
                 "its limit is {limit}. Take this payment by M-Pesa, or connect to the network "
                 "so that what waits can be sent."),
    "count": N_("This device already holds {count} cash payments that are not yet sent to the "
                "office, its limit. Take this payment by M-Pesa, or connect to the network so "
                "that what waits can be sent."),
}


class LimitReached(Exception):
    """Cash refused: ``key`` is ``amount`` or ``count`` (of :data:`WORDS`)."""

    def __init__(self, key: str, status: "LimitStatus") -> None:
        super().__init__(key)
        self.key = key
        self.status = status

    def message(self, language: str) -> str:
        status = self.status
        return translator(language).gettext(WORDS[self.key]).format(
            held=money(status.held_cents), limit=money(status.limit_cents),
            count=status.held_count)

    def bilingual(self) -> str:
        return f"{self.message('en')}\n{self.message('sw')}"


@dataclass(frozen=True)
class LimitStatus:
    held_cents: int
    """Cash payments the backend has not confirmed yet, in cents."""
    held_count: int
    limit_cents: int
    limit_count: int

    @property
    def room_cents(self) -> int:
        return max(0, self.limit_cents - self.held_cents)

    @property
    def room_count(self) -> int:
        return max(0, self.limit_count - self.held_count)

    def refusal(self, amount_cents: int) -> str | None:
        """Why one more cash payment of ``amount_cents`` is refused (a key), or None."""
        if self.held_count + 1 > self.limit_count:
            return "count"
        if self.held_cents + amount_cents > self.limit_cents:
            return "amount"
        return None


class OfflineLimits:
    def __init__(self, config: KioskConfig, outbox: Outbox) -> None:
        self.config = config
        self.outbox = outbox

    def limits(self, credential: contract.AgentCredential) -> tuple[int, int]:
        """(cents, count): the tighter of this device's config and the agent's own."""
        return (min(self.config.agent.offline_limit_cents, credential.offline_limit_cents),
                min(self.config.agent.offline_limit_count, credential.offline_limit_count))

    def status(self, credential: contract.AgentCredential) -> LimitStatus:
        """Worker thread (disk)."""
        held_cents = held_count = 0
        for status in (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED):
            for row in self.outbox.rows(APPLICATION_KIND, status, opened=False):
                if row.payload.get("payment") == "cash":
                    held_cents += int(row.payload.get("amount_cents", 0))
                    held_count += 1
        limit_cents, limit_count = self.limits(credential)
        return LimitStatus(held_cents, held_count, limit_cents, limit_count)

    def check(self, credential: contract.AgentCredential, amount_cents: int) -> LimitStatus:
        """Worker thread. Raises LimitReached when one more cash payment of ``amount_cents``
        would go beyond the limits; answers the status otherwise."""
        status = self.status(credential)
        key = status.refusal(amount_cents)
        if key is not None:
            raise LimitReached(key, status)
        return status
