/**
 * `#if` / `#elif` expression evaluation (C11 6.10.1) on already macro-expanded
 * tokens (`defined` was resolved during expansion). Arithmetic is cpp's: every
 * value is intmax_t or uintmax_t (64-bit), the usual arithmetic conversions make
 * a binary operation unsigned when either side is, identifiers left after
 * expansion are 0, and `&&`, `||`, `?:` do not evaluate (nor diagnose division
 * by zero in) the operand they skip.
 */
import { utf8Encode } from '../../util/bytes.js';
import { TK, type Token } from './lexer.js';

export interface Value {
  v: bigint;
  u: boolean;
}

export interface IfDiag {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  /** Token the problem is about (undefined: the directive itself). */
  at?: Token;
}

class IfError extends Error {}

const BIN_PREC: Record<string, number> = {
  '*': 10,
  '/': 10,
  '%': 10,
  '+': 9,
  '-': 9,
  '<<': 8,
  '>>': 8,
  '<': 7,
  '>': 7,
  '<=': 7,
  '>=': 7,
  '==': 6,
  '!=': 6,
  '&': 5,
  '^': 4,
  '|': 3,
  '&&': 2,
  '||': 1,
};

const norm = (v: bigint, u: boolean): Value => ({ v: u ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v), u });

export function evaluateIf(tokens: readonly Token[], diags: IfDiag[]): boolean | undefined {
  const toks = tokens.filter((t) => t.k !== TK.Pad);
  if (toks.length === 0) {
    diags.push({ severity: 'error', code: 'cpp/if-syntax', message: '#if with no expression' });
    return undefined;
  }
  const p = new Parser(toks, diags);
  try {
    const r = p.comma(false);
    if (p.i < toks.length) {
      const t = toks[p.i];
      p.fail(leftoverMessage(t), t);
    }
    return r.v !== 0n;
  } catch (e) {
    if (e instanceof IfError) return undefined;
    throw e;
  }
}

/** gcc's wording for a token left over after a complete operand. */
function leftoverMessage(t: Token): string {
  if (t.k === TK.Punct && t.s === ')') return "missing '(' in expression";
  if (t.k === TK.Ident || t.k === TK.Number || t.k === TK.Char || (t.k === TK.Punct && t.s === '('))
    return `missing binary operator before token "${t.s}"`;
  return `token "${t.s}" is not valid in preprocessor expressions`;
}

/** Operator/parenthesis nesting allowed in one #if expression (keeps recursion off the JS stack limit). */
export const MAX_IF_NESTING = 1000;

class Parser {
  i = 0;
  private depth = 0;
  constructor(
    private readonly toks: readonly Token[],
    private readonly diags: IfDiag[],
  ) {}

  fail(message: string, at?: Token, code = 'cpp/if-syntax'): never {
    this.diags.push({ severity: 'error', code, message, at });
    throw new IfError(message);
  }

  private peek(): Token | undefined {
    return this.toks[this.i];
  }

  private isOp(s: string): boolean {
    const t = this.toks[this.i];
    return t !== undefined && t.k === TK.Punct && t.s === s;
  }

  comma(skip: boolean): Value {
    let v = this.cond(skip);
    while (this.isOp(',')) {
      this.i++;
      v = this.cond(skip);
    }
    return v;
  }

  private cond(skip: boolean): Value {
    const c = this.binary(1, skip);
    if (!this.isOp('?')) return c;
    const q = this.toks[this.i++];
    const truth = c.v !== 0n;
    if (++this.depth > MAX_IF_NESTING)
      this.fail(`#if expression nested more than ${MAX_IF_NESTING} levels deep`, q);
    const a = this.comma(skip || !truth);
    this.depth--;
    if (!this.isOp(':')) this.fail("'?' without following ':'", q);
    this.i++;
    if (++this.depth > MAX_IF_NESTING)
      this.fail(`#if expression nested more than ${MAX_IF_NESTING} levels deep`, q);
    const b = this.cond(skip || truth);
    this.depth--;
    const u = a.u || b.u;
    return norm(truth ? a.v : b.v, u);
  }

  private binary(minPrec: number, skip: boolean): Value {
    let lhs = this.unary(skip);
    for (;;) {
      const t = this.peek();
      if (!t || t.k !== TK.Punct) return lhs;
      const prec = BIN_PREC[t.s];
      if (prec === undefined || prec < minPrec) return lhs;
      this.i++;
      if (t.s === '&&' || t.s === '||') {
        const short = t.s === '&&' ? lhs.v === 0n : lhs.v !== 0n;
        const rhs = this.binary(prec + 1, skip || short);
        const r = t.s === '&&' ? lhs.v !== 0n && rhs.v !== 0n : lhs.v !== 0n || rhs.v !== 0n;
        lhs = { v: r ? 1n : 0n, u: false };
        continue;
      }
      const rhs = this.binary(prec + 1, skip);
      lhs = this.apply(t, lhs, rhs, skip);
    }
  }

