"""Knowledge problems said for the staff who edit the files: YAML syntax errors explained with the
likely fix, fields named by entry number (from 1) and id."""

from __future__ import annotations

import re

# PyYAML's reasons, said for the staff who edit the files, with the likely fix (first match wins).
YAML_HINTS = (
    ("tab character", "這一行用了 Tab 鍵縮排。請把 Tab 換成空格（每一層兩個空格）。"),
    ("'\\t'", "這一行用了 Tab 鍵縮排。請把 Tab 換成空格（每一層兩個空格）。"),
    ("mapping values are not allowed", "這一行多了一個半形冒號「:」，或縮排不對。文字裡要寫冒號，請改用全形「：」，"
                                      "或把整段文字用引號括起來。"),
    ("could not find expected ':'", "少了冒號：欄位名稱後面要接半形冒號和空格，例如「title: 榮民證」。"
                                    "也可能是上一行的引號沒有關上。"),
    ("expected <block end>", "縮排不對：同一層的欄位要對齊，每往內一層多兩個空格。"),
    ("did not find expected key", "縮排不對：同一層的欄位要對齊，每往內一層多兩個空格。"),
    ("did not find expected '-' indicator", "清單的每一項要用「- 」開頭，而且上下對齊。"),
    ("expected ',' or ']'", "方括號 [ ] 沒有成對，或清單的項目之間少了逗號。"),
    ("expected ',' or '}'", "大括號 { } 沒有成對，或項目之間少了逗號。"),
    ("found unexpected end of stream", "引號沒有關上：「\"」或「'」要成對出現。"),
    ("while scanning a quoted scalar", "引號沒有關上：「\"」或「'」要成對出現。"),
    ("found unknown escape character", "雙引號裡的反斜線「\\」要寫兩次，或改用單引號。"),
    ("found character", "這一行開頭有 YAML 不接受的符號（例如 @、`、%）。請把整段文字用引號括起來。"),
)


def explain_yaml(reason: str) -> str:
    """A YAML syntax error in the staff's words, with the technical reason kept for whoever helps."""
    hint = next((text for needle, text in YAML_HINTS if needle in reason), "格式不對，請對照上一個項目的寫法。")
    return f"{hint}（YAML 格式錯誤：{reason}）"


def field_name(path: str, ids: dict[str, str]) -> str:
    """「windows[0].answer」 as staff count and name it: 「windows 第 1 項（veteran-id-card）的 answer」;
    inner lists (questions[2]) count from 1 too."""
    def entry(match: re.Match) -> str:
        eid = ids.get(match.group(0))
        return f"{match.group(1)} 第 {int(match.group(2)) + 1} 項" + (f"（{eid}）" if eid else "")

    text = re.sub(r"^([a-z_]+)\[(\d+)\]", entry, path)
    text = re.sub(r"^\[(\d+)\]", lambda m: f"第 {int(m.group(1)) + 1} 題", text)  # a regression file
    text = re.sub(r"\[(\d+)\]", lambda m: f" 第 {int(m.group(1)) + 1} 個", text)
    return re.sub(r"(?<=[）題])\.", "的 ", text).replace(".", " 的 ")
