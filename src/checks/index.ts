/**
 * dtc 1.6.1's semantic checks: a registry of named checks with default levels
 * and prerequisites, -W/-E flag processing, and the runner (which also
 * performs dtc's reference fixups on the tree).
 */
export { parseCheckFlags, type CheckConfig } from './flags.js';
export { runChecks, type RunChecksOptions } from './run.js';
export { CHECK_TABLE } from './registry.js';
export type { CheckDef, DefaultLevel } from './check.js';
export { renderDtcCheckDiagnostic } from './render.js';
