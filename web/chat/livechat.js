/** LiveChat Chat Widget. Reference: https://platform.text.com/docs/extending-chat-widget/javascript-api
 * (its names as typed by LiveChat's own adapters: github.com/livechat/chat-widget-adapters,
 * packages/widget-core/src/types.ts and assign-event-handlers.ts).
 * open: LiveChatWidget.call('maximize'); routing: LiveChatWidget.call('set_session_variables',
 * routing.sessionVariables) (the group is chosen at load with __lc.group); locale: none (the
 * API has no language call; a group's language is set in LiveChat); events: on('new_event')
 * started (a greeting, an event carrying `greeting`, is an invitation, not a conversation),
 * on('visibility_changed') to "minimized" closed; availability: on('availability_changed') and
 * get('state').availability ("online" / "offline"). Loaded: get() works (the snippet's get
 * throws "You can't use getters before load"). */
/** @type {import("./adapter.js").ChatAdapter} */
export default {
  name: "livechat",
  reference: "https://platform.text.com/docs/extending-chat-widget/javascript-api",
  endsOnClose: true,
  ready(w) {
    try { return !!w.LiveChatWidget && !!w.LiveChatWidget.get("state"); } catch { return false; }
  },
  listen(w, on) {
    const lc = w.LiveChatWidget;
    lc.on("new_event", (/** @type {any} */ event) => { if (!(event && event.greeting)) on.started(); });
    lc.on("visibility_changed", (/** @type {any} */ data) => { if (data && data.visibility === "minimized") on.closed(); });
    lc.on("availability_changed", (/** @type {any} */ data) => on.availability(!!data && data.availability === "online"));
    on.availability(lc.get("state").availability === "online");
  },
  open(w, {routing}) {
    if (routing.sessionVariables) w.LiveChatWidget.call("set_session_variables", routing.sessionVariables);
    w.LiveChatWidget.call("maximize");
  },
};
