import type { Diagnostic } from '../diag/diagnostic.js';
import { DiagnosticBag, FatalInputError } from '../diag/diagnostic.js';
import type { Span } from '../diag/span.js';
import {
  DeviceTree,
  Node,
  Property,
  type Label,
  type MarkerKind,
  type MemReserve,
  type Marker,
} from '../dt/model.js';
import { TreeBuilder, deleteNode, labelsFromWritten } from '../dt/merge.js';
import { guessBootCpuid } from '../dt/boot-cpuid.js';
import { Lexer, latin1, mkSpan, type FileState } from './lexer.js';
import { Tok } from './tokens.js';

/**
 * The DTS front end: dtc 1.6.1's grammar (dtc-parser.y) as a hand-written
 * parser over the lexer, building the tree with dtc's livetree semantics
 * (see src/dt/merge.ts). Node bodies and expressions use explicit stacks so
 * deep input cannot overflow the JS stack; the limits mirror dtc's bison
 * stack ("memory exhausted").
 */

export interface DtsParseOptions {
  fileName: string;
  includeDirs?: readonly string[];
  readFile(path: string): Uint8Array | undefined;
  /**
   * Keep parsing after a syntax error (skipping to the end of the broken
   * item) so that one run reports every error. Off by default: dtc stops at
   * the first syntax error and prints exactly one.
   */
  recoverSyntaxErrors?: boolean;
}

export interface DtsParseResult {
  /** Undefined exactly when dtc would exit 1 (lexical, syntax, semantic parse or fatal errors). */
  tree: DeviceTree | undefined;
  diagnostics: Diagnostic[];
  /** Every file opened, in order: the input, then /include/ and /incbin/ files (dtc's -d list). */
  files: string[];
}

/**
 * dtc 1.6.1's bison parser stack holds at most this many entries; one more
 * is "memory exhausted" (exit 1). The parser keeps a count of what bison's
 * stack would hold (see `chk` and the README): right-recursive rules keep
 * every completed subnode of an open body and every /memreserve/ on it, so
 * 3,331 nested nodes, 9,989 children in one body or ~9,995 memreserves fail.
 */
export const BISON_STACK_LIMIT = 9999;

const U64_MAX = (1n << 64n) - 1n;

/**
 * The value of every empty property. Shared: values are replaced, never
 * written in place, except by phandle fixups, which only touch 4-byte cells
 * of values that hold references (so never an empty one).
 */
const EMPTY_VALUE = new Uint8Array(0);

/** Unwinds the parser after a syntax error (bison aborts at the first one). */
class ParseAbort extends Error {
  /** True when recovery must not continue (depth limits, end of input). */
  constructor(readonly final = false) {
    super('parse aborted');
  }
}

interface WrittenLabel {
  name: string;
  span: Span;
}

/** The written-label list of the many items that have none (never mutated). */
const NO_LABELS: readonly WrittenLabel[] = Object.freeze([]);

interface Frame {
  node: Node;
  sLine: number;
  sCol: number;
  seenSubnode: boolean;
  name: string;
  labels: readonly WrittenLabel[];
  omit: boolean;
  /** Bison stack entries below this subnode's labels/name (the parent's depth then). */
  below: number;
  /** Bison stack entries through this body's `{` (+ proplist once reduced) + completed subnodes. */
  sd: number;
  proplistPushed: boolean;
}

interface ExprVal {
  v: bigint;
  sLine: number;
  sCol: number;
  eLine: number;
  eCol: number;
  file: FileState;
}

const enum Op {
  Paren,
  Neg,
  BitNot,
  LogNot,
  Mul,
  Div,
  Mod,
  Add,
  Sub,
  Shl,
  Shr,
  Lt,
  Gt,
  Le,
  Ge,
  Eq,
  Ne,
  BitAnd,
  BitXor,
  BitOr,
  LogAnd,
  LogOr,
  Question,
  Colon,
}

function binaryOp(tok: Tok, ch: number): Op | -1 {
  switch (tok) {
    case Tok.LShift:
      return Op.Shl;
    case Tok.RShift:
      return Op.Shr;
    case Tok.Le:
      return Op.Le;
    case Tok.Ge:
      return Op.Ge;
    case Tok.Eq:
      return Op.Eq;
    case Tok.Ne:
      return Op.Ne;
    case Tok.And:
      return Op.LogAnd;
    case Tok.Or:
      return Op.LogOr;
    case Tok.Char:
      switch (ch) {
        case 0x2a:
          return Op.Mul;
        case 0x2f:
          return Op.Div;
        case 0x25:
          return Op.Mod;
        case 0x2b:
          return Op.Add;
        case 0x2d:
          return Op.Sub;
        case 0x3c:
          return Op.Lt;
        case 0x3e:
          return Op.Gt;
        case 0x26:
          return Op.BitAnd;
        case 0x5e:
          return Op.BitXor;
        case 0x7c:
          return Op.BitOr;
      }
  }
  return -1;
}

function precedence(op: Op): number {
  switch (op) {
    case Op.Mul:
    case Op.Div:
    case Op.Mod:
      return 10;
    case Op.Add:
    case Op.Sub:
      return 9;
    case Op.Shl:
    case Op.Shr:
      return 8;
    case Op.Lt:
    case Op.Gt:
    case Op.Le:
    case Op.Ge:
      return 7;
    case Op.Eq:
    case Op.Ne:
      return 6;
    case Op.BitAnd:
      return 5;
    case Op.BitXor:
      return 4;
    case Op.BitOr:
      return 3;
    case Op.LogAnd:
      return 2;
    case Op.LogOr:
      return 1;
    default:
      return 0;
  }
}

