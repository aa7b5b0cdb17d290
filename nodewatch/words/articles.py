"""'a' or 'an' before a name we did not write: a model, a vendor ("an APPLE HDD", "a SAMSUNG SSD").

The article follows the sound of the word after it, and a drive's model is
often read letter by letter: "an HGST HUS726…", "an ST4000DM004", "a WDC WD40…".
A token is read as letters when its leading letters (before any digit) hold no
vowel ("HGST", "ST", "MZVLB", "WDC") or it is a short all-capital initialism
("SSD", "USB"); otherwise as a word ("APPLE", "SAMSUNG", "Intel", "Hitachi").
"""

from __future__ import annotations

import re

# Letters whose names start with a vowel sound: eh, ee, eff, aitch, eye, el, em, en, oh, ar, ess, ex.
_VOWEL_SOUND_LETTERS = frozenset("AEFHILMNORSX")
# Words that start with a vowel letter but the sound of "you" or "one".
_CONSONANT_SOUND_WORDS = re.compile(r"^(uni|use|usa|usu|uti|ure|euro|one\b|once)", re.IGNORECASE)
_LEADING_LETTERS = re.compile(r"^[A-Za-z]+")


def article(word: str) -> str:
    """'a' or 'an' for the phrase that starts with `word` (its first token is what counts)."""
    token = word.strip().split(" ", 1)[0] if word.strip() else ""
    if not token:
        return "a"
    first = token[0]
    if first.isdigit():
        # "an 8 TB …", "an 11…"/"an 18…" only when read as eleven/eighteen: keep it to 8.
        return "an" if first == "8" else "a"
    leading = _LEADING_LETTERS.match(token)
    letters = leading[0] if leading else ""
    if _read_as_letters(token, letters):
        return "an" if first.upper() in _VOWEL_SOUND_LETTERS else "a"
    if first.lower() in "aeio":
        return "an"
    if first.lower() == "u":
        return "a" if _CONSONANT_SOUND_WORDS.match(token) else "an"
    return "a"


def with_article(phrase: str) -> str:
    """'an APPLE HDD HTS541010A9E632', 'a SAMSUNG MZVLB256HAHQ-00000'."""
    return f"{article(phrase)} {phrase}"


def _read_as_letters(token: str, letters: str) -> bool:
    if not letters:
        return False
    if not any(c in "AEIOUYaeiouy" for c in letters):
        return True
    # A short all-capital token with no digit is an initialism unless it is a word: "SSD" has no vowel
    # and is caught above; "IBM", "AMD" are read as letters, "ACER" as a word. Two or three capitals.
    return letters.isupper() and len(letters) <= 3 and letters == token and not _pronounceable(letters)


def _pronounceable(letters: str) -> bool:
    """A three-letter capital word like 'ACE', 'OCZ' read as a word? Consonant-vowel-consonant patterns."""
    vowels = "AEIOUY"
    pattern = "".join("v" if c in vowels else "c" for c in letters)
    return pattern in {"cvc", "vcv", "cv", "vc"}
