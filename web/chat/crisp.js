/** Crisp chatbox. Reference: https://docs.crisp.chat/guides/chatbox-sdks/web-sdk/dollar-crisp/
 * (the same calls in Crisp's own Web SDK: github.com/crisp-im/crisp-sdk-web, src/chat.ts and
 * src/index.ts).
 * open: $crisp.push(["do", "chat:open"]); routing: $crisp.push(["set", "session:segments",
 * [routing.segments]]) ("Push session segments"); locale: none at run time (the chatbox reads
 * CRISP_RUNTIME_CONFIG.locale once, when it loads; crisp-sdk-web sets it only before load);
 * events: ["on", "message:sent"] started, ["on", "chat:closed"] closed; availability:
 * $crisp.is("website:available") ("true if the website support is online, else false if
 * away") when the adapter starts and again on ["on", "website:availability:changed"]. Loaded:
 * $crisp.is exists (it is not async-safe, so the snippet's queue array lacks it). */
/** @type {import("./adapter.js").ChatAdapter} */
export default {
  name: "crisp",
  reference: "https://docs.crisp.chat/guides/chatbox-sdks/web-sdk/dollar-crisp/",
  endsOnClose: true,
  ready: (w) => !!w.$crisp && typeof w.$crisp.is === "function",
  listen(w, on) {
    const available = () => on.availability(!!w.$crisp.is("website:available"));
    w.$crisp.push(["on", "message:sent", on.started]);
    w.$crisp.push(["on", "chat:closed", on.closed]);
    w.$crisp.push(["on", "website:availability:changed", available]);
    available();
  },
  open(w, {routing}) {
    if (Array.isArray(routing.segments)) w.$crisp.push(["set", "session:segments", [routing.segments]]);
    w.$crisp.push(["do", "chat:open"]);
  },
};
