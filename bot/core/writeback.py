"""Dashboard edits written into a knowledge file by ruamel.yaml's round trip: its comments, order and quoting kept."""

from __future__ import annotations

import io
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from bot.core import teach
from bot.core.knowledge import parse_agency, read_file


def _yaml() -> YAML:
    """A round-trip YAML set up like the shipped files (2-space maps, lists indented under their key)."""
    y = YAML()
    y.preserve_quotes = True
    y.width = 4096  # never fold a long answer that was one line
    y.indent(mapping=2, sequence=4, offset=2)
    # `null` stays `null` (ruamel would write nothing after the colon).
    y.representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    return y


def _write_entry(doc, change: teach.Change) -> None:
    """Make the document's entry say what the change says, touching only the fields that differ (so a
    field's comments and style stay), and adding a new entry at the end of its section."""
    place = teach.find(doc, change.entry_id)
    if place is None:
        doc.setdefault(change.section, []).append(CommentedMap(change.after))
        return
    entry = doc[place[0]][place[1]]
    for key in [k for k in entry if k not in change.after]:
        del entry[key]
    for key, value in change.after.items():
        old = teach.plain({key: entry.get(key)})[key] if key in entry else None
        if old == value:
            continue
        if isinstance(value, list) and isinstance(old, list) and value[:len(old)] == old:
            entry[key].extend(value[len(old):])  # new example questions: appended, the list's comments kept
        else:
            entry[key] = value


def export(path: Path, changes: list[teach.Change]) -> tuple[list[teach.Change], list[teach.Change]]:
    """Write the edits that apply cleanly into the file (checked by the loader first; written whole or
    not at all); return (written, conflicting). Written edits are in the file from then on, so they
    are no longer laid over it."""
    text = read_file(path).decode("utf-8")
    outcome = teach.overlaid_text(text, changes)[1]
    written = [c for c in sorted(changes, key=lambda c: c.id) if outcome.get(c.id) == teach.APPLIED]
    conflicts = [c for c in changes if outcome.get(c.id) == teach.CONFLICT]
    if not written:
        return [], conflicts
    y = _yaml()
    doc = y.load(text)
    for change in written:
        _write_entry(doc, change)
    out = io.StringIO()
    y.dump(doc, out)
    parse_agency(out.getvalue(), path.name)  # KnowledgeError: the file is left as it was
    partial = path.with_suffix(".partial")
    partial.write_text(out.getvalue(), encoding="utf-8")
    partial.replace(path)
    return written, conflicts
