// Stand-in for Rocket.Chat's Livechat widget API, from https://developer.rocket.chat/docs/livechat-widget-api
// (methods setDepartment, setLanguage, maximizeWidget; events onChatStarted, onChatEnded,
// onChatMinimized, onServiceOffline) and RocketChat.livechat from Rocket.Chat's
// packages/livechat/src/widget.ts (the object the loaded widget calls callbacks on).
const api = {};
for (const name of ["setDepartment", "setLanguage", "maximizeWidget"]) api[name] = (arg) => __chat.call(name, ...(arg === undefined ? [] : [arg]));
for (const name of ["onChatStarted", "onChatEnded", "onChatMinimized", "onServiceOffline"]) api[name] = (fn) => __chat.on(name, fn);
window.RocketChat = function (fn) { fn.call(api); };
window.RocketChat.livechat = api;
