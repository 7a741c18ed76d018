/** Intercom Messenger. Reference: https://developers.intercom.com/installing-intercom/web/methods
 * open: Intercom('showNewMessage'); routing: Intercom('update', routing.attributes) (attributes
 * Intercom's assignment rules route on); locale: Intercom('update', {language_override});
 * events: Intercom('onShow') started, Intercom('onHide') closed; no ended event, no availability. */
/** @type {import("./adapter.js").ChatAdapter} */
export default {
  name: "intercom",
  reference: "https://developers.intercom.com/installing-intercom/web/methods",
  endsOnClose: true,
  ready: (w) => typeof w.Intercom === "function" && !("q" in w.Intercom),  // the snippet's stub queues in .q
  listen(w, on) {
    w.Intercom("onShow", on.started);
    w.Intercom("onHide", on.closed);
  },
  open(w, {routing, locale}) {
    const update = {...(routing.attributes || {})};
    if (locale) update.language_override = locale;
    if (Object.keys(update).length) w.Intercom("update", update);
    w.Intercom("showNewMessage");
  },
};
