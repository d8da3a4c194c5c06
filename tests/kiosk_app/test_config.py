from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk_app.config import ConfigError, KioskConfig, load_config

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value.render("en").splitlines()[1:]


def test_demo_config_needs_no_file() -> None:
    config = KioskConfig.demo_config(data_dir=Path("/tmp/x"))
    assert config.demo and config.role == "kiosk" and not config.fullscreen
    assert {f: d.kind for f, d in config.devices.enabled().items()} == {
        "card_reader": "simulator", "printer": "simulator", "scanner": "simulator",
        "camera": "simulator"}


def test_a_file_holds_only_what_differs(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """
role = "agent"
device_id = "AGT-KSM-0042"
language = "sw"
[time_limits]
agent_idle_s = 1200
[devices.printer]
kind = "simulator"
settings = { paper_width_mm = 58 }
[devices.camera]
enabled = false
"""))
    assert config.role == "agent" and config.language == "sw"
    assert config.idle_limits == (1200.0, 60.0)
    assert config.fullscreen is False  # agents keep their window
    assert config.devices.printer.settings == {"paper_width_mm": 58}
    assert list(config.devices.enabled()) == ["card_reader", "printer", "scanner"]


def test_refusal_names_every_field_and_what_was_expected(tmp_path: Path) -> None:
    lines = refusal(write(tmp_path, """
role = "kisok"
device_id = "ksk 1"
[time_limits]
idle_s = "soon"
warning_s = 5
[backend]
url = "ftp://example"
[devices.printer]
kind = "escpos-netwrk"
[devices.camera]
settings = { fps = 0, colour = true }
"""))
    assert lines == [
        "  - role: expected one of 'kiosk', 'agent', got 'kisok'",
        "  - device_id: expected text of the form ^[A-Z0-9][A-Z0-9-]{2,31}$, got 'ksk 1'",
        "  - backend.url: expected an address that starts with http:// or https://, "
        "got 'ftp://example'",
        "  - time_limits.idle_s: expected a number, got 'soon'",
        "  - time_limits.warning_s: expected a value of at least 20.0, got 5",
        "  - devices.printer.kind: expected one of escpos-network, escpos-serial, escpos-usb, "
        "simulator, got 'escpos-netwrk'",
        "  - devices.camera.settings.fps: expected a value above 0.0, got 0",
        "  - devices.camera.settings.colour: unknown setting (check its spelling)",
    ]


def test_refusal_is_given_in_kiswahili_too(tmp_path: Path) -> None:
    path = write(tmp_path, 'role = "kisok"\n[devices.scanner]\nsettings = { faults = ["paper_out"] }\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    sw = info.value.render("sw").splitlines()
    assert sw[0] == f"Mipangilio katika {path} imekataliwa:"
    assert sw[1] == "  - role: ilitarajiwa moja kati ya 'kiosk', 'agent', imepatikana 'kisok'"
    assert sw[2] == ("  - devices.scanner.settings.faults: ilitarajiwa moja kati ya busy, "
                     "hardware_error, no_device, offline, imepatikana ['paper_out']")
    assert info.value.bilingual().startswith(info.value.render("en") + "\n\n" + sw[0])


def test_broken_toml_says_where(tmp_path: Path) -> None:
    assert refusal(write(tmp_path, 'role = "kiosk\n')) == [
        "  - this is not valid TOML: Illegal character '\\n' (at line 1, column 14)"]


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    assert refusal(tmp_path / "nope.toml") == ["  - there is no such file"]
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\x00garbage")
    assert refusal(tmp_path / "bin.toml") == ["  - the file cannot be read (UnicodeDecodeError)"]


def test_a_newer_layout_is_refused(tmp_path: Path) -> None:
    assert refusal(write(tmp_path, "version = 7\n")) == [
        "  - version: expected a value of at most 1, got 7"]


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", readme, flags=re.M))

    def fields(model: type, prefix: str = "") -> set[str]:
        out = set()
        hints = typing.get_type_hints(model)
        for f in dataclasses.fields(model):
            if not f.init or f.name == "devices":
                continue
            if dataclasses.is_dataclass(hints[f.name]):
                out |= fields(hints[f.name], f"{prefix}{f.name}.")
            else:
                out.add(prefix + f.name)
        return out

    expected = fields(KioskConfig) | {"devices.<family>.kind", "devices.<family>.enabled",
                                      "devices.<family>.settings"}
    documented |= set(re.findall(r"^\| `(devices\.<family>\.[a-z_]+)` \|", readme, flags=re.M))
    assert expected - documented == set()
    # Every setting of the top level has its docstring in the source.
    assert {f.name for f in dataclasses.fields(KioskConfig) if f.init} <= set(
        _field_docstrings("KioskConfig"))


def _field_docstrings(class_name: str) -> dict[str, str]:
    """The docstrings under the fields of ``class_name`` in kiosk_app/config.py."""
    import ast

    tree = ast.parse((ROOT / "kiosk_app" / "config.py").read_text(encoding="utf-8"))
    cls = next(node for node in tree.body
               if isinstance(node, ast.ClassDef) and node.name == class_name)
    docs: dict[str, str] = {}
    for field, after in zip(cls.body, cls.body[1:]):
        if (isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name)
                and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)):
            docs[field.target.id] = after.value.value
    return docs


