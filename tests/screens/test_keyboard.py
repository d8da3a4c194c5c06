"""The on-screen keyboard, touched on a rendered window: keys type into their text box, the
box's filter still decides, "Delete" takes the last character, word keys speak the language."""
from __future__ import annotations

from tests.screens.conftest import assert_ui_budget
from tests.screens.test_app import labels


def test_keys_type_into_their_box_and_delete_takes_the_last_character(make_ui) -> None:  # noqa: ANN001
    from kivy.factory import Factory
    from kivy.uix.boxlayout import BoxLayout

    from screens.widgets.keyboard import OnScreenKeyboard

    ui = make_ui()
    box = BoxLayout(orientation="vertical")
    field = Factory.FieldInput()
    keyboard = OnScreenKeyboard(tr=ui.app.tr, watch=ui.kiosk.ui_watch)
    keyboard.target = field
    keyboard.ready()                       # as a view does when it shows the keyboard
    pressed: list[str] = []
    keyboard.bind(on_key=lambda _k, key: pressed.append(key))
    box.add_widget(field)
    box.add_widget(keyboard)
    ui.app.root.add_widget(box, index=len(ui.app.root.children))
    ui.pump(3)
    try:
        for key in ("K", "D", "A", "space", "1", "2", "3", "B", "delete", "A"):
            ui.tap(keyboard.keys[key])
        assert field.text == "KDA 123A"
        assert pressed[-2:] == ["delete", "A"]
        assert "Space" in labels(keyboard) and "Delete" in labels(keyboard)
        for button in keyboard.keys.values():
            assert button.height >= 48  # 15 mm at this half-size, half-density rendering

        keyboard.layout = "date"
        field.text = ""
        field.input_filter = lambda text, _undo: "".join(c for c in text if c.isdigit() or c == "/")
        ui.pump(2)
        assert sorted(keyboard.keys) == sorted("0123456789/") + ["delete"]
        for key in "17/05/2001":
            ui.tap(keyboard.keys[key])
        assert field.text == "17/05/2001"
        keyboard.layout = "letters"
        ui.pump(2)
        ui.tap(keyboard.keys["X"])           # the box takes digits and "/" only
        assert field.text == "17/05/2001"

        ui.app.tr.switch("sw")
        ui.pump(2)
        assert keyboard.keys["space"].text == "Nafasi" and keyboard.keys["delete"].text == "Futa"
        keyboard.target = None
        ui.tap(keyboard.keys["A"])            # no box: nothing to type into, nothing breaks
        assert_ui_budget(ui)
    finally:
        ui.app.root.remove_widget(box)
