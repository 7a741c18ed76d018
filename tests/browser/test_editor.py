"""The rule editor (`python -m engine edit`, editor/) in Chromium.

One editor server (`start_edit_server`) serves each test's file in a temp folder in turn, the
engine folder being the session's build (the simulation and live validation run it under
PyScript in the editor's hidden engine frame). Puzzel's Fig 1 rule and Fig 2 outcome are
built from an empty file twice, once with the mouse and once from the keyboard alone,
then saved and validated with `python -m engine validate`. Every page load fails the
test on a console error or a CSP violation.

Set ENGAGE_SCREENSHOTS=1 to refresh docs/img/editor-*.png from this run.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from bench.chromium import CHROMIUM_ARGS
from engine.__main__ import main as engine_cli
from engine.tools.edit import EditServer, start_edit_server
from engine.tools.serve import CSP_HEADERS, CSP_PATH_HEADERS, start_server
from tests.browser.kept import module_browser_fixtures

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "docs" / "img"
BOOT_MS = 120_000  # PyScript starts Pyodide and installs the engine wheels
SCREENSHOTS = os.environ.get("ENGAGE_SCREENSHOTS") == "1"

FIG1 = [  # Puzzel's Fig 1 "First rule": two rulesets, each two conditions
    [{"type": "url", "criteria": "currentPage", "operator": "contains", "value": "/mobile-test"},
     {"type": "device", "operator": "is", "value": "mobile"}],
    [{"type": "url", "criteria": "currentPage", "operator": "contains", "value": "#testingtesting"},
     {"type": "time", "criteria": "onPage", "operator": "moreThan", "value": 30}],
]  # fmt: skip

TWO_RULES = {
    "version": 1,
    "rules": [
        {"name": "Sales", "rulesets": [{"conditions": [{"type": "url", "criteria": "currentPage", "operator": "contains", "value": "/shop"}]}],
         "outcome": {"start": "sales-panel", "language": "en"}},
        {"name": "Help", "rulesets": [{"conditions": [{"type": "url", "criteria": "currentPage", "operator": "contains", "value": "/shop"}]}],
         "outcome": {"start": "help-panel", "language": "en"}},
    ],
    "interactions": {
        "sales-panel": {"type": "panel", "title": "Offers"},
        "help-panel": {"type": "panel", "title": "Need help?"},
        "login": {"type": "detectLogin", "selector": "#account"},
    },
}  # fmt: skip


# Chromium with V8's optimising WebAssembly tier, which the other browser tests leave out
# (conftest.BASELINE_WASM_ONLY): the editor runs Python on every keystroke (validation,
# simulation), and without that tier its tests take a third longer.
browser, kept_contexts = module_browser_fixtures(None, CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def edit_server(engage_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EditServer]:
    """One editor server for the module, pointed at each test's file in turn (open_editor):
    its URLs, token included, stay the same, so the kept context's HTTP cache serves
    PyScript, Pyodide and the engine wheels to every test after the first."""
    server = start_edit_server(tmp_path_factory.mktemp("editor") / "rules.json", engine_dir=engage_build)
    yield server
    server.stop()


@pytest.fixture
def page(kept_page: Page) -> Page:
    """A new visitor (storage forgotten) in the module's kept context."""
    return kept_page


