// Stand-in for HubSpot's Conversations SDK, from https://developers.hubspot.com/docs/reference/api/conversations/chat-widget-sdk
// (widget.open) and https://developers.hubspot.com/docs/methods/conversations_api/widget_events
// (HubSpotConversations.on: conversationStarted, conversationClosed, unreadConversationCountChanged;
// on() keeps only those).
window.HubSpotConversations = {
  widget: {open() { __chat.call("widget.open"); }},
  on(event, fn) {
    if (["conversationStarted", "conversationClosed", "unreadConversationCountChanged"].includes(event)) __chat.on(event, fn);
  },
};
