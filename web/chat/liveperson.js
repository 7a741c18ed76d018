/** LivePerson Web Tag (lpTag). References: https://developers.liveperson.com/trigger-click.html
 * (lpTag.taglets.rendererStub.click(engagementId): "simulates a mouse click on an engagement"),
 * https://developers.liveperson.com/web-tag-events-event-binding.html (lpTag.events.bind) and
 * https://developers.liveperson.com/web-tag-events-events.html (lpUnifiedWindow "state" with
 * "chatting" / "ended", lpUnifiedWindow "windowClosed", LP_OFFERS "START" whose `state` is the
 * agents' state: 1 online, 2 offline, 4 busy).
 * open: rendererStub.click(routing.engagementId) (an engagement of the site's campaign;
 * required); routing: lpTag.section = routing.section (the sections LivePerson's campaigns
 * target); locale: none (the page sets no language; an engagement's language and skill are set
 * in LivePerson, so route a language through its own engagementId); events: state "chatting"
 * started, "ended" ended, "windowClosed" closed; availability: the agents' state of the
 * engagements the tag starts (LP_OFFERS START). */
const AGENTS = {1: true, 2: false, 4: false};  // LP_OFFERS START `state`: online, offline, busy
/** @type {import("./adapter.js").ChatAdapter} */
export default {
  name: "liveperson",
  reference: "https://developers.liveperson.com/trigger-click.html",
  ready: (w) => !!w.lpTag && !!w.lpTag.events && typeof w.lpTag.events.bind === "function"
    && !!w.lpTag.taglets && !!w.lpTag.taglets.rendererStub,
  listen(w, on) {
    w.lpTag.events.bind("lpUnifiedWindow", "state", (/** @type {any} */ data) => {
      const state = data && data.state;
      if (state === "chatting") on.started();
      else if (state === "ended") on.ended();
    });
    w.lpTag.events.bind("lpUnifiedWindow", "windowClosed", on.closed);
    w.lpTag.events.bind("LP_OFFERS", "START", (/** @type {any} */ data) => {
      if (data && data.state in AGENTS) on.availability(AGENTS[/** @type {1 | 2 | 4} */ (data.state)]);
    });
  },
  open(w, {routing}) {
    if (!routing.engagementId) throw new Error("queues.<key>.routing.liveperson.engagementId is needed to open a LivePerson engagement");
    if (Array.isArray(routing.section)) w.lpTag.section = routing.section;
    w.lpTag.taglets.rendererStub.click(routing.engagementId);
  },
};
