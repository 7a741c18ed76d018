/** LivePerson Web Tag (lpTag). References: https://developers.liveperson.com/web-tag-events-event-binding.html
 * and https://developers.liveperson.com/web-tag-events-events.html (chat window "state" event).
 * open: lpTag.taglets.rendererStub.click(routing.engagementId) (an engagement of the site's
 * campaign; required); routing: lpTag.section = routing.section (the sections LivePerson's
 * campaigns target); locale: none (set per engagement in LivePerson); events:
 * lpTag.events.bind("lpUnifiedWindow", "state") "chatting" started, "ended" ended; no availability. */
/** @type {import("./adapter.js").ChatAdapter} */
export default {
  name: "liveperson",
  reference: "https://developers.liveperson.com/web-tag-events-event-binding.html",
  ready: (w) => !!w.lpTag && !!w.lpTag.events && typeof w.lpTag.events.bind === "function"
    && !!w.lpTag.taglets && !!w.lpTag.taglets.rendererStub,
  listen(w, on) {
    w.lpTag.events.bind("lpUnifiedWindow", "state", (/** @type {any} */ data) => {
      const state = data && data.state;
      if (state === "chatting") on.started();
      else if (state === "ended") on.ended();
    });
  },
  open(w, {routing}) {
    if (!routing.engagementId) throw new Error("queues.<key>.routing.liveperson.engagementId is needed to open a LivePerson engagement");
    if (Array.isArray(routing.section)) w.lpTag.section = routing.section;
    w.lpTag.taglets.rendererStub.click(routing.engagementId);
  },
};
