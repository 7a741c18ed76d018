// The baselines of bench/run.py's evaluation benchmark, bundled by esbuild into one
// script for bench/pages/eval.html (window.baselines). Each one evaluates the same rules
// (bench/rules.py) against the same facts, in a full pass: every rule, every time.
//
//   handWritten  a plain loop over the rules, conditions pre-lowercased: the floor
//   growthbook   GrowthBook's evalCondition (Mongo-style conditions), one per rule
//   jre          json-rules-engine 7.3.1, all rules in one Engine, engine.run(facts)
//
// Our semantics (docs/semantics.md): text operators are case-insensitive, `matches` is a
// regular-expression search, a rule matches when any ruleset matches and a ruleset when
// all its conditions do. The translations below keep that.

import { evalCondition } from "@growthbook/growthbook";
import { Engine } from "json-rules-engine";

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// ---- the hand-written loop: the physical floor ----
function handWritten(config) {
  const rules = config.rules.map((rule) =>
    rule.rulesets.map((rs) =>
      rs.conditions.map((c) => {
        const value = typeof c.value === "string" ? c.value.toLowerCase() : c.value;
        return { type: c.type, criteria: c.criteria, operator: c.operator, value,
                 re: c.operator === "matches" ? new RegExp(c.value, "i") : null };
      })));
  function test(c, f) {
    switch (c.type) {
      case "url": {
        const u = c.criteria === "currentPage" ? f.urlLower : c.criteria === "previousPage" ? f.previousLower : "";
        switch (c.operator) {
          case "contains": return u.includes(c.value);
          case "startsWith": return u.startsWith(c.value);
          case "endsWith": return u.endsWith(c.value);
          case "equals": return u === c.value;
          case "matches": return c.re.test(u);
          default: return false;
        }
      }
      case "dom": return !!(f.selectors[c.criteria] && f.selectors[c.criteria].exists);
      case "time": return c.operator === "moreThan" ? f.onPage > c.value : f.onPage < c.value;
      case "custom": return !!f.custom[c.value];
      case "device": return c.operator === "is" ? f.device === c.value : f.device !== c.value;
      case "static": return c.operator === "always";
      default: return false;
    }
  }
  return (facts) => {
    const f = { ...facts, urlLower: facts.url.toLowerCase(), previousLower: facts.previousUrl.toLowerCase() };
    let matched = 0;
    for (let i = 0; i < rules.length; i++) {
      const rulesets = rules[i];
      for (let j = 0; j < rulesets.length; j++) {
        const conditions = rulesets[j];
        let all = true;
        for (let k = 0; k < conditions.length && all; k++) all = test(conditions[k], f);
        if (all) { matched++; break; }
      }
    }
    return matched;
  };
}

// ---- GrowthBook: one Mongo-style condition per rule ----
function gbCondition(c) {
  const attr = c.type === "url" ? (c.criteria === "previousPage" ? "previousUrl" : "url") : null;
  switch (c.type) {
    case "url": {
      const v = escape(String(c.value));
      const re = { contains: v, startsWith: "^" + v, endsWith: v + "$", equals: "^" + v + "$", matches: String(c.value) }[c.operator];
      return { [attr]: { $regexi: re } };
    }
    case "dom": return { ["dom_" + c.criteria]: true };
    case "time": return { onPage: { [c.operator === "moreThan" ? "$gt" : "$lt"]: c.value } };
    case "custom": return { ["custom_" + c.value.replace(/\./g, "_")]: true };
    case "device": return { device: c.operator === "is" ? c.value : { $ne: c.value } };
    case "static": return c.operator === "always" ? {} : { $not: {} };
    default: return { $not: {} };
  }
}

function growthbook(config) {
  const conditions = config.rules.map((rule) => ({ $or: rule.rulesets.map((rs) => ({ $and: rs.conditions.map(gbCondition) })) }));
  return (facts) => {
    const attributes = { url: facts.url, previousUrl: facts.previousUrl, onPage: facts.onPage, device: facts.device };
    for (const [sel, r] of Object.entries(facts.selectors)) attributes["dom_" + sel] = !!r.exists;
    for (const [path, v] of Object.entries(facts.custom)) attributes["custom_" + path.replace(/\./g, "_")] = !!v;
    let matched = 0;
    for (let i = 0; i < conditions.length; i++) if (evalCondition(attributes, conditions[i])) matched++;
    return matched;
  };
}

// ---- json-rules-engine: string operators added, facts flattened to one value each ----
function jre(config) {
  const engine = new Engine([], { allowUndefinedFacts: true });
  engine.addOperator("strContains", (a, b) => typeof a === "string" && a.toLowerCase().includes(b));
  engine.addOperator("strStartsWith", (a, b) => typeof a === "string" && a.toLowerCase().startsWith(b));
  engine.addOperator("strEndsWith", (a, b) => typeof a === "string" && a.toLowerCase().endsWith(b));
  engine.addOperator("strMatches", (a, b) => typeof a === "string" && new RegExp(b, "i").test(a));
  engine.addOperator("isTrue", (a) => a === true);
  const condition = (c) => {
    const fact = c.type === "url" ? (c.criteria === "previousPage" ? "previousUrl" : "url") : null;
    switch (c.type) {
      case "url": {
        const operator = { contains: "strContains", startsWith: "strStartsWith", endsWith: "strEndsWith", matches: "strMatches", equals: "equal" }[c.operator];
        return { fact, operator, value: c.operator === "matches" ? c.value : String(c.value).toLowerCase() };
      }
      case "dom": return { fact: "dom:" + c.criteria, operator: "isTrue", value: true };
      case "time": return { fact: "onPage", operator: c.operator === "moreThan" ? "greaterThan" : "lessThan", value: c.value };
      case "custom": return { fact: "custom:" + c.value, operator: "isTrue", value: true };
      case "device": return { fact: "device", operator: c.operator === "is" ? "equal" : "notEqual", value: c.value };
      case "static": return { fact: "always", operator: c.operator === "always" ? "equal" : "notEqual", value: true };
      default: return { fact: "always", operator: "notEqual", value: true };
    }
  };
  config.rules.forEach((rule, i) => {
    engine.addRule({ name: rule.name, priority: 1,
      conditions: { any: rule.rulesets.map((rs) => ({ all: rs.conditions.map(condition) })) },
      event: { type: "match", params: { rule: i } } });
  });
  return async (facts) => {
    const flat = { url: facts.url, previousUrl: facts.previousUrl, onPage: facts.onPage, device: facts.device, always: true };
    for (const [sel, r] of Object.entries(facts.selectors)) flat["dom:" + sel] = !!r.exists;
    for (const [path, v] of Object.entries(facts.custom)) flat["custom:" + path] = !!v;
    const { events } = await engine.run(flat);
    return events.length;
  };
}

export function makeBaselines(config) {
  return { handWritten: handWritten(config), growthbook: growthbook(config), jre: jre(config) };
}
