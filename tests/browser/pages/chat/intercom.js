// Stand-in for Intercom's Messenger, from https://developers.intercom.com/installing-intercom/web/methods
window.Intercom = function (method, arg) {
  if (method === "onShow" || method === "onHide") return __chat.on(method, arg);
  __chat.call(method, ...(arg === undefined ? [] : [arg]));
  if (method === "showNewMessage") __chat.fire("onShow");
};
