"""Account material that travels beside the roster: the board's ID・初期パスワード file.

Ground floor: imports the standard library only. See ``docs/password-file.md``.
"""

from harness.accounts.passwords import (
    PASSWORD_FILE_COLUMNS,
    PasswordConflict,
    PasswordEntry,
    PasswordFile,
    PasswordFileError,
    PasswordFileProblem,
    merge_password_files,
    read_password_file,
    write_password_file,
)

__all__ = [
    "PASSWORD_FILE_COLUMNS", "PasswordConflict", "PasswordEntry", "PasswordFile",
    "PasswordFileError", "PasswordFileProblem",
    "merge_password_files", "read_password_file", "write_password_file",
]
