/** Intercom Messenger. References: https://developers.intercom.com/installing-intercom/web/methods
 * (Intercom('update'), Intercom('showNewMessage'), Intercom('onShow'), Intercom('onHide')) and
 * https://www.intercom.com/help/en/articles/9423842-enforce-the-language-of-the-messenger-fin-ai-agent-and-workflows-for-specific-users
 * (the `language_override` attribute, settable from the JavaScript snippet).
 * open: Intercom('showNewMessage'); routing: Intercom('update', routing.attributes) (attributes
 * Intercom's assignment rules route on); locale: Intercom('update', {language_override});
 * events: Intercom('onShow') started, Intercom('onHide') closed; no ended event, no
 * availability. */
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
