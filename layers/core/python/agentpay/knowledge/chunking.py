"""An article's Markdown (or plain text) cut into passages at its headings and paragraphs.

Why passages and not whole articles: a shipping page answers "do you ship to Canada?" in
one paragraph among ten, and the offline reply quotes a sentence of it; a passage keeps
its heading path ("Shipping › International orders"), so a paragraph that never names its
subject is still found by it. Markdown is reduced to the text a shopper would read: links
keep their words and address, emphasis and code marks go, lists and table rows become
lines. Any text is valid Markdown, so nothing here can fail on what a store sends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PASSAGE_CHARS = 900
MAX_PASSAGES = 400  # 100 KB of text cut this fine is still far below

_ATX = re.compile(r"\s{0,3}(#{1,6})\s(.*)")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\(\s*(\S+?)(?:\s+\"[^\"]*\")?\s*\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~)(?=\S)(.+?)(?<=\S)\1")
_CODE = re.compile(r"`+([^`]*)`+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")


def _is_rule(line: str) -> bool:
    """"---", "* * *", "___": a thematic break."""
    marks = line.replace(" ", "").replace("\t", "")
    return len(marks) >= 3 and len(set(marks)) == 1 and marks[0] in "-*_"


def _is_table_rule(line: str) -> bool:
    """"|---|:--:|": the line under a table's header."""
    return "--" in line and set(line.strip()) <= set("|-: \t")


@dataclass(frozen=True)
class Passage:
    ordinal: int
    heading: str
    body: str

    @property
    def text(self) -> str:
        """What is embedded: the heading path gives the paragraph its subject."""
        return f"{self.heading}\n{self.body}"


def inline_text(line: str) -> str:
    """One line of Markdown as read: "[our returns page](https://…)" keeps both."""
    line = _IMAGE.sub(lambda m: m.group(1), line)
    line = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})"
                     if m.group(2).startswith(("http://", "https://")) else m.group(1), line)
    line = _AUTOLINK.sub(lambda m: m.group(1), line)
    line = _TAG.sub("", line)
    line = _CODE.sub(lambda m: m.group(1), line)
    for _ in range(2):  # "**_both_**"
        line = _EMPHASIS.sub(lambda m: m.group(2), line)
    line = line.replace("\\", "") if "\\" in line else line
    return " ".join(line.split())


def _blocks(body: str) -> list[tuple[list[str], list[str]]]:
    """(heading path, lines) for each paragraph, list or table, in order."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    headings: list[tuple[int, str]] = []
    blocks: list[tuple[list[str], list[str]]] = []
    current: list[str] = []
    fenced = False
    table: list[str] = []  # the header cells of the table being read
    last_cells: list[str] = []

    def flush() -> None:
        table.clear()
        if current:
            blocks.append(([h for _, h in headings], current.copy()))
            current.clear()

    def heading(level: int, text: str) -> None:
        flush()
        while headings and headings[-1][0] >= level:
            headings.pop()
        if text:
            headings.append((level, text))

    for raw in lines:
        if _FENCE.match(raw):
            fenced = not fenced
            continue
        if fenced:
            if raw.strip():
                current.append(raw.strip())
            continue
        m = _ATX.match(raw)
        if m:
            heading(len(m.group(1)), inline_text(m.group(2).strip().rstrip("#")))
            continue
        if _SETEXT.match(raw) and len(current) == 1 and not _BULLET.match(current[0]):
            text = current.pop()
            heading(1 if raw.strip().startswith("=") else 2, text)
            continue
        if not raw.strip() or _is_rule(raw):
            flush()
            continue
        if _is_table_rule(raw):
            if last_cells and current:  # the row above was the header: rows say its names
                current.pop()
                table[:] = last_cells
            continue
        line = raw.strip()
        if line.startswith(">"):
            line = line.lstrip("> ")
        if line.startswith("|") or line.count("|") >= 2:
            cells = [inline_text(c) for c in line.strip("|").split("|")]
            last_cells = cells
            if table and len(cells) == len(table):  # "Method: Express, Cost: $19.95"
                line = ", ".join(f"{h}: {c}" if h else c for h, c in zip(table, cells,
                                                                          strict=True) if c)
            else:
                line = " · ".join(c for c in cells if c)
            if line:
                current.append(line)
            continue
        last_cells = []
        bullet = _BULLET.match(line)
        if bullet:
            current.append(inline_text(line[bullet.end():]))
        elif current and not _BULLET.match(raw) and not current[-1].endswith((".", ":", "!", "?")) \
                and not raw.startswith((" ", "\t")) and len(current) == 1:
            current[-1] = f"{current[-1]} {inline_text(line)}"  # a paragraph's wrapped line
        else:
            current.append(inline_text(line))
    flush()
    return [(path, [ln for ln in block if ln]) for path, block in blocks
            if any(ln for ln in block)]


def _pieces(lines: list[str]) -> list[str]:
    """A block's lines, with any line too long for one passage cut at its sentences."""
    out: list[str] = []
    for line in lines:
        if len(line) <= MAX_PASSAGE_CHARS:
            out.append(line)
            continue
        piece = ""
        for sentence in _SENTENCE_END.split(line):
            while len(sentence) > MAX_PASSAGE_CHARS:  # one endless sentence: cut at words
                cut = sentence.rfind(" ", 0, MAX_PASSAGE_CHARS)
                cut = cut if cut > 0 else MAX_PASSAGE_CHARS
                out.append(sentence[:cut])
                sentence = sentence[cut:].lstrip()
            if piece and len(piece) + 1 + len(sentence) > MAX_PASSAGE_CHARS:
                out.append(piece)
                piece = ""
            piece = f"{piece} {sentence}".strip()
        if piece:
            out.append(piece)
    return out


def passages(title: str, body: str) -> list[Passage]:
    """Consecutive paragraphs under one heading share a passage while they fit."""
    out: list[Passage] = []
    pending: list[str] = []
    pending_path: list[str] | None = None

    def emit() -> None:
        if pending:
            heading = " › ".join([title, *(pending_path or [])])
            out.append(Passage(len(out), heading, "\n".join(pending)))
            pending.clear()

    for path, lines in _blocks(body):
        if path != pending_path:
            emit()
            pending_path = path
        for piece in _pieces(lines):
            if pending and sum(len(p) + 1 for p in pending) + len(piece) > MAX_PASSAGE_CHARS:
                emit()
            pending.append(piece)
    emit()
    return out[:MAX_PASSAGES]
