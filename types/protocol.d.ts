// The worker protocol's shapes for the shell's JSDoc types: the same fields as
// types/protocol.schema.json (tests/unit/test_protocol.py checks both against each other
// and the schema against what the engine sends). Read only by tsc; nothing here ships.

type HideReason = "ruleStoppedMatching" | "navigation" | "closed" | "replaced" | "next" | "chatEnded" | "submitted" | "chatFailed";
type ErrorCode = "config.invalid" | "fact.invalid" | "custom.failed" | "push.invalid" | "state.discarded" | "action.invalid" |
  "survey.invalid" | "api.unknownRule" | "api.unknownInteraction";

interface Fact { type: string; now?: number; [field: string]: unknown }
interface StoredState { session?: unknown; visitor?: unknown }

interface InitMessage {
  v: 1;
  kind: "init";
  config: unknown;
  configError: string | null;
  state: StoredState | null;
  seed: string;
  facts: Fact[];
  probe?: boolean;
  /** names of rules to compile the config without (each one a stall named) */
  skip?: string[];
  trace?: boolean;
}

interface FactsMessage {
  v: 1;
  kind: "facts";
  facts: Fact[];
  probe?: boolean;
  trace?: boolean;
}

interface Watch {
  /** read, changes only, with every facts message the shell sends */
  selectors: string[];
  /** read every second */
  customPaths: string[];
  nextTickAt: number | null;
  queues: Record<string, string>;
  device: boolean;
  /** every queue key: a chat widget's availability is pushed for each */
  queueKeys: string[];
  /** the selectors also read every second: a change can flip a result on a tick (login detection) */
  polledSelectors: string[];
}

interface ShowDecision {
  type: "show";
  rule: string;
  interaction: string;
  interactionType: string;
  language: string | null;
  queueKey: string | null;
  content: Record<string, any>;
  sticky: boolean;
  resumed: boolean;
  placement?: Record<string, any>;
  handoff?: Record<string, any>;
  /** the rule's controlGroup share, null when it holds no one back; web/collect.js sends it as split */
  controlGroup: number | null;
}

interface HideDecision {
  type: "hide";
  rule: string;
  interaction: string;
  interactionType: string;
  reason: HideReason;
}

interface ChatDecision {
  type: "chat";
  rule: string;
  interaction: string;
  queueKey: string | null;
  language: string | null;
  resumed: boolean;
  placement?: Record<string, any>;
  handoff?: Record<string, any>;
}

interface ControlDecision {
  type: "control";
  rule: string;
  interaction: string;
  interactionType: string;
  language: string | null;
  queueKey: string | null;
  /** the rule's controlGroup share (web/collect.js: split) */
  controlGroup: number | null;
}

interface SurveyDecision {
  type: "survey";
  rule: string;
  interaction: string;
  answers: Record<string, string | number>;
}

interface ErrorDecision {
  type: "error";
  code: ErrorCode;
  message: string;
  path: string | null;
  problems?: { path: string; message: string }[];
}

type Decision = ShowDecision | HideDecision | ChatDecision | ControlDecision | SurveyDecision | ErrorDecision;

interface OutputMessage {
  v: 1;
  kind: "output";
  decisions: Decision[];
  watch?: Watch | null;
  /** the state to persist, as JSON text of `{session, visitor}` (null: unchanged) */
  state: string | null;
  trace: object | null;
  replay?: boolean;
  /** init's answer only: what the config says that the engine overrides ("path: warning: ...") */
  warnings?: string[];
  /** init's answer only, when its skip left a rule out: rule name -> its path ("rules[i]") */
  skipped?: Record<string, string>;
}

interface ProbeMessage {
  v: 1;
  kind: "probe";
  rule: string;
}

interface BootedMessage {
  v: 1;
  kind: "booted";
  boot?: object;
}

interface FatalMessage {
  v: 1;
  kind: "fatal";
  message: string;
  detail?: string;
}