interface OpEntry {
  op: Op;
  sLine: number;
  sCol: number;
}

/** Shared marker lists of values made of one typed component (see ValueBuilder.takeMarkers). */
const LONE_TYPE_MARKER: ReadonlyMap<MarkerKind, Marker[]> = new Map(
  (['type-u8', 'type-u16', 'type-u32', 'type-u64', 'type-string'] as const).map((kind) => [
    kind,
    [{ offset: 0, kind }],
  ]),
);

/**
 * `to.set(from.subarray(fromPos, fromPos + n), toPos)` without the temporary
 * view: `subarray` is slow (species lookup) and most values are a few bytes.
 */
function copyBytes(from: Uint8Array, fromPos: number, to: Uint8Array, toPos: number, n: number): void {
  if (n > 64) {
    to.set(from.subarray(fromPos, fromPos + n), toPos);
    return;
  }
  for (let i = 0; i < n; i++) to[toPos + i] = from[fromPos + i];
}

/** A growable byte buffer reused for every property value. */
class ValueBuilder {
  buf = new Uint8Array(1024);
  len = 0;
  /** Markers of the value being built: the first `markerCount` slots (the array is reused). */
  private readonly markers: Marker[] = [];
  private markerCount = 0;

  reset(): void {
    this.len = 0;
    this.markerCount = 0;
  }

  /**
   * The markers of the value just built, as an exact-size array of their
   * own; the common lone type marker at offset 0 (`<...>`, `"..."`, `[...]`)
   * as one shared list per kind. Nothing writes to a list like that: only
   * path fixups move markers, in values that hold a path reference, and
   * everything else that changes markers builds a new list.
   */
  takeMarkers(): Marker[] {
    const m = this.markers;
    const n = this.markerCount;
    if (n === 1 && m[0].offset === 0 && m[0].ref === undefined) {
      const shared = LONE_TYPE_MARKER.get(m[0].kind);
      if (shared) return shared;
    }
    return m.slice(0, n);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  marker(kind: MarkerKind, ref?: string): void {
    this.markers[this.markerCount++] =
      ref === undefined ? { offset: this.len, kind } : { offset: this.len, kind, ref };
  }

  bytes(b: Uint8Array, n: number): void {
    this.reserve(n);
    copyBytes(b, 0, this.buf, this.len, n);
    this.len += n;
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.len++] = v & 0xff;
  }

  u16(v: number): void {
    this.reserve(2);
    const b = this.buf;
    const l = this.len;
    b[l] = (v >>> 8) & 0xff;
    b[l + 1] = v & 0xff;
    this.len = l + 2;
  }

  /** A 64-bit cell from a non-negative integer below 2^53. */
  u64(v: number): void {
    const hi = Math.floor(v / 4294967296);
    this.u32(hi);
    this.u32(v - hi * 4294967296);
  }

  u32(v: number): void {
    this.reserve(4);
    const b = this.buf;
    const l = this.len;
    b[l] = (v >>> 24) & 0xff;
    b[l + 1] = (v >>> 16) & 0xff;
    b[l + 2] = (v >>> 8) & 0xff;
    b[l + 3] = v & 0xff;
    this.len = l + 4;
  }

  /** dtc's data_append_integer: the low `bits` of v, big-endian. */
  integer(v: bigint, bits: number): void {
    const nbytes = bits / 8;
    this.reserve(nbytes);
    for (let i = nbytes - 1; i >= 0; i--) {
      this.buf[this.len + i] = Number(v & 0xffn);
      v >>= 8n;
    }
    this.len += nbytes;
  }

  // Values are carved out of shared 1 MiB slabs: one ArrayBuffer per
  // property value makes V8 spend most of a large parse in allocation/GC.
  private slab = new Uint8Array(0);
  private slabPos = 0;

  take(): Uint8Array {
    const n = this.len;
    if (n === 0) return EMPTY_VALUE;
    if (n > 65536) return this.buf.slice(0, n);
    if (this.slabPos + n > this.slab.length) {
      this.slab = new Uint8Array(1 << 20);
      this.slabPos = 0;
    }
    // A view made directly on the buffer (cheaper than subarray's species lookup).
    const v = new Uint8Array(this.slab.buffer, this.slabPos, n);
    copyBytes(this.buf, 0, this.slab, this.slabPos, n);
    this.slabPos += n;
    return v;
  }
}

class Parser {
  readonly diags = new DiagnosticBag();
  readonly files: string[] = [];
  readonly lex: Lexer;
  private readonly vb = new ValueBuilder();
  private plugin = false;
  private fragmentCounter = 0;
  private readonly recover: boolean;

  constructor(
    text: string,
    private readonly opts: DtsParseOptions,
  ) {
    this.recover = opts.recoverSyntaxErrors === true;
    this.lex = new Lexer(text, opts.fileName, {
      includeDirs: opts.includeDirs ?? [],
      readFile: opts.readFile,
      diagnostics: this.diags,
      files: this.files,
    });
  }

  // ---- helpers -------------------------------------------------------------

  /** Property and node names repeat a lot; keep one string per distinct name. */
  private readonly names = new Map<string, string>();
  private intern(s: string): string {
    const got = this.names.get(s);
    if (got !== undefined) return got;
    this.names.set(s, s);
    return s;
  }

  private error(code: string, message: string, span: Span): void {
    this.diags.error(code, message, span);
  }

  /**
   * Bison stack depth baseline of the innermost open construct: for a node
   * body, the entries up to its proplist plus one per completed subnode.
   */
  private sd = 0;

