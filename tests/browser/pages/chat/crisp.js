// Stand-in for Crisp's $crisp, from https://docs.crisp.chat/guides/chatbox-sdks/web-sdk/dollar-crisp/
// (push ["do", "chat:open"], ["set", "session:segments", [[...]]], ["on", event, fn]; is("website:available"))
// and the event names in github.com/crisp-im/crisp-sdk-web src/chat.ts, src/index.ts
// ("chat:closed", "website:availability:changed").
window.$crisp = {
  push([kind, name, arg]) {
    if (kind === "on") return __chat.on(name, arg);
    __chat.call(`${kind}:${name}`, ...(arg === undefined ? [] : [arg]));
  },
  is(name) { return name === "website:available" ? window.__crispAvailable !== false : false; },
};
