"""The camera preview on a rendered window: it shows the newest frames and forgets them, within
the UI budget (each frame goes into a new texture: writing again the one still being drawn made
the UI thread wait for the software renderer, 60 to 190 ms)."""
from __future__ import annotations

import logging

from drivers.camera.simulator import SimulatedCamera
from tests.screens.conftest import assert_ui_budget

log = logging.getLogger(__name__)


def test_the_preview_shows_the_newest_frames_and_forgets_them(make_ui) -> None:  # noqa: ANN001
    from screens.widgets.camera_preview import CameraPreview

    camera = SimulatedCamera("camera", SimulatedCamera.Settings(width=640, height=480, fps=30))
    ui = make_ui(camera=camera)
    camera.open()
    camera.start()
    preview = CameraPreview(watch=ui.kiosk.ui_watch, size=(320, 240))
    ui.app.root.add_widget(preview)
    preview.start(camera, fps=30)
    ui.run_for(1.0)
    assert preview.frames_shown >= 10
    assert tuple(preview.texture.size) == (640, 480)
    log.info("preview: longest UI hold %.1f ms (%s)", ui.kiosk.ui_watch.worst.seconds * 1000,
             ui.kiosk.ui_watch.worst.what)
    assert_ui_budget(ui)
    preview.stop()
    camera.stop()
    assert preview.texture is None and camera.latest() is None
    ui.app.root.remove_widget(preview)
