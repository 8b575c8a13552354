"""The default theme speaks Vietnamese first: every message its templates mark for translation
has a Vietnamese text, and the message catalogue template (messages.pot) lists exactly the
messages the templates use, so a translator working from it misses nothing."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

THEME = Path(__file__).resolve().parent.parent / "themes" / "default"


def template_messages() -> dict[str, str]:
    """msgid → 'template:line' of its first use, as ``pybabel extract -F themes/default/babel.cfg`` finds them."""
    methods, options = parse_mapping_cfg(io.StringIO((THEME / "babel.cfg").read_text(encoding="utf-8")))
    assert {method for _, method in methods} == {"jinja2"}
    # every template is extracted (pages are .html, the status badge is badge.svg)
    patterns = {pattern for pattern, _ in methods}
    kinds = {"**" + path.suffix for path in (THEME / "templates").rglob("*") if path.is_file()}
    assert kinds <= patterns, f"babel.cfg extracts no {sorted(kinds - patterns)} template"
    found: dict[str, str] = {}
    for filename, line, message, _, _ in extract_from_dir(str(THEME / "templates"), methods, options):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, f"{filename}:{line}")
    return found


def catalogue(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def test_the_templates_use_messages():
    assert len(template_messages()) > 200


def test_every_template_message_has_a_vietnamese_text():
    vi = catalogue(THEME / "locale" / "vi" / "LC_MESSAGES" / "messages.po")
    missing = []
    for msgid, where in template_messages().items():
        entry = vi.get(msgid)
        texts = [entry.string] if entry is not None and isinstance(entry.string, str) else \
            list(entry.string) if entry is not None else []
        if not texts or not all(texts) or (entry is not None and entry.fuzzy):
            missing.append(f"{where}: {msgid!r}")
    assert not missing, "untranslated in vi/messages.po:\n" + "\n".join(missing)


def test_the_catalogue_template_is_current():
    pot = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue(THEME / "locale" / "messages.pot") if m.id}
    used = set(template_messages())
    assert not used - pot, f"run pybabel extract (see docs/themes.md): missing from messages.pot: {sorted(used - pot)}"
    assert not pot - used, f"run pybabel extract (see docs/themes.md): no longer used: {sorted(pot - used)}"
