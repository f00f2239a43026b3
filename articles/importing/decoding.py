"""Bytes to text for uploaded article files, or a clear refusal: never mojibake.

Newsroom files come as UTF-8 (with or without a BOM), UTF-16 from Windows
tools, and legacy Arabic code pages, mostly Windows-1256. Those code pages
put the same Arabic letters at different bytes, and any of them decodes any
byte soup "successfully", so a wrong guess silently produces Arabic-looking
nonsense (الرياض read as ISO-8859-6 is افرٍاض) that would then be indexed for
ever. Hence the order: byte-order marks, then strict UTF-8 (valid UTF-8
Arabic is never an accident), and only then the Arabic code pages, each
read and scored for how Arabic it looks, the winner kept only if
charset-normalizer also finds it clean: otherwise the file is refused, which
tells the admin to re-save it as UTF-8. A declared charset (an HTML
``<meta charset>``) only breaks ties: pages often declare the wrong one.

``FileError`` lives here, the lowest layer, so that ``readers`` (which
re-exports it) and ``archives`` can both raise it without an import cycle.
"""

import codecs
import math
import unicodedata

from charset_normalizer import from_bytes


class FileError(Exception):
    """The whole file cannot be imported; the message says why, for an admin."""


BINARY = "الملف ثنائي وليس نصًّا / the file is binary, not text"
UNDETECTED = "تعذّر التعرف على ترميز الملف بثقة / could not detect the file's text encoding with confidence"

# Legacy code pages an Arabic newsroom file may be in, most likely first:
# on a tie (a short text that reads as Arabic either way) the earlier wins.
# Not Mac Arabic: charset-normalizer cannot vouch for it, and its files are
# practically extinct.
LEGACY_ENCODINGS = {"cp1256": "windows-1256", "iso8859-6": "iso-8859-6", "cp720": "cp720"}

SAMPLE_BYTES = 256 * 1024  # detection looks at this much; the winner then decodes the whole file
MAX_MESS = 0.25  # charset-normalizer "chaos": share of the text that looks garbled
MIN_COHERENCE = 0.2  # charset-normalizer: how well letter frequencies fit some language
MIN_ARABIC_LETTERS = 20  # below this an Arabic text is "short" and needs the letter-frequency test
MIN_ARABIC_SCORE = -1.75  # mean log10 letter frequency: Arabic news scores about -1.35
MAX_CONTROL_SHARE = 0.10
MIN_TEXT_SHARE = 0.95  # letters, marks, digits, punctuation, spaces and ASCII
MARGIN = 0.1  # readings whose Arabic scores are this close are a tie, settled by likelihood
GLUE_SYMBOLS = set("[]\\^_|~")

# Share (in %) of each letter in Arabic news text, measured on SaudiNewsNet.
# A wrong code page swaps frequent letters (ل, م) for rare ones (ف, غ, ك) or
# for tanween and Latin letters, so the mean log frequency drops.
ARABIC_LETTER_PERCENT = {
    "ا": 15.2, "ل": 11.5, "ي": 7.4, "م": 6.5, "و": 5.3, "ن": 5.0, "ت": 4.6, "ر": 4.5, "ع": 3.5,
    "ب": 3.4, "ة": 3.1, "د": 3.1, "ف": 2.6, "ه": 2.4, "س": 2.3, "ق": 2.1, "أ": 2.0, "ح": 1.8,
    "ك": 1.8, "ج": 1.4, "ش": 1.0, "ط": 0.9, "ص": 0.9, "خ": 0.8, "ى": 0.8, "إ": 0.8, "ض": 0.7,
    "ز": 0.6, "ذ": 0.6, "ث": 0.5, "ئ": 0.4, "ء": 0.3, "غ": 0.3, "ظ": 0.25, "ً": 0.2, "ؤ": 0.13,
    "آ": 0.1, "ـ": 0.05, "ٍ": 0.05, "ٌ": 0.05,
    # Short vowels and shadda: rare in news, common in vocalised text; not evidence either way.
    "َ": 0.5, "ُ": 0.5, "ِ": 0.5, "ّ": 0.5, "ْ": 0.5,
}
RARE_ARABIC_PERCENT = 0.001  # Persian/Urdu letters, presentation forms: unlikely in Saudi news


def decode_bytes(data, declared=None):
    """``(text, encoding)`` for a file's bytes, or ``FileError``.

    ``declared`` is a charset the file names itself (an HTML ``<meta
    charset>``); among the Arabic code pages it wins a tie.

    >>> decode_bytes("الرياض".encode("cp1256"))
    ('الرياض', 'windows-1256')
    """
    if data.startswith(codecs.BOM_UTF8):
        return _checked(_strict(data[len(codecs.BOM_UTF8):], "utf-8", "utf-8-sig")), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(_strict(data, "utf-16", "utf-16")), "utf-16"
    if b"\x00" in data:
        return _utf16_without_bom(data)
    if _control_share(data[:SAMPLE_BYTES].decode("ascii", "replace")) > MAX_CONTROL_SHARE:
        raise FileError(BINARY)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _detect(data, declared)


def html_charset(data):
    """The charset a page names in a ``<meta>`` among its first bytes, or None: a hint, often wrong."""
    from lxml import html  # only pages need it

    try:
        tree = html.fromstring(data[:4096].decode("ascii", "replace"))
    except Exception:  # lxml raises several types on odd fragments; no charset is no hint
        return None
    for meta in tree.iter("meta"):
        charset = meta.get("charset")
        if not charset and (meta.get("http-equiv") or "").lower() == "content-type":
            charset = (meta.get("content") or "").lower().partition("charset=")[2]
        if charset:
            return charset.strip().strip("\"'")
    return None


