"""`engine.collect:app`, the collector's ASGI app (engine/tools/collect.py); tooling, never shipped."""

from engine.tools.collect import Collector, app, create_app

__all__ = ["Collector", "app", "create_app"]
