/** Crisp chatbox. Reference: https://docs.crisp.chat/guides/chatbox-sdks/web-sdk/dollar-crisp/
 * open: $crisp.push(["do", "chat:open"]); routing: $crisp.push(["set", "session:segments",
 * [routing.segments]]); locale: none at run time (CRISP_RUNTIME_CONFIG is read before load);
 * events: ["on", "message:sent"] started, ["on", "chat:closed"] closed; availability:
 * $crisp.is("website:available") when the adapter starts. Loaded: $crisp.is exists (it is
 * not async-safe, so the snippet's queue array lacks it). */
/** @type {import("./adapter.js").ChatAdapter} */
export default {
  name: "crisp",
  reference: "https://docs.crisp.chat/guides/chatbox-sdks/web-sdk/dollar-crisp/",
  endsOnClose: true,
  ready: (w) => !!w.$crisp && typeof w.$crisp.is === "function",
  listen(w, on) {
    w.$crisp.push(["on", "message:sent", on.started]);
    w.$crisp.push(["on", "chat:closed", on.closed]);
    on.availability(!!w.$crisp.is("website:available"));
  },
  open(w, {routing}) {
    if (Array.isArray(routing.segments)) w.$crisp.push(["set", "session:segments", [routing.segments]]);
    w.$crisp.push(["do", "chat:open"]);
  },
};