def test_the_agent_section_and_training_mode_kept_apart(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """
role = "agent"
data_dir = "/srv/huduma"
[agent]
offline_limit_cents = 250000
offline_limit_count = 5
training = true
training_backend_url = "http://127.0.0.1:9999"
"""))
    assert (config.agent.offline_limit_cents, config.agent.offline_limit_count) == (250_000, 5)
    assert config.training and config.agent.lockout_s == 30.0
    running = config.effective()
    # Training keeps its own folder and talks only to the training backend.
    assert running.data_dir == Path("/srv/huduma/training")
    assert running.outbox_path == Path("/srv/huduma/training/outbox.sqlite3")
    assert running.backend.url == "http://127.0.0.1:9999"
    assert running.backend.enrolment_code == "HUDUMA-DEMO"
    assert running.effective() is running and running.effective().data_dir == running.data_dir
    # Without training, and in the kiosk role, the settings are run as they are.
    real = replace(config, agent=replace(config.agent, training=False))
    assert real.effective() is real and not real.training
    kiosk = replace(config, role="kiosk")
    assert kiosk.effective() is kiosk and not kiosk.training
    assert KioskConfig.demo_config(role="agent", data_dir=tmp_path).training  # a demo's slips


def test_agent_settings_are_refused_by_name(tmp_path: Path) -> None:
    assert refusal(write(tmp_path, """
[agent]
offline_limit_count = -1
lockout = 5
""")) == [
        "  - agent.offline_limit_count: expected a value of at least 0, got -1",
        "  - agent.lockout: unknown setting (check its spelling)",
    ]
    assert refusal(write(tmp_path, '[agent]\ntraining_backend_url = "ftp://sandbox"\n')) == [
        "  - agent.training_backend_url: expected an address that starts with http:// or https://, "
            "got 'ftp://sandbox'"]


# -- `huduma-kiosk run`: made at once, checked in full after the first frame -------------------

FULL_FILE = """
role = "agent"
device_id = "AGT-0042"
language = "sw"
data_dir = "/var/lib/huduma-kiosk"
[backend]
url = "https://kiosk-api.example.go.ke"
timeout_s = 4
enrolment_code = "ABCDEFGH"
[time_limits]
idle_s = 90
agent_warning_s = 45.5
[display]
orientation = "landscape"
fullscreen = true
speech_volume = 120
[identity]
csca_dir = "/etc/huduma-kiosk/csca"
card_attempts = 2
[agent]
offline_limit_cents = 500000
training = true
training_enrolment_code = "TRAINING-1"
[devices.printer]
kind = "escpos-network"
settings = { uri = "tcp://10.0.0.7:9100" }
[devices.camera]
enabled = false
"""


def test_a_file_made_at_once_is_the_file_checked_in_full(tmp_path: Path) -> None:
    from kiosk_app.config import load_config_at_once

    path = write(tmp_path, FULL_FILE)
    config, pending = load_config_at_once(path)
    assert pending is not None and config == load_config(path)
    assert isinstance(config.backend.timeout_s, float) and config.identity.csca_dir == Path(
        "/etc/huduma-kiosk/csca")
    assert config.effective().data_dir == Path("/var/lib/huduma-kiosk/training")
    pending.run()  # refuses nothing


def test_a_bound_broken_is_refused_by_the_check_after_as_it_would_be_at_once(
        tmp_path: Path) -> None:
    from kiosk_app.config import load_config_at_once

    path = write(tmp_path, '[time_limits]\nidle_s = 5\n[devices.printer]\n'
                           'settings = { latency_s = 99, faults = ["paper_out"] }\n')
    config, pending = load_config_at_once(path)
    assert pending is not None and config.time_limits.idle_s == 5.0
    with pytest.raises(ConfigError) as later:
        pending.run()
    assert later.value.bilingual() == refusal_error(path).bilingual()
    assert "time_limits.idle_s" in later.value.render("en")
    assert "devices.printer.settings.latency_s" in later.value.render("en")


@pytest.mark.parametrize("text", [
    '[backend]\ntimeout_s = "5"\n',       # a number in quotes: taken, as load_config takes it
    '[display]\nfullscreen = "yes"\n',
])
def test_a_value_in_another_form_is_checked_in_full_at_once(tmp_path: Path, text: str) -> None:
    from kiosk_app.config import load_config_at_once

    path = write(tmp_path, text)
    assert load_config_at_once(path) == (load_config(path), None)


@pytest.mark.parametrize("text", [
    '[backend]\ntimeout_s = "soon"\n',
    'role = "kisok"\n',
    '[agent]\nlockout = 5\n',              # a setting misspelt
    'display = 3\n',
])
def test_a_value_of_the_wrong_type_is_checked_in_full_at_once(tmp_path: Path, text: str) -> None:
    from kiosk_app.config import load_config_at_once

    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as at_once:
        load_config_at_once(path)
    assert at_once.value.bilingual() == refusal_error(path).bilingual()


def refusal_error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value


def test_a_device_address_refused_is_explained_in_both_languages(tmp_path: Path) -> None:
    """The adapters' own checks of a printer address and a camera source are worded by the
    config in both languages; the detail says which part of the value is wrong."""
    path = write(tmp_path, '[devices.printer]\nkind = "escpos-network"\n'
                           'settings = { uri = "usb://04b8:0e15" }\n'
                           '[devices.scanner]\nkind = "camera"\nsettings = { source = "usb:0" }\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    en, sw = info.value.render("en"), info.value.render("sw")
    assert ("devices.printer.settings.uri: expected a printer address such as tcp://HOST[:PORT], "
            "usb://VID:PID or serial:///dev/DEVICE?baud=N (printer URI 'usb://04b8:0e15' is not "
            "for this adapter") in en
    assert "devices.scanner.settings.source: expected camera:N, file:PATH or dir:PATH" in en
    assert "devices.printer.settings.uri: " in sw and "expected a printer address" not in sw
    assert "devices.scanner.settings.source: " in sw and "expected camera:N" not in sw
