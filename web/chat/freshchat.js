/** Freshchat Web Messenger. Reference: https://developers.freshchat.com/web-sdk/v1
 * NOT CONFIRMED: that page (as far as it could be read) shows fcWidget.setExternalId and
 * fcWidget.user.set*; the calls and events below are the ones public Freshchat integrations
 * use, not found on a vendor page (docs/chat.md marks them so).
 * open: window.fcWidget.open({name: routing.topic}) (a topic / channel name, or none);
 * routing: fcWidget.setTags(routing.tags); locale: fcWidget.user.setLocale(locale);
 * events: fcWidget.on('message:sent') started, fcWidget.on('widget:closed') closed; no ended
 * event, no availability. Loaded: fcWidget.isLoaded(). */
/** @type {import("./adapter.js").ChatAdapter} */
export default {
  name: "freshchat",
  reference: "https://developers.freshchat.com/web-sdk/v1",
  endsOnClose: true,
  ready: (w) => !!w.fcWidget && typeof w.fcWidget.isLoaded === "function" && w.fcWidget.isLoaded(),
  listen(w, on) {
    w.fcWidget.on("message:sent", on.started);
    w.fcWidget.on("widget:closed", on.closed);
  },
  open(w, {routing, locale}) {
    if (locale) w.fcWidget.user.setLocale(locale);
    if (Array.isArray(routing.tags)) w.fcWidget.setTags(routing.tags);
    w.fcWidget.open(routing.topic ? {name: routing.topic} : undefined);
  },
};
