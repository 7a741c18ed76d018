/** Freshchat Web Messenger. References: https://developers.freshchat.com/web-sdk/v1 (the
 * fcWidget object, user.set*) and Freshchat's own published widget API,
 * https://github.com/freshworks/freshchat-widget (`js/widget.js`: "the Javascript API for the
 * freshchat widget"), which defines every name below: open(channel) posts `open_channel` with
 * the given channel (`{name}`) and open() `open_chat`; setTags(tags) (taken only once the
 * widget has loaded); user.setLocale(locale); on(event) for the events it lists
 * (`widget:opened`, `widget:closed`, `widget:loaded`, `message:sent`, `message:received`, ...);
 * isLoaded().
 * open: fcWidget.open({name: routing.topic}) (a topic / channel name, or none); routing:
 * fcWidget.setTags(routing.tags); locale: fcWidget.user.setLocale(locale); events:
 * on('message:sent') started, on('widget:closed') closed; no "ended" event (closing after a
 * start ends the chat), no availability. */
/** @type {import("./adapter.js").ChatAdapter} */
export default {
  name: "freshchat",
  reference: "https://github.com/freshworks/freshchat-widget",
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
