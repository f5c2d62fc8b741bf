import type { Diagnostic } from '../diag/diagnostic.js';
import type { Span } from '../diag/span.js';
import { RULES, RULES_BY_CODE } from './codes.js';

/**
 * SARIF 2.1.0 (the OASIS static-analysis interchange format that code
 * scanning services read): one run, the platform rule catalog as the tool's
 * rules, one result per diagnostic with its location and related locations.
 */
export function renderSarif(ds: readonly Diagnostic[], tool: { name: string; version: string }): string {
  const used = new Set(ds.map((d) => d.code));
  const extra = [...used].filter((c) => !RULES_BY_CODE.has(c)).sort();
  const rules = [
    ...RULES.map((r) => ({
      id: r.code,
      shortDescription: { text: r.summary },
      defaultConfiguration: { level: level(r.severity) },
      properties: { rule: r.rule },
    })),
    ...extra.map((c) => ({
      id: c,
      shortDescription: { text: c.startsWith('dtc/') ? `dtc check ${c.slice(4)}` : c },
    })),
  ];
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const results = ds.map((d) => ({
    ruleId: d.code,
    ruleIndex: ruleIndex.get(d.code),
    level: level(d.severity),
    message: { text: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message },
    ...(d.span ? { locations: [location(d.span)] } : {}),
    ...(d.related && d.related.some((r) => r.span)
      ? {
          relatedLocations: d.related
            .filter((r) => r.span)
            .map((r, i) => ({ id: i, ...location(r.span!), message: { text: r.message } })),
        }
      : {}),
  }));
  return JSON.stringify(
    {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [{ tool: { driver: { name: tool.name, version: tool.version, rules } }, results }],
    },
    null,
    2,
  );
}

function level(s: Diagnostic['severity']): 'error' | 'warning' | 'note' {
  return s === 'info' ? 'note' : s;
}

function location(s: Span): { physicalLocation: object } {
  return {
    physicalLocation: {
      artifactLocation: { uri: s.file },
      region: { startLine: s.line, startColumn: s.col, endLine: s.endLine, endColumn: s.endCol },
    },
  };
}