  /** dtc's "memory exhausted": the stack would hold `depth` entries at the current token. */
  private chk(depth: number): void {
    if (depth <= BISON_STACK_LIMIT) return;
    this.diags.add({
      severity: 'error',
      code: 'dts/too-deep',
      message: 'memory exhausted',
      span: this.lex.tokenSpan(),
      hint: `dtc 1.6.1's parser stack holds ${BISON_STACK_LIMIT} entries: nodes nest too deeply, one node has too many children, or there are too many /memreserve/ entries`,
    });
    throw new ParseAbort(true);
  }

  /** bison's "syntax error" at the current (lookahead) token; parsing stops. */
  private syntaxError(): never {
    this.error('dts/syntax', 'syntax error', this.lex.tokenSpan());
    throw new ParseAbort();
  }

  private isChar(c: number): boolean {
    return this.lex.cur() === Tok.Char && this.lex.charCode === c;
  }

  private expectChar(c: number): void {
    if (!this.isChar(c)) this.syntaxError();
    this.lex.next();
  }

  // ---- file level ----------------------------------------------------------

  parseSourceFile(): DeviceTree | undefined {
    const lex = this.lex;
    lex.next();
    const flags = this.parseHeaders();
    this.plugin = (flags & 2) !== 0;
    const memreserves = this.parseMemreserves();
    const root = this.parseDevicetree();
    if (this.diags.hasErrors) return undefined;
    const tree = new DeviceTree(root);
    tree.memreserves = memreserves;
    tree.plugin = this.plugin;
    tree.bootCpuidPhys = guessBootCpuid(root);
    return tree;
  }

  /** headers: (DT_V1 ';' [DT_PLUGIN ';'])+ — every header must carry the first one's flags. */
  private parseHeaders(): number {
    const lex = this.lex;
    const headers: { flags: number; sLine: number; sCol: number; end: Span }[] = [];
    do {
      if (lex.cur() !== Tok.V1) this.syntaxError();
      const sLine = lex.sLine;
      const sCol = lex.sCol;
      lex.next();
      if (!this.isChar(0x3b)) this.syntaxError();
      let end = lex.spanFrom(sLine, sCol);
      lex.next();
      let flags = 1;
      if (lex.cur() === Tok.Plugin) {
        lex.next();
        if (!this.isChar(0x3b)) this.syntaxError();
        end = lex.spanFrom(sLine, sCol);
        lex.next();
        flags |= 2;
      }
      headers.push({ flags, sLine, sCol, end });
    } while (lex.cur() === Tok.V1);
    // The rule is right-recursive: pairs are compared from the last one back,
    // each error spanning from the later header to the end of the last one.
    const last = headers[headers.length - 1].end;
    for (let i = headers.length - 2; i >= 0; i--) {
      if (headers[i + 1].flags !== headers[i].flags) {
        this.error('dts/header-flags', "Header flags don't match earlier ones", {
          ...last,
          line: headers[i + 1].sLine,
          col: headers[i + 1].sCol,
        });
      }
    }
    return headers[0].flags;
  }

  private parseMemreserves(): MemReserve[] {
    const lex = this.lex;
    const out: MemReserve[] = [];
    // Stack: state 0, headers, then every memreserve until they reduce at the tree.
    const base = 2;
    while (lex.cur() === Tok.Label || lex.cur() === Tok.MemReserve) {
      const below = base + out.length;
      let written: WrittenLabel[] = [];
      while (lex.cur() === Tok.Label) {
        this.chk(below + written.length + 1);
        written.push({ name: lex.text, span: lex.tokenSpan() });
        lex.next();
      }
      if (lex.cur() !== Tok.MemReserve) this.syntaxError();
      const d = below + written.length;
      this.chk(d + 1);
      const sLine = lex.sLine;
      const sCol = lex.sCol;
      lex.next();
      const address = this.parseIntegerPrim(d + 1).v;
      const size = this.parseIntegerPrim(d + 2).v;
      if (!this.isChar(0x3b)) this.syntaxError();
      this.chk(d + 4);
      const span = lex.spanFrom(sLine, sCol);
      lex.next();
      const labels: Label[] = labelsFromWritten(written);
      written = [];
      out.push({ address, size, labels, span });
    }
    // The empty `memreserves` is pushed on top of them before they reduce.
    this.chk(base + out.length + 1);
    return out;
  }

  private isRef(): boolean {
    return this.lex.cur() === Tok.LabelRef || this.lex.cur() === Tok.PathRef;
  }

  private parseDevicetree(): Node {
    const lex = this.lex;
    let root: Node;
    let builder: TreeBuilder;
    // Stack below the first block: state 0, headers, memreserves, then '/' or the reference.
    if (this.isChar(0x2f)) {
      lex.next();
      root = this.parseNodedef(4);
      root.name = '';
      builder = new TreeBuilder(root);
    } else if (this.isRef()) {
      const ref = lex.text;
      lex.next();
      const sLine = lex.sLine;
      const sCol = lex.sCol;
      const body = this.parseNodedef(4);
      if (!this.plugin)
        this.error(
          'dts/ref-not-found',
          `Label or path ${ref} not found`,
          this.nodedefSpan(body, sLine, sCol),
        );
      root = new Node('');
      builder = new TreeBuilder(root);
      this.addOrphan(builder, body, ref);
    } else {
      this.syntaxError();
    }

    while (lex.cur() !== Tok.Eof) {
      try {
        this.topLevelItem(builder, root);
      } catch (e) {
        if (!(e instanceof ParseAbort) || e.final || !this.recover) throw e;
        this.skipTopLevel();
      }
    }
    return root;
  }

