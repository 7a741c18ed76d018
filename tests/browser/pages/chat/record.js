// Test helper for the vendor stand-ins: records the calls made to a vendor's API
// (window.__chat.calls, [method, ...args]) and fires the vendor's events (window.__chat.fire).
window.__chat = {
  calls: [],
  handlers: {},
  call(name, ...args) { this.calls.push([name, ...args]); },
  on(event, fn) { (this.handlers[event] ||= []).push(fn); },
  fire(event, arg) { for (const fn of this.handlers[event] || []) fn(arg); },
};
