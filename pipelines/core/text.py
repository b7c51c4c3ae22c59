"""File content as messages show it: the load log's errors and notes, the CLI output and alerts quote a file's
names and values, never more than a short piece of them, and never a character that does not print."""

from __future__ import annotations

EXCERPT_CHARACTERS = 200
NAME_CHARACTERS = 60


def excerpt(text: str, limit: int = EXCERPT_CHARACTERS) -> str:
    """`text` cut after `limit` characters, those that do not print escaped (line breaks, terminal escapes, direction
    overrides), so that a file cannot fill a message, fake a line of it or garble a terminal."""
    shown = "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text[:limit]
    )
    return shown + "…" if len(text) > limit else shown


def name_excerpt(name: str) -> str:
    """A column or sheet name from a file, as an excerpt."""
    return excerpt(name, NAME_CHARACTERS)


def quoted_name(name: str) -> str:
    """A column or sheet name from a file, in quotes (as Python writes a string: escapes included), as an excerpt."""
    return repr(name[:NAME_CHARACTERS]) + ("…" if len(name) > NAME_CHARACTERS else "")