  /** Recovery at file level: skip past the next `;` outside braces. */
  private skipTopLevel(): void {
    const lex = this.lex;
    let depth = 0;
    for (;;) {
      if (lex.cur() === Tok.Eof) return;
      if (this.isChar(0x7b)) depth++;
      else if (this.isChar(0x7d)) depth = Math.max(0, depth - 1);
      else if (this.isChar(0x3b) && depth === 0) {
        lex.next();
        return;
      }
      lex.next();
    }
  }

  /** One top-level item after the first tree block. */
  private topLevelItem(builder: TreeBuilder, root: Node): void {
    const lex = this.lex;
    {
      if (this.isChar(0x2f)) {
        lex.next();
        const body = this.parseNodedef(5);
        builder.merge(root, body);
      } else if (lex.cur() === Tok.Label) {
        const label = { name: lex.text, span: lex.tokenSpan() };
        lex.next();
        if (!this.isRef()) this.syntaxError();
        const ref = lex.text;
        const refSpan = lex.tokenSpan();
        lex.next();
        const body = this.parseNodedef(6);
        const target = builder.lookupRef(ref);
        if (target) {
          builder.addNodeLabel(target, label.name, label.span);
          builder.merge(target, body);
        } else this.error('dts/ref-not-found', `Label or path ${ref} not found`, refSpan);
      } else if (this.isRef()) {
        const isPath = lex.cur() === Tok.PathRef;
        const ref = lex.text;
        const refSpan = lex.tokenSpan();
        lex.next();
        const body = this.parseNodedef(5);
        if (isPath && this.plugin) {
          this.addOrphan(builder, body, ref);
        } else {
          const target = builder.lookupRef(ref);
          if (target) builder.merge(target, body);
          else if (this.plugin) this.addOrphan(builder, body, ref);
          else this.error('dts/ref-not-found', `Label or path ${ref} not found`, refSpan);
        }
      } else if (lex.cur() === Tok.DelNode || lex.cur() === Tok.OmitNoRef) {
        const del = lex.cur() === Tok.DelNode;
        lex.next();
        if (!this.isRef()) this.syntaxError();
        const ref = lex.text;
        const refSpan = lex.tokenSpan();
        lex.next();
        this.expectChar(0x3b);
        const target = builder.lookupRef(ref);
        if (!target) this.error('dts/ref-not-found', `Label or path ${ref} not found`, refSpan);
        else if (del) deleteNode(target);
        else target.omitIfNoRef = true;
      } else {
        this.syntaxError();
      }
    }
  }

  private nodedefSpan(body: Node, sLine: number, sCol: number): Span {
    return body.spans[0] ?? mkSpan(this.lex.file, sLine, sCol, sLine, sCol);
  }

  /**
   * dtc's add_orphan_node (plugins): `fragment@N` with `target = <&label>`
   * (placeholder 0xffffffff and a phandle reference) or `target-path =
   * "/path"`, holding the body as `__overlay__`. N counts every orphan.
   */
  private addOrphan(builder: TreeBuilder, body: Node, ref: string): void {
    let prop: Property;
    if (ref.startsWith('/')) {
      const bytes = new Uint8Array(ref.length + 1);
      for (let i = 0; i < ref.length; i++) bytes[i] = ref.charCodeAt(i) & 0xff; // Latin-1 text: one byte per char
      prop = new Property('target-path', bytes, [{ offset: 0, kind: 'type-string', ref }]);
    } else {
      prop = new Property('target', new Uint8Array([0xff, 0xff, 0xff, 0xff]), [
        { offset: 0, kind: 'ref-phandle', ref },
      ]);
    }
    const frag = new Node(`fragment@${this.fragmentCounter++}`);
    body.name = '__overlay__';
    frag.addProperty(prop);
    frag.addChild(body);
    builder.addChild(builder.root, frag);
  }

  // ---- node bodies -----------------------------------------------------------

  /**
   * nodedef: '{' proplist subnodes '}' ';' — iterative over nesting. The
   * returned node is unnamed (callers name it); its span runs from `{` to `;`.
   */
  /** `below`: bison stack entries under this nodedef's `{`. */
  private parseNodedef(below: number): Node {
    const lex = this.lex;
    if (!this.isChar(0x7b)) this.syntaxError();
    this.chk(below + 1);
    const stack: Frame[] = [
      {
        node: new Node(''),
        sLine: lex.sLine,
        sCol: lex.sCol,
        seenSubnode: false,
        name: '',
        labels: NO_LABELS,
        omit: false,
        below,
        sd: below + 1,
        proplistPushed: false,
      },
    ];
    lex.next();
    for (;;) {
      try {
        const done = this.bodyStep(stack);
        if (done) return done;
      } catch (e) {
        if (!(e instanceof ParseAbort) || e.final || !this.recover) throw e;
        const done = this.skipInBody(stack);
        if (done) return done;
      }
    }
  }

