"""The form: one question per page, with the answer widget its kind needs, what is wrong said
beside it in the person's language, Back and Next, and how far along they are.

Typed answers (text, number, date, phone, email, document numbers) come from the on-screen
keyboard (a number, date or phone pad where that is all the answer needs); choices and yes/no
are big buttons; a document's photo is taken with the kiosk's camera (on a worker), shown, and
used or taken again. When the camera does not work, an optional photo can be left out; for a
required one the person is told the service needs it, and led back to the services or to an
officer.

Answers are checked and kept as they are given (kiosk_app.forms.FormDraft over the session's
own answers and attachments, so the session's wipe takes them). Nothing a person entered stays
in this presenter once the form is left or the session is wiped.

UI thread throughout; the camera is started, stopped and read on workers.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kivy.graphics.texture import Texture
from kivy.properties import (BooleanProperty, ListProperty, NumericProperty, ObjectProperty,
                             OptionProperty, StringProperty)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button

from kiosk_app.api_terms import FieldKind
from kiosk_app.devices import DeviceState
from kiosk_app.document_photos import take_document_photo
from kiosk_app.forms import NO, YES, FormDraft, check_photo
from kiosk_app.i18n import N_
from kiosk_app.session import Session, SessionState, WipeReason
from screens.base import Presenter, View, action
from screens.theme import Themed
from screens.widgets.button_pool import ButtonPool
from screens.widgets.camera_preview import CameraPreview  # noqa: F401 - the .kv's preview
from screens.widgets.keyboard import OnScreenKeyboard  # noqa: F401 - the .kv's keyboard

if TYPE_CHECKING:
    from kiosk_app import contract

PROGRESS = N_("Question {number} of {count}")
OPTIONAL = N_("You may leave this question out.")
NEXT = N_("Next")
LAST = N_("Check my answers")
KIND_HINTS = {
    FieldKind.DATE: N_("Day/month/year, for example 17/05/2001."),
    FieldKind.PHONE: N_("For example 0712 345 678."),
    FieldKind.EMAIL: N_("For example name@example.com."),
}
"""What to say under a question of these kinds when the catalogue gives no hint."""
HOLD_DOCUMENT = N_("Hold the document flat in front of the camera.")
TAKING = N_("Taking the photo...")
CHECK_PHOTO = N_("Can you read the document in this photo?")
CAMERA_DOWN = N_("The camera is not working.")
CAMERA_OPTIONAL = N_("You can go on without this photo.")
CAMERA_REQUIRED = N_("This service needs a photo of this document. Please go back to the "
                     "services, or ask an officer for help.")

TYPED_KINDS = {FieldKind.TEXT: "letters", FieldKind.EMAIL: "letters",
               FieldKind.ID_NUMBER: "letters", FieldKind.NUMBER: "digits",
               FieldKind.DATE: "date", FieldKind.PHONE: "phone"}
"""The kinds answered by typing, and the keyboard each gets."""
PREVIEW_SIDE = 640
"""The longest side of the photo shown on screen, in pixels (the kept JPEG is larger)."""


def _photo_and_preview(camera: Any) -> tuple[bytes, SmallCopy]:
    """Worker thread: a document photo, and a small copy of it for the screen."""
    jpeg = take_document_photo(camera)
    return jpeg, _small_copy(jpeg)


class FormPresenter(Presenter):
    """Events: ``on_page`` when a page is shown (the view puts its answer widget up and fills
    the answer box), ``on_forget`` when what was typed must go."""

    __events__ = ("on_page", "on_forget")
    kind = StringProperty("")
    typing = BooleanProperty(False)
    """The answer is typed: the answer box and the keyboard show."""
    keyboard_layout = StringProperty("letters")
    progress = StringProperty("")
    label = StringProperty("")
    hint = StringProperty("")
    optional_words = StringProperty("")
    problem = StringProperty("")
    """What is wrong with the answer, in the person's language; empty when nothing is."""
    typed = StringProperty("")
    """The kept answer as typed, for the answer box when the page opens."""
    chosen = StringProperty("")
    """The kept answer of a choice or yes/no question."""
    choices = ListProperty([])
    """``[(value, words), ...]`` for a choice or yes/no question."""
    most_choices = NumericProperty(0)
    """The longest list of choices in the open form (the view makes that many buttons)."""
    next_words = StringProperty("")
    photo_state = OptionProperty("none", options=["none", "preview", "taking", "taken",
                                                  "camera_down"])
    photo_words = StringProperty("")
    photo_required = BooleanProperty(False)
    photo = ObjectProperty(None, allownone=True)
    """The photo taken (a texture of a small copy), to be used or taken again."""
    camera = ObjectProperty(None, allownone=True)
    """The camera while its picture is being shown."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.draft: FormDraft | None = None
        self._problem: contract.Text | None = None
        self._pending: bytes | None = None
        self._started_camera: Any = None
        self.session.add_listener(self)
        self.kiosk.devices.add_listener(self)
        self.tr.fbind("_", self._language_changed)

    def on_page(self) -> None:
        """Default handler."""

    def on_forget(self) -> None:
        """Default handler."""

    # -- following the session -------------------------------------------------------------
    def on_session_state_changed(self, session: Session, old: SessionState,
                                 new: SessionState) -> None:
        if new is SessionState.FORM:
            self._open(came_from=old)
        elif old is SessionState.FORM:
            self._forget()

    def on_session_wiped(self, session: Session, reason: WipeReason) -> None:
        self._forget()

    def on_device_state_changed(self, family: str, state: DeviceState) -> None:
        if family != "camera" or self.draft is None or self.kind != FieldKind.PHOTO.value:
            return
        if not state.usable and self.photo_state in ("preview", "taking"):
            self._camera_down()
        elif state.usable and self.photo_state == "camera_down":
            self._show_photo_page()

    def _open(self, came_from: SessionState) -> None:
        code = self.session.data.service_code
        service = self.kiosk.services.service(code) if code else None
        if service is None:  # gone from a newer catalogue: back to the services
            self._leave_for(SessionState.CATALOGUE)
            return
        if not service.fields:  # nothing to ask: straight on (or straight back)
            self._leave_for(SessionState.CATALOGUE if came_from is SessionState.REVIEW
                            else SessionState.REVIEW)
            return
        self.draft = FormDraft(service, answers=self.session.data.answers,
                               attachments=self.session.data.attachments)
        page, self.session.data.form_page = self.session.data.form_page, None
        if page is not None and 0 <= page < self.draft.count:
            self.draft.go_to(page)  # the one answer the person chose to change
        self.most_choices = max(2 if f.kind is FieldKind.YES_NO else len(f.choices)
                                for f in service.fields)
        self._show_page()

    def _leave_for(self, state: SessionState) -> None:
        """Move on once every listener has heard of the move to the form (not from inside
        that news, where the rest would hear of the two moves out of order)."""
        def go() -> None:
            if self.session.state is SessionState.FORM:
                self.session.go(state)

        self.kiosk.dispatcher.call_soon(go)

    def _forget(self) -> None:
        self._stop_camera()
        self.draft = None
        self._problem = None
        self._pending = None
        self.kind = ""
        self.typing = False
        self.progress = self.label = self.hint = self.optional_words = ""
        self.problem = self.typed = self.chosen = self.photo_words = ""
        self.choices = []
        self.photo = None
        self.photo_state = "none"
        self.dispatch("on_forget")

    def _language_changed(self, *_args: object) -> None:
        if self.draft is not None:
            problem = self._problem
            self._show_page()
            self._set_problem(problem)

    # -- showing a page ---------------------------------------------------------------------
    def _show_page(self) -> None:
        draft = self.draft
        assert draft is not None
        field = draft.field
        _ = self.tr._
        language = self.tr.language
        self.kind = field.kind.value
        self.typing = field.kind in TYPED_KINDS
        if self.typing:  # a hidden keyboard keeps its keys: changing them costs time
            self.keyboard_layout = TYPED_KINDS[field.kind]
        self.progress = _(PROGRESS).format(number=draft.number, count=draft.count)
        self.label = field.label.get(language)
        default_hint = KIND_HINTS.get(field.kind)
        self.hint = field.hint.get(language) if field.hint else (_(default_hint) if default_hint else "")
        self.optional_words = "" if field.required else _(OPTIONAL)
        self.next_words = _(LAST) if draft.is_last else _(NEXT)
        self._set_problem(None)
        self.typed = draft.typed() if self.typing else ""
        self.chosen = draft.kept() if field.kind in (FieldKind.CHOICE, FieldKind.YES_NO) else ""
        if field.kind is FieldKind.CHOICE:
            self.choices = [(c.value, c.label.get(language)) for c in field.choices]
        elif field.kind is FieldKind.YES_NO:
            self.choices = [("yes", _(YES)), ("no", _(NO))]
        else:
            self.choices = []
        if field.kind is FieldKind.PHOTO:
            self._show_photo_page()
        else:
            self._stop_camera()
            self.photo_state, self.photo, self.photo_words = "none", None, ""
        self.dispatch("on_page")

    def _set_problem(self, problem: contract.Text | None) -> None:
        self._problem = problem
        self.problem = problem.get(self.tr.language) if problem is not None else ""

    def _show_photo_page(self) -> None:
        draft = self.draft
        assert draft is not None
        _ = self.tr._
        self.photo_required = draft.field.required
        kept = draft.photo()
        if kept is not None:  # taken before: shown again (its small copy made on a worker)
            self._stop_camera()
            self._pending = None
            self.photo = None
            self.photo_state, self.photo_words = "taken", _(CHECK_PHOTO)
            self.kiosk.workers.submit(_small_copy, kept, on_done=self._show_kept)
            return
        camera = self.kiosk.devices.get("camera")
        if camera is None or not self.kiosk.devices.state("camera").usable:
            self._camera_down()
            return
        if self._started_camera is not camera:
            self._started_camera = camera
            self.kiosk.workers.submit(camera.start, on_error=self._camera_failed)
        self.camera = camera
        self.photo = None
        self.photo_state, self.photo_words = "preview", _(HOLD_DOCUMENT)

    def _show_kept(self, small: SmallCopy) -> None:
        """UI thread: the small copy of a photo taken before."""
        if self.draft is not None and self.photo_state == "taken" and self.draft.photo():
            self.photo = _texture(small)

    def _camera_down(self) -> None:
        _ = self.tr._
        self._stop_camera()
        self.photo = None
        self.photo_state = "camera_down"
        more = _(CAMERA_REQUIRED) if self.photo_required else _(CAMERA_OPTIONAL)
        self.photo_words = f"{_(CAMERA_DOWN)} {more}"

    def _camera_failed(self, _error: BaseException) -> None:
        """UI thread: the camera could not start or give a picture."""
        if self.draft is not None and self.kind == FieldKind.PHOTO.value:
            self._camera_down()

    def _stop_camera(self) -> None:
        self.camera = None
        camera, self._started_camera = self._started_camera, None
        if camera is not None:
            self.kiosk.workers.submit(camera.stop)

    def spoken(self) -> Any:
        """The screen's guidance, then the question on show: how far along, the question, its
        hint, what is wrong, and the answers to choose from (never an answer given)."""
        if self.draft is None:
            return super().spoken()
        shown = [self.progress, self.label, self.hint, self.optional_words, self.problem,
                 self.photo_words]
        if self.choices and len(self.choices) <= 12:
            shown.append(", ".join(words for _value, words in self.choices))
        words = " ".join(text for text in shown if text)
        return super().spoken() + ((self.tr.language, words),)

    # -- actions ----------------------------------------------------------------------------
    @action
    def typing_key(self, _key: str = "") -> None:
        """A key of the on-screen keyboard was touched (it counts as activity)."""
        if self.problem:
            self._set_problem(None)

    @action
    def choose(self, value: str) -> None:
        if self.draft is None:
            return
        problem = self.draft.answer(value)
        self._set_problem(problem)
        if problem is None:
            self.chosen = value

    @action
    def next(self, typed: str = "") -> None:
        draft = self.draft
        if draft is None:
            return
        field = draft.field
        if field.kind is FieldKind.PHOTO:
            problem = check_photo(field, draft.photo())
        elif self.typing:
            problem = draft.answer(typed)
        else:
            problem = draft.answer(self.chosen)
        if problem is not None:
            self._set_problem(problem)
            return
        self._go_on()

    def _go_on(self) -> None:
        draft = self.draft
        assert draft is not None
        if draft.forward():
            self._show_page()
            return
        unfinished = draft.first_unfinished()
        if unfinished is None:
            self.session.go(SessionState.REVIEW)
            return
        draft.go_to(unfinished)
        self._show_page()
        self._set_problem(draft.problem_on(unfinished))

    @action
    def back(self, typed: str = "") -> None:
        draft = self.draft
        if draft is None:
            return
        if self.typing:
            draft.answer(typed)  # kept if it fits; what does not fit is not kept
        if draft.back():
            self._show_page()
        else:
            self.session.go(SessionState.CATALOGUE)

    @action
    def take_photo(self) -> None:
        if self.draft is None or self.photo_state != "preview":
            return
        self.photo_state, self.photo_words = "taking", self.tr._(TAKING)
        self.kiosk.workers.submit(_photo_and_preview, self.kiosk.devices.get("camera"),
                                  on_done=self._photo_taken, on_error=self._camera_failed)

    def _photo_taken(self, result: tuple[bytes, SmallCopy]) -> None:
        """UI thread: the photo and its small copy."""
        if self.draft is None or self.photo_state != "taking":
            return  # the page or the session was left meanwhile: the photo is dropped
        jpeg, small = result
        self._pending = jpeg
        self.photo = _texture(small)
        self.photo_state, self.photo_words = "taken", self.tr._(CHECK_PHOTO)

    @action
    def use_photo(self) -> None:
        draft = self.draft
        if draft is None or self.photo_state != "taken":
            return
        if self._pending is not None:
            problem = draft.attach(self._pending)
            self._pending = None
            if problem is not None:
                self._set_problem(problem)
                self.retake()
                return
        self._go_on()

    @action
    def retake(self) -> None:
        if self.draft is None:
            return
        self.draft.detach()
        self._pending = None
        self.photo = None
        self._show_photo_page()

    @action
    def skip_photo(self) -> None:
        draft = self.draft
        if draft is None or draft.field.kind is not FieldKind.PHOTO or draft.field.required:
            return
        draft.detach()
        self._pending = None
        self._go_on()

    @action
    def back_to_services(self) -> None:
        self.session.go(SessionState.CATALOGUE)


@dataclass(frozen=True)
class SmallCopy:
    """A photo made small and decoded on a worker, ready to go into a texture."""

    size: tuple[int, int]
    rgb: bytes = field(repr=False)


def _small_copy(jpeg: bytes) -> SmallCopy:
    """Worker thread: a photo made small and decoded, so that showing it on the UI thread is
    only an upload (decoding a JPEG there held the screen past the budget)."""
    from PIL import Image  # here: only a photo taken needs it, not the kiosk's start

    image = Image.open(io.BytesIO(jpeg)).convert("RGB")
    image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    return SmallCopy(image.size, image.tobytes())


def _texture(small: SmallCopy) -> Texture:
    """UI thread: the small copy in a texture (rows flipped by the texture, not copied)."""
    texture = Texture.create(size=small.size, colorfmt="rgb")
    texture.flip_vertical()
    texture.blit_buffer(small.rgb, colorfmt="rgb", bufferfmt="ubyte")
    return texture


# -- the answer widgets, one per kind of question -----------------------------------------------
class AnswerPart(BoxLayout):
    presenter = ObjectProperty(None, rebind=True)
    tr = ObjectProperty(None, rebind=True)
    theme = ObjectProperty(None, rebind=True)
    """The screen's theme, given when the part is made: the shared widgets in it wear it from
    the start (finding it later, when the part is first shown, costs a rebinding each)."""
    idle = ObjectProperty(None, allownone=True)
    """The App's work for quiet frames (screens.idle.IdleWork), where buttons are made ahead."""


