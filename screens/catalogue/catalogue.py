"""The catalogue: the services by category, each with its official fee and how long it takes,
and a search by name typed on the on-screen keyboard.

When the kiosk has no catalogue yet (offline since it was installed) the screen says so plainly
and leads back. A catalogue that arrives while the screen is showing (the kiosk's upkeep
downloads it on its own thread) is shown at once. Choosing a service goes on to its form.

UI thread throughout, except the catalogue's listener, which runs on the upkeep thread and
hands over to the UI thread.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kivy.factory import Factory
from kivy.metrics import sp
from kivy.properties import BooleanProperty, ListProperty, OptionProperty, StringProperty
from kivy.utils import escape_markup

from kiosk_app.i18n import N_
from kiosk_app.receipts.documents import money
from kiosk_app.services import NO_CATALOGUE
from kiosk_app.session import Session, SessionState, WipeReason
from screens.base import Presenter, View, action
from screens.widgets.button_pool import ButtonPool
from screens.widgets.keyboard import OnScreenKeyboard  # noqa: F401 - the .kv's keyboard

if TYPE_CHECKING:
    from kiosk_app import contract

CHOOSE = N_("Choose a service")
FIND = N_("Find a service")
FEE = N_("Fee: {amount}")
FREE = N_("Free of charge")
SAME_DAY = N_("Done the same day")
ONE_DAY = N_("Ready in about 1 working day")
DAYS = N_("Ready in about {days} working days")
ONE_SERVICE = N_("1 service")
SERVICES = N_("{count} services")
NOT_HERE = N_("Apply for this at a counter, not at this kiosk.")
TYPE_WORDS = N_("Type a word from the name of the service.")
NOTHING_FOUND = N_("No service has these words. Try other words, or go back to the list.")


class CataloguePresenter(Presenter):
    """``items``: the buttons to show, each ``{"code", "title", "detail", "enabled"}``."""

    __events__ = ("on_forget",)
    mode = OptionProperty("categories", options=["categories", "services", "search", "none"])
    heading = StringProperty("")
    message = StringProperty("")
    query = StringProperty("")
    items = ListProperty([])
    at_top = BooleanProperty(True)
    """The list of categories is showing (with the way to search)."""
    searching = BooleanProperty(False)
    """The search box and its keyboard are showing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._category: str | None = None
        self.session.add_listener(self)
        self.kiosk.services.add_listener(self._catalogue_arrived)
        self.tr.fbind("_", self._refresh_if_showing)

    def on_forget(self) -> None:
        """Default handler: the view clears what was typed."""

    # -- following the session and the catalogue ------------------------------------------------
    def on_session_state_changed(self, session: Session, old: SessionState,
                                 new: SessionState) -> None:
        if new is SessionState.CATALOGUE:
            self._category, self.query = None, ""
            self.dispatch("on_forget")
            self._set_mode("categories")
            self._show()

    def on_session_wiped(self, session: Session, reason: WipeReason) -> None:
        self._category, self.query, self.message = None, "", ""
        self._set_mode("categories")
        self.items = []
        self.dispatch("on_forget")

    def _catalogue_arrived(self, _catalogue: contract.Catalogue) -> None:
        """Upkeep thread: a new catalogue; shown on the UI thread if this screen is up."""
        self.kiosk.dispatcher.call_soon(self._refresh_if_showing)

    def _refresh_if_showing(self, *_args: object) -> None:
        if self.session.state is SessionState.CATALOGUE:
            self._show()

    # -- what is shown ----------------------------------------------------------------------
    def _set_mode(self, mode: str) -> None:
        self.mode = mode
        self.at_top = mode == "categories"
        self.searching = mode == "search"

    def _show(self, *_args: object) -> None:
        catalogue = self.kiosk.services.current
        _ = self.tr._
        language = self.tr.language
        if catalogue is None:
            self._set_mode("none")
            self.heading, self.message, self.items = _(CHOOSE), _(NO_CATALOGUE), []
            return
        if self.mode == "none":
            self._set_mode("categories")
        self.message = ""
        if self.mode == "categories":
            self.heading = _(CHOOSE)
            counts = {c.code: 0 for c in catalogue.categories}
            for service in catalogue.services:
                if service.category in counts:
                    counts[service.category] += 1
            self.items = [{"code": c.code, "title": c.name.get(language),
                           "detail": _(ONE_SERVICE) if counts[c.code] == 1
                           else _(SERVICES).format(count=counts[c.code]),
                           "enabled": counts[c.code] > 0}
                          for c in catalogue.categories]
        elif self.mode == "services":
            category = next((c for c in catalogue.categories if c.code == self._category), None)
            self.heading = category.name.get(language) if category else _(CHOOSE)
            self.items = [self._item(s) for s in self.kiosk.services.services_in(self._category or "")]
        else:
            self.heading = _(FIND)
            words = self.query.strip()
            found = self.kiosk.services.search(words, language) if words else []
            self.items = [self._item(s) for s in found]
            if not words:
                self.message = _(TYPE_WORDS)
            elif not found:
                self.message = _(NOTHING_FOUND)

    def _item(self, service: contract.Service) -> dict[str, Any]:
        _ = self.tr._
        total = service.total_cents
        fee = _(FEE).format(amount=money(total)) if total else _(FREE)
        days = service.processing_days
        when = _(SAME_DAY) if days == 0 else _(ONE_DAY) if days == 1 else _(DAYS).format(days=days)
        return {"code": service.code, "title": service.name.get(self.tr.language),
                "detail": f"{fee}\n{when}" if service.online else f"{fee}\n{_(NOT_HERE)}",
                "enabled": service.online}

    def spoken(self) -> Any:
        """The screen's guidance, then what it shows: its title and what can be chosen."""
        shown = [self.heading, self.message, *(item["title"] for item in self.items[:12])]
        words = ". ".join(text for text in shown if text)
        return super().spoken() + (((self.tr.language, words),) if words else ())

    # -- actions ----------------------------------------------------------------------------
    @action
    def choose(self, code: str) -> None:
        """A category (in the list of categories) or a service (anywhere else) was touched."""
        if self.mode == "categories":
            self._category = code
            self._set_mode("services")
            self._show()
            return
        service = self.kiosk.services.service(code)
        if service is not None and service.online:
            self.session.choose_service(code)

    @action
    def start_search(self) -> None:
        self.query = ""
        self._set_mode("search")
        self._show()

    @action
    def search(self, words: str) -> None:
        """The words in the search box changed (a key on the on-screen keyboard)."""
        self.query = words
        if self.mode == "search":
            self._show()

    @action
    def back(self) -> None:
        if self.mode in ("services", "search"):
            self._category, self.query = None, ""
            self.dispatch("on_forget")
            self._set_mode("categories")
            self._show()
        else:
            self.session.go(self.session.home)