  private apply(op: Token, a: Value, b: Value, skip: boolean): Value {
    const s = op.s;
    if (s === '<<' || s === '>>') return this.shift(s === '<<', a, b);
    const u = a.u || b.u;
    const x = u ? BigInt.asUintN(64, a.v) : a.v;
    const y = u ? BigInt.asUintN(64, b.v) : b.v;
    const bool = (c: boolean): Value => ({ v: c ? 1n : 0n, u: false });
    switch (s) {
      case '*':
        return this.arith(x * y, u, skip, op);
      case '/':
      case '%':
        if (y === 0n) {
          if (skip) return { v: 0n, u };
          this.fail('division by zero in #if', op, 'cpp/division-by-zero');
        }
        return this.arith(s === '/' ? x / y : x % y, u, skip, op);
      case '+':
        return this.arith(x + y, u, skip, op);
      case '-':
        return this.arith(x - y, u, skip, op);
      case '<':
        return bool(x < y);
      case '>':
        return bool(x > y);
      case '<=':
        return bool(x <= y);
      case '>=':
        return bool(x >= y);
      case '==':
        return bool(x === y);
      case '!=':
        return bool(x !== y);
      case '&':
        return norm(x & y, u);
      case '^':
        return norm(x ^ y, u);
      case '|':
        return norm(x | y, u);
      default:
        return this.fail(`token "${s}" is not valid in preprocessor expressions`, op);
    }
  }

  private arith(r: bigint, u: boolean, skip: boolean, op: Token): Value {
    const n = norm(r, u);
    if (!u && n.v !== r && !skip)
      this.diags.push({
        severity: 'warning',
        code: 'cpp/integer-overflow',
        message: 'integer overflow in preprocessor expression',
        at: op,
      });
    return n;
  }

  /** cpp: a negative count shifts the other way; the result has the left operand's signedness. */
  private shift(left: boolean, a: Value, b: Value): Value {
    let n = b.u ? BigInt.asUintN(64, b.v) : b.v;
    if (n < 0n) {
      left = !left;
      n = -n;
    }
    if (left) return n >= 64n ? { v: 0n, u: a.u } : norm(a.v << n, a.u);
    if (n >= 64n) return { v: !a.u && a.v < 0n ? -1n : 0n, u: a.u };
    return norm((a.u ? BigInt.asUintN(64, a.v) : a.v) >> n, a.u);
  }

  private unary(skip: boolean): Value {
    if (++this.depth > MAX_IF_NESTING)
      this.fail(`#if expression nested more than ${MAX_IF_NESTING} levels deep`, this.toks[this.i]);
    try {
      return this.unaryInner(skip);
    } finally {
      this.depth--;
    }
  }

  private unaryInner(skip: boolean): Value {
    const t = this.toks[this.i];
    if (!t) {
      const last = this.toks[this.i - 1];
      this.fail(`#if expression ends after "${last.s}" where an operand was expected`, last);
    }
    this.i++;
    if (t.k === TK.Punct) {
      switch (t.s) {
        case '+':
          return this.unary(skip);
        case '-': {
          const v = this.unary(skip);
          if (!v.u && v.v === -(1n << 63n) && !skip)
            this.diags.push({
              severity: 'warning',
              code: 'cpp/integer-overflow',
              message: 'integer overflow in preprocessor expression',
              at: t,
            });
          return norm(-v.v, v.u);
        }
        case '~': {
          const v = this.unary(skip);
          return norm(~v.v, v.u);
        }
        case '!': {
          const v = this.unary(skip);
          return { v: v.v === 0n ? 1n : 0n, u: false };
        }
        case '(': {
          if (this.isOp(')')) this.fail("missing expression between '(' and ')'", t);
          const v = this.comma(skip);
          if (!this.isOp(')')) this.fail("missing ')' in expression", this.toks[this.i] ?? t);
          this.i++;
          return v;
        }
        default:
          this.fail(`token "${t.s}" is not valid at the start of an expression`, t);
      }
    }
    switch (t.k) {
      case TK.Number:
        return this.number(t);
      case TK.Char:
        return this.charValue(t);
      case TK.Ident:
        return { v: 0n, u: false };
      default:
        return this.fail(`token "${t.s}" is not valid in preprocessor expressions`, t);
    }
  }

  private number(t: Token): Value {
    const r = parseIntegerLiteral(t.s);
    if ('error' in r) this.fail(r.error, t);
    if (r.warning)
      this.diags.push({ severity: 'warning', code: 'cpp/integer-constant', message: r.warning, at: t });
    return { v: r.v, u: r.u };
  }

