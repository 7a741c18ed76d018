/** Chatwoot live-chat widget SDK. Reference: https://github.com/chatwoot/chatwoot/blob/develop/app/javascript/entrypoints/sdk.js
 * open: window.$chatwoot.toggle('open'); routing: $chatwoot.setLabel(routing.label); locale:
 * $chatwoot.setLocale(locale) (all three, and hasLoaded, are defined in that file); events: the
 * window event "chatwoot:on-message" (dispatched by the SDK's app/javascript/sdk/IFrameHelper.js;
 * see also github.com/orgs/chatwoot/discussions/9733) started; no closed or ended event in the
 * SDK versions checked (the site pushes chatEnded), no availability. Loaded: $chatwoot.hasLoaded. */
/** @type {import("./adapter.js").ChatAdapter} */
export default {
  name: "chatwoot",
  reference: "https://github.com/chatwoot/chatwoot/blob/develop/app/javascript/entrypoints/sdk.js",
  ready: (w) => !!w.$chatwoot && w.$chatwoot.hasLoaded === true,
  listen(w, on) {
    w.addEventListener("chatwoot:on-message", on.started);
  },
  open(w, {routing, locale}) {
    if (locale) w.$chatwoot.setLocale(locale);
    if (routing.label) w.$chatwoot.setLabel(routing.label);
    w.$chatwoot.toggle("open");
  },
};
