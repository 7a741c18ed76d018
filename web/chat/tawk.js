/** tawk.to widget. Reference: https://developer.tawk.to/jsapi/ (the same API in tawk.to's own
 * docs/api-reference.md of github.com/tawk/tawk-messenger-vue-3).
 * open: Tawk_API.maximize(); routing: Tawk_API.addTags(routing.tags, callback); locale: none
 * (the API has no language call; a widget's language is set in tawk.to's dashboard);
 * events: Tawk_API.onChatStarted started, onChatEnded ended, onChatMinimized closed;
 * availability: Tawk_API.onStatusChange(status) and getStatus() ("online", "away", "offline").
 * The site's own callbacks on Tawk_API are kept: ours run after them. */
/** Runs fn after the site's own callback `name` on the Tawk_API object.
 * @param {any} api @param {string} name @param {(...args: any[]) => void} fn */
function chain(api, name, fn) {
  const before = api[name];
  api[name] = /** @this {any} */ function (/** @type {any[]} */ ...args) {
    if (typeof before === "function") before.apply(this, args);
    fn(...args);
  };
}
/** @type {import("./adapter.js").ChatAdapter} */
export default {
  name: "tawk",
  reference: "https://developer.tawk.to/jsapi/",
  ready: (w) => !!w.Tawk_API && typeof w.Tawk_API.maximize === "function",
  listen(w, on) {
    const api = w.Tawk_API;
    chain(api, "onChatStarted", on.started);
    chain(api, "onChatEnded", on.ended);
    chain(api, "onChatMinimized", on.closed);
    chain(api, "onStatusChange", (/** @type {unknown} */ status) => on.availability(status === "online"));
    if (typeof api.getStatus === "function") on.availability(api.getStatus() === "online");
  },
  open(w, {routing}) {
    if (Array.isArray(routing.tags)) w.Tawk_API.addTags(routing.tags, () => {});
    w.Tawk_API.maximize();
  },
};