@pytest.fixture
def open_editor(page: Page, edit_server: EditServer, engage_build: Path, tmp_path: Path) -> Iterator[Any]:
    # live checks run in Pyodide on a shared, busy machine: give each step more time
    expect.set_options(timeout=20_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    def start(text: str | None, name: str = "rules.json", engine: bool = True) -> Path:
        path = tmp_path / name
        if text is not None:
            path.write_text(text, encoding="utf-8")
        session = edit_server.session
        with session.lock:
            session.path = path.resolve()
            session.engine_dir = engage_build if engine else None
            session.engine_state = "ready" if engine else "failed: no engine folder given"
        page.goto(edit_server.url)
        expect(page.locator("#file-name")).to_have_text(name)
        return path

    yield start
    expect.set_options(timeout=5_000)
    assert not [p for p in problems if "engine.html" not in p or "Content Security Policy" in p], problems


def engine_ready(page: Page) -> None:
    expect(page.locator("#decision")).not_to_have_text(re.compile("Starting the engine"), timeout=BOOT_MS)


def condition(page: Page, ruleset: int, number: int) -> Locator:
    return page.get_by_role("group", name=f"Ruleset {ruleset}, condition {number}")


def ruleset(page: Page, number: int) -> Locator:
    return page.locator("fieldset.ruleset").nth(number - 1)


def saved_is_fig1_and_2(path: Path) -> None:
    saved = json.loads(path.read_text(encoding="utf-8"))
    [rule] = saved["rules"]
    assert rule["name"] == "First rule"
    assert [rs["conditions"] for rs in rule["rulesets"]] == FIG1
    assert rule["outcome"] == {"start": "Panel #1", "language": "sv", "queueKey": "Chat 9"}
    assert saved["interactions"]["Panel #1"]["type"] == "panel"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert engine_cli(["validate", str(path)]) == 0
    assert out.getvalue().strip() == "OK"


def test_build_puzzels_first_rule_with_the_mouse(page: Page, open_editor: Any) -> None:
    path = open_editor("")
    page.get_by_role("button", name="Add rule").click()
    page.get_by_label("Rule name").fill("First rule")
    first = condition(page, 1, 1)
    first.get_by_label("Condition type").select_option(label="URL")
    first.get_by_label("Criteria").select_option(label="Current page")
    first.get_by_label("Operator").select_option(label="Contains")
    first.get_by_label("Value").fill("/mobile-test")
    ruleset(page, 1).get_by_role("button", name="Add condition").click()
    second = condition(page, 1, 2)
    second.get_by_label("Condition type").select_option(label="Device")
    second.get_by_label("Operator").select_option(label="Is")
    second.get_by_label("Value").select_option(label="Mobile")
    page.get_by_role("button", name="Add ruleset").click()
    third = condition(page, 2, 1)
    third.get_by_label("Operator").select_option(label="Contains")
    third.get_by_label("Value").fill("#testingtesting")
    ruleset(page, 2).get_by_role("button", name="Add condition").click()
    fourth = condition(page, 2, 2)
    fourth.get_by_label("Condition type").select_option(label="Time")
    # only what the schema allows for a time condition
    assert fourth.get_by_label("Criteria").locator("option").all_inner_texts() == ["On page", "On site"]
    fourth.get_by_label("Criteria").select_option(label="On page")
    fourth.get_by_label("Operator").select_option(label="More than")
    fourth.get_by_label("Value").fill("30")
    page.get_by_label("Start interaction").select_option(label="New interaction…")
    page.get_by_label("New interaction id").fill("Panel #1")
    page.get_by_label("New interaction type").select_option(label="Panel")
    page.get_by_role("button", name="Create interaction").click()
    page.get_by_label("Language", exact=True).select_option(label="Swedish (sv)")
    page.get_by_label("Queue key", exact=True).fill("Chat 9")
    engine_ready(page)
    expect(page.locator("#problems")).to_have_text("No problems")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#announce")).to_contain_text("Saved rules.json")
    expect(page.locator("#save-state")).to_have_text("Saved")
    saved_is_fig1_and_2(path)
    if SCREENSHOTS:
        page.set_viewport_size({"width": 1400, "height": 1100})
        page.get_by_label("Pages the visitor opens (one URL a line)").fill("/mobile-test")
        page.get_by_label("Visitor's device").select_option("mobile")
        expect(page.locator("#decision")).to_contain_text("Panel #1")
        page.screenshot(path=IMG / "editor-rules.png", full_page=True)


def tab_to(page: Page, target: Locator, limit: int = 60) -> None:
    """Press Tab until `target` has the focus."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def test_build_puzzels_first_rule_from_the_keyboard_alone(page: Page, open_editor: Any) -> None:
    path = open_editor("")
    keys = page.keyboard
    tab_to(page, page.get_by_role("button", name="Add rule"))
    keys.press("Enter")
    expect(page.get_by_label("Rule name")).to_be_focused()
    keys.press("Control+A")
    keys.type("First rule")
    keys.press("Tab")
    expect(page.get_by_label("Always evaluate this rule")).to_be_focused()
    tab_to(page, condition(page, 1, 1).get_by_label("Condition type"))
    keys.press("Tab")  # Criteria: Current page, Operator: Contains are the defaults
    expect(condition(page, 1, 1).get_by_label("Criteria")).to_have_value("currentPage")
    keys.press("Tab")
    expect(condition(page, 1, 1).get_by_label("Operator")).to_have_value("contains")
    keys.press("Tab")
    keys.type("/mobile-test")
    tab_to(page, ruleset(page, 1).get_by_role("button", name="Add condition"))
    keys.press("Enter")
    expect(condition(page, 1, 2).get_by_label("Condition type")).to_be_focused()
    keys.type("Device")
    expect(condition(page, 1, 2).get_by_label("Condition type")).to_have_value("device")
    expect(condition(page, 1, 2).get_by_label("Condition type")).to_be_focused()
    keys.press("Tab")
    keys.press("Tab")
    expect(condition(page, 1, 2).get_by_label("Value")).to_be_focused()
    keys.type("Mobile")
    expect(condition(page, 1, 2).get_by_label("Value")).to_have_value("mobile")
    tab_to(page, page.get_by_role("button", name="Add ruleset"))
    keys.press("Enter")
    expect(condition(page, 2, 1).get_by_label("Condition type")).to_be_focused()
    tab_to(page, condition(page, 2, 1).get_by_label("Value"))
    keys.type("#testingtesting")
    tab_to(page, ruleset(page, 2).get_by_role("button", name="Add condition"))
    keys.press("Enter")
    keys.type("Time")
    expect(condition(page, 2, 2).get_by_label("Condition type")).to_have_value("time")
    keys.press("Tab")
    expect(condition(page, 2, 2).get_by_label("Criteria")).to_have_value("onPage")
    keys.press("Tab")
    expect(condition(page, 2, 2).get_by_label("Operator")).to_have_value("moreThan")
    keys.press("Tab")
    keys.type("30")
    tab_to(page, page.get_by_label("Start interaction"))
    keys.type("N")  # type-to-select: "New interaction…"
    expect(page.get_by_label("New interaction id")).to_be_focused()
    keys.type("Panel #1")
    keys.press("Tab")
    keys.type("Panel")
    keys.press("Tab")
    keys.press("Enter")  # Create interaction
    expect(page.get_by_label("Start interaction")).to_be_focused()
    expect(page.get_by_label("Start interaction")).to_have_value("Panel #1")
    keys.press("Tab")
    keys.type("Swedish")
    expect(page.get_by_label("Language", exact=True)).to_have_value("sv")
    keys.press("Tab")
    keys.type("Chat 9")
    keys.press("Control+s")
    expect(page.locator("#announce")).to_contain_text("Saved rules.json")
    saved_is_fig1_and_2(path)


def decision(page: Page) -> Locator:
    return page.locator("#decision")


def test_dragging_a_rule_above_another_changes_the_simulated_decision(page: Page, open_editor: Any) -> None:
    path = open_editor(json.dumps(TWO_RULES, indent=2) + "\n")
    engine_ready(page)
    page.get_by_label("Pages the visitor opens (one URL a line)").fill("/shop")
    expect(decision(page)).to_have_text("Shows “sales-panel” for rule “Sales”")
    expect(page.locator(".trace-rule.decided .trace-name")).to_have_text("Sales")
    items = page.locator(".rule-item")
    items.nth(1).locator(".handle").drag_to(items.nth(0))
    expect(items.locator(".pick")).to_have_text(["Help", "Sales"])
    expect(decision(page)).to_have_text("Shows “help-panel” for rule “Help”")
    expect(page.locator(".trace-rule.decided .trace-name")).to_have_text("Help")
    # the visitor's view, drawn by the loader's renderer (web/ui.js) in the preview frame
    seen = page.frame_locator(".try-pane iframe.preview")
    expect(seen.locator("[data-engage-interaction='help-panel']")).to_contain_text("Need help?")
    expect(seen.locator("[data-engage-interaction='sales-panel']")).to_have_count(0)
    # the same from the keyboard: the focus stays on the rule moved
    page.get_by_role("button", name="Move Help down").focus()
    page.keyboard.press("Enter")
    expect(items.locator(".pick")).to_have_text(["Sales", "Help"])
    expect(page.get_by_role("button", name="Move Help up")).to_be_focused()
    expect(decision(page)).to_have_text("Shows “sales-panel” for rule “Sales”")
    page.keyboard.press("Enter")
    expect(decision(page)).to_have_text("Shows “help-panel” for rule “Help”")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#save-state")).to_have_text("Saved")
    assert [r["name"] for r in json.loads(path.read_text(encoding="utf-8"))["rules"]] == ["Help", "Sales"]
    assert len(list((path.parent / ".engage-history").iterdir())) == 1


def test_a_detect_login_outcome_locks_always_evaluate(page: Page, open_editor: Any) -> None:
    open_editor(json.dumps(TWO_RULES, indent=2) + "\n")
    always = page.get_by_role("checkbox", name="Always evaluate this rule")
    expect(always).to_be_enabled()
    expect(always).not_to_be_checked()
    page.get_by_label("Start interaction").select_option("login")
    expect(always).to_be_checked()
    expect(always).to_be_disabled()
    expect(always).to_have_accessible_description(re.compile("Detect Visitor Login"))
    expect(page.locator(".reason")).to_be_visible()
    page.get_by_label("Start interaction").select_option("sales-panel")
    expect(always).to_be_enabled()
    expect(always).not_to_be_checked()


def configs() -> list[Path]:
    found = [p for p in sorted((ROOT / "examples").glob("*.json")) if not p.name.endswith((".facts.json", ".expected.json"))]
    return [*found, ROOT / "demo-site" / "rules.json"]


def test_every_example_config_opens_and_saves_unchanged(page: Page, open_editor: Any, tmp_path: Path) -> None:
    for number, source in enumerate(configs()):
        original = source.read_bytes()
        path = open_editor(original.decode("utf-8"), name=f"{number}-{source.name}", engine=False)
        page.get_by_role("button", name="Save").click()
        expect(page.locator("#announce")).to_contain_text(f"Saved {path.name}")
        assert path.read_bytes() == original, source
    assert not (tmp_path / ".engage-history").exists()  # nothing changed, so nothing was replaced


def test_edits_keep_unknown_fields_key_order_and_indentation(page: Page, open_editor: Any, tmp_path: Path) -> None:
    text = ('{\n\t"x-comment": "Owned by the support team",\n\t"version": 1,\n\t"rules": [\n\t\t{\n\t\t\t"outcome": {"start": "p", "x-note": 1},\n'
            '\t\t\t"name": "Blåbär",\n\t\t\t"rulesets": [{"conditions": [{"type": "static", "operator": "always"}]}]\n\t\t}\n\t],\n'
            '\t"interactions": {"p": {"type": "panel", "title": "Hej"}}\n}')  # fmt: skip
    path = open_editor(text)
    name = page.get_by_label("Rule name")
    name.fill("Lingon")
    expect(page.locator("#save-state")).to_have_text("Unsaved changes")
    name.fill("Blåbär")  # back to what the file says: the file's own text again
    expect(page.locator("#save-state")).to_have_text("Saved")
    name.fill("Lingon")
    page.get_by_label("Queue key", exact=True).fill("Chat 9")
    page.get_by_role("tab", name="JSON").click()
    # only what changed is rewritten: the rest keeps its layout, its tabs and its unknown fields
    expected = text.replace('"Blåbär"', '"Lingon"').replace('"x-note": 1}', '"x-note": 1, "queueKey": "Chat 9"}')
    expect(page.get_by_label("rules.json (raw JSON)")).to_have_value(expected)
    # unknown fields are problems for `validate`: the save goes to the draft, keeping them
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#announce")).to_contain_text("draft rules.draft.json")
    assert path.read_text(encoding="utf-8") == text
    assert (tmp_path / "rules.draft.json").read_text(encoding="utf-8") == expected
    # a condition added rewrites that list only, in the file's indentation
    page.get_by_role("tab", name="Rules").click()
    page.get_by_role("button", name="Add condition").click()
    condition(page, 1, 2).get_by_label("Condition type").select_option(label="Device")
    page.get_by_role("tab", name="JSON").click()
    added = expected.replace('[{"type": "static", "operator": "always"}]',
                             '[\n\t\t\t\t{\n\t\t\t\t\t"type": "static",\n\t\t\t\t\t"operator": "always"\n\t\t\t\t},'
                             '\n\t\t\t\t{\n\t\t\t\t\t"type": "device",\n\t\t\t\t\t"operator": "is",\n\t\t\t\t\t"value": "desktop"\n\t\t\t\t}\n\t\t\t]')
    expect(page.get_by_label("rules.json (raw JSON)")).to_have_value(added)


def test_problems_show_next_to_their_field_as_you_type(page: Page, open_editor: Any) -> None:
    open_editor(json.dumps(TWO_RULES, indent=2) + "\n")
    engine_ready(page)
    page.get_by_role("button", name="Help", exact=True).click()
    name = page.get_by_label("Rule name")
    name.fill("Sales")  # rules[1].name: duplicate rule name
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile("duplicate rule name"))
    expect(page.locator("#problems")).to_contain_text("1 problem")
    expect(page.locator(".rule-item.has-problem")).to_have_count(1)
    value = condition(page, 1, 1).get_by_label("Value")
    value.fill("")
    value.fill("/help")
    name.fill("Help")
    expect(page.locator("#problems")).to_have_text("No problems")
    expect(name).not_to_have_attribute("aria-invalid", "true")


def test_versions_show_changes_and_restore(page: Page, open_editor: Any) -> None:
    path = open_editor(json.dumps(TWO_RULES, indent=2) + "\n")
    original = path.read_text(encoding="utf-8")
    page.get_by_label("Rule name").fill("Sales today")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#save-state")).to_have_text("Saved")
    page.get_by_role("tab", name="Versions").click()
    page.get_by_role("button", name=re.compile("^Show changes")).click()
    expect(page.locator(".diff del")).to_have_text(['-       "name": "Sales",'])
    expect(page.locator(".diff ins")).to_have_text(['+       "name": "Sales today",'])
    page.get_by_role("button", name=re.compile("^Restore")).click()
    expect(page.locator("#announce")).to_contain_text("Restored")
    assert path.read_text(encoding="utf-8") == original


VIEWS = ["Rules", "Interactions", "Schedules", "Entry points, flows, queues", "Versions", "JSON"]


@pytest.mark.parametrize("view", VIEWS)
def test_no_accessibility_violations(page: Page, open_editor: Any, view: str) -> None:
    open_editor((ROOT / "demo-site" / "rules.json").read_text(encoding="utf-8"))
    if view == "Rules":
        engine_ready(page)
    page.get_by_role("tab", name=view).click()
    expect(page.get_by_role("tab", name=view)).to_have_attribute("aria-selected", "true")
    if view == "Versions":
        expect(page.locator("#view .empty")).to_be_visible()
        page.get_by_role("tab", name="Rules").click()
        page.get_by_label("Rule name").fill("Detect a login")
        page.get_by_role("button", name="Save").click()
        expect(page.locator("#announce")).to_have_text("Saved rules.json. ")
        expect(page.locator("#save-state")).to_have_text("Saved")
        page.get_by_role("tab", name=view).click()
        page.get_by_role("button", name=re.compile("^Show changes")).click()
        expect(page.locator(".diff ins")).to_have_count(1)
    if view == "Interactions":
        seen = page.frame_locator("iframe.preview")
        expect(seen.locator("[data-engage-interaction]")).to_have_count(1)
    if view == "Schedules":
        page.get_by_label("Saturday hours").fill("10:00-14:30")
        expect(page.locator("table.week tbody tr").nth(5).locator("td.open")).to_have_count(4)
        expect(page.locator("table.week tbody tr").nth(5).locator("td.part")).to_have_count(1)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    if SCREENSHOTS and view != "Rules":  # the Puzzel test shows the Rules view
        page.set_viewport_size({"width": 1400, "height": 1000})
        page.screenshot(path=IMG / f"editor-{re.sub('[^a-z]+', '-', view.lower())}.png", full_page=False)


def test_the_read_only_copy_in_the_built_folder(page: Page, engage_build: Path, tmp_path: Path) -> None:
    """The build's editor/ under the demo's strict policy: no saving, a download, the same engine."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    text = json.dumps(TWO_RULES, indent=2) + "\n"
    (tmp_path / "rules.json").write_text(text, encoding="utf-8")
    with start_server(tmp_path, engage_build, headers=CSP_HEADERS, path_headers=CSP_PATH_HEADERS) as server:
        page.goto(server.url + "engage/editor/?config=/rules.json")
        expect(page.locator("#save-state")).to_have_text("Read-only copy")
        expect(page.get_by_role("button", name="Save")).to_have_count(0)
        expect(page.get_by_role("tab", name="Versions")).to_have_count(0)
        expect(page.get_by_role("button", name="Move Sales up")).to_be_disabled()
        expect(page.get_by_role("button", name="Move Sales down")).to_be_disabled()
        engine_ready(page)
        page.get_by_label("Pages the visitor opens (one URL a line)").fill("/shop")
        expect(decision(page)).to_have_text("Shows “sales-panel” for rule “Sales”")
        with page.expect_download() as download:
            page.get_by_role("button", name="Download").click()
        assert download.value.suggested_filename == "rules.json"
        assert Path(download.value.path()).read_text(encoding="utf-8") == text
    assert errors == []


def test_outcome_variants_pick_schedules_and_interactions_from_lists(page: Page, open_editor: Any) -> None:
    config = json.loads(json.dumps(TWO_RULES))
    config["schedules"] = {"office": {"timezone": "Europe/Oslo", "weekly": {"mon": ["08:00-16:00"]}}}
    config["rules"][0]["outcome"]["variants"] = [{"when": {"schedule": "office", "is": "closed"}, "start": "help-panel"}]
    path = open_editor(json.dumps(config, indent=2) + "\n")
    variant = page.locator("fieldset.variant")
    expect(variant.get_by_label("When schedule")).to_have_value("office")
    expect(variant.get_by_label("When schedule").locator("option")).to_have_text(["Choose from schedules…", "office"])
    expect(variant.get_by_label("Is", exact=True)).to_have_value("closed")
    expect(variant.get_by_label("Then start")).to_have_value("help-panel")
    variant.get_by_label("Is", exact=True).select_option(label="Open")
    variant.get_by_label("Then queue key").fill("Sales")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#save-state")).to_have_text("Saved")
    saved = json.loads(path.read_text(encoding="utf-8"))["rules"][0]["outcome"]["variants"]
    assert saved == [{"when": {"schedule": "office", "is": "open"}, "start": "help-panel", "queueKey": "Sales"}]


def test_add_duplicate_rename_and_delete_with_undo(page: Page, open_editor: Any) -> None:
    path = open_editor(json.dumps(TWO_RULES, indent=2) + "\n")
    names = page.locator(".rule-item .pick")
    page.get_by_role("button", name="Duplicate rule").click()
    expect(names).to_have_text(["Sales", "Sales (copy)", "Help"])
    expect(page.get_by_label("Rule name")).to_be_focused()
    page.get_by_label("Rule name").fill("Sales at night")
    expect(names).to_have_text(["Sales", "Sales at night", "Help"])
    expect(page.get_by_role("button", name="Move Sales at night up")).to_be_visible()
    page.get_by_role("button", name="Delete rule").click()
    expect(names).to_have_text(["Sales", "Help"])
    expect(page.get_by_role("button", name="Undo")).to_be_focused()
    page.keyboard.press("Enter")
    expect(names).to_have_text(["Sales", "Sales at night", "Help"])
    page.get_by_role("button", name="Add rule", exact=True).click()
    expect(names).to_have_text(["Sales", "Sales at night", "Help", "Rule 4"])
    page.get_by_role("button", name="Delete rule").click()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#save-state")).to_have_text("Saved")
    assert [r["name"] for r in json.loads(path.read_text(encoding="utf-8"))["rules"]] == ["Sales", "Sales at night", "Help"]


def test_interaction_preview_uses_the_renderer_and_the_sites_theme(page: Page, open_editor: Any) -> None:
    open_editor(json.dumps(TWO_RULES, indent=2) + "\n")
    page.get_by_role("tab", name="Interactions").click()
    seen = page.frame_locator("iframe.preview")
    expect(seen.locator("[data-engage-interaction='sales-panel']")).to_contain_text("Offers")
    page.get_by_label("Preview interaction").select_option("help-panel")
    expect(seen.locator("[data-engage-interaction='help-panel']")).to_contain_text("Need help?")
    expect(seen.locator("[data-engage-interaction='sales-panel']")).to_have_count(0)
    # editing a text redraws the preview
    page.locator("fieldset.interaction", has_text="help-panel").get_by_label("Title").fill("Can we help?")
    expect(seen.locator("[data-engage-interaction='help-panel']")).to_contain_text("Can we help?")
    page.get_by_text("Your site's theme").click()
    page.get_by_label("Background").fill("#ffeeaa")
    expect(seen.locator("html")).to_have_css("--engage-bg", "#ffeeaa")


def test_the_json_tab_offers_the_fields_the_schema_allows_at_the_cursor(page: Page, open_editor: Any) -> None:
    text = json.dumps(TWO_RULES, indent=2) + "\n"
    open_editor(text)
    page.get_by_role("tab", name="JSON").click()
    area = page.get_by_label("rules.json (raw JSON)")
    at = text.index('"start": "sales-panel"')  # inside rules[0].outcome
    area.evaluate("(el, at) => { el.focus(); el.setSelectionRange(at, at); }", at)
    page.keyboard.press("ArrowRight")
    hints = page.locator(".completion")
    expect(hints).to_contain_text("Fields you can add to rules[0].outcome:")
    expect(hints.get_by_role("button")).to_have_text(["queueKey", "variants"])
    at = text.index('"selector": "#account"')  # inside a detectLogin interaction: its own fields only
    area.evaluate("(el, at) => { el.focus(); el.setSelectionRange(at, at); }", at)
    page.keyboard.press("ArrowRight")
    expect(hints.get_by_role("button")).to_have_text(["custom"])


def test_a_panels_buttons_are_rows_of_their_own(page: Page, open_editor: Any) -> None:
    config = json.loads(json.dumps(TWO_RULES))
    config["interactions"]["sales-panel"]["buttons"] = [{"label": "Chat now", "next": "help-panel"}, {"label": "No thanks", "action": "close"}]
    path = open_editor(json.dumps(config, indent=2) + "\n")
    page.get_by_role("tab", name="Interactions").click()
    panel = page.locator("fieldset.interaction", has_text="sales-panel")
    first = panel.get_by_role("group", name="Buttons 1")
    expect(first.get_by_label("Label")).to_have_value("Chat now")
    expect(first.get_by_label("Next")).to_have_value("help-panel")
    panel.get_by_role("group", name="Buttons 2").get_by_label("Label").fill("Later")
    panel.get_by_role("button", name="Remove button 1").click()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#save-state")).to_have_text("Saved")
    saved = json.loads(path.read_text(encoding="utf-8"))["interactions"]["sales-panel"]["buttons"]
    assert saved == [{"label": "Later", "action": "close"}]


def test_a_config_with_problems_is_saved_as_a_draft_and_reopened(page: Page, open_editor: Any, tmp_path: Path) -> None:
    text = json.dumps(TWO_RULES, indent=2) + "\n"
    path = open_editor(text)
    page.get_by_label("Rule name").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#announce")).to_contain_text("Not saved over rules.json")
    expect(page.locator("#announce")).to_contain_text("draft rules.draft.json")
    expect(page.get_by_label("Rule name")).to_have_attribute("aria-invalid", "true")
    assert path.read_text(encoding="utf-8") == text
    assert json.loads((tmp_path / "rules.draft.json").read_text(encoding="utf-8"))["rules"][0]["name"] == ""
    page.reload()
    page.get_by_role("button", name="Open the draft").click()
    expect(page.get_by_label("Rule name")).to_have_value("")
    expect(page.locator("#save-state")).to_have_text("Unsaved changes")
    page.get_by_label("Rule name").fill("Sales again")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#save-state")).to_have_text("Saved")
    assert json.loads(path.read_text(encoding="utf-8"))["rules"][0]["name"] == "Sales again"
    assert not (tmp_path / "rules.draft.json").exists()
