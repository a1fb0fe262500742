"""Provides inert text: cluster-provided strings made safe to show in a terminal.

``safe`` removes terminal control sequences (CSI, OSC, DCS… and every C0/C1 control character) so a name or a
message can never move the cursor, retitle the window or hide text. ``cell`` wraps a string in a rich ``Text``,
which never interprets ``[markup]``: ``[bold]x[/bold]`` is shown as those characters. Front ends must build
their output from these, never by formatting untrusted strings into markup.
"""

from __future__ import annotations

import re

from rich.text import Text

_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]          # CSI … final byte
  | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)? # OSC … BEL or ST (or unterminated)
  | \x1b[PX^_][^\x1b]*(?:\x1b\\)?    # DCS, SOS, PM, APC … ST
  | \x1b[@-Z\\-_]                    # two-byte escapes
  | \x9b[0-?]*[ -/]*[@-~]            # 8-bit CSI
  | \x9d[^\x07\x9c]*[\x07\x9c]?      # 8-bit OSC
    """,
    re.VERBOSE,
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(value: object, *, keep_newlines: bool = False) -> str:
    """Strip escape sequences and control characters; tabs become spaces, newlines spaces unless kept."""
    text = value if isinstance(value, str) else str(value)
    if not text.isprintable():
        text = _ESCAPES.sub("", text)
        text = text.replace("\t", " ")
        if not keep_newlines:
            text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
        text = _CONTROLS.sub("", text)
    return text


def cell(value: object, style: str = "") -> Text:
    """A rich ``Text`` of a cluster-provided string: control-free and never parsed as markup."""
    return Text(safe(value), style=style)


def one_line(value: object, width: int) -> str:
    """``safe`` text on one line, cut to ``width`` cells with an ellipsis."""
    text = " ".join(safe(value).split())
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"