class ChoiceButton(Themed, Button):
    value = StringProperty("")
    words = StringProperty("")
    chosen = BooleanProperty(False)


class TypedAnswer(AnswerPart):
    pass


class ChoiceAnswer(AnswerPart):
    """Big buttons, one per choice; the chosen one is marked with a tick and its words.

    The buttons are made once, as many as the longest list of the form being filled (47 for
    Kenya's counties), a few per idle frame from the moment the form opens, and given new words
    for each question: making dozens of buttons while a person waits would hold the screen."""

    kind = FieldKind.CHOICE.value

    def on_kv_post(self, base_widget: object) -> None:
        self.buttons: dict[str, ChoiceButton] = {}
        self._pool = ButtonPool(self._new_button, what=type(self).__name__, idle=self.idle)
        self.presenter.bind(choices=self._build, chosen=self._mark,
                            most_choices=lambda _p, most: self._pool.prepare(most))
        self._pool.prepare(2 if self.kind == FieldKind.YES_NO.value else 8)  # most lists
        self._build()

    def _new_button(self) -> ChoiceButton:
        button = ChoiceButton(theme=self.theme) if self.theme is not None else ChoiceButton()
        button.bind(on_release=self._chosen)
        return button

    def _chosen(self, button: ChoiceButton) -> None:
        self.presenter.choose(button.value)

    def _build(self, *_args: object) -> None:
        grid = self.ids.grid
        grid.clear_widgets()
        self.buttons = {}
        if self.presenter.kind != self.kind:
            return
        choices = self.presenter.choices
        for (value, words), button in zip(choices, self._pool.take(len(choices))):
            button.value, button.words = value, words
            grid.add_widget(button)
            self.buttons[value] = button
        self._mark()
        self.ids.scroll.scroll_y = 1

    def _mark(self, *_args: object) -> None:
        for value, button in self.buttons.items():
            button.chosen = value == self.presenter.chosen


