"""Compile locale/*/LC_MESSAGES/*.po to .mo with polib, so `make install` needs no gettext tools."""

from pathlib import Path

import polib


def compile_all(base: Path) -> int:
    count = 0
    for po_path in base.glob("locale/*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            count += 1
    return count


if __name__ == "__main__":
    compile_all(Path(__file__).resolve().parent.parent)
