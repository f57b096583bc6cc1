"""Turning the bytes of a mail into text when the declared charset is missing, too narrow or wrong.

Mail clients lie about charsets in a few well-known ways, and the fix for each is a superset codec rather than a
guess: text labelled `gb2312` is very often GBK (镕, 喆, 堃 are outside GB2312), so gb2312/gbk/cp936 decode as
GB18030, which contains both; `big5` senders in Hong Kong use the HKSCS additions, so big5 decodes as Big5-HKSCS;
`shift_jis` and `iso-2022-jp` from Windows carry the NEC/IBM extensions (circled ①, roman numerals), so Shift_JIS
decodes as cp932 and ISO-2022-JP through cp932 as well (what Microsoft calls CP50221).

When there is no label (raw 8-bit headers), the label is unknown, or the bytes do not decode under it, the charset
is detected: UTF-8 first (it almost never decodes by accident), then the East Asian codecs our customers write in,
scored by how ordinary the resulting text is (common hanzi, kana, hangul, Latin letters), plus what
charset-normalizer proposes for longer texts (it is unreliable on a short subject: six GBK bytes come out as
UTF-16). Nothing is ever decoded as UTF-8 with replacement characters: the last resort is cp1252/latin-1, which
keeps every byte visible for a person to recover.
"""

from __future__ import annotations

import codecs
import re

# Declared label (lower case) -> the codec that decodes what senders using that label actually send.
SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "csgb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "x-euc-cn": "gb18030",
    "chinese": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "csbig5": "big5hkscs",
    "cp950": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "csshiftjis": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "korean": "cp949",
    # WHATWG: these labels mean windows-1252 in practice (curly quotes and the euro sign arrive in 0x80-0x9f)
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso-2022-jp": "iso-2022-jp-ms",
    "csiso2022jp": "iso-2022-jp-ms",
    "iso-2022-jp-2": "iso-2022-jp-ms",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
}
# The codecs detection tries, in the order a tie is broken (our customers write Chinese first).
CANDIDATES = ("utf-8", "gb18030", "big5hkscs", "cp932", "cp949", "euc-jp")
DETECTION_SAMPLE = 64 * 1024  # bytes looked at when detecting; a long text is decoded whole with the winner
_ESCAPE_SEQUENCE = re.compile(rb"\x1b[$(](?:[@BJI]|\(D)")


def codec_for(label: str | None) -> str | None:
    """The codec for a declared charset label, or None when Python does not know the label."""
    if not label:
        return None
    name = label.strip().strip('"').lower()
    name = SUPERSETS.get(name, name)
    if name == "iso-2022-jp-ms":
        return name
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_iso2022jp(data: bytes) -> str:
    """ISO-2022-JP as Windows writes it (CP50221): the JIS X 0208 segments are mapped to Shift_JIS and decoded as
    cp932, so the NEC row 13 (①, Ⅰ, ㈱) and IBM extensions come out as characters instead of U+FFFD. Raises
    UnicodeDecodeError on bytes that are not ISO-2022-JP."""
    out: list[str] = []
    mode = "ascii"
    i, n = 0, len(data)
    while i < n:
        byte = data[i]
        if byte == 0x1B:
            seq = data[i + 1 : i + 3]
            if seq in (b"$@", b"$B"):
                mode, i = "jis", i + 3
            elif seq in (b"(B", b"(J"):
                mode, i = "ascii", i + 3
            elif seq == b"(I":
                mode, i = "kana", i + 3
            elif data[i + 1 : i + 4] == b"$(D":  # JIS X 0212: let Python's ISO-2022-JP-2 codec handle the rest
                return "".join(out) + data[i:].decode("iso2022_jp_2")
            else:
                raise UnicodeDecodeError("iso-2022-jp", data, i, i + 1, "unknown escape sequence")
            continue
        if mode == "jis" and byte not in (0x0A, 0x0D):
            if i + 1 >= n:
                raise UnicodeDecodeError("iso-2022-jp", data, i, n, "truncated character")
            row, cell = byte, data[i + 1]
            if not (0x21 <= row <= 0x7E and 0x21 <= cell <= 0x7E):
                raise UnicodeDecodeError("iso-2022-jp", data, i, i + 2, "byte outside JIS X 0208")
            # JIS X 0208 (row, cell) -> Shift_JIS lead/trail bytes
            lead = ((row + 1) >> 1) + (0x70 if row <= 0x5E else 0xB0)
            trail = cell + (0x1F if row & 1 else 0x7E)
            if row & 1 and cell >= 0x60:
                trail += 1
            out.append(bytes((lead, trail)).decode("cp932"))
            i += 2
        elif mode == "kana" and 0x21 <= byte <= 0x5F:
            out.append(bytes((byte + 0x80,)).decode("cp932"))
            i += 1
        else:
            if byte >= 0x80:
                raise UnicodeDecodeError("iso-2022-jp", data, i, i + 1, "8-bit byte in a 7-bit charset")
            out.append(chr(byte))
            i += 1
    return "".join(out)


