"""A visitor rules engine for chat and engagement panels.

Pure Python, sans I/O: compile a config once, feed facts, read decisions. The same code
runs in CPython (tests, CLI) and under Pyodide in the visitor's browser.
"""

from engine.config import Config, compile_config, parse_config
from engine.engine import Engine, Watch
from engine.validation import ConfigError

__all__ = ["Config", "ConfigError", "Engine", "Watch", "compile_config", "parse_config"]
__version__ = "0.1.0"
