/**
 * Device-tree sources are bytes, not Unicode text: dtc copies string literal
 * bytes verbatim. We decode as Latin-1 (one char per byte, lossless; not the
 * WHATWG "latin1" label, which is windows-1252) so that every later stage can
 * turn characters back into the exact original bytes.
 */
export function latin1Decode(b: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 8192;
  for (let i = 0; i < b.length; i += CHUNK) {
    parts.push(String.fromCharCode.apply(null, b.subarray(i, i + CHUNK) as unknown as number[]));
  }
  return parts.join('');
}
