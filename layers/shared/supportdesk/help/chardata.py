"""Regenerate chardata.json, the character tables the help search needs at run time, from two pinned libraries.

- `t2s`: traditional -> simplified characters, from OpenCC's TSCharacters table (opencc-python-reimplemented).
  Customers in Hong Kong and Taiwan type 訂單/退貨; the articles are written in simplified characters.
- `pinyin`: the toneless reading of each GB2312 character (pypinyin's most common reading), grouped by syllable.
  Chinese typos are mostly homophones picked from the input method's list (退宽 for 退款, 该地址 for 改地址), so
  the index also holds the pinyin of every character bigram.

Neither library is imported at run time: pypinyin alone costs ~180 ms of cold start, more than the whole search. The
generated file is checked in and a unit test checks it still equals what the pinned libraries produce.

    python -m supportdesk.help.chardata      # rewrites chardata.json (needs requirements-dev.txt installed)
"""

from __future__ import annotations

import json
from pathlib import Path

PATH = Path(__file__).with_name("chardata.json")


def generate() -> dict:
    # build time only: opencc and pypinyin are development dependencies, not in the layer
    import opencc
    from pypinyin import Style, lazy_pinyin  # build time only, as above

    table = Path(opencc.__file__).with_name("dictionary") / "TSCharacters.txt"
    traditional, simplified = [], []
    for line in table.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        target = targets.split(" ")[0]
        if len(source) == 1 and len(target) == 1 and source != target:
            traditional.append(source)
            simplified.append(target)
    by_syllable: dict[str, list[str]] = {}
    for first in range(0xB0, 0xF8):  # GB2312 levels 1 and 2: the characters a Chinese input method offers first
        for second in range(0xA1, 0xFF):
            try:
                char = bytes((first, second)).decode("gb2312")
            except UnicodeDecodeError:
                continue
            syllable = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
            if syllable and syllable[0].isascii() and syllable[0].isalpha():
                by_syllable.setdefault(syllable[0].replace("ü", "v"), []).append(char)
    return {
        "t2s": {"traditional": "".join(traditional), "simplified": "".join(simplified)},
        "pinyin": {syllable: "".join(chars) for syllable, chars in sorted(by_syllable.items())},
    }


def render(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n"


if __name__ == "__main__":
    PATH.write_text(render(generate()), encoding="utf-8")
    print(f"wrote {PATH}")
