// Stand-in for Crisp's $crisp, from https://docs.crisp.chat/guides/chatbox-sdks/web-sdk/dollar-crisp/
window.$crisp = {
  push([kind, name, arg]) {
    if (kind === "on") return __chat.on(name, arg);
    __chat.call(`${kind}:${name}`, ...(arg === undefined ? [] : [arg]));
  },
  is(name) { return name === "website:available" ? window.__crispAvailable !== false : false; },
};
