// web/chat/adapter.js under Node (a fake tawk.to widget on a stubbed window): the vendor's
// availability becomes queueStatus pushes for the queue keys the engine's watch names, and
// what the vendor said before those keys arrived (init's answer comes after the renderer
// was made) is pushed once they do, not lost.
import assert from "node:assert/strict";
import {test} from "node:test";

/** @type {any} */
const api = {maximize() {}, getStatus: () => "offline"};
Object.assign(globalThis, {window: {Tawk_API: api}});
const adapter = await import("../../web/chat/adapter.js");

test("availability said before the queue keys came is pushed for them when they come, once", async () => {
  /** @type {any[]} */
  const sent = [];
  /** @type {string[]} */
  const reported = [];
  const ctx = {send: (/** @type {any} */ f) => sent.push(f), report: (/** @type {string} */ m) => reported.push(m), ui: {}};
  await adapter.watch("tawk", [], ctx);  // subscribed: getStatus() says offline, no keys yet
  assert.deepEqual(reported, []);
  assert.equal(typeof api.onStatusChange, "function", "the adapter listens");
  assert.deepEqual(sent, []);
  adapter.queues(["Sales", "Support"], ctx);
  assert.deepEqual(sent.map((f) => [f.type, f.queueKey, f.agentsAvailable]), [["queueStatus", "Sales", 0], ["queueStatus", "Support", 0]]);
  assert.ok(sent.every((f) => typeof f.now === "number"));
  sent.length = 0;
  adapter.queues(["Sales", "Support"], ctx);  // the same keys again (a restarted engine's init): nothing new
  assert.deepEqual(sent, []);
  api.onStatusChange("online");
  assert.deepEqual(sent.map((f) => [f.queueKey, f.agentsAvailable]), [["Sales", 1], ["Support", 1]]);
  sent.length = 0;
  adapter.queues(["Sales", "Support", "Billing"], ctx);  // a key not known before gets what the vendor said last
  assert.deepEqual(sent.map((f) => [f.queueKey, f.agentsAvailable]), [["Billing", 1]]);
});
