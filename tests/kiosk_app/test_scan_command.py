"""``huduma-kiosk scan`` as a technician runs it: a folder of images, one line per image."""
from __future__ import annotations

import json
from pathlib import Path

import cv2

from kiosk_app.cli import main
from tests.drivers.scanner.test_camera_scanner import RECEIPT, TICKET, frame_with, write_video


def test_a_folder_gives_one_line_per_image(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    for name, text in (("a.png", RECEIPT), ("b.png", None), ("c.jpg", TICKET)):
        cv2.imwrite(str(tmp_path / name), frame_with(text))
    (tmp_path / "notes.txt").write_text("not an image")
    assert main(["scan", "--source", f"dir:{tmp_path}", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["image"], line["texts"]) for line in lines] == [
        ("a.png", [RECEIPT]), ("b.png", []), ("c.jpg", [TICKET])]
    assert all(isinstance(line["ms"], float) for line in lines)


def test_a_video_gives_one_line_per_scan(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    video = tmp_path / "v.avi"
    write_video(video, [(None, 0.2), (TICKET, 0.6), (None, 0.2)])
    assert main(["scan", "--source", f"file:{video}", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["texts"] for line in lines] == [[TICKET]]


def test_nothing_to_scan_exits_1(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    assert main(["scan", "--source", "camera:99"]) == 1
    assert "no_device" in capsys.readouterr().err


def test_a_wrong_source_is_refused_in_both_languages(capsys) -> None:  # noqa: ANN001
    assert main(["scan", "--source", "camera:front"]) == 2
    err = capsys.readouterr().err
    assert "The source is not right (camera:N needs a device index" in err
    assert "Traceback" not in err and err.count("camera:N") >= 2  # the Kiswahili line too
