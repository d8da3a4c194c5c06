"""The kiosk's own screens as the agent role drives them for a customer: the same views, with
presenters that differ only where an agent's transaction does.

- Sending (:class:`AssistedSubmittingPresenter`): the application goes through the agent's desk
  (``desk.assisted.submit``): with the customer's consent, the agent's number, and the money as
  it was taken (cash into the float, or the customer's M-Pesa payment), the application and its
  ledger entries in one outbox transaction. The desk's refusals (no consent, no open shift, the
  offline cash limits) are shown in its own words.
- The receipt (:class:`AssistedReceiptPresenter`): printed as at a kiosk (or, when the printer
  cannot, the reference and QR on the screen, and by SMS); "waiting to be sent" while the office
  has not confirmed it. No "Rate our service": the rating screen is made for a citizen alone at
  a kiosk, and on the agent's own device, with the agent beside them, a customer's rating of
  that agent would be neither private nor free. "Finish" clears the customer and goes back to
  the agent's home, the agent still signed in.

UI thread; sending on a worker.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from kiosk_app.applying import ApplyError, Draft, Submitted
from screens.agent_base import DeskPresenter, words_of
from screens.receipt.receipt import ReceiptPresenter
from screens.submitting.submitting import SubmittingPresenter


class AssistedSubmittingPresenter(DeskPresenter, SubmittingPresenter):
    def sending(self, draft: Draft) -> Callable[[], Submitted]:
        """UI thread: the desk's submit, with what the session holds now."""
        agent = self.agent
        if agent is None:
            raise ApplyError("invalid", "no agent is signed in")
        data = self.session.data
        return functools.partial(self.desk.assisted.submit, draft, agent,
                                 consent_at=data.consent_at, cash=bool(data.cash))

    def words_for(self, err: BaseException) -> str:
        if isinstance(err, ApplyError):
            return err.message
        return words_of(err, self.session.language)


class AssistedReceiptPresenter(DeskPresenter, ReceiptPresenter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.can_rate = False
