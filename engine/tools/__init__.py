"""Tooling behind the CLI's commands; never shipped to the browser."""
