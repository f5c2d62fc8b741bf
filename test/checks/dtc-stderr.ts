// Reads dtc's check output back into (check, message) pairs.

export interface DtcCheckLine {
  check: string;
  severity: 'error' | 'warning';
  /** `/path[:prop]: text`, or `Failed prerequisite 'x'`. */
  message: string;
  /** The position part (`file:L.C-L2.C2`, or the output name for prerequisite lines). */
  where: string;
}

const LINE = /^(.*?): (Warning|ERROR) \(([a-z0-9_]+)\): (.*)$/;

export function parseDtcStderr(text: string): DtcCheckLine[] {
  const out: DtcCheckLine[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    out.push({ where: m[1], severity: m[2] === 'ERROR' ? 'error' : 'warning', check: m[3], message: m[4] });
  }
  return out;
}

/** Our diagnostic message as it appears on one dtc stderr line (dtc's "\n"-terminated texts). */
export function lineOf(message: string): string {
  return message.endsWith('\n') ? message.slice(0, -1) : message;
}

/** Multiset difference, both ways, of `check|message` keys. */
export function diffMultisets(ours: string[], theirs: string[]): { missing: string[]; extra: string[] } {
  const count = new Map<string, number>();
  for (const k of theirs) count.set(k, (count.get(k) ?? 0) + 1);
  const extra: string[] = [];
  for (const k of ours) {
    const c = count.get(k) ?? 0;
    if (c > 0) count.set(k, c - 1);
    else extra.push(k);
  }
  const missing: string[] = [];
  for (const [k, c] of count) for (let i = 0; i < c; i++) missing.push(k);
  return { missing, extra };
}
