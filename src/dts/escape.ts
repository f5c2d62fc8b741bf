/**
 * dtc's data_copy_escape_string / get_escape_char (data.c): `\a \b \t \n \v
 * \f \r`, octal `\N`..`\NNN`, hex `\xH`/`\xHH` (read with strtol on a 2-char
 * window, so a sign or blank is accepted like C does), any other `\c` is `c`.
 * Characters at or above 0x80 are written as UTF-8 (the source text was
 * decoded as UTF-8, so this gives back the original bytes).
 */

/** Result of unescaping into a caller-provided growable buffer. */
export interface EscapeSink {
  buf: Uint8Array;
  len: number;
}

function push(sink: EscapeSink, b: number): void {
  if (sink.len >= sink.buf.length) {
    const next = new Uint8Array(sink.buf.length * 2);
    next.set(sink.buf);
    sink.buf = next;
  }
  sink.buf[sink.len++] = b & 0xff;
}

/**
 * One source character: the text is Latin-1 decoded bytes (one char per
 * byte), so a char below 0x100 is that byte. Anything above can only come
 * from a caller that decoded real Unicode; it is written as UTF-8.
 */
function pushChar(sink: EscapeSink, c: number): void {
  if (c < 0x100) push(sink, c);
  else if (c < 0x800) {
    push(sink, 0xc0 | (c >> 6));
    push(sink, 0x80 | (c & 0x3f));
  } else if (c >= 0xd800 && c <= 0xdfff) {
    // Surrogate halves (astral characters) are rare enough to encode as U+FFFD.
    push(sink, 0xef);
    push(sink, 0xbf);
    push(sink, 0xbd);
  } else {
    push(sink, 0xe0 | (c >> 12));
    push(sink, 0x80 | ((c >> 6) & 0x3f));
    push(sink, 0x80 | (c & 0x3f));
  }
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * strtol(window, &end, 16) on at most `max` characters of `s` from `i`
 * (the window ends early at `end`). Returns [value, consumed]; consumed 0
 * means no digits (dtc dies with "\x used with no following hex digits").
 */
function strtolHex(s: string, i: number, end: number, max: number): [number, number] {
  const lim = Math.min(end, i + max);
  let p = i;
  while (p < lim && isCSpace(s.charCodeAt(p))) p++;
  let neg = false;
  if (p < lim && (s.charCodeAt(p) === 0x2b || s.charCodeAt(p) === 0x2d)) {
    neg = s.charCodeAt(p) === 0x2d;
    p++;
  }
  let v = 0;
  const digitsStart = p;
  while (p < lim) {
    const h = hexVal(s.charCodeAt(p));
    if (h < 0) break;
    v = v * 16 + h;
    p++;
  }
  if (p === digitsStart) return [0, 0];
  return [neg ? -v : v, p - i];
}

/**
 * Unescapes `s[start, end)` into `sink` (no terminating NUL). Returns
 * false when a `\x` has no hex digit (a fatal error in dtc).
 */
export function unescapeInto(s: string, start: number, end: number, sink: EscapeSink): boolean {
  let i = start;
  while (i < end) {
    const c = s.charCodeAt(i++);
    if (c !== 0x5c) {
      pushChar(sink, c);
      continue;
    }
    // dtc reads the character after the backslash even at the very end
    // (the closing quote); the lexer's patterns guarantee one exists.
    const e = i < s.length ? s.charCodeAt(i) : 0;
    i++;
    switch (e) {
      case 0x61:
        push(sink, 7);
        break; // \a
      case 0x62:
        push(sink, 8);
        break; // \b
      case 0x74:
        push(sink, 9);
        break; // \t
      case 0x6e:
        push(sink, 10);
        break; // \n
      case 0x76:
        push(sink, 11);
        break; // \v
      case 0x66:
        push(sink, 12);
        break; // \f
      case 0x72:
        push(sink, 13);
        break; // \r
      case 0x78: {
        // \x: up to two hex digits, read through strtol (the window may run into the closing quote).
        const [v, n] = strtolHex(s, i, s.length, 2);
        if (n === 0) return false;
        i += n;
        push(sink, v);
        break;
      }
      default:
        if (e >= 0x30 && e <= 0x37) {
          // Up to three octal digits; the value is truncated to a char.
          let v = e - 0x30;
          let n = 1;
          while (n < 3 && i < s.length) {
            const d = s.charCodeAt(i);
            if (d < 0x30 || d > 0x37) break;
            v = v * 8 + (d - 0x30);
            i++;
            n++;
          }
          push(sink, v);
        } else {
          pushChar(sink, e);
        }
    }
  }
  return true;
}
