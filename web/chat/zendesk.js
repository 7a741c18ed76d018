/** Zendesk messaging Web Widget. Reference: https://developer.zendesk.com/api-reference/widget-messaging/web/core
 * (sections Open, On Open, On Close, Set locale, Set conversation tags; the same names are
 * typed in DefinitelyTyped's types/zendesk-web-widget/index.d.ts, which links each section).
 * open: zE('messenger', 'open'); routing: zE('messenger:set', 'conversationTags', routing.tags)
 * (Zendesk's triggers route on tags); locale: zE('messenger:set', 'locale', locale); events:
 * zE('messenger:on', 'open') started, zE('messenger:on', 'close') closed; no "ended" event, no
 * availability. */
/** @type {import("./adapter.js").ChatAdapter} */
export default {
  name: "zendesk",
  reference: "https://developer.zendesk.com/api-reference/widget-messaging/web/core",
  endsOnClose: true,
  ready: (w) => typeof w.zE === "function",
  listen(w, on) {
    w.zE("messenger:on", "open", on.started);
    w.zE("messenger:on", "close", on.closed);
  },
  open(w, {routing, locale}) {
    if (locale) w.zE("messenger:set", "locale", locale);
    if (Array.isArray(routing.tags)) w.zE("messenger:set", "conversationTags", routing.tags);
    w.zE("messenger", "open");
  },
};
