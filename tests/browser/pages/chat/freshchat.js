// Stand-in for Freshchat's fcWidget, after https://developers.freshchat.com/web-sdk/v1 and the
// vendor's published widget API, https://github.com/freshworks/freshchat-widget (js/widget.js):
// on() keeps only the events that file lists, setTags() is ignored until the widget has loaded,
// open() takes an optional channel ({name}).
const EVENTS = ["widget:opened", "widget:closed", "widget:loaded", "user:created", "user:cleared",
  "message:sent", "message:received", "unreadCount:notify", "push:subscribed"];
window.fcWidget = {
  isLoaded() { return true; },
  open(channel) { __chat.call("open", ...(channel === undefined ? [] : [channel])); },
  setTags(tags) { if (this.isLoaded()) __chat.call("setTags", tags); },
  on(event, fn) { if (EVENTS.includes(event)) __chat.on(event, fn); },
  user: {setLocale(locale) { __chat.call("user.setLocale", locale); }},
};