  /** One item of a node body (or its closing `};`); returns the outermost node when it closes. */
  private bodyStep(stack: Frame[]): Node | undefined {
    const lex = this.lex;
    const f = stack[stack.length - 1];
    if (!f.proplistPushed) {
      // The empty proplist is reduced (pushed) when the first token of the body is seen.
      f.proplistPushed = true;
      f.sd++;
      this.chk(f.sd);
    }
    const sd = f.sd;
    if (this.isChar(0x7d)) {
      this.chk(sd + 2); // empty `subnodes` pushed, then '}'
      lex.next();
      if (!this.isChar(0x3b)) this.syntaxError();
      this.chk(sd + 3);
      const node = f.node;
      node.spans = [lex.spanFrom(f.sLine, f.sCol)];
      // Trim push-grown arrays to their length; big trees keep millions of them.
      if (node.properties.length > 0) node.properties = node.properties.slice();
      if (node.children.length > 0) node.children = node.children.slice();
      lex.next();
      stack.pop();
      if (stack.length === 0) return f.node;
      const parent = stack[stack.length - 1];
      parent.sd = f.below + 1; // the completed subnode stays on the stack
      const child = f.node;
      child.name = f.name;
      if (f.labels.length > 0) child.labels = labelsFromWritten(f.labels);
      if (f.omit) child.omitIfNoRef = true;
      parent.node.addChild(child);
      return undefined;
    }
    const itemLine = lex.sLine;
    const itemCol = lex.sCol;
    let labels: WrittenLabel[] | undefined;
    let omit = false;
    let pre = 0; // labels and /omit-if-no-ref/ stay on the stack until the item reduces
    for (;;) {
      if (lex.cur() === Tok.Label) {
        this.chk(sd + ++pre);
        (labels ??= []).push({ name: lex.text, span: lex.tokenSpan() });
        lex.next();
      } else if (lex.cur() === Tok.OmitNoRef) {
        this.chk(sd + ++pre);
        omit = true;
        lex.next();
      } else break;
    }
    let prop: Property | undefined;
    let itemEnd: Span | undefined;
    if (lex.cur() === Tok.DelProp) {
      if (omit) this.syntaxError();
      this.chk(sd + pre + 1);
      lex.next();
      if (lex.cur() !== Tok.PropNodeName) this.syntaxError();
      this.chk(sd + pre + 2);
      const name = lex.text;
      lex.next();
      if (!this.isChar(0x3b)) this.syntaxError();
      this.chk(sd + pre + 3);
      if (f.seenSubnode) itemEnd = lex.spanFrom(itemLine, itemCol);
      lex.next();
      prop = new Property(name, EMPTY_VALUE, []);
      prop.deleted = true;
    } else if (lex.cur() === Tok.PropNodeName) {
      this.chk(sd + pre + 1);
      const name = this.intern(lex.text);
      const nLine = lex.sLine;
      const nCol = lex.sCol;
      lex.next();
      if (this.isChar(0x7b)) {
        this.chk(sd + pre + 2);
        stack.push({
          node: new Node(''),
          sLine: lex.sLine,
          sCol: lex.sCol,
          seenSubnode: false,
          name,
          labels: labels ?? NO_LABELS,
          omit,
          below: sd,
          sd: sd + pre + 2,
          proplistPushed: false,
        });
        f.seenSubnode = true;
        lex.next();
        return undefined;
      }
      if (omit) this.syntaxError();
      if (this.isChar(0x3d)) {
        this.chk(sd + pre + 2);
        lex.next();
        this.parsePropData(sd + pre + 2);
        if (!this.isChar(0x3b)) this.syntaxError();
        this.chk(sd + pre + 4);
        // Exact-size copy of the marker list: arrays grown by push keep 17 slots.
        prop = new Property(name, this.vb.take(), this.vb.takeMarkers());
        prop.setSpan(lex.file, nLine, nCol, lex.eLine, lex.eCol);
        if (f.seenSubnode) itemEnd = lex.spanFrom(itemLine, itemCol);
        lex.next();
      } else if (this.isChar(0x3b)) {
        this.chk(sd + pre + 2);
        prop = new Property(name, EMPTY_VALUE, []);
        prop.setSpan(lex.file, nLine, nCol, lex.eLine, lex.eCol);
        if (f.seenSubnode) itemEnd = lex.spanFrom(itemLine, itemCol);
        lex.next();
      } else this.syntaxError();
    } else if (lex.cur() === Tok.DelNode) {
      const dLine = lex.sLine;
      const dCol = lex.sCol;
      this.chk(sd + pre + 1);
      lex.next();
      if (lex.cur() !== Tok.PropNodeName) this.syntaxError();
      this.chk(sd + pre + 2);
      const name = lex.text;
      lex.next();
      if (!this.isChar(0x3b)) this.syntaxError();
      this.chk(sd + pre + 3);
      const child = new Node(name);
      child.deleted = true;
      child.spans = [lex.spanFrom(dLine, dCol)];
      lex.next();
      if (labels) child.labels = labelsFromWritten(labels);
      if (omit) child.omitIfNoRef = true;
      f.node.addChild(child);
      f.seenSubnode = true;
      f.sd = sd + 1;
      return undefined;
    } else {
      this.syntaxError();
    }
    if (f.seenSubnode) {
      this.error('dts/props-after-subnodes', 'Properties must precede subnodes', itemEnd!);
      // dtc aborts here (YYERROR with no recovery rule); in recovery mode keep the property.
      if (!this.recover) throw new ParseAbort();
    }
    if (labels) prop.labels = labelsFromWritten(labels);
    f.node.addProperty(prop);
    return undefined;
  }

