"""Command line: the tools a site owner uses before publishing.

    python -m engine validate rules.json ...        OK (and any warnings), or every problem by path (exit 1)
    python -m engine explain rules.json --facts f   replay facts, print decisions and trace
    python -m engine device [--why] < visitors.txt  desktop / mobile / tablet per line
                                                    (User-Agents, or JSON lines with signals)
    python -m engine device --corpus list.json      UA-only accuracy on a labelled list, per half
    python -m engine build OUT/ [--config FILE]     write the self-hosted folder to copy
    python -m engine serve [DIR] [--port 8000]      serve a site folder (precompressed files
                                                    per Accept-Encoding); no DIR in a checkout:
                                                    build and serve the demo shop
    python -m engine --version                      the engine's and its Pyodide's versions
    python -m engine collect --db URL [--port P]    store the events loader.js sends (data-collect)
    python -m engine report --db URL [--json]       results per rule: conversions, lift, intervals
    python -m engine edit rules.json [--port 8765]  edit a config in the browser (editor/)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from engine.config import Config, check_text, parse_config
from engine.decisions import encode
from engine.engine import Engine
from engine.validation import json_syntax_error


def validate(paths: list[str], out: TextIO) -> int:
    failed = False
    for name in paths:
        try:
            text = Path(name).read_bytes()
        except OSError as exc:
            print(f"{name}: cannot read: {exc.strerror}", file=out)
            failed = True
            continue
        checked = check_text(text, name)
        prefix = f"{name}: " if len(paths) > 1 else ""
        # Warnings name what the engine overrides; alone they leave the config valid (exit 0).
        count = len(checked.warnings)
        warned = f"{count} warning{'s' if count != 1 else ''}" if count else ""
        if checked.config is not None:
            print(f"{prefix}OK" + (f", {warned}:" if warned else ""), file=out)
        else:
            failed = True
            problems = len(checked.errors)
            print(f"{prefix}{problems} problem{'s' if problems != 1 else ''}" + (f" and {warned}" if warned else "") + ":", file=out)
            for error in checked.errors:
                print("  " + str(error).replace("\n", "\n  "), file=out)
        for warning in checked.warnings:
            print(f"  {warning}", file=out)
    return 1 if failed else 0


def explain(config_path: str, facts_path: str, out: TextIO, as_json: bool = False) -> int:
    result = parse_config(Path(config_path).read_bytes(), config_path)
    if not isinstance(result, Config):
        for error in result:
            print(error, file=out)
        return 1
    try:
        recorded = json.loads(Path(facts_path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        print(json_syntax_error(exc, facts_path), file=out)
        return 1
    # A facts file is a list of steps; each step is a fact or a list of facts (one batch).
    steps = recorded["steps"] if isinstance(recorded, dict) else recorded
    state = (recorded.get("state") or {}) if isinstance(recorded, dict) else {}
    engine = Engine(result, state.get("session"), state.get("visitor"))
    report = []
    for number, step in enumerate(steps, 1):
        batch = step if isinstance(step, list) else [step]
        engine.receive_json(batch)
        decisions = [encode(d) for d in engine.decisions()]
        trace = engine.trace
        report.append({"step": number, "facts": batch, "decisions": decisions,
                       "trace": trace.to_json() if trace else None})
        if not as_json:
            print(f"== step {number}: " + ", ".join(_describe(f) for f in batch), file=out)
            for decision in decisions:
                print("   -> " + _describe_decision(decision), file=out)
            if not decisions:
                print("   -> (no change)", file=out)
            if trace is not None and trace.now == engine.now:
                print("\n".join("   " + line for line in trace.render().splitlines()), file=out)
    if as_json:
        json.dump(report, out, indent=2)
        print(file=out)
    return 0


def _describe(fact: object) -> str:
    if not isinstance(fact, dict):
        return repr(fact)
    kind = fact.get("type")
    detail = {k: v for k, v in fact.items() if k not in ("type", "results")}
    return f"{kind} {json.dumps(detail)}" if detail else str(kind)


def _describe_decision(decision: dict[str, object]) -> str:
    kind = decision["type"]
    if kind in ("show", "control"):
        return f"{kind} {decision['interaction']} ({decision['interactionType']}) for rule {decision['rule']!r}, language {decision['language']}, queue {decision['queueKey']}"
    if kind == "hide":
        return f"hide {decision['interaction']} of rule {decision['rule']!r} ({decision['reason']})"
    if kind == "chat":
        return f"chat on queue {decision['queueKey']} in {decision['language']}"
    if kind == "survey":
        return f"survey {decision['interaction']} of rule {decision['rule']!r} sent: {json.dumps(decision['answers'], ensure_ascii=False)}"
    return f"error {decision['code']}: {decision['message']}"


def version() -> str:
    """"engage-engine 0.1.0 (Pyodide 314.0.7)": this package's release and the runtime it ships."""
    from engine.tools.build import BuildError, Source, engine_version

    try:
        source = Source.find()
        return f"engage-engine {engine_version()} (Pyodide {source.pyodide_pin().version})"
    except (BuildError, OSError, KeyError):
        import engine

        return f"engage-engine {engine.__version__}"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m engine", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    if args and args[0] in ("--version", "-V"):
        print(version())
        return 0
    parser.add_argument("--version", "-V", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True)
    p_validate = sub.add_parser("validate", help="check config files; print OK or every problem")
    p_validate.add_argument("files", nargs="+")
    p_explain = sub.add_parser("explain", help="replay recorded facts and show decisions and traces")
    p_explain.add_argument("config")
    p_explain.add_argument("--facts", required=True)
    p_explain.add_argument("--json", action="store_true", help="machine-readable report")
    p_device = sub.add_parser(
        "device", help="classify visitors read one per line from stdin: a User-Agent, or JSON with the browser's signals"
    )
    p_device.add_argument("--why", action="store_true", help="add a tab and the signal that decided")
    p_device.add_argument(
        "--corpus", metavar="FILE", type=Path, help="instead: accuracy on a labelled list, each half of the split"
    )
    sub.add_parser("build", help="write the self-hosted engine folder", add_help=False)
    sub.add_parser("serve", help="serve a folder (or build and serve the demo shop)", add_help=False)
    sub.add_parser("edit", help="edit a config in the browser, on 127.0.0.1", add_help=False)
    sub.add_parser("collect", help="store the events loader.js sends (data-collect)", add_help=False)
    sub.add_parser("report", help="results per rule: conversions, lift, intervals", add_help=False)
    if args and args[0] in ("collect", "report"):
        from engine.tools import collect, report

        code: int = (collect if args[0] == "collect" else report).main(args[1:])
        return code
    if args and args[0] in ("build", "serve"):
        from engine.tools import build, serve

        code = (build if args[0] == "build" else serve).main(args[1:])
        return code
    if args and args[0] == "edit":
        from engine.tools import edit

        code = edit.main(args[1:])
        return code
    parsed = parser.parse_args(args)
    if parsed.command == "validate":
        return validate(parsed.files, sys.stdout)
    if parsed.command == "explain":
        return explain(parsed.config, parsed.facts, sys.stdout, parsed.json)
    from engine.tools import device

    if parsed.corpus is not None:
        return device.corpus_report(parsed.corpus, sys.stdout)
    return device.main(sys.stdin, sys.stdout, parsed.why)


if __name__ == "__main__":
    sys.exit(main())
