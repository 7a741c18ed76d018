/** HubSpot chat widget (Conversations SDK). References:
 * https://developers.hubspot.com/docs/reference/api/conversations/chat-widget-sdk (widget.open)
 * and https://developers.hubspot.com/docs/methods/conversations_api/widget_events
 * (conversationStarted: "a new conversation has been successfully started"; conversationClosed:
 * "marked as closed from the conversations inbox, and is unrelated to the user minimizing or
 * closing the chat widget"; registered with HubSpotConversations.on).
 * open: window.HubSpotConversations.widget.open(); routing: none from the page (chatflows
 * target pages); locale: none (hsConversationsSettings has no language; a chatflow's language
 * is set in HubSpot); events: on('conversationStarted') started, on('conversationClosed')
 * ended; the pages list no event for the visitor closing the widget (conversationClosed says
 * it is unrelated to that), so a HubSpot chat is never "declined" by a close; no availability. */
/** @type {import("./adapter.js").ChatAdapter} */
export default {
  name: "hubspot",
  reference: "https://developers.hubspot.com/docs/reference/api/conversations/chat-widget-sdk",
  ready: (w) => !!w.HubSpotConversations && !!w.HubSpotConversations.widget,
  listen(w, on) {
    w.HubSpotConversations.on("conversationStarted", on.started);
    w.HubSpotConversations.on("conversationClosed", on.ended);
  },
  open(w) {
    w.HubSpotConversations.widget.open();
  },
};