  /**
   * Error recovery (opt-in, dtc has none): skip to the end of the broken
   * item — a `;` at this level, or the `}` closing the current node.
   */
  private skipInBody(stack: Frame[]): Node | undefined {
    const lex = this.lex;
    let depth = 0;
    for (;;) {
      if (lex.cur() === Tok.Eof) throw new ParseAbort(true);
      if (this.isChar(0x7b)) depth++;
      else if (this.isChar(0x3b) && depth === 0) {
        lex.next();
        return undefined;
      } else if (this.isChar(0x7d)) {
        if (depth > 0) depth--;
        else {
          const f = stack.pop()!;
          f.node.spans = [lex.spanFrom(f.sLine, f.sCol)];
          lex.next();
          if (this.isChar(0x3b)) lex.next();
          if (stack.length === 0) return f.node;
          f.node.name = f.name;
          stack[stack.length - 1].node.addChild(f.node);
          stack[stack.length - 1].sd = f.below + 1;
          return undefined;
        }
      }
      lex.next();
    }
  }

  // ---- values ----------------------------------------------------------------

  /** propdata: components separated by ',', labels before/after each. Leaves `;` as lookahead. */
  /**
   * `b`: bison stack entries through the property's '='. The prefix/propdata
   * nonterminal is 1 more; a component's tokens sit above it.
   */
  private parsePropData(b: number): void {
    const lex = this.lex;
    const vb = this.vb;
    vb.reset();
    for (;;) {
      while (lex.cur() === Tok.Label) {
        this.chk(b + 2);
        vb.marker('label', lex.text);
        lex.next();
      }
      this.chk(b + 2);
      switch (lex.cur()) {
        case Tok.String: {
          vb.marker('type-string');
          vb.bytes(lex.strSink.buf, lex.strSink.len);
          lex.next();
          break;
        }
        case Tok.Bits:
          this.parseArray(b);
          break;
        case Tok.LabelRef:
        case Tok.PathRef: {
          vb.marker('type-string', lex.text);
          vb.marker('ref-path', lex.text);
          lex.next();
          break;
        }
        case Tok.Incbin:
          this.parseIncbin(b);
          break;
        case Tok.Char:
          if (lex.charCode === 0x3c) {
            this.parseArray(b);
            break;
          }
          if (lex.charCode === 0x5b) {
            this.parseByteString(b);
            break;
          }
          this.syntaxError();
        // falls through (unreachable: syntaxError throws)
        default:
          this.syntaxError();
      }
      while (lex.cur() === Tok.Label) {
        this.chk(b + 2);
        vb.marker('label', lex.text);
        lex.next();
      }
      if (this.isChar(0x2c)) {
        this.chk(b + 2);
        lex.next();
        continue;
      }
      return;
    }
  }

  private parseArray(b: number): void {
    const lex = this.lex;
    const vb = this.vb;
    let bits = 32;
    if (lex.cur() === Tok.Bits) {
      lex.next();
      if (lex.cur() !== Tok.Literal) this.syntaxError();
      this.chk(b + 3);
      const w = lex.bigValue();
      const span = lex.tokenSpan();
      lex.next();
      if (!this.isChar(0x3c)) this.syntaxError();
      this.chk(b + 4);
      if (w === 8n || w === 16n || w === 32n || w === 64n) bits = Number(w);
      else this.error('dts/bits', 'Array elements must be 8, 16, 32 or 64-bits', span);
    }
    // Above the prefix: the arrayprefix nonterminal, then one element at a time.
    const elem = b + 3;
    // Literals up to this value are written directly (below 2^53 for 64 bits: exact in a double).
    const maxFast =
      bits === 8 ? 0xff : bits === 16 ? 0xffff : bits === 32 ? 0xffffffff : Number.MAX_SAFE_INTEGER;
    vb.marker(bits === 8 ? 'type-u8' : bits === 16 ? 'type-u16' : bits === 64 ? 'type-u64' : 'type-u32');
    lex.next(); // '<'
    for (;;) {
      const t = lex.cur();
      this.chk(elem);
      if (t === Tok.Literal && lex.num >= 0 && lex.num <= maxFast) {
        // A plain literal that fits: no bigint arithmetic (the common case of
        // every width); anything else takes the general path below.
        const v = lex.num;
        if (bits === 32) vb.u32(v);
        else if (bits === 8) vb.u8(v);
        else if (bits === 16) vb.u16(v);
        else vb.u64(v);
        lex.next();
      } else if (t === Tok.Literal || t === Tok.CharLiteral || (t === Tok.Char && lex.charCode === 0x28)) {
        const prim = this.parseIntegerPrim(elem - 1);
        if (bits < 64) {
          const mask = (1n << BigInt(bits)) - 1n;
          if (prim.v > mask && (prim.v | mask) !== U64_MAX)
            this.error(
              'dts/value-range',
              `Value out of range for ${bits}-bit array element`,
              mkSpan(prim.file, prim.sLine, prim.sCol, prim.eLine, prim.eCol),
            );
        }
        vb.integer(prim.v, bits);
      } else if (t === Tok.LabelRef || t === Tok.PathRef) {
        if (bits === 32) vb.marker('ref-phandle', lex.text);
        else
          this.error(
            'dts/ref-bits',
            'References are only allowed in arrays with 32-bit elements.',
            lex.tokenSpan(),
          );
        vb.integer(U64_MAX, bits);
        lex.next();
      } else if (t === Tok.Label) {
        vb.marker('label', lex.text);
        lex.next();
      } else if (t === Tok.Char && lex.charCode === 0x3e) {
        lex.next();
        return;
      } else this.syntaxError();
    }
  }

  private parseByteString(b: number): void {
    const lex = this.lex;
    const vb = this.vb;
    vb.marker('type-u8');
    lex.next(); // '['
    this.chk(b + 3); // the empty bytestring
    for (;;) {
      this.chk(b + 4);
      if (lex.cur() === Tok.Byte) {
        vb.u8(lex.num);
        lex.next();
      } else if (lex.cur() === Tok.Label) {
        vb.marker('label', lex.text);
        lex.next();
      } else if (this.isChar(0x5d)) {
        lex.next();
        return;
      } else this.syntaxError();
    }
  }

