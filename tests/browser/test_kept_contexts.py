"""The browser tests' kept contexts (conftest.KeptContexts): the next test is a first-time
visitor whose browser already holds the engine's runtime."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.demo_helpers import WEDNESDAY_10, WEDNESDAY_20
from tests.browser.kept import KeptContexts

WRITE = """async () => {
  localStorage.setItem("visitor", "seen");
  document.cookie = "visitor=seen; path=/";
  await new Promise((done) => { const r = indexedDB.open("visitor"); r.onsuccess = () => { r.result.close(); done(); }; });
  await (await caches.open("engage-runtime")).put("/kept", new Response("runtime"));
}"""

READ = """async () => ({
  local: localStorage.length,
  cookie: document.cookie,
  databases: (await indexedDB.databases()).map((d) => d.name),
  runtime: await (await caches.open("engage-runtime")).match("/kept") ? "kept" : "gone",
  now: new Date().toISOString(),
})"""


def test_a_kept_context_forgets_the_visitor_and_keeps_the_runtime(kept_contexts: KeptContexts, demo_url: str) -> None:
    key = "test_kept_contexts"
    page: Page = kept_contexts.take(key, {}, None, WEDNESDAY_10).new_page()
    page.goto(demo_url + "api/queues/sales.json")  # the demo's origin, no engine
    page.evaluate(WRITE)
    assert page.evaluate(READ)["local"] == 1
    kept_contexts.release(key)

    context = kept_contexts.take(key, {}, None, WEDNESDAY_20)
    assert context.pages == []
    page = context.new_page()
    page.goto(demo_url + "api/queues/sales.json")
    assert page.evaluate(READ) == {
        "local": 0, "cookie": "", "databases": [], "runtime": "kept", "now": "2026-11-25T19:00:00.000Z",
    }  # fmt: skip
    kept_contexts.release(key)
