"""Attract: the moving welcome. Touch anywhere to start in the kiosk's language, or touch a
language to start in it."""
from __future__ import annotations

from kivy.animation import Animation

from kiosk_app.speech import Utterance
from screens.base import Presenter, View, action


class AttractPresenter(Presenter):
    def spoken(self) -> Utterance:
        """In both languages: nobody has chosen one yet."""
        return self.spoken_in_both()

    @action
    def start(self, language: str | None = None) -> None:
        language = language or self.session.default_language
        self.tr.switch(language)
        self.session.start(language)


class AttractView(View):
    kv_file = "attract.kv"

    def on_enter(self, *args: object) -> None:
        hint = self.ids.touch_hint
        Animation.cancel_all(hint)
        # The words fade by their colour's alpha, not by the label's opacity: an opacity
        # animation grew the process by megabytes a second on Mesa's software renderer (to
        # 950 MB after a minute of attract screen; benchmarks/startup.py found it).
        solid = list(self.theme.brand_text)
        pulse = (Animation(color=[*solid[:3], 0.35], duration=1.2)
                 + Animation(color=solid, duration=1.2))
        pulse.repeat = True
        pulse.start(hint)

    def on_leave(self, *args: object) -> None:
        Animation.cancel_all(self.ids.touch_hint)
        self.ids.touch_hint.color = self.theme.brand_text

    def on_touch_down(self, touch: object) -> bool:
        if super().on_touch_down(touch):
            return True  # a language button took it
        if self.collide_point(*touch.pos):  # type: ignore[attr-defined]
            touch.ud["attract_start"] = True  # type: ignore[attr-defined]
            return True
        return False

    def on_touch_up(self, touch: object) -> bool:
        if touch.ud.get("attract_start") and self.manager.current == self.name:  # type: ignore[attr-defined]
            touch.ud["attract_start"] = False  # type: ignore[attr-defined]
            self.presenter.start(None)
            return True
        return super().on_touch_up(touch)
