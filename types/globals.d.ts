// Types of what the shell reads from the browser beyond lib.dom, and of the page globals it
// meets. Read only by tsc (tsconfig.json): nothing here is shipped or loaded.

interface EngageApi {
  push?(fact: object): unknown;
  [name: string]: unknown;
}

interface UADataValues { platform?: string; mobile?: boolean; model?: string; platformVersion?: string; [k: string]: unknown }
interface NavigatorUAData {
  mobile: boolean;
  platform: string;
  getHighEntropyValues(hints: string[]): Promise<UADataValues>;
}

interface Navigator { userAgentData?: NavigatorUAData }

interface Window {
  engage?: EngageApi;
  trustedTypes?: { createPolicy(name: string, rules: { createScriptURL(url: string): string; createHTML?(html: string): string }): { createScriptURL(url: string): string } };
  lpTag?: any;
  [name: string]: any;
  dataLayer?: unknown[];
}

interface Document {
  // the document timeline's time (real time even under a test's fake clock)
  timeline: AnimationTimeline & { currentTime: number | null };
}
