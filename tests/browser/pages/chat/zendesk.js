// Stand-in for Zendesk's messaging Web Widget, from https://developer.zendesk.com/api-reference/widget-messaging/web/core
// (#open, #on-open, #on-close, #set-locale, #set-conversation-tags).
window.zE = function (scope, name, arg) {
  if (scope === "messenger:on") return __chat.on(name, arg);
  __chat.call(`${scope}:${name}`, ...(arg === undefined ? [] : [arg]));
  if (scope === "messenger" && name === "open") __chat.fire("open");
};
