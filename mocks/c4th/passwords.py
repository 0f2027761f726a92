"""The board's ID・初期パスワード file for the city's pupils (``GET /_admin/password-file``).

In the pilot the board of education hands this file to the e-portal separately from C4th's
export: once for the first load, later for new entrants and transfers in. The rows (and the
missing-passwords quirk that leaves a few pupils out) come from :mod:`fixtures.passwords`; the
mock only remembers who has been in a file already, for ``?only=new``.
"""

from __future__ import annotations

from fixtures import City
from fixtures.passwords import password_entries, password_file_name
from harness.accounts.passwords import PasswordEntry

__all__ = ["PasswordEntry", "entries_for", "password_file_name"]


def entries_for(city: City, already: set[str] | None = None) -> list[PasswordEntry]:
    """The file's rows: every current pupil, or (``already`` given) those not in it."""
    entries = password_entries(city)
    if already is None:
        return entries
    return [e for e in entries if e.user_master_identifier not in already]
