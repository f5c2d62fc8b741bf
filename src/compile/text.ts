/**
 * Device-tree sources are bytes, not Unicode text: dtc copies string literal
 * bytes verbatim. We decode as Latin-1 (one char per byte, lossless; not the
 * WHATWG "latin1" label, which is windows-1252) so that every later stage can
 * turn characters back into the exact original bytes.
 */
export function latin1Decode(b: Uint8Array): string {
  // Nearly every source is pure ASCII, where UTF-8 decoding gives the same
  // code units and the native decoder is many times faster than building the
  // text from char codes (and yields one flat one-byte string).
  if (isAscii(b)) return asciiDecoder.decode(b);
  const parts: string[] = [];
  const CHUNK = 8192;
  for (let i = 0; i < b.length; i += CHUNK) {
    parts.push(String.fromCharCode.apply(null, b.subarray(i, i + CHUNK) as unknown as number[]));
  }
  return parts.join('');
}

const asciiDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** True when no byte is >= 0x80; looks at four bytes at a time where the alignment allows. */
function isAscii(b: Uint8Array): boolean {
  const n = b.length;
  let i = 0;
  // Head up to a 4-byte boundary of the underlying buffer.
  while (i < n && (b.byteOffset + i) % 4 !== 0) if (b[i++] >= 0x80) return false;
  const words = (n - i) >>> 2;
  if (words > 0) {
    const w = new Uint32Array(b.buffer, b.byteOffset + i, words);
    let acc = 0;
    for (let k = 0; k < words; k++) acc |= w[k];
    if ((acc & 0x80808080) !== 0) return false;
    i += words * 4;
  }
  while (i < n) if (b[i++] >= 0x80) return false;
  return true;
}
