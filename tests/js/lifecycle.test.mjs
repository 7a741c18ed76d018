// web/lifecycle.js under Node's test runner: the loader's state table, its queueing, the
// journal kept across page loads and the crash replay, without a browser.
import assert from "node:assert/strict";
import {test} from "node:test";

import {
  TABLE, canPost, fatal, journal, lost, machine, pageFact, phase, replay, replayed, restamp, started, step, syncOnly,
} from "../../web/lifecycle.js";

/** @param {...string} events */
const run = (...events) => events.reduce((m, e) => step(m, /** @type {any} */ (e)), machine());
const page = pageFact({url: "https://shop.test/b", title: "B", referrer: "", cause: "load", reload: false, now: 5});

test("a page boots: init answered with the watch, then the first facts' answer makes it ready", () => {
  assert.equal(machine().state, "booting");
  assert.equal(run("watched").state, "gathering");
  assert.equal(run("watched", "answered").state, "ready");
  // only a ready engine takes queued facts; before, they wait for the first batch
  assert.deepEqual(["booting", "gathering", "ready"].map((s) => canPost({state: /** @type {any} */ (s), prior: null, restarts: 0})), [false, false, true]);
});

test("an answer out of turn changes nothing (init's answer twice, an answer while booting)", () => {
  assert.equal(run("answered").state, "booting");
  assert.equal(run("watched", "answered", "watched").state, "ready");
});

test("a crash after the first decision restarts once; a second one, or one before it, is final", () => {
  const restarting = run("watched", "answered", "crashed");
  assert.equal(restarting.state, "restarting");
  assert.equal(restarting.restarts, 1);
  assert.equal(fatal(run("watched")), true, "before the first decision");
  assert.equal(fatal(run("watched", "answered")), false);
  assert.equal(fatal(restarting), true, "already restarted once");
  assert.equal(step(restarting, "crashed").state, "failed");
  const back = step(step(restarting, "watched"), "answered");
  assert.equal(back.state, "ready");
  assert.equal(started(restarting), true);
});

test("the watchdog's probe restart is not counted until its answer shows the stall passed", () => {
  const probing = run("watched", "answered", "restart");
  assert.equal(probing.state, "restarting");
  assert.equal(probing.restarts, 0);
  assert.equal(step(probing, "probed").restarts, 1);
  assert.equal(run("restart").state, "booting", "a stall at boot boots again");
  assert.equal(run("watched", "restart").state, "booting");
});

test("failed is final: no event leaves it", () => {
  const failed = run("failed");
  for (const e of ["watched", "answered", "crashed", "restart", "pagehide", "pageshow"]) assert.equal(step(failed, /** @type {any} */ (e)).state, "failed");
  assert.deepEqual(TABLE.failed, {});
});

test("a hidden page keeps living underneath and a bfcache return resumes where it got", () => {
  const left = run("watched", "pagehide");
  assert.deepEqual([left.state, left.prior], ["left", "gathering"]);
  const answered = step(left, "answered");
  assert.deepEqual([answered.state, answered.prior], ["left", "ready"]);
  assert.equal(phase(answered), "ready");
  assert.equal(canPost(answered), true);
  assert.equal(step(answered, "pageshow").state, "ready");
  assert.equal(step(left, "failed").state, "failed");
  assert.equal(step(run("watched", "answered", "crashed", "pagehide"), "crashed").state, "failed");
});

test("queueing: a batch of other tabs' states only is a sync; facts made before boot carry the boot time", () => {
  assert.equal(syncOnly([{type: "sessionSync"}, {type: "sessionSync"}]), true);
  assert.equal(syncOnly([{type: "sessionSync"}, {type: "tick", now: 1}]), false);
  assert.equal(syncOnly([]), false);
  const before = [{type: "push", now: 1, data: {}}, {type: "sessionSync"}];
  assert.deepEqual(restamp(before, 9), [{type: "push", now: 9, data: {}}, {type: "sessionSync"}]);
  assert.equal(before[0].now, 1, "the queue's facts are not changed in place");
});

test("the journal before the first decision: what was carried over, this page, the queue", () => {
  const carried = [{type: "push", now: 1, data: {a: 1}}, {type: "device"}];
  const queue = [{type: "action", now: 2}, {type: "tick", now: 3}];
  assert.deepEqual(journal({m: machine(), inflight: [], carried, page, queue}),
    [carried[0], page, queue[0]]);
  // the first facts are in flight: they already hold what was carried and this page
  const first = [{type: "device"}, {type: "push", now: 1, data: {a: 1}}, page];
  assert.deepEqual(journal({m: run("watched"), inflight: first, carried: [], page, queue}), [first[1], page, queue[0]]);
});

