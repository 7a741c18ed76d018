"""The chat hand-off to a vendor's widget (docs/chat.md): what a chat decision tells the shell.

``chat: {provider, fallback, waitSeconds, endpoint}`` in the config and ``queues.<key>.routing`` (one
object per provider) are read here once; each chat decision then carries a ``handoff``: the
provider, the routing of the chat's queue, the fallback interaction, how long the shell
waits for the widget, and the endpoint the built-in window converses through. The shell never reads the raw config for any of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

PROVIDERS = ("intercom", "zendesk", "crisp", "tawk", "livechat", "hubspot", "freshchat", "chatwoot",
             "rocketchat", "liveperson")
WAIT_SECONDS = 10  # how long a widget that has not loaded yet is awaited by default


def handoff(raw: Mapping[str, Any], queue_key: str | None) -> dict[str, Any] | None:
    """The hand-off a chat on ``queue_key`` carries, or None when the config says nothing of one."""
    chat: Mapping[str, Any] = raw["chat"] if isinstance(raw.get("chat"), Mapping) else {}
    queue = raw.get("queues", {}).get(queue_key, {}) if queue_key else {}
    routing = queue.get("routing", {}) if isinstance(queue, Mapping) else {}
    if not chat and not routing:
        return None
    return {
        "provider": chat.get("provider"),
        "routing": {name: dict(value) for name, value in routing.items()},
        "fallback": chat.get("fallback"),
        "waitSeconds": chat.get("waitSeconds", WAIT_SECONDS),
        "endpoint": chat.get("endpoint"),
    }


def fallback(raw: Mapping[str, Any]) -> str | None:
    """The interaction shown instead of a chat whose widget never loaded or failed."""
    chat = raw.get("chat")
    value = chat.get("fallback") if isinstance(chat, Mapping) else None
    return value if isinstance(value, str) else None


def check_config(raw: Mapping[str, Any], interaction_ref: Callable[[str, str], None]) -> None:
    """``chat.fallback`` names an interaction of the config."""
    name = fallback(raw)
    if name is not None:
        interaction_ref(name, "chat.fallback")
