// Stand-in for Freshchat's fcWidget, after https://developers.freshchat.com/web-sdk/v1 -- NOT CONFIRMED:
// open({name}), setTags, user.setLocale and the events "message:sent" / "widget:closed" are
// the names public Freshchat integrations use; they were not found on a vendor page.
window.fcWidget = {
  isLoaded() { return true; },
  open(options) { __chat.call("open", ...(options === undefined ? [] : [options])); },
  setTags(tags) { __chat.call("setTags", tags); },
  on(event, fn) { __chat.on(event, fn); },
  user: {setLocale(locale) { __chat.call("user.setLocale", locale); }},
};
