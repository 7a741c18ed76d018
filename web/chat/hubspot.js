/** HubSpot chat widget (Conversations SDK). Reference: https://developers.hubspot.com/docs/reference/api/conversations/chat-widget-sdk
 * open: window.HubSpotConversations.widget.open(); routing: none from the page (chatflows
 * target by page); locale: none; events: HubSpotConversations.on('conversationStarted')
 * started, on('conversationClosed') ended, on('widgetClosed') closed; no availability. */
/** @type {import("./adapter.js").ChatAdapter} */
export default {
  name: "hubspot",
  reference: "https://developers.hubspot.com/docs/reference/api/conversations/chat-widget-sdk",
  ready: (w) => !!w.HubSpotConversations && !!w.HubSpotConversations.widget,
  listen(w, on) {
    w.HubSpotConversations.on("conversationStarted", on.started);
    w.HubSpotConversations.on("conversationClosed", on.ended);
    w.HubSpotConversations.on("widgetClosed", on.closed);
  },
  open(w) {
    w.HubSpotConversations.widget.open();
  },
};