  /** /incbin/("file"[, offset, length]): raw bytes, no type marker (dtc's data_copy_file). */
  private parseIncbin(b: number): void {
    const lex = this.lex;
    lex.next();
    this.chk(b + 3);
    this.expectChar(0x28);
    if (lex.cur() !== Tok.String) this.syntaxError();
    this.chk(b + 4);
    // The file name is the string's value (escapes applied), up to its first NUL.
    const raw = lex.strSink.buf.subarray(0, lex.strSink.len);
    const nul = raw.indexOf(0);
    const name = latin1(raw.subarray(0, nul < 0 ? raw.length : nul));
    const nameSpan = lex.tokenSpan();
    lex.next();
    let offset = 0n;
    let length: bigint | undefined;
    if (this.isChar(0x2c)) {
      this.chk(b + 5);
      lex.next();
      offset = this.parseIntegerPrim(b + 5).v;
      this.chk(b + 7);
      this.expectChar(0x2c);
      length = this.parseIntegerPrim(b + 7).v;
    }
    if (!this.isChar(0x29)) this.syntaxError();
    this.chk(length === undefined ? b + 5 : b + 9);
    // dtc opens the file when the rule is reduced, i.e. after the ')'.
    const closeSpan = lex.spanFrom(nameSpan.line, nameSpan.col);
    lex.next();
    const { bytes } = lex.openRelative(name, closeSpan);
    if (offset !== 0n && offset > 0x7fffffffffffffffn) {
      const d: Diagnostic = {
        severity: 'error',
        code: 'dts/incbin-seek',
        message: `Couldn't seek to offset ${offset} in "${name}": Invalid argument`,
        span: closeSpan,
      };
      this.diags.add(d);
      throw new FatalInputError(d);
    }
    const start = Number(offset > BigInt(bytes.length) ? BigInt(bytes.length) : offset);
    let end = bytes.length;
    if (length !== undefined && BigInt(start) + length < BigInt(end)) end = start + Number(length);
    this.vb.bytes(bytes.subarray(start, end), end - start);
  }

  // ---- integer expressions ------------------------------------------------------

  /** integer_prim: literal, char literal or '(' expr ')', with its span. */
  /** `below`: bison stack entries under the primary. */
  private parseIntegerPrim(below: number): ExprVal {
    const lex = this.lex;
    this.chk(below + 1);
    if (lex.cur() === Tok.Literal || lex.cur() === Tok.CharLiteral) {
      const v: ExprVal = {
        v: lex.bigValue(),
        sLine: lex.sLine,
        sCol: lex.sCol,
        eLine: lex.eLine,
        eCol: lex.eCol,
        file: lex.file,
      };
      lex.next();
      return v;
    }
    if (!this.isChar(0x28)) this.syntaxError();
    return this.parseParenExpr(below);
  }

