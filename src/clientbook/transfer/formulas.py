"""Spreadsheet formulas in CSV cells, neutralised as OWASP recommends ("CSV Injection").

A cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is written with a leading ``'``, which spreadsheets
read as "text" and do not show. A cell that already starts with ``'`` gets one more, so
that reading undoes exactly what writing did: a leading ``'`` followed by one of those
characters or by another ``'`` is removed, and nothing else is. A plain number (``-5``,
``+442079460018``, an E.164 phone) cannot call anything and is written as it is.

JSON cells (labels, consents, preferences, metadata) start with ``{`` or ``[`` and are
never formulas; JSON Lines files are not for spreadsheets and are written as they are.
"""

import re

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"
_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)*")


def neutralise(cell: str) -> str:
    """The cell as written to CSV."""
    if cell.startswith(_QUOTE) or (cell.startswith(_TRIGGERS) and not _NUMBER.fullmatch(cell)):
        return _QUOTE + cell
    return cell


def restore(cell: str) -> str:
    """The value a neutralised cell stands for (any other cell as it is)."""
    if cell.startswith(_QUOTE) and cell[1:2] and cell[1:2] in (*_TRIGGERS, _QUOTE):
        return cell[1:]
    return cell
