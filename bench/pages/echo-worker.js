// The floor under the evaluation page's "end to end" rows: a worker without the engine that
// answers each message with the message itself, so its round trip is what postMessage and
// structured clone cost both ways between this page and a worker, with nothing evaluated.
self.onmessage = (event) => self.postMessage(event.data);
