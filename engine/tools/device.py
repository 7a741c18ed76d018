"""``python -m engine device``, and the accuracy of device detection on a labelled corpus.

Input, one visitor per line: a plain User-Agent, or a JSON object with the User-Agent and
the browser's signals, named as the loader's ``device`` fact names them or shorter::

    {"ua": "Mozilla/5.0 ...", "mobile": false, "screen": [800, 1280], "touch": 5}

(``ua`` = ``userAgent``, ``touch`` = ``maxTouchPoints``; also ``platform``, ``model``,
``formFactors``, ``coarsePointer``, ``noHover``). Output: one device type per line, with
``--why`` followed by a tab and the signal that decided. Blank lines are echoed blank so
the output stays aligned with the input; a line that is not a valid fact prints
``error: ...`` in its place and the exit status is 1.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

from engine import facts
from engine.device import DEVICES, decide, explain, library_device

_SHORT_NAMES = {"ua": "userAgent", "touch": "maxTouchPoints"}


def signals_from_line(line: str) -> facts.Device | facts.FactError:
    """A plain User-Agent line, or a JSON line with signals, as a device fact."""
    text = line.strip()
    if not text.startswith("{"):
        return facts.Device(line.rstrip("\r\n"))
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return facts.FactError("device", None, f"not valid JSON ({exc.msg} at column {exc.colno})")
    fact = facts.decode({"type": "device", **{_SHORT_NAMES.get(k, k): v for k, v in obj.items()}})
    return fact if isinstance(fact, facts.Device | facts.FactError) else facts.FactError("device", None, "not a device fact")


def main(lines: Iterable[str], out: TextIO, why: bool = False) -> int:
    status = 0
    for line in lines:
        if not line.strip():
            out.write("\n")
            continue
        fact = signals_from_line(line)
        if isinstance(fact, facts.FactError):
            out.write(f"error: {fact}\n")
            status = 1
            continue
        verdict = decide(fact)
        out.write(f"{verdict.device}\t{verdict.why}\n" if why else f"{verdict.device}\n")
    return status


# ------------------------------------------------------------------ measured accuracy


def corpus_label(entry: Mapping[str, Any]) -> str:
    """The corpus README: tablet true = tablet; mobile true and tablet false = phone."""
    if entry["tablet"]:
        return "tablet"
    return "mobile" if entry["mobile"] else "desktop"


def corpus_half(user_agent: str) -> str:
    """``look`` or ``score``: the corpus split once by a hash of the User-Agent.

    Rules may be written from what the ``look`` half shows; the ``score`` half is only
    ever scored, so its accuracy is that of data nobody looked at while writing rules.
    """
    return "look" if hashlib.sha256(user_agent.encode("utf-8")).digest()[0] % 2 == 0 else "score"


def ua_device(user_agent: str) -> str:
    """The engine's answer from the User-Agent alone (the library and our UA rules)."""
    return explain(user_agent)[0]


def confusion(
    entries: Iterable[Mapping[str, Any]], half: str | None, answer: Callable[[str], str] = ua_device
) -> Counter[tuple[str, str]]:
    """(label, answer) counts over one half of the corpus (None: all of it), from the User-Agent alone."""
    counts: Counter[tuple[str, str]] = Counter()
    for entry in entries:
        if half is None or corpus_half(entry["user_agent"]) == half:
            counts[(corpus_label(entry), answer(entry["user_agent"]))] += 1
    return counts


def accuracy(counts: Counter[tuple[str, str]]) -> float:
    total = sum(counts.values())
    return sum(n for (label, got), n in counts.items() if label == got) / total if total else 0.0


def table(counts: Counter[tuple[str, str]]) -> str:
    """label -> answer counts, one line per label (for failure messages and the docs)."""
    return "\n".join(
        f"  {label:>7}: " + ", ".join(f"{got}={counts[(label, got)]}" for got in DEVICES) for label in DEVICES
    )


def load_corpus(path: Path) -> list[dict[str, Any]]:
    """The entries of a Mobile-Detect style labelled list (``{"user_agents": [...]}``)."""
    entries: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["user_agents"]
    return entries


def corpus_report(path: Path, out: TextIO) -> int:
    """The accuracy table of docs/device-detection.md: each half, the library alone and ours.

    Prints only aggregate counts, never an entry: the score half must stay unseen.
    """
    entries = load_corpus(path)
    library = f"`user-agents` {metadata.version('user-agents')} alone"
    out.write("| half | | accuracy | desktop → d / m / t | phone → d / m / t | tablet → d / m / t |\n")
    out.write("|---|---|---|---|---|---|\n")
    for half in ("look", "score"):
        for name, answer in ((library, library_device), ("with our corrections", ua_device)):
            counts = confusion(entries, half, answer)
            right = sum(counts[(label, label)] for label in DEVICES)
            cells = " | ".join(" / ".join(str(counts[(label, got)]) for got in DEVICES) for label in DEVICES)
            out.write(f"| {half} | {name} | {accuracy(counts) * 100:.2f} % ({right}) | {cells} |\n")
    whole = accuracy(confusion(entries, None))
    out.write(f"\nThe whole corpus ({len(entries)} entries), with our corrections: {whole * 100:.2f} %.\n")
    return 0
