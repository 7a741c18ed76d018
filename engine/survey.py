"""The post-chat survey: a sticky interaction a chat names with ``"after": SURVEY_ID``.

    {"type": "survey", "title": "How did it go?",
     "questions": [{"id": "q1", "kind": "rating", "label": "How did we do?"},
                   {"id": "q2", "kind": "choice", "label": "Solved?", "options": ["Yes", "No"]},
                   {"id": "q3", "kind": "text", "label": "Anything else?"}]}

The schema checks the shape; ``check_config`` the rest (unique ids, options only and
always on ``choice``, ``after`` naming a survey). ``check_answers`` keeps what the visitor
submitted that fits the questions: a rating is a whole number from 1 to 5, a choice one
of its options, a text a string (trimmed, at most ``TEXT_LIMIT`` characters). The engine
never renders answers; the shell sets every label and answer as text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.validation import join, known_names

# Interactions that stay on screen across navigation and page loads, and that regular
# rules neither block nor are blocked by (Puzzel: "a chat or a post-chat survey").
STICKY = frozenset({"chat", "survey"})
RATING = range(1, 6)
TEXT_LIMIT = 2000


def check_config(
    iid: str, interaction: Mapping[str, Any], kinds: Mapping[str, object], error: Callable[[str, str], None]
) -> None:
    """Report what the schema cannot say about a survey or a chat's ``after``."""
    path = join("interactions", iid)
    if interaction["type"] == "chat" and "after" in interaction:
        after = interaction["after"]
        if after in kinds and kinds[after] != "survey":
            error(join(path, "after"), f'"after" names a survey; "{after}" is a {kinds[after]}')
        elif after not in kinds:
            surveys = [k for k, kind in kinds.items() if kind == "survey"]
            error(join(path, "after"), f'no survey "{after}"{known_names(after, surveys, "interactions")}')
    if interaction["type"] != "survey":
        return
    seen: set[str] = set()
    for index, question in enumerate(interaction["questions"]):
        qpath = join(join(path, "questions"), index)
        if question["id"] in seen:
            error(join(qpath, "id"), f'duplicate question id "{question["id"]}"; ids name the answers, so they must be unique')
        seen.add(question["id"])
        has_options = "options" in question
        if question["kind"] == "choice" and not has_options:
            error(qpath, 'a "choice" question needs "options": ["Yes", "No"]')
        elif question["kind"] != "choice" and has_options:
            error(join(qpath, "options"), f'only "choice" questions have options; this one is "{question["kind"]}"')


def check_answers(survey: Mapping[str, Any], answers: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The answers that fit the survey's questions, in question order, and what did not fit."""
    questions = {q["id"]: q for q in survey.get("questions", ())}
    kept: dict[str, Any] = {}
    problems = [f'no question "{key}"' for key in answers if key not in questions]
    for qid, question in questions.items():
        if qid not in answers or answers[qid] is None:
            continue
        value, problem = _answer(question, answers[qid])
        if problem:
            problems.append(f"{qid}: {problem}")
        elif value is not None:
            kept[qid] = value
    return kept, problems


def _answer(question: Mapping[str, Any], value: object) -> tuple[Any, str | None]:
    kind = question["kind"]
    if kind == "rating":
        if isinstance(value, bool) or not isinstance(value, int | float) or value not in RATING:
            return None, f"a rating is a whole number from 1 to 5, got {value!r}"
        return int(value), None
    if not isinstance(value, str):
        return None, f"expected text, got {type(value).__name__}"
    if kind == "choice":
        if value not in question.get("options", ()):
            return None, f"{value!r} is not one of the options"
        return value, None
    text = value.strip()[:TEXT_LIMIT]
    return (text or None), None
