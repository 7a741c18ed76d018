/** Rocket.Chat Livechat widget. Reference: https://developer.rocket.chat/docs/livechat-widget-api
 * Every call goes through RocketChat(function () { this.... }) as documented.
 * open: this.maximizeWidget(); routing: this.setDepartment(routing.department); locale:
 * this.setLanguage(locale); events: this.onChatStarted started, this.onChatEnded ended,
 * this.onChatMinimized closed; availability: this.onServiceOffline (offline). Loaded: the
 * widget's RocketChat.livechat API object exists (the snippet only queues callbacks). */
/** @type {import("./adapter.js").ChatAdapter} */
export default {
  name: "rocketchat",
  reference: "https://developer.rocket.chat/docs/livechat-widget-api",
  ready: (w) => typeof w.RocketChat === "function" && !!w.RocketChat.livechat,
  listen(w, on) {
    w.RocketChat(/** @this {any} */ function () {
      this.onChatStarted(on.started);
      this.onChatEnded(on.ended);
      this.onChatMinimized(on.closed);
      this.onServiceOffline(() => on.availability(false));
    });
  },
  open(w, {routing, locale}) {
    w.RocketChat(/** @this {any} */ function () {
      if (routing.department) this.setDepartment(routing.department);
      if (locale) this.setLanguage(locale);
      this.maximizeWidget();
    });
  },
};