class CatalogueView(View):
    kv_file = "catalogue.kv"

    def __init__(self, **kwargs: Any) -> None:
        self.item_buttons: dict[str, Any] = {}
        """The buttons on show, by category or service code."""
        super().__init__(**kwargs)

    def on_kv_post(self, base_widget: object) -> None:
        self._pool = ButtonPool(self._new_item, what="CatalogueView", idle=self.idle)
        self.presenter.bind(items=self._show_items, on_forget=self._forget,
                            searching=self._show_search)
        self._show_items(self.presenter, self.presenter.items)
        self._show_search(self.presenter, self.presenter.searching)
        self.ids.keyboard.prepare()  # its keys made in idle frames, before a search

    def _show_search(self, _presenter: object, searching: bool) -> None:
        # A hidden widget left in the tree would still take touches meant for what is under
        # it: the search box and its keyboard are taken out when not searching.
        panel, body = self.ids.search_panel, self.ids.body
        if searching:
            self.ids.keyboard.ready()
        if searching and panel.parent is None:
            body.add_widget(panel, index=0)
        elif not searching and panel.parent is not None:
            body.remove_widget(panel)

    def _new_item(self) -> Any:
        button = Factory.CatalogueItem(theme=self.theme)  # worn from the start: no rebinding
        button.bind(on_release=self._chosen)
        return button

    def _show_items(self, _presenter: object, items: list[dict[str, Any]]) -> None:
        grid = self.ids.item_grid
        grid.clear_widgets()
        self.item_buttons = {}
        small = int(sp(24) * self.theme.text_scale)
        for item, button in zip(items, self._pool.take(len(items))):
            button.code = item["code"]
            button.text = (f"[b]{escape_markup(item['title'])}[/b]\n"
                           f"[size={small}]{escape_markup(item['detail'])}[/size]")
            button.disabled = not item["enabled"]
            grid.add_widget(button)
            self.item_buttons[item["code"]] = button
        self.ids.scroll.scroll_y = 1

    def on_pre_enter(self, *args: object) -> None:
        catalogue = self.presenter.kiosk.services.current
        if catalogue is not None:  # enough buttons for the longest list: every service
            self._pool.prepare(max(len(catalogue.services), len(catalogue.categories)))

    def _chosen(self, button: Any) -> None:
        self.presenter.choose(button.code)

    def _forget(self, _presenter: object) -> None:
        self.ids.query.text = ""
