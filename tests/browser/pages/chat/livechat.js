// Stand-in for LiveChat's LiveChatWidget, from https://platform.text.com/docs/extending-chat-widget/javascript-api
// with the names typed in github.com/livechat/chat-widget-adapters packages/widget-core/src/types.ts
// (call 'maximize' / 'set_session_variables'; on 'new_event', 'visibility_changed',
// 'availability_changed'; get('state') -> {availability, visibility}).
window.LiveChatWidget = {
  call(method, arg) { __chat.call(method, ...(arg === undefined ? [] : [arg])); },
  on(event, fn) { __chat.on(event, fn); },
  get(what) { return what === "state" ? {availability: window.__livechatAvailability || "online", visibility: "minimized"} : null; },
};
