/** Rocket.Chat Livechat widget. Reference: https://developer.rocket.chat/docs/livechat-widget-api
 * (the same text: github.com/RocketChat/developer-docs, reference/api/livechat-api.md). Every
 * call goes through RocketChat(function () { this.... }) as documented there.
 * open: this.maximizeWidget() ("Change the widget window state"); routing:
 * this.setDepartment(routing.department) ("Assign chats to a specific department"); locale:
 * this.setLanguage(locale) ("Set Language for Widget"); events: this.onChatStarted started
 * ("when the first message is sent"), this.onChatEnded ended ("by the agent or the visitor"),
 * this.onChatMinimized closed; availability: this.onServiceOffline ("a visitor tries to start
 * a new conversation and the Livechat service is offline"). Loaded: window.RocketChat.livechat,
 * the API object the widget script sets once it has loaded (Rocket.Chat's
 * packages/livechat/src/widget.ts; the snippet's stub only queues callbacks). */
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