class YesNoAnswer(ChoiceAnswer):
    kind = FieldKind.YES_NO.value


class PhotoAnswer(AnswerPart):
    """The camera's picture, the photo taken, or what to do when the camera does not work."""

    def on_kv_post(self, base_widget: object) -> None:
        self.presenter.bind(camera=self._preview)

    def _preview(self, _presenter: object, camera: Any) -> None:
        preview = self.ids.preview
        if camera is not None:
            preview.start(camera, fps=10)
        else:
            preview.stop()


class FormView(View):
    kv_file = "form.kv"

    def on_kv_post(self, base_widget: object) -> None:
        parts = {"presenter": self.presenter, "tr": self.tr, "theme": self.theme,
                 "idle": self.idle}
        self.parts = {"typed": TypedAnswer(**parts), "choice": ChoiceAnswer(**parts),
                      "yes_no": YesNoAnswer(**parts), "photo": PhotoAnswer(**parts)}
        self.parts["photo"].ids.preview._watch = self.presenter.kiosk.ui_watch
        self.presenter.bind(on_page=self._show_page, on_forget=self._forget)
        self._show_keyboard(False)
        self.ids.keyboard.prepare()  # its keys made in idle frames, before the first question

    @property
    def answer_box(self) -> Any:
        return self.parts["typed"].ids.box

    def answer_text(self) -> str:
        return self.answer_box.text

    def _show_page(self, presenter: FormPresenter) -> None:
        kind = presenter.kind
        part = self.parts["typed" if presenter.typing else kind]
        holder = self.ids.answer
        if part.parent is not holder:
            holder.clear_widgets()
            holder.add_widget(part)
        self.answer_box.text = presenter.typed
        self._show_keyboard(presenter.typing)
        if self.manager is not None and self.manager.current == self.name \
                and self.access is not None:
            self.access.screen_shown()  # a new question, said aloud when reading aloud is on

    def _show_keyboard(self, show: bool) -> None:
        # A hidden widget left in the tree would still take touches meant for what is under
        # it: the keyboard is taken out when the answer is not typed.
        keyboard, column = self.ids.keyboard, self.ids.keyboard_column
        keyboard.target = self.answer_box if show else None
        if show:
            keyboard.ready()
        if show and keyboard.parent is None:
            column.add_widget(keyboard, index=len(column.children))
        elif not show and keyboard.parent is not None:
            column.remove_widget(keyboard)

    def _forget(self, _presenter: object) -> None:
        self.answer_box.text = ""
        self.ids.answer.clear_widgets()
        self._show_keyboard(False)
