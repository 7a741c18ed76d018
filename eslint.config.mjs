// The shell's lint rules, kept small on purpose: each catches a real defect, none is style.
// Formatting is left alone (no formatter rules), so a lint run never reflows shared files.
import globals from "globals";

export default [
  {
    files: ["loader.js", "web/**/*.js", "tests/js/**/*.mjs", "eslint.config.mjs"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: {...globals.browser, ...globals.worker},
    },
    rules: {
      "no-undef": "error",            // a typo'd or missing global
      "no-unused-vars": ["error", {args: "none", caughtErrors: "none"}],  // dead code
      "no-redeclare": "error",
      "no-dupe-keys": "error",
      "no-unreachable": "error",
      "eqeqeq": ["error", "always", {null: "ignore"}],  // == only against null
      "no-eval": "error",             // the CSP forbids eval; the shell never needs it
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-prototype-builtins": "error",
      "no-var": "off",                // loader.js is ES5-style var on purpose (size, old engines)
    },
  },
  {files: ["loader.js"], languageOptions: {sourceType: "script"}},
  {files: ["tests/js/**/*.mjs"], languageOptions: {globals: {...globals.node}}},
];
