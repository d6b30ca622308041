"""Every colour the app shows, in one place (Qt-free).

Python code uses the constants; the style sheets (resources/style.qss and the add-card page's
add_card.css and add_card.js) write a colour as its lower-case name in double braces, e.g.
`{{danger}}`, and `fill` puts the value in when the file is read. Most values are Open Color's
(https://yeun.github.io/open-color/).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

#: Live mode, offline, expired cards, failures, errors and dangerous buttons.
DANGER = "#c92a2a"
#: Online, and the default card's badge.
SUCCESS = "#2b8a3e"
#: Cards expiring soon.
WARNING = "#f59f00"
#: The TEST mode badge.
TEST_MODE = "#e67700"
#: The NO KEY badge; the hints inside the emulator's card field.
MUTED = "#868e96"
TEXT = "#212529"
#: Subtitles, counts, hints, empty states, detached cards.
TEXT_SECONDARY = "#495057"
WHITE = "#ffffff"
#: Separators and group boxes in the window.
LINE = "#d0d4da"
#: The detached badge; the emulator's card inputs.
LINE_LIGHT = "#dee2e6"
#: The add-card page's inputs, and its disabled button's border.
LINE_STRONG = "#adb5bd"
DISABLED = "#ced4da"
ERROR_BACKGROUND = "#fff5f5"
ERROR_BORDER = "#ffa8a8"
WARNING_BACKGROUND = "#fff9db"
WARNING_BORDER = "#ffd43b"
INFO_BACKGROUND = "#e7f5ff"
INFO_BORDER = "#74c0fc"
#: The add-card page: its button and link; the keyboard focus (FOCUS_BORDER) in the window too.
ACCENT = "#228be6"
ACCENT_BORDER = "#1c7ed6"
FOCUS_RING = "#4dabf7"
FOCUS_BORDER = "#339af0"
LINK = "#1864ab"

#: Every colour above by the name the style sheets use ("danger", "text_secondary", ...).
COLOURS: Mapping[str, str] = MappingProxyType(
    {
        name.lower(): value
        for name, value in dict(globals()).items()
        if name.isupper() and isinstance(value, str) and value.startswith("#")
    }
)
_NAME = re.compile(r"\{\{(\w+)\}\}")


def fill(template: str) -> str:
    """`template` with each `{{name}}` replaced by that colour; KeyError for an unknown name."""
    return _NAME.sub(lambda match: COLOURS[match.group(1)], template)