  /**
   * '(' integer_expr ')' with C precedence (dtc-parser.y's integer_* rules)
   * by operator precedence with explicit stacks: no recursion per nesting.
   * Arithmetic is unsigned 64-bit; shifts by >= 64 give 0.
   */
  private parseParenExpr(below: number): ExprVal {
    const lex = this.lex;
    const ops: OpEntry[] = [];
    const vals: ExprVal[] = [];
    let depth = 0;
    let expectOperand = true;
    // Bison stack entries held by the pending operators: '(' and unary ops 1,
    // a binary op 2 (with its left operand), `c ?` 2, `c ? e :` 4.
    let ent = 0;
    const entOf = (op: Op): number =>
      op === Op.Colon ? 4 : op === Op.Paren || op === Op.Neg || op === Op.BitNot || op === Op.LogNot ? 1 : 2;

    const reduceTop = (): void => {
      const e = ops.pop()!;
      ent -= entOf(e.op);
      switch (e.op) {
        case Op.Neg:
        case Op.BitNot:
        case Op.LogNot: {
          const a = vals.pop()!;
          const v =
            e.op === Op.Neg
              ? BigInt.asUintN(64, -a.v)
              : e.op === Op.BitNot
                ? U64_MAX ^ a.v
                : a.v === 0n
                  ? 1n
                  : 0n;
          vals.push({ v, sLine: e.sLine, sCol: e.sCol, eLine: a.eLine, eCol: a.eCol, file: a.file });
          return;
        }
        case Op.Colon: {
          const c = vals.pop()!;
          const b = vals.pop()!;
          const a = vals.pop()!;
          vals.push({
            v: a.v !== 0n ? b.v : c.v,
            sLine: a.sLine,
            sCol: a.sCol,
            eLine: c.eLine,
            eCol: c.eCol,
            file: c.file,
          });
          return;
        }
        default: {
          const r = vals.pop()!;
          const l = vals.pop()!;
          let v: bigint;
          const x = l.v;
          const y = r.v;
          switch (e.op) {
            case Op.Mul:
              v = BigInt.asUintN(64, x * y);
              break;
            case Op.Div:
            case Op.Mod:
              if (y === 0n) {
                this.error(
                  'dts/division-by-zero',
                  'Division by zero',
                  mkSpan(r.file, l.sLine, l.sCol, r.eLine, r.eCol),
                );
                v = 0n;
              } else v = e.op === Op.Div ? x / y : x % y;
              break;
            case Op.Add:
              v = BigInt.asUintN(64, x + y);
              break;
            case Op.Sub:
              v = BigInt.asUintN(64, x - y);
              break;
            case Op.Shl:
              v = y < 64n ? BigInt.asUintN(64, x << y) : 0n;
              break;
            case Op.Shr:
              v = y < 64n ? x >> y : 0n;
              break;
            case Op.Lt:
              v = x < y ? 1n : 0n;
              break;
            case Op.Gt:
              v = x > y ? 1n : 0n;
              break;
            case Op.Le:
              v = x <= y ? 1n : 0n;
              break;
            case Op.Ge:
              v = x >= y ? 1n : 0n;
              break;
            case Op.Eq:
              v = x === y ? 1n : 0n;
              break;
            case Op.Ne:
              v = x !== y ? 1n : 0n;
              break;
            case Op.BitAnd:
              v = x & y;
              break;
            case Op.BitXor:
              v = x ^ y;
              break;
            case Op.BitOr:
              v = x | y;
              break;
            case Op.LogAnd:
              v = x !== 0n && y !== 0n ? 1n : 0n;
              break;
            case Op.LogOr:
              v = x !== 0n || y !== 0n ? 1n : 0n;
              break;
            default:
              throw new Error('unreachable expression operator');
          }
          vals.push({ v, sLine: l.sLine, sCol: l.sCol, eLine: r.eLine, eCol: r.eCol, file: r.file });
        }
      }
    };
    const isUnary = (op: Op): boolean => op === Op.Neg || op === Op.BitNot || op === Op.LogNot;

    for (;;) {
      const t = lex.cur();
      if (expectOperand) {
        if (t === Tok.Char && lex.charCode === 0x28) {
          ops.push({ op: Op.Paren, sLine: lex.sLine, sCol: lex.sCol });
          depth++;
          this.chk(below + ++ent);
          lex.next();
        } else if (
          t === Tok.Char &&
          (lex.charCode === 0x2d || lex.charCode === 0x7e || lex.charCode === 0x21)
        ) {
          const op = lex.charCode === 0x2d ? Op.Neg : lex.charCode === 0x7e ? Op.BitNot : Op.LogNot;
          ops.push({ op, sLine: lex.sLine, sCol: lex.sCol });
          this.chk(below + ++ent);
          lex.next();
        } else if (t === Tok.Literal || t === Tok.CharLiteral) {
          this.chk(below + ent + 1);
          vals.push({
            v: lex.bigValue(),
            sLine: lex.sLine,
            sCol: lex.sCol,
            eLine: lex.eLine,
            eCol: lex.eCol,
            file: lex.file,
          });
          lex.next();
          expectOperand = false;
        } else this.syntaxError();
        continue;
      }
      const bop = binaryOp(t, lex.charCode);
      if (bop !== -1) {
        const p = precedence(bop);
        for (;;) {
          const top = ops[ops.length - 1];
          if (
            isUnary(top.op) ||
            (top.op !== Op.Paren && top.op !== Op.Question && top.op !== Op.Colon && precedence(top.op) >= p)
          )
            reduceTop();
          else break;
        }
        ops.push({ op: bop, sLine: lex.sLine, sCol: lex.sCol });
        ent += 2;
        this.chk(below + ent);
        lex.next();
        expectOperand = true;
      } else if (t === Tok.Char && lex.charCode === 0x3f) {
        for (;;) {
          const top = ops[ops.length - 1];
          if (top.op !== Op.Paren && top.op !== Op.Question && top.op !== Op.Colon) reduceTop();
          else break;
        }
        ops.push({ op: Op.Question, sLine: lex.sLine, sCol: lex.sCol });
        ent += 2;
        this.chk(below + ent);
        lex.next();
        expectOperand = true;
      } else if (t === Tok.Char && lex.charCode === 0x3a) {
        for (;;) {
          const top = ops[ops.length - 1];
          if (top.op === Op.Question) break;
          if (top.op === Op.Paren) this.syntaxError();
          reduceTop();
        }
        ops[ops.length - 1] = { op: Op.Colon, sLine: lex.sLine, sCol: lex.sCol };
        ent += 2;
        this.chk(below + ent);
        lex.next();
        expectOperand = true;
      } else if (t === Tok.Char && lex.charCode === 0x29) {
        for (;;) {
          const top = ops[ops.length - 1];
          if (top.op === Op.Paren) break;
          if (top.op === Op.Question) this.syntaxError();
          reduceTop();
        }
        const open = ops.pop()!;
        ent -= 1;
        this.chk(below + ent + 3); // '(' expr ')'
        const inner = vals.pop()!;
        // integer_prim's span includes the parentheses.
        vals.push({
          v: inner.v,
          sLine: open.sLine,
          sCol: open.sCol,
          eLine: lex.eLine,
          eCol: lex.eCol,
          file: lex.file,
        });
        lex.next();
        depth--;
        if (depth === 0) return vals.pop()!;
      } else this.syntaxError();
    }
  }
}

/**
 * Parses DTS source text (after any cpp run) into dtc's merged tree. Bad
 * input never throws: errors are diagnostics and `tree` is undefined.
 */
export function parseDts(text: string, opts: DtsParseOptions): DtsParseResult {
  const p = new Parser(text, opts);
  let tree: DeviceTree | undefined;
  try {
    tree = p.parseSourceFile();
  } catch (e) {
    if (!(e instanceof ParseAbort) && !(e instanceof FatalInputError)) throw e;
    tree = undefined;
  }
  if (p.diags.hasErrors) tree = undefined;
  return { tree, diagnostics: p.diags.items, files: p.files };
}
