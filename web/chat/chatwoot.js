/** Chatwoot live-chat widget SDK. Reference: https://github.com/chatwoot/chatwoot/blob/develop/app/javascript/entrypoints/sdk.js
 * open: window.$chatwoot.toggle('open'); routing: $chatwoot.setLabel(routing.label); locale:
 * $chatwoot.setLocale(locale); events: window "chatwoot:on-message" started; no closed or
 * ended event (the site pushes chatEnded), no availability. Loaded: $chatwoot.hasLoaded. */
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