def _strict(data, codec, label):
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        raise FileError(
            f"الملف ليس نصًّا صالحًا بترميز {label} (بايت غير صالح في الموضع {error.start}) / "
            f"not valid {label} text (invalid byte at position {error.start})"
        ) from None


def _checked(text):
    if _control_share(text[:SAMPLE_BYTES]) > MAX_CONTROL_SHARE:
        raise FileError(BINARY)
    return text


def _utf16_without_bom(data):
    """NUL bytes are binary, unless every one sits in the high half of UTF-16 code units."""
    nul_offsets = {index % 2 for index, byte in enumerate(data[:SAMPLE_BYTES]) if byte == 0}
    if len(data) % 2 == 0 and len(nul_offsets) == 1:
        codec = "utf-16-le" if nul_offsets == {1} else "utf-16-be"
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            raise FileError(BINARY) from None
        if _plausible(text[:SAMPLE_BYTES]):
            return _checked(text), codec
    raise FileError(BINARY)


def _detect(data, declared=None):
    """The likeliest code page of those reading (nearly) as Arabic as the best, if charset-normalizer vouches for it."""
    sample = data[:SAMPLE_BYTES]
    order = sorted(LEGACY_ENCODINGS, key=lambda codec: codec != _codec_name(declared))
    vetted = {  # charset-normalizer spells them iso8859_6, codecs iso8859-6
        _codec_name(match.encoding): match
        for match in from_bytes(sample, cp_isolation=list(LEGACY_ENCODINGS), threshold=MAX_MESS)
        if match.chaos <= MAX_MESS
    }
    readings = []  # (Arabic score or None, codec), in order of likelihood
    for codec in order:
        try:
            text = sample.decode(codec)
        except UnicodeDecodeError:
            continue
        if _plausible(text):
            readings.append((arabic_score(text), codec))
    scores = [score for score, _ in readings if score is not None]
    if scores:
        best = max(scores)
        codec = next(codec for score, codec in readings if score is not None and score >= best - MARGIN)
        confident = best >= MIN_ARABIC_SCORE or (codec in vetted and vetted[codec].coherence >= MIN_COHERENCE)
    else:  # Latin text: charset-normalizer's coherence is all there is to go on
        codec = next((codec for _, codec in readings if codec in vetted), None)
        confident = codec is not None and vetted[codec].coherence >= MIN_COHERENCE
    if not confident or codec not in vetted:
        raise FileError(UNDETECTED)
    try:
        return data.decode(codec), LEGACY_ENCODINGS[codec]
    except UnicodeDecodeError:  # the sample fitted, a later byte has no meaning in that code page
        raise FileError(UNDETECTED) from None


def _codec_name(label):
    try:
        return codecs.lookup(label).name if label else None
    except LookupError:
        return None


def arabic_score(text):
    """Mean log10 frequency of the Arabic letters in ``text``; None when it has too few to judge.

    A Windows-1256 text misread as ISO-8859-6 is still all Arabic letters,
    but the wrong ones: this is what tells the two apart in a short text,
    where charset-normalizer's own coherence measure has nothing to go on.
    """
    logs = [
        math.log10(ARABIC_LETTER_PERCENT.get(char, RARE_ARABIC_PERCENT) / 100)
        for char in text
        if _is_arabic(char) and unicodedata.category(char)[0] in "LM"
    ]
    if not logs or (len(logs) < MIN_ARABIC_LETTERS and len(logs) * 2 < _letter_count(text)):
        return None  # mostly Latin text: coherence decides
    return sum(logs) / len(logs)


def _plausible(text):
    """Mostly letters, digits, punctuation and spaces, and no garbled word (in a long text, hardly any)."""
    if not text.strip():
        return True
    # ASCII is the same in every candidate, so it is no evidence against one (HTML is full of <=>).
    texty = sum(1 for char in text if char.isascii() or unicodedata.category(char)[0] in "LMNPZ")
    if texty < MIN_TEXT_SHARE * len(text):
        return False
    words = text.split()
    garbled = sum(1 for word in words if _garbled(word))
    return garbled == 0 or (len(words) >= 50 and garbled * 50 <= len(words))


def _garbled(word):
    """An Arabic letter glued to an accented Latin letter or an ASCII symbol: a wrong code page.

    Windows-1256 keeps French letters (é, à, ç) among its Arabic ones, and
    other code pages ASCII symbols, so a misread text shows words like
    انرêاض or تست^بف, which real text does not.
    """
    return any(
        (_is_arabic(a) and _foreign(b)) or (_foreign(a) and _is_arabic(b)) for a, b in zip(word, word[1:])
    )


def _foreign(char):
    return char in GLUE_SYMBOLS or (char.isalpha() and not char.isascii() and not _is_arabic(char))


def _is_arabic(char):
    return "\u0600" <= char <= "\u06ff" or "\u0750" <= char <= "\u077f" or "\ufb50" <= char <= "\ufeff"


def _letter_count(text):
    return sum(1 for char in text if char.isalpha())


def _control_share(text):
    if not text:
        return 0.0
    controls = sum(1 for char in text if unicodedata.category(char) == "Cc" and char not in "\t\n\r\f\v\x1a")
    return controls / len(text)
