// The preview frame: the editor posts show decisions (as the engine makes them) and this
// page draws them with the loader's renderer, web/ui.js, exactly as on a visitor's page.
// An `info` interaction renders into its target; a target given as "#id" is made here.

/** @type {Promise<any> | null} */
let ui = null;
const renderer = () => ui || (ui = import("../web/ui.js").then((m) => m.createUI({ send() {}, report(/** @type {string} */ message) { console.warn(`[preview] ${message}`); } })));

/** @type {any} the latest message not drawn yet; draws run one after another, each the newest */
let latest = null;
let drawing = Promise.resolve();

window.addEventListener("message", (event) => {
  if (event.origin !== location.origin || !event.data || event.data.type !== "engage-preview") return;
  const first = latest === null;
  latest = event.data;
  if (first) drawing = drawing.then(draw);
});

async function draw() {
  const message = latest;
  latest = null;  // a message arriving from here on queues the next draw
  if (!message) return;
  const u = await renderer();
  // the site's theme: --engage-* custom properties, inherited into the panels' shadow roots
  for (const [name, value] of Object.entries(message.theme || {})) {
    if (/^--engage-[a-z-]+$/.test(name)) document.documentElement.style.setProperty(name, String(value));
  }
  u.clear();
  const targets = /** @type {HTMLElement} */ (document.getElementById("targets"));
  targets.replaceChildren();
  for (const decision of message.decisions) {
    const target = decision.content?.target;
    if (typeof target === "string" && /^#[A-Za-z][\w-]*$/.test(target)) {
      const box = document.createElement("div");
      box.id = target.slice(1);
      targets.append(box);
    }
    await u.decide(decision);
  }
}

parent.postMessage({ type: "engage-preview-ready" }, location.origin);
