// Stand-in for Freshchat's fcWidget, from https://developers.freshchat.com/web-sdk/v1
window.fcWidget = {
  isLoaded() { return true; },
  open(options) { __chat.call("open", ...(options === undefined ? [] : [options])); },
  setTags(tags) { __chat.call("setTags", tags); },
  on(event, fn) { __chat.on(event, fn); },
  user: {setLocale(locale) { __chat.call("user.setLocale", locale); }},
};
