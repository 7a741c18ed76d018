// Stand-in for LivePerson's lpTag, from https://developers.liveperson.com/trigger-click.html
// (taglets.rendererStub.click), https://developers.liveperson.com/web-tag-events-event-binding.html
// (events.bind(appName, eventName, fn)) and https://developers.liveperson.com/web-tag-events-events.html
// (lpUnifiedWindow state / windowClosed, LP_OFFERS START).
window.lpTag = {
  events: {bind(app, event, fn) { __chat.on(`${app}:${event}`, fn); }},
  taglets: {rendererStub: {click(id) { __chat.call("rendererStub.click", id); return true; }}},
};
Object.defineProperty(window.lpTag, "section", {set(v) { __chat.call("section", v); }, get() { return []; }});
