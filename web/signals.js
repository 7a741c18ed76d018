// engage device signals: what the browser knows about its device, for the `device` fact
// (docs/device-detection.md). loader.js imports this module at boot, with web/observe.js.
// The engine decides the device type from the signals; this module only reads them. Everything is synchronous but the high-entropy client hints (model,
// formFactors), which arrive later as an updated fact and never hold the first decision.

const str = (/** @type {unknown} */ v) => (typeof v === "string" ? v.slice(0, 100) : null);
const bool = (/** @type {unknown} */ v) => (typeof v === "boolean" ? v : null);

// A media query's answer, or null where the browser does not understand it ("not all").
/** @param {string} query */
function media(query) {
  const m = typeof matchMedia === "function" ? matchMedia(query) : null;
  return m && m.media !== "not all" ? m.matches : null;
}

/** The `device` fact from what is known synchronously at boot. @returns {import("./lifecycle.js").Fact} */
export function deviceFact() {
  const hints = navigator.userAgentData;
  const s = window.screen;
  return {
    type: "device",
    userAgent: navigator.userAgent,
    mobile: hints ? bool(hints.mobile) : null,
    platform: hints ? str(hints.platform) : null,
    maxTouchPoints: typeof navigator.maxTouchPoints === "number" ? navigator.maxTouchPoints : null,
    screen: s && s.width > 0 && s.height > 0 ? [s.width, s.height] : null,  // CSS pixels
    coarsePointer: media("(pointer: coarse)"),
    noHover: media("(hover: none)"),
  };
}

/**
 * One promise: `fact` with the high-entropy client hints added, or null where the browser
 * has none (Safari, Firefox) or refuses them.
 * @param {ReturnType<typeof deviceFact>} fact what deviceFact() returned
 * @returns {Promise<import("./lifecycle.js").Fact | null>}
 */
export function deviceHints(fact) {
  const hints = navigator.userAgentData;
  if (!hints || typeof hints.getHighEntropyValues !== "function") return Promise.resolve(null);
  // Anything odd (a throwing or patched userAgentData) means no hints, never a failed boot.
  return Promise.resolve()
    .then(() => hints.getHighEntropyValues(["model", "platform", "formFactors"]))
    .then((v) => ({
      ...fact,
      model: str(v.model),
      platform: str(v.platform) ?? fact.platform,
      formFactors: Array.isArray(v.formFactors) ? v.formFactors.map(str).filter((x) => x).slice(0, 10) : null,
    }))
    .catch(() => null);
}
