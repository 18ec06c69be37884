"""The characters refused in author text, wherever paramcalc reads it: blocks, their strings,
fence options and references.

They are the controls (Unicode category Cc), the invisible format characters (Cf: the
bidirectional controls of Trojan Source, zero-width spaces and joiners, U+FEFF, tags...),
the line and paragraph separators (Zl, Zp) and unpaired surrogates (Cs), which no file can
hold. A block's text may hold tab and line feed; a string, an option or a reference may not.
"""

from __future__ import annotations

import re
import unicodedata

# Category Cf as of Unicode 15.1, spelled out so that a search runs at C speed; a test checks
# it against Python's own Unicode database.
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_OTHERS = f"\x7f-\x9f\u2028\u2029{_FORMAT}\ud800-\udfff"
UNSAFE = re.compile(f"[\x00-\x1f{_OTHERS}]")
"""Every refused character: for strings, fence options and references."""
UNSAFE_IN_BLOCK = re.compile(f"[\x00-\x08\x0b-\x1f{_OTHERS}]")
"""The same, less tab and line feed: for a block's text."""


def describe(char: str) -> tuple[str, str]:
    """What a refused character is (`the control character U+001B`), and what to do about it."""
    code = f"U+{ord(char):04X}"
    if "\ud800" <= char <= "\udfff":
        return f"an unpaired surrogate ({code})", "the text is not valid Unicode: retype it"
    if char in "\u2028\u2029":
        return f"the {unicodedata.name(char).lower()} {code}", "use an ordinary line break"
    if unicodedata.category(char) == "Cf":
        name = unicodedata.name(char, "format character")
        return (
            f"the invisible character {code} ({name})",
            "delete it: it can make the text read differently from what is computed",
        )
    return f"the control character {code}", "delete it: this is plain text"
