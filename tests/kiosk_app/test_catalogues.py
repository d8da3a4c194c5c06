"""Every string a person can see is in both languages."""
from __future__ import annotations

from pathlib import Path

from kiosk_app import catalogues
from kiosk_app.i18n import bilingual, translator


def test_every_string_has_kiswahili_and_the_mo_is_current() -> None:
    assert catalogues.problems("sw") == []


def test_a_new_string_without_kiswahili_is_caught(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "screens").mkdir()
    (tmp_path / "screens" / "new.kv").write_text('<X>:\n    text: root.tr._("A brand new label")\n')
    (tmp_path / "kiosk_app").mkdir()
    (tmp_path / "kiosk_app" / "new.py").write_text('from kiosk_app.i18n import N_\nX = N_("Also new")\n')
    found = catalogues.extract(tmp_path)
    assert found == {"A brand new label": [("screens/new.kv", 2)],
                     "Also new": [("kiosk_app/new.py", 2)]}
    monkeypatch.setattr(catalogues, "extract", lambda root=None: found)
    assert catalogues.problems("sw") == [
        "screens/new.kv:2: not in sw.po: 'A brand new label'",
        "kiosk_app/new.py:2: not in sw.po: 'Also new'",
    ]


def test_kiswahili_is_served_at_run_time() -> None:
    assert translator("sw").gettext("Touch the screen to start") == "Gusa skrini kuanza"
    assert bilingual("Finish") == "Finish\nMaliza"


def test_a_marked_string_inside_an_f_string_is_found(tmp_path: Path) -> None:
    (tmp_path / "kiosk_app").mkdir()
    (tmp_path / "kiosk_app" / "f.py").write_text(
        'from kiosk_app.i18n import N_, bilingual\nprint(f"{bilingual(N_(\'Hidden in here\'))}")\n')
    assert catalogues.extract(tmp_path) == {"Hidden in here": [("kiosk_app/f.py", 2)]}