def _decode(data: bytes, codec: str) -> str:
    if codec == "iso-2022-jp-ms":
        return decode_iso2022jp(data)
    return data.decode(codec)


def _weight(char: str) -> float:
    """How ordinary one non-ASCII character is in mail text: the score detection sums."""
    code = ord(char)
    if 0x4E00 <= code <= 0x9FFF:
        for common in ("gb2312", "big5", "cp932"):  # in a national standard's main set: an everyday character
            try:
                char.encode(common)
                return 2.0
            except UnicodeEncodeError:
                continue
        return 0.5
    if 0x3041 <= code <= 0x30FF or 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E:
        return 2.0  # kana, CJK punctuation, full-width forms
    if 0xAC00 <= code <= 0xD7A3:
        try:
            char.encode("euc-kr")
            return 2.0
        except UnicodeEncodeError:
            return 0.3
    if 0xC0 <= code <= 0x24F or 0x391 <= code <= 0x3C9 or 0x400 <= code <= 0x45F:
        return 1.5  # Latin letters with diacritics, Greek, Cyrillic
    if code in (0xA0, 0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026, 0x20AC, 0xA5, 0xB7, 0xD7):
        return 1.0
    if char.isprintable() and not (0xE000 <= code <= 0xF8FF) and not (0xFF61 <= code <= 0xFF9F):
        return 0.2
    return -2.0  # controls, private use, half-width katakana: signs of the wrong codec


def _score(text: str) -> float:
    weights = [_weight(c) for c in text if ord(c) > 0x7F]
    return sum(weights) / len(weights) if weights else 0.0


def detect(data: bytes) -> str:
    """Text of bytes whose charset is unknown or wrong (see the module docstring)."""
    if _ESCAPE_SEQUENCE.search(data):
        try:
            return decode_iso2022jp(data)
        except UnicodeDecodeError:
            pass
    sample = data[:DETECTION_SAMPLE]
    if len(sample) < len(data):  # do not judge a character cut in half at the sample's end
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    try:
        sample.decode("utf-8")
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates = list(CANDIDATES[1:])
    if len(sample) >= 48:
        from charset_normalizer import from_bytes  # only for long undeclared text: its import costs ~30 ms

        best = from_bytes(sample).best()
        if best is not None and codec_for(best.encoding) not in candidates:
            candidates.append(codec_for(best.encoding) or best.encoding)
    best_text, best_score = None, float("-inf")
    for codec in candidates:
        try:
            text = _decode(data, codec)
        except (UnicodeDecodeError, LookupError):
            continue
        score = _score(text[:4096])
        if score > best_score:
            best_text, best_score = text, score
    if best_text is not None and best_score > 0:
        return best_text
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode_text(data: bytes, label: str | None = None) -> str:
    """Text of `data` declared as `label` (None: undeclared). Superset codecs for the labels that lie; detection
    when the label is unknown or the bytes do not decode under it; never replacement characters."""
    if not data:
        return ""
    if data.isascii() and b"\x1b" not in data:
        return data.decode("ascii")
    codec = codec_for(label)
    if codec is not None and not (codec == "cp1252" and _ESCAPE_SEQUENCE.search(data)):
        try:
            return _decode(data, codec)
        except UnicodeDecodeError:
            pass
    return detect(data)
