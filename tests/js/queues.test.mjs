// web/observe.js's queue status reads under Node (fetch and the document stubbed): the
// status URLs the engine watched on the tab's page before are read while it boots, and the
// first poll takes those reads for the queues the engine still watches.
import assert from "node:assert/strict";
import {test} from "node:test";

/** @type {string[]} */
const fetched = [];
Object.assign(globalThis, {
  location: {href: "https://shop.test/"},
  document: {hidden: false, baseURI: "https://shop.test/"},
  fetch: async (/** @type {URL} */ url) => {
    fetched.push(String(url));
    return {ok: true, status: 200, json: async () => ({agentsAvailable: 2, queueLength: 1})};
  },
});
const {createObserver} = await import("../../web/observe.js");

function observer() {
  /** @type {any[]} */
  const sent = [];
  /** @type {string[]} */
  const reported = [];
  const obs = createObserver({send: (f) => sent.push(f), report: (m) => reported.push(m), guard: (fn) => fn});
  return {obs, sent, reported};
}

test("a status URL read while the engine boots is not read again by the first poll", async () => {
  fetched.length = 0;
  const {obs, sent} = observer();
  obs.prefetch({Support: "/api/support.json"});
  assert.deepEqual(fetched, ["https://shop.test/api/support.json"]);
  await obs.pollQueues({Support: "/api/support.json"}, true);
  assert.equal(fetched.length, 1, "taken from the early read");
  assert.deepEqual(sent.map((f) => [f.type, f.queueKey, f.agentsAvailable]), [["queueStatus", "Support", 2]]);
  // later polls read afresh
  await obs.pollQueues({Support: "/api/support.json"}, false);
  assert.equal(fetched.length, 2);
});

test("an early read the engine no longer asks for is not used; what it asks for is read", async () => {
  fetched.length = 0;
  const {obs, sent} = observer();
  obs.prefetch({Support: "/api/old.json", Gone: "/api/gone.json"});
  await obs.pollQueues({Support: "/api/support.json"}, true);
  assert.deepEqual(fetched.slice(2), ["https://shop.test/api/support.json"]);
  assert.deepEqual(sent.map((f) => f.queueKey), ["Support"]);
});
