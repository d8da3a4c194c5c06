"""The screens' views and presenters, each made when it is first needed.

Building every view before the first frame held the kiosk's start for about half a second
(``benchmarks/startup.py``: the widgets of 18 screens, and every label's texture in the first
frame). Now the App builds the first screen's view only; the others are built when something
asks for them (``app.views["payment"]``), when their screen is about to show, or one per frame
in the quiet frames after start and after each move of the session (screens/idle.py): those
within two touches of where the person is, nearest first, so that a screen is there before a
touch asks for it. Screens nobody reaches are never built: a view costs 2 to 11 MB once shown
(its widgets and its labels' textures), about 60 MB for all of them. A view is built whole, in
one quiet frame of its own, where nobody is waiting on it: 4 to 30 ms of work on Mesa's
software renderer (payment the most), its rules read from its .kv file included.

A view is built before its presenter hears of the state that shows it: :class:`BuildAhead` is
the session's listener *before* the presenters, so a view that follows its presenter's events
(``presenter.bind(on_page=...)``) misses none of them.

The screens' modules are imported the same way (:class:`ScreenRef`): the first frame imports
its own screen's only, and the presenters of the others are made together after it
(:class:`LazyPresenters`).

UI thread throughout.

    views = LazyViews(SCREENS, make)     # make(name) -> the view, added to the manager
    views["home"]                        # built now if it was not yet
    views.made("home")                   # True
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ScreenRef:
    """A screen's view and presenter classes, by where they are: imported when the screen is
    first needed. The App's first frame imports only its first screen's module; the others,
    with the core modules only they use (applying, forms, payments, status checks, tickets),
    follow in the quiet frames after it (some 20 ms of the start, benchmarks/startup.py)."""

    module: str
    view: str
    presenter: str

    @classmethod
    def named(cls, name: str) -> ScreenRef:
        """The screen ``name`` where screens keep theirs: ``screens/<name>/<name>.py``, with
        ``<Name>View`` and ``<Name>Presenter`` (``card_unlock``: ``CardUnlockView``)."""
        title = name.title().replace("_", "")
        return cls(f"screens.{name}.{name}", f"{title}View", f"{title}Presenter")

    def classes(self) -> tuple[type, type]:
        found = importlib.import_module(self.module)
        return getattr(found, self.view), getattr(found, self.presenter)


def screen_classes(entry: ScreenRef | tuple[type, type]) -> tuple[type, type]:
    """A registry entry's (view class, presenter class): a :class:`ScreenRef` is imported now,
    a pair of classes is itself."""
    return entry.classes() if isinstance(entry, ScreenRef) else entry


class LazyViews(Mapping[str, Any]):
    """Every screen's view by name; iterating (``values()``, ``items()``) builds them all."""

    def __init__(self, names: Iterable[str], make: Callable[[str], Any]) -> None:
        self._names = list(names)
        self._make = make
        self._made: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        view = self._made.get(name)
        if view is None:
            if name not in self._names:
                raise KeyError(name)
            view = self._made[name] = self._make(name)
        return view

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def made(self, name: str) -> bool:
        return name in self._made

    def next_to_make(self, order: Iterable[str] | None = None) -> str | None:
        """The first screen of ``order`` (all screens, in the registry's order, if None) whose
        view is not built yet."""
        names = self._names if order is None else order
        return next((name for name in names
                     if name in self._names and name not in self._made), None)


def nearest_first(start: Any, transitions: Mapping[Any, Iterable[Any]],
                  screen_for: Callable[[Any], str], within: int | None = None) -> list[str]:
    """Screens in the order a person can reach them from state ``start`` (breadth first over the
    session's transitions), the ones a touch away first; ``within`` touches at most."""
    order: list[str] = []
    seen, frontier, steps = {start}, [start], 0
    while frontier and (within is None or steps <= within):
        steps += 1
        following = []
        for state in frontier:
            name = screen_for(state)
            if name not in order:
                order.append(name)
            for nxt in sorted(transitions.get(state, ()), key=lambda s: str(s)):
                if nxt not in seen:
                    seen.add(nxt)
                    following.append(nxt)
        frontier = following
    return order


class BuildAhead:
    """A session listener, added before the presenters: builds the view of the screen that is
    about to show, so that it is there when its presenter prepares it."""

    def __init__(self, view_for_state: Callable[[Any], Any]) -> None:
        self._view_for_state = view_for_state

    def on_session_state_changed(self, session: Any, old: Any, new: Any) -> None:
        self._view_for_state(new)


class LazyPresenters(LazyViews):
    """Every screen's presenter by name. The App makes its first screen's with the first frame
    (:meth:`make_one`); the others are made together, in the registry's order, the first time
    any of them is asked for: in a quiet frame after the first, or by the touch that needs one
    sooner. Made together, they hear the session in the order they always have."""

    def make_one(self, name: str) -> Any:
        return super().__getitem__(name)

    def __getitem__(self, name: str) -> Any:
        if name in self._names and not self.made(name):
            self.make_all()
        return super().__getitem__(name)

    def make_all(self) -> None:
        for each in self._names:
            self.make_one(each)

    def all_made(self) -> bool:
        return len(self._made) == len(self._names)
