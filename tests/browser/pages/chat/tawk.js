// Stand-in for tawk.to's Tawk_API, from https://developer.tawk.to/jsapi/ (maximize, addTags, getStatus;
// callbacks onChatStarted, onChatEnded, onChatMinimized, onStatusChange), as also listed in
// github.com/tawk/tawk-messenger-vue-3 docs/api-reference.md.
window.Tawk_API = window.Tawk_API || {};
Object.assign(window.Tawk_API, {
  maximize() { __chat.call("maximize"); },
  addTags(tags, callback) { __chat.call("addTags", tags); callback(null); },
  getStatus() { return window.__tawkStatus || "online"; },
});
for (const name of ["onChatStarted", "onChatEnded", "onChatMinimized", "onStatusChange"]) {
  __chat.on(name, (arg) => { if (typeof Tawk_API[name] === "function") Tawk_API[name](arg); });
}