test("the journal once ready: the facts in flight and the queue, never this page again; nothing after a failure", () => {
  const inflight = [{type: "push", now: 4, data: {}}, {type: "tick", now: 4}];
  assert.deepEqual(journal({m: run("watched", "answered", "pagehide"), inflight, carried: [], page, queue: [{type: "visibility", now: 5}]}), [inflight[0]]);
  assert.deepEqual(journal({m: run("watched", "answered"), inflight: [], carried: [], page, queue: []}), []);
  assert.deepEqual(journal({m: run("failed"), inflight, carried: [], page, queue: inflight}), []);
});

test("the next page replays a recent journal's push, action and page facts only", () => {
  const facts = [{type: "push", now: 1}, {type: "tick", now: 1}, null, {type: 3}, {type: "page", now: 1}];
  assert.deepEqual(replayed({savedAt: 1000, facts}, 2000), [facts[0], facts[4]]);
  assert.deepEqual(replayed({savedAt: 1000, facts}, 1000 + 18e5), [], "older than 30 minutes");
  assert.deepEqual(replayed(null, 1), []);
  assert.deepEqual(replayed({savedAt: "x", facts}, 1), []);
  assert.deepEqual(replayed({savedAt: 1, facts: "no"}, 1), []);
});

test("a page left before the journal's module arrived: the unread earlier journal, that page, its queue", () => {
  const earlier = {savedAt: 1000, facts: [{type: "push", now: 900}]};
  const left = {url: "https://shop.test/leave", title: "Leave", referrer: "", now: 1500};
  const saved = {savedAt: 1500, earlier, left, facts: [{type: "push", now: 1400}, {type: "tick", now: 1400}]};
  assert.deepEqual(replayed(saved, 2000), [
    {type: "push", now: 900},
    pageFact({url: left.url, title: "Leave", referrer: "", cause: "load", reload: false, now: 1500}),
    {type: "push", now: 1400},
  ]);
  assert.deepEqual(replayed({...saved, earlier: {...earlier, savedAt: 2000 - 18e5}}, 2000).length, 2, "an old earlier journal is dropped");
  assert.deepEqual(replayed({...saved, left: {url: 3, now: 1}}, 2000).length, 2, "a malformed page is dropped");
  let chain = {savedAt: 1500, facts: [{type: "push", now: 0}]};
  for (let i = 1; i < 15; i++) chain = {savedAt: 1500, earlier: chain, facts: [{type: "push", now: i}]};
  assert.equal(replayed(chain, 2000).length, 11, "ten earlier pages at most, and this one");
});

test("crash replay: what the dead worker had not answered, then the page again as a reload and a tick", () => {
  const inflight = [{type: "page", now: 1}, {type: "push", now: 2, data: {}}, {type: "tick", now: 2}];
  const queue = [{type: "exitIntent", now: 3}];
  const gone = lost([], inflight, queue);
  assert.deepEqual(gone, [inflight[1], queue[0]]);
  assert.deepEqual(lost([{type: "push", now: 0}], [], []), [{type: "push", now: 0}], "init in flight: what it was to get");
  const last = pageFact({url: "https://shop.test/a", title: "A", referrer: "r", cause: "pushState", reload: false, now: 1, languages: ["en"]});
  const observed = [{type: "selectors", results: {}}];
  assert.deepEqual(replay({observed, lastPage: last, url: "https://shop.test/b", title: "B", lost: gone, now: 9}), [
    observed[0],
    {type: "page", now: 1, url: "https://shop.test/b", title: "B", referrer: "r", cause: "load", reload: true, languages: ["en"]},
    ...gone,
    {type: "tick", now: 9},
  ]);
  assert.deepEqual(replay({observed: [], lastPage: null, url: "u", title: "t", lost: [], now: 9}), [{type: "tick", now: 9}]);
});

test("the table names only its states, and every state is reachable from booting", () => {
  const states = new Set(Object.keys(TABLE));
  const seen = new Set(["booting"]);
  for (let grew = true; grew;) {
    grew = false;
    for (const s of [...seen]) for (const next of Object.values(TABLE[/** @type {keyof typeof TABLE} */ (s)])) {
      assert.ok(states.has(/** @type {string} */ (next)), next);
      if (!seen.has(/** @type {string} */ (next))) { seen.add(/** @type {string} */ (next)); grew = true; }
    }
  }
  assert.deepEqual([...seen].sort(), [...states].sort());
});
