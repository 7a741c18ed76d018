// Stand-in for HubSpot's Conversations SDK, from https://developers.hubspot.com/docs/reference/api/conversations/chat-widget-sdk
window.HubSpotConversations = {
  widget: {open() { __chat.call("widget.open"); }},
  on(event, fn) { __chat.on(event, fn); },
};
