// Stand-in for LiveChat's LiveChatWidget, from https://platform.text.com/docs/extending-chat-widget/javascript-api
window.LiveChatWidget = {
  call(method, arg) { __chat.call(method, ...(arg === undefined ? [] : [arg])); },
  on(event, fn) { __chat.on(event, fn); },
  get(what) { return what === "state" ? {availability: "online", visibility: "minimized"} : null; },
};