  private charValue(t: Token): Value {
    const body = t.s.slice(1, -1);
    const bytes: number[] = [];
    for (let i = 0; i < body.length;) {
      const c = body[i];
      if (c !== '\\') {
        const code = body.codePointAt(i)!;
        for (const b of utf8Encode(String.fromCodePoint(code))) bytes.push(b);
        i += code > 0xffff ? 2 : 1;
        continue;
      }
      const e = body[i + 1] ?? '';
      i += 2;
      const simple: Record<string, number> = {
        n: 10,
        t: 9,
        r: 13,
        a: 7,
        b: 8,
        f: 12,
        v: 11,
        e: 27,
        E: 27,
        '\\': 92,
        "'": 39,
        '"': 34,
        '?': 63,
      };
      if (e in simple) bytes.push(simple[e]);
      else if (/[0-7]/.test(e)) {
        let s = e;
        while (s.length < 3 && /[0-7]/.test(body[i] ?? '')) s += body[i++];
        bytes.push(parseInt(s, 8) & 0xff);
      } else if (e === 'x') {
        let s = '';
        while (/[0-9a-fA-F]/.test(body[i] ?? '')) s += body[i++];
        if (!s) this.fail('\\x used with no following hex digits', t);
        bytes.push(parseInt(s.slice(-2), 16) & 0xff);
      } else bytes.push(e.charCodeAt(0) & 0xff);
    }
    if (bytes.length === 0) this.fail('empty character constant', t);
    if (bytes.length === 1) {
      // Plain char is signed for gcc on the usual hosts: '\377' == -1.
      const b = bytes[0];
      return { v: BigInt(b > 127 ? b - 256 : b), u: false };
    }
    this.diags.push({
      severity: 'warning',
      code: 'cpp/multichar',
      message: `multi-character character constant ${t.s}`,
      at: t,
    });
    let v = 0;
    for (const b of bytes.slice(-4)) v = ((v << 8) | b) >>> 0;
    return { v: BigInt(v | 0), u: false };
  }
}

const MAX_U64 = (1n << 64n) - 1n;
const MAX_I64 = (1n << 63n) - 1n;

/** A pp-number as an #if integer constant: value, unsignedness, or a message naming the problem. */
export function parseIntegerLiteral(
  s: string,
): { v: bigint; u: boolean; warning?: string } | { error: string } {
  let i = 0;
  let radix = 10;
  let digits: string;
  const lower = s.toLowerCase();
  if (lower.startsWith('0x')) {
    radix = 16;
    i = 2;
  } else if (lower.startsWith('0b')) {
    radix = 2;
    i = 2;
  } else if (s.length > 1 && s[0] === '0') {
    radix = 8;
    i = 1;
  }
  const digitRe = radix === 16 ? /[0-9a-fA-F]/ : /[0-9]/;
  let j = i;
  while (j < s.length && digitRe.test(s[j])) j++;
  digits = s.slice(i, j);
  const suffix = s.slice(j);
  if (radix !== 16 && (/^[.eE]/.test(suffix) || s.includes('.')))
    return { error: `floating constant "${s}" in preprocessor expression` };
  if (radix === 16 && (s.includes('.') || /[pP][+-]?/.test(suffix)))
    return { error: `floating constant "${s}" in preprocessor expression` };
  if (radix !== 10 && digits === '' && radix !== 8)
    return { error: `invalid suffix "${s.slice(1)}" on integer constant` };
  if (!/^(u|l|ul|lu|ll|ull|llu)?$/i.test(suffix) || /^(lL|Ll|ulL|uLl|lLu|Llu)$/.test(suffix))
    return { error: `invalid suffix "${suffix}" on integer constant` };
  if (radix === 8) {
    const bad = /[89]/.exec(digits);
    if (bad) return { error: `invalid digit "${bad[0]}" in octal constant` };
    if (digits === '') digits = '0';
  }
  if (radix === 2) {
    const bad = /[2-9]/.exec(digits);
    if (bad) return { error: `invalid digit "${bad[0]}" in binary constant` };
  }
  let v = 0n;
  const big = BigInt(radix);
  for (const d of digits) v = v * big + BigInt(parseInt(d, 16));
  let warning: string | undefined;
  if (v > MAX_U64) {
    warning = `integer constant "${s}" is too large for its type`;
    v = BigInt.asUintN(64, v);
  }
  let u = /u/i.test(suffix);
  if (!u && v > MAX_I64) {
    u = true;
    if (radix === 10 && !warning) warning = `integer constant "${s}" is so large that it is unsigned`;
  }
  return warning ? { v, u, warning } : { v, u };
}
