// Stand-in for Chatwoot's $chatwoot, from https://github.com/chatwoot/chatwoot/blob/develop/app/javascript/entrypoints/sdk.js
window.$chatwoot = {
  hasLoaded: true,
  toggle(state) { __chat.call("toggle", state); },
  setLabel(label) { __chat.call("setLabel", label); },
  setLocale(locale) { __chat.call("setLocale", locale); },
};
__chat.on("chatwoot:on-message", () => window.dispatchEvent(new CustomEvent("chatwoot:on-message", {detail: {}})));
