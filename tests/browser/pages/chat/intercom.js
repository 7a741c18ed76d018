// Stand-in for Intercom's Messenger, from https://developers.intercom.com/installing-intercom/web/methods
// (update, showNewMessage, onShow, onHide) and, for `language_override`,
// https://www.intercom.com/help/en/articles/9423842-enforce-the-language-of-the-messenger-fin-ai-agent-and-workflows-for-specific-users
window.Intercom = function (method, arg) {
  if (method === "onShow" || method === "onHide") return __chat.on(method, arg);
  __chat.call(method, ...(arg === undefined ? [] : [arg]));
  if (method === "showNewMessage") __chat.fire("onShow");
};
