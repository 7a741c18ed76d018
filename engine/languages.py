"""Languages: BCP 47 matching, and interactions whose texts are written per language.

An interaction's ``title``, ``text``, ``html`` and button ``label`` may be a string or an
object of texts by language tag: ``{"en": "Welcome back", "sv": "Välkommen tillbaka"}``.
The engine picks one text per field when it displays the interaction (``localize``), so
the renderer only ever gets plain strings: the outcome's language when it names one,
``"auto"`` resolved to the visitor's best match (``engine.outcomes``), and otherwise the
first language the interaction lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.validation import ConfigError, join

AUTO = "auto"
LOCALIZED = frozenset({"title", "text", "html", "label"})


def normalise_tag(tag: str) -> str:
    return tag.strip().replace("_", "-").casefold()


def tag_matches(language_range: str, tag: str) -> bool:
    """RFC 4647 basic filtering: ``sv`` matches ``sv`` and ``sv-SE``; ``sv-FI`` not ``sv-SE``."""
    wanted, actual = normalise_tag(language_range), normalise_tag(tag)
    return wanted == "*" or actual == wanted or actual.startswith(wanted + "-")


def best_language(preferred: Iterable[str], available: tuple[str, ...]) -> str | None:
    """The first of ``available`` that suits the ``preferred`` languages, taken in order.

    For each preferred tag: an available tag it falls under (RFC 4647 lookup: ``sv-FI``
    finds ``sv``), else one of the same language (``sv`` finds ``sv-SE``); None if none.
    """
    normalised = [normalise_tag(c) for c in available]
    for tag in preferred:
        wanted = normalise_tag(tag)
        while wanted:
            if wanted in normalised:
                return available[normalised.index(wanted)]
            wanted = wanted.rpartition("-")[0]
        primary = normalise_tag(tag).split("-")[0]
        for candidate, norm in zip(available, normalised, strict=True):
            if norm.split("-")[0] == primary:
                return candidate
    return None


def _texts(content: Mapping[str, Any], path: str) -> Iterable[tuple[str, Mapping[str, str]]]:
    """(path, texts by language) for each field written per language."""
    for key, value in content.items():
        if key in LOCALIZED and isinstance(value, dict):
            yield join(path, key), value
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    yield from _texts(item, join(join(path, key), index))


def interaction_languages(content: Mapping[str, Any]) -> tuple[str, ...]:
    """The languages an interaction's texts are written in, in the order first written."""
    found: dict[str, None] = {}
    for _, texts in _texts(content, ""):
        found.update(dict.fromkeys(texts))
    return tuple(found)


def config_languages(interactions: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for content in interactions.values():
        found.update(dict.fromkeys(interaction_languages(content)))
    return tuple(found)


def localize(content: Mapping[str, Any], language: str | None) -> Mapping[str, Any]:
    """``content`` with each per-language field replaced by its text in ``language``."""
    if not interaction_languages(content):
        return content

    def pick(value: Any, key: str = "") -> Any:
        if key in LOCALIZED and isinstance(value, dict) and value:
            chosen = best_language((language,), tuple(value)) if language else None
            return value[chosen or next(iter(value))]
        if isinstance(value, dict):
            return {k: pick(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [pick(v) for v in value]
        return value

    return {k: pick(v, k) for k, v in content.items()}


def check(interactions: Mapping[str, Mapping[str, Any]], outcomes: Iterable[tuple[str, str | None, tuple[str, ...]]],
          errors: list[ConfigError]) -> None:
    """Every per-language field of an interaction lists the same languages, and a language
    an outcome names exists in the texts of the interactions it starts.

    ``outcomes``: (path of the language field, the language, the interactions it starts).
    """
    for iid, content in interactions.items():
        languages = interaction_languages(content)
        for path, texts in _texts(content, join("interactions", iid)):
            missing = [lang for lang in languages if lang not in texts]
            if missing:
                errors.append(ConfigError(path, f'no text in {", ".join(missing)}; the interaction\'s other texts are '
                                                f'in {", ".join(languages)}: give every field the same languages'))
    everywhere = config_languages(interactions)
    for path, language, starts in outcomes:
        if language is None:
            continue
        if language == AUTO:
            if not everywhere:
                errors.append(ConfigError(path, '"auto" picks among the languages the interactions\' texts are written in, '
                                                'but none is written per language: write texts such as '
                                                '"title": {"en": "Hello", "sv": "Hej"}, or name a language'))
            continue
        for start in starts:
            written = interaction_languages(interactions.get(start, {}))
            if written and best_language((language,), written) is None:
                errors.append(ConfigError(path, f'interaction "{start}" has no texts in "{language}"; it has '
                                                f'{", ".join(written)}: add them, or use one of those or "auto"'))
