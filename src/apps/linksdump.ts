// `links -dump`: HTML -> the text Links 2.28 prints, at a given width (80 by default).
//
// This is a model of Links' text-mode formatter, written from its observable behaviour
// (../shared/lab/FORMATS.md §7.1 and the reference dumps): a tag-driven parser that keeps an
// element stack (each element carries the paragraph format in force inside it) feeding a line
// layout with margins, greedy word wrap and centring. The rules that matter:
//   - block elements ask for a number of line breaks on open and close (1 = new line, 2 = one
//     empty line); breaks never accumulate beyond what was asked since the last text;
//   - the body has margins of 3 on both sides, so paragraphs are indented 3 and wrapped at 77;
//   - h1 and center are centred with margins 0, h2 starts at 0, h3 at 2 (h4 at 4, ...);
//   - pre keeps blanks and newlines, indented 1; hr is 5 blanks + 70 '-' at width 80;
//   - ul items are `* ` at +2, ol items ` 1. ` at +0; wrapped item lines hang under the text;
//   - whitespace collapses to one blank; a blank before a closing tag is only emitted if text
//     follows; leading blanks on a line are dropped, one trailing blank is removed at the break;
//   - the title, scripts and styles are not shown; links, bold, italic are plain text;
//   - no leading empty line, no trailing empty lines, every line ends with "\n".
//   - tables: columns sized from their cells' narrowest and widest layouts, cell padding 1 and
//     ASCII frames (+ - |) with border, one blank between columns without; width attributes of
//     cells and text outside cells are not modelled.

export interface LinksDumpOptions {
  /** Terminal width in columns (`links -dump -width N`), 80 by default. */
  width?: number;
}

const enum Align {
  Left,
  Right,
  Center,
  Justify,
  /** Preformatted: no wrapping, blanks and newlines kept. */
  Pre,
}

const enum ListKind {
  None,
  Star,
  Circle,
  Plus,
  Number,
  LowerAlpha,
  UpperAlpha,
  LowerRoman,
  UpperRoman,
}

interface ParFormat {
  align: Align;
  leftMargin: number;
  rightMargin: number;
  width: number;
  listLevel: number;
  listNumber: number;
  listKind: ListKind;
  ddMargin: number;
  compact: boolean;
}

const enum Invisible {
  No,
  Hidden,
  Script,
  Style,
}

interface StackElement {
  name: string; // upper case; '' for the document's base elements
  lineBreak: number;
  /** 1: not closed by an enclosing end tag's search; 2: the document root, never killed. */
  dontKill: number;
  invisible: Invisible;
  par: ParFormat;
  link: string | null;
}

/** The page margin of Links' text mode (`margin` option, 3 by default). */
const MARGIN = 3;

const NBSP = '\u00a0';

/** Links formats tables nested up to this depth (HTML_MAX_TABLE_LEVEL); deeper ones as text. */
const MAX_TABLE_LEVEL = 10;

// ---------------------------------------------------------------------------------------------
// Layout: lines of characters, a cursor, and the wrap/align/break rules of the text renderer.

class Layout {
  readonly lines: string[][] = [];
  cx = -1;
  cy = 0;
  /** Height of the text (Links' part->y): lines below it hold breaks only. */
  height = 0;
  /** Narrowest width the text needs (part->x) and its width unwrapped (part->xmax). */
  x = 0;
  xmax = 0;
  /** Characters on the current line (part->xa), for xmax. */
  private xa = 0;
  /** spaces[x]: the character at column x of the current line is a breakable blank. */
  private spaces: boolean[] = [];
  /** Set when a wrap already moved to a new line, so the next requested break is absorbed. */
  noBreak = true;
  noWrap = false;

  constructor(private readonly parOf: () => ParFormat) {}

  private rightEdge(p: ParFormat): number {
    return Math.max(0, p.width - p.rightMargin);
  }

  private line(y: number): string[] {
    while (this.lines.length <= y) this.lines.push([]);
    return this.lines[y] as string[];
  }

  put(text: string): void {
    const p = this.parOf();
    let t = text;
    if (p.align !== Align.Pre) {
      let i = 0;
      while (this.cx <= p.leftMargin && i < t.length && t[i] === ' ') i++;
      t = t.slice(i);
    }
    if (t.length === 0) return;
    if (this.cx < p.leftMargin) this.cx = p.leftMargin;
    if (this.height < this.cy + 1) this.height = this.cy + 1;
    if (this.noWrap && this.cx + t.length > this.rightEdge(p)) return;
    const line = this.line(this.cy);
    while (line.length < this.cx) line.push(' ');
    for (let k = 0; k < t.length; k++) {
      const x = this.cx + k;
      const ch = t[k] as string;
      line[x] = ch;
      if (p.align !== Align.Pre) this.spaces[x] = ch === ' ';
    }
    this.cx += t.length;
    this.noBreak = false;
    if (p.align !== Align.Pre) {
      while (this.cx > this.rightEdge(p) && this.cx > p.leftMargin) {
        const r = this.split(p);
        if (r === 0) break;
        this.alignLine(this.cy - 1, p);
        this.noBreak = r - 1 === 1;
      }
    }
    this.xa += t.length;
    const trailing = t.endsWith(' ') && p.align !== Align.Pre ? 1 : 0;
    const w = this.xa - trailing + p.leftMargin + p.rightMargin;
    if (w > this.xmax) this.xmax = w;
  }

  /** Writes a block (a table) at column x0 from the current line on; the cursor goes below it. */
  placeBlock(x0: number, rows: readonly string[][]): void {
    for (let r = 0; r < rows.length; r++) {
      const line = this.line(this.cy + r);
      const row = rows[r] as string[];
      while (line.length < x0) line.push(' ');
      for (let k = 0; k < row.length; k++) line[x0 + k] = row[k] as string;
    }
    this.cy += rows.length;
    this.cx = -1;
    if (this.height < this.cy) this.height = this.cy;
  }

  /** Wraps the current line at the last blank that fits (or the first one after). */
  private split(p: ParFormat): number {
    const rm = this.rightEdge(p);
    let at = -1;
    for (let i = rm; i >= p.leftMargin; i--) {
      if (this.spaces[i] === true) {
        at = i;
        break;
      }
    }
    if (at < 0) {
      for (let i = Math.max(rm + 1, p.leftMargin); i < this.cx; i++) {
        if (this.spaces[i] === true) {
          at = i;
          break;
        }
      }
    }
    if (at < 0) {
      if (this.cx >= 0 && this.cx + p.rightMargin > this.x) this.x = this.cx + p.rightMargin;
      return 0;
    }
    if (at + p.rightMargin > this.x) this.x = at + p.rightMargin;
    const line = this.line(this.cy);
    const moved = line.slice(at + 1);
    line.length = at;
    const next = this.line(this.cy + 1);
    while (next.length < p.leftMargin) next.push(' ');
    for (let k = 0; k < moved.length; k++) next[p.leftMargin + k] = moved[k] as string;
    const oldSpaces = this.spaces;
    this.spaces = [];
    for (let k = at + 1; k < oldSpaces.length; k++) {
      if (oldSpaces[k] === true) this.spaces[p.leftMargin + k - at - 1] = true;
    }
    this.cy++;
    this.cx -= at - p.leftMargin + 1;
    if (this.cx === p.leftMargin) this.cx = -1;
    const h = this.cy + (this.cx !== -1 ? 1 : 0);
    if (this.height < h) this.height = h;
    return 1 + (this.cx === -1 ? 1 : 0);
  }

  private alignLine(y: number, p: ParFormat): void {
    const line = this.line(y);
    if (line.length === 0) return;
    if (p.align !== Align.Center && p.align !== Align.Right) return;
    let shift = this.rightEdge(p) - line.length;
    if (p.align === Align.Center) shift = Math.trunc(shift / 2);
    if (shift > 0) line.unshift(...new Array<string>(shift).fill(' '));
  }

  lineBreak(): void {
    const p = this.parOf();
    if (this.cx >= 0 && this.cx + p.rightMargin > this.x) this.x = this.cx + p.rightMargin;
    if (this.noBreak) {
      this.noBreak = false;
      this.cx = -1;
      this.xa = 0;
      return;
    }
    const line = this.line(this.cy);
    this.line(this.cy + 1);
    if (this.cx > p.leftMargin && line.length > this.cx - 1 && line[this.cx - 1] === ' ') {
      line.length = this.cx - 1;
      this.cx--;
    }
    if (this.cx > 0) this.alignLine(this.cy, p);
    this.cy++;
    this.cx = -1;
    this.xa = 0;
    this.spaces = [];
  }

  text(): string {
    let out = '';
    // Links drops the empty lines at the end of a document (really_format_html).
    let last = this.lines.length - 1;
    while (last >= 0 && (this.lines[last] as string[]).length === 0) last--;
    for (let y = 0; y <= last; y++) {
      out += (this.lines[y] as string[]).join('').replaceAll(NBSP, ' ') + '\n';
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Tags and attributes

interface ParsedTag {
  /** As written, with a leading '/' for an end tag. */
  name: string;
  attrs: string;
  /** Offset just after the tag. */
  end: number;
}

function isWhite(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
}

function isNameChar(c: string | undefined): boolean {
  if (c === undefined) return false;
  return /[A-Za-z0-9_\-]/.test(c);
}

/** Links' tag reader: '<', optional '/', a name, attributes up to '>' (or up to a '<'). */
function parseTag(s: string, at: number): ParsedTag | null {
  if (s.length - at < 3 || s[at] !== '<') return null;
  let e = at + 1;
  const nameStart = e;
  if (s[e] === '/') e++;
  if (!isNameChar(s[e])) return null;
  while (isNameChar(s[e])) {
    e++;
    if (e >= s.length) return null;
  }
  const c = s[e];
  if (!isWhite(c) && c !== '>' && c !== '/') return null;
  const name = s.slice(nameStart, e);
  const attrStart = e;
  let quote: string | null = null;
  while (e < s.length) {
    const ch = s[e];
    if (quote !== null) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      // A quote only opens a value right after '='.
      let b = e - 1;
      while (b > attrStart && isWhite(s[b])) b--;
      if (s[b] === '=') quote = ch;
    } else if (ch === '>') {
      return { name, attrs: s.slice(attrStart, e), end: e + 1 };
    } else if (ch === '<') {
      return { name, attrs: s.slice(attrStart, e), end: e };
    }
    e++;
  }
  return null;
}

function parseAttrs(attrs: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /(\/|[^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s<>]*)))?/g;
  for (const m of attrs.matchAll(re)) {
    const key = (m[1] as string).toLowerCase();
    if (out.has(key)) continue;
    const raw = m[2] ?? m[3] ?? m[4] ?? '';
    out.set(key, decodeEntities(raw.replace(/[\r\n]/g, '').replace(/\t/g, ' ')));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Entities

const NAMED_ENTITIES: Record<string, number> = {
  quot: 34, amp: 38, apos: 39, lt: 60, gt: 62,
  nbsp: 160, iexcl: 161, cent: 162, pound: 163, curren: 164, yen: 165, brvbar: 166, sect: 167,
  uml: 168, copy: 169, ordf: 170, laquo: 171, not: 172, shy: 173, reg: 174, macr: 175, deg: 176,
  plusmn: 177, sup2: 178, sup3: 179, acute: 180, micro: 181, para: 182, middot: 183, cedil: 184,
  sup1: 185, ordm: 186, raquo: 187, frac14: 188, frac12: 189, frac34: 190, iquest: 191,
  Agrave: 192, Aacute: 193, Acirc: 194, Atilde: 195, Auml: 196, Aring: 197, AElig: 198,
  Ccedil: 199, Egrave: 200, Eacute: 201, Ecirc: 202, Euml: 203, Igrave: 204, Iacute: 205,
  Icirc: 206, Iuml: 207, ETH: 208, Ntilde: 209, Ograve: 210, Oacute: 211, Ocirc: 212,
  Otilde: 213, Ouml: 214, times: 215, Oslash: 216, Ugrave: 217, Uacute: 218, Ucirc: 219,
  Uuml: 220, Yacute: 221, THORN: 222, szlig: 223, agrave: 224, aacute: 225, acirc: 226,
  atilde: 227, auml: 228, aring: 229, aelig: 230, ccedil: 231, egrave: 232, eacute: 233,
  ecirc: 234, euml: 235, igrave: 236, iacute: 237, icirc: 238, iuml: 239, eth: 240, ntilde: 241,
  ograve: 242, oacute: 243, ocirc: 244, otilde: 245, ouml: 246, divide: 247, oslash: 248,
  ugrave: 249, uacute: 250, ucirc: 251, uuml: 252, yacute: 253, thorn: 254, yuml: 255,
  OElig: 338, oelig: 339, Scaron: 352, scaron: 353, Yuml: 376, fnof: 402, circ: 710, tilde: 732,
  ensp: 8194, emsp: 8195, thinsp: 8201, zwnj: 8204, zwj: 8205, lrm: 8206, rlm: 8207,
  ndash: 8211, mdash: 8212, lsquo: 8216, rsquo: 8217, sbquo: 8218, ldquo: 8220, rdquo: 8221,
  bdquo: 8222, dagger: 8224, Dagger: 8225, bull: 8226, hellip: 8230, permil: 8240, prime: 8242,
  Prime: 8243, lsaquo: 8249, rsaquo: 8250, oline: 8254, frasl: 8260, euro: 8364, trade: 8482,
  larr: 8592, uarr: 8593, rarr: 8594, darr: 8595, harr: 8596, minus: 8722,
};

function isEntityTerminator(c: string | undefined): boolean {
  return c === undefined || !/[A-Za-z0-9#]/.test(c);
}

function entityCodePoint(name: string): number | null {
  if (name.startsWith('#')) {
    const hex = name[1] === 'x' || name[1] === 'X';
    const digits = name.slice(hex ? 2 : 1);
    if (digits.length === 0 || !(hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)) return null;
    const n = Number.parseInt(digits, hex ? 16 : 10);
    return n > 0 && n <= 0x10ffff ? n : null;
  }
  return NAMED_ENTITIES[name] ?? null;
}

function codePointText(n: number): string {
  if (n === 160) return NBSP;
  if (n === 173) return ''; // soft hyphen: invisible
  if (n < 32) return ' ';
  return String.fromCodePoint(n);
}

/** `&name;`, `&#N;`, `&#xH;` (the ';' may be missing); an unknown entity stays as written. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (c !== '&') {
      out += c;
      i++;
      continue;
    }
    let j = i + 1;
    while (j < s.length && !isEntityTerminator(s[j])) j++;
    const cp = entityCodePoint(s.slice(i + 1, j));
    if (cp === null) {
      out += '&';
      i++;
      continue;
    }
    out += codePointText(cp);
    i = j + (s[j] === ';' ? 1 : 0);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The formatter: walks the HTML, keeps the element stack, drives the layout.

interface ElementInfo {
  lineBreak: number;
  /** 0: paired; 1: empty element; 2: a new one closes an open one (p, a, hN); 3: li. */
  noPair: number;
  open?: (f: Formatter, attrs: Map<string, string>, rawAttrs: string) => void;
}

const INLINE: ElementInfo = { lineBreak: 0, noPair: 0 };

const ELEMENTS: Record<string, ElementInfo> = {
  SPAN: INLINE, B: INLINE, STRONG: INLINE, DFN: INLINE, I: INLINE, Q: INLINE, CITE: INLINE,
  EM: INLINE, ABBR: INLINE, U: INLINE, S: INLINE, STRIKE: INLINE, FIXED: INLINE, CODE: INLINE,
  TT: INLINE, SAMP: INLINE, FONT: INLINE, BODY: INLINE,
  SUB: { lineBreak: 0, noPair: 0, open: (f) => f.putText('_') },
  SUP: { lineBreak: 0, noPair: 0, open: (f) => f.putText('^') },
  A: { lineBreak: 0, noPair: 2, open: (f, a) => f.openLink(a) },
  IMG: { lineBreak: 0, noPair: 1, open: (f, a) => f.image(a) },
  IMAGE: { lineBreak: 0, noPair: 1, open: (f, a) => f.image(a) },
  BASE: { lineBreak: 0, noPair: 1 },
  BASEFONT: { lineBreak: 0, noPair: 1 },
  META: { lineBreak: 0, noPair: 1 },
  INPUT: { lineBreak: 0, noPair: 1 },
  TITLE: { lineBreak: 0, noPair: 0, open: (f, _a, raw) => f.hideUnlessSelfClosing(raw) },
  SCRIPT: { lineBreak: 0, noPair: 0, open: (f, a) => f.hide(a.has('/') ? Invisible.No : Invisible.Script) },
  STYLE: { lineBreak: 0, noPair: 0, open: (f) => f.hide(Invisible.Style) },
  NOEMBED: { lineBreak: 0, noPair: 0, open: (f) => f.hide(Invisible.Hidden) },
  BR: { lineBreak: 1, noPair: 1, open: (f, a) => f.br(a) },
  DIV: { lineBreak: 1, noPair: 0, open: (f, a) => f.alignAttr(a) },
  CENTER: { lineBreak: 1, noPair: 0, open: (f) => f.center() },
  CAPTION: { lineBreak: 1, noPair: 0, open: (f) => f.center() },
  P: { lineBreak: 2, noPair: 2, open: (f, a) => f.paragraph(a) },
  HR: { lineBreak: 2, noPair: 1, open: (f, a) => f.hr(a) },
  H1: { lineBreak: 2, noPair: 2, open: (f, a) => f.heading(1, a) },
  H2: { lineBreak: 2, noPair: 2, open: (f, a) => f.heading(2, a) },
  H3: { lineBreak: 2, noPair: 2, open: (f, a) => f.heading(3, a) },
  H4: { lineBreak: 2, noPair: 2, open: (f, a) => f.heading(4, a) },
  H5: { lineBreak: 2, noPair: 2, open: (f, a) => f.heading(5, a) },
  H6: { lineBreak: 2, noPair: 2, open: (f, a) => f.heading(6, a) },
  BLOCKQUOTE: { lineBreak: 2, noPair: 0, open: (f) => f.indent(2) },
  ADDRESS: { lineBreak: 2, noPair: 0, open: (f) => f.indent(1) },
  PRE: { lineBreak: 2, noPair: 0, open: (f) => f.pre() },
  LISTING: { lineBreak: 2, noPair: 0, open: (f) => f.pre() },
  UL: { lineBreak: 1, noPair: 0, open: (f, a) => f.unorderedList(a) },
  DIR: { lineBreak: 1, noPair: 0, open: (f, a) => f.unorderedList(a) },
  MENU: { lineBreak: 1, noPair: 0, open: (f, a) => f.unorderedList(a) },
  OL: { lineBreak: 1, noPair: 0, open: (f, a) => f.orderedList(a) },
  LI: { lineBreak: 1, noPair: 3, open: (f, a) => f.listItem(a) },
  DL: { lineBreak: 1, noPair: 0, open: (f, a) => f.definitionList(a) },
  DT: { lineBreak: 1, noPair: 1, open: (f, a) => f.definitionTerm(a) },
  DD: { lineBreak: 1, noPair: 1, open: (f) => f.definitionData() },
  TABLE: { lineBreak: 2, noPair: 0, open: (f, a) => f.table(a) },
  TR: { lineBreak: 1, noPair: 0, open: (f, a) => f.alignAttr(a) },
  TD: { lineBreak: 0, noPair: 0, open: (f) => f.cell() },
  TH: { lineBreak: 0, noPair: 0, open: (f) => f.cell() },
  FORM: { lineBreak: 1, noPair: 0, open: (f) => f.form() },
  OPTION: { lineBreak: 1, noPair: 1 },
  IFRAME: { lineBreak: 1, noPair: 1, open: (f, a) => f.iframe(a) },
  FRAME: { lineBreak: 1, noPair: 1, open: (f, a) => f.frame(a) },
  FRAMESET: { lineBreak: 1, noPair: 0 },
  LINK: { lineBreak: 0, noPair: 1, open: (f, a) => f.linkElement(a) },
};

const SKIPPED_LINK_RELS = new Set([
  'edit-time-data', 'file-list', 'alternate stylesheet', 'generator-home', 'https://api.w.org/',
  'https://github.com/wp-api/wp-api', 'made', 'manifest', 'meta', 'pingback', 'preconnect',
  'stylesheet', 'prefetch', 'prerender', 'preload', 'dns-prefetch',
]);

function romanNumeral(n: number): string {
  if (n <= 0 || n >= 4000) return String(n);
  const table: Array<[number, string]> = [
    [1000, 'm'], [900, 'cm'], [500, 'd'], [400, 'cd'], [100, 'c'], [90, 'xc'], [50, 'l'],
    [40, 'xl'], [10, 'x'], [9, 'ix'], [5, 'v'], [4, 'iv'], [1, 'i'],
  ];
  let out = '';
  let v = n;
  for (const [value, digits] of table) {
    while (v >= value) {
      out += digits;
      v -= value;
    }
  }
  return out;
}

function numberAttr(a: Map<string, string>, name: string): number {
  const v = a.get(name);
  if (v === undefined || !/^[0-9]+$/.test(v)) return -1;
  const n = Number.parseInt(v, 10);
  return n > 10000 ? -1 : n;
}

class Formatter {
  private readonly stack: StackElement[] = [];
  readonly layout: Layout;
  /** Line breaks made since the last text (ln_break never adds more than asked). */
  private lineBreaks = 1;
  /** Characters put on the current line since the last break. */
  private pos = 0;
  /** -1: drop a leading blank; 0: normal; 1: a blank is pending before the next text. */
  private putSpace = -1;
  private wasBr = false;

  /** The part's margin (Links' `margin`): 3 for the page, the cell padding inside a table. */
  private readonly margin: number;
  /** 0 for the page, n inside a table nested n deep. */
  private readonly tableLevel: number;

  /** Laid out only to measure its narrowest and widest width (a table cell's first pass). */
  readonly measuring: boolean;

  constructor(width: number, opts: { margin?: number; align?: Align; tableLevel?: number; measuring?: boolean } = {}) {
    this.measuring = opts.measuring ?? false;
    this.margin = opts.margin ?? MARGIN;
    this.tableLevel = opts.tableLevel ?? 0;
    this.lineBreaks = this.tableLevel > 0 ? 2 : 1;
    const par: ParFormat = {
      align: opts.align ?? Align.Left, leftMargin: this.margin, rightMargin: this.margin, width, listLevel: 0,
      listNumber: 0, listKind: ListKind.None, ddMargin: this.margin, compact: false,
    };
    this.stack.push({ name: '', lineBreak: 1, dontKill: 1, invisible: Invisible.No, par, link: null });
    this.dup();
    this.top.dontKill = 2;
    this.layout = new Layout(() => this.top.par);
  }

  get top(): StackElement {
    return this.stack[this.stack.length - 1] as StackElement;
  }

  private get par(): ParFormat {
    return this.top.par;
  }

  /** The paragraph format in force (the table code places its block with it). */
  currentPar(): ParFormat {
    return this.par;
  }

  /** The alignment as element behaviours left it (read through a call so TS does not narrow). */
  private alignNow(): Align {
    return this.par.align;
  }

  private get isPre(): boolean {
    return this.par.align === Align.Pre;
  }

  private dup(): void {
    const t = this.top;
    this.stack.push({
      name: '', lineBreak: 0, dontKill: 0, invisible: t.invisible, par: { ...t.par }, link: t.link,
    });
  }

  private pop(): void {
    this.stack.pop();
  }

  /** Removes stack entries from index i upwards. */
  private killFrom(i: number): void {
    this.stack.length = i;
  }

  private lnBreak(n: number): void {
    if (n === 0 || this.top.invisible !== Invisible.No) return;
    while (n > this.lineBreaks) {
      this.lineBreaks++;
      this.layout.lineBreak();
    }
    this.pos = 0;
    this.putSpace = -1;
  }

  /** Text as it leaves the parser: entities decoded, handed to the layout word by word. */
  private emit(raw: string): number {
    const text = decodeEntities(raw);
    if (this.isPre) {
      if (text.length > 0) this.layout.put(text);
      return text.length;
    }
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      if (text[i] === ' ') {
        this.layout.put(text.slice(start, i + 1));
        start = i + 1;
      }
    }
    if (start < text.length) this.layout.put(text.slice(start));
    return text.length;
  }

  /** put_chrs: collapses the blank between pieces of text. */
  putText(s: string): void {
    let t = s;
    if (this.isPre) this.putSpace = 0;
    if (t.length === 0 || this.top.invisible !== Invisible.No) return;
    if (this.putSpace === 1) {
      this.pos += this.emit(' ');
      this.putSpace = -1;
    }
    if (this.putSpace === -1) {
      if (t[0] === ' ') t = t.slice(1);
      this.putSpace = 0;
    }
    if (t.length === 0) {
      this.putSpace = this.isPre ? 0 : -1;
      return;
    }
    if (t[t.length - 1] === ' ') this.putSpace = -1;
    if (this.isPre) this.putSpace = 0;
    this.wasBr = false;
    this.pos += this.emit(t);
    this.lineBreaks = 0;
  }

  // --- element behaviours -------------------------------------------------------------------

  alignAttr(a: Map<string, string>): void {
    const v = a.get('align')?.toLowerCase();
    if (v === 'left') this.par.align = Align.Left;
    else if (v === 'right') this.par.align = Align.Right;
    else if (v === 'center') this.center();
    else if (v === 'justify') this.par.align = Align.Justify;
  }

  center(): void {
    this.par.align = Align.Center;
    if (this.tableLevel === 0) {
      this.par.leftMargin = 0;
      this.par.rightMargin = 0;
    }
  }

  br(a: Map<string, string>): void {
    this.alignAttr(a);
    if (!this.isPre) {
      if (this.wasBr) this.lnBreak(2);
      this.wasBr = true;
    }
  }

  form(): void {
    this.wasBr = true;
  }

  paragraph(a: Map<string, string>): void {
    if (this.par.leftMargin < this.margin) this.par.leftMargin = this.margin;
    if (this.par.rightMargin < this.margin) this.par.rightMargin = this.margin;
    this.alignAttr(a);
  }

  indent(n: number): void {
    this.par.leftMargin += n;
    this.par.align = Align.Left;
  }

  heading(level: number, a: Map<string, string>): void {
    this.par.align = Align.Left;
    if (level === 1) {
      this.center();
      return;
    }
    this.alignAttr(a);
    const m = (level - 2) * 2;
    const align: Align = this.alignNow();
    switch (align) {
      case Align.Left:
        this.par.leftMargin = m;
        this.par.rightMargin = 0;
        break;
      case Align.Right:
        this.par.leftMargin = 0;
        this.par.rightMargin = m;
        break;
      case Align.Center:
        this.par.leftMargin = 0;
        this.par.rightMargin = 0;
        break;
      default:
        this.par.leftMargin = m;
        this.par.rightMargin = m;
    }
  }

  pre(): void {
    this.par.align = Align.Pre;
    this.par.leftMargin = this.par.leftMargin > 1 ? 1 : 0;
    this.par.rightMargin = this.par.leftMargin;
  }

  hr(a: Map<string, string>): void {
    this.dup();
    this.par.align = Align.Center;
    this.top.link = null;
    this.alignAttr(a);
    if (this.alignNow() === Align.Justify) this.par.align = Align.Center;
    this.par.leftMargin = this.margin;
    this.par.rightMargin = this.margin;
    let n = this.widthAttr(a.get('width'));
    if (n < 0) n = this.par.width - 2 * this.margin - 4;
    // Links draws the rule with line-drawing characters (single or double by `size`); a dump
    // prints either as '-'.
    this.layout.noWrap = true;
    while (n-- > 0) this.putText('-');
    this.layout.noWrap = false;
    this.lnBreak(2);
    this.pop();
  }

  private widthAttr(v: string | undefined): number {
    if (v === undefined) return -1;
    const m = /^\s*([0-9]+)\s*(%?)\s*$/.exec(v);
    if (m === null) return -1;
    let s = Number.parseInt(m[1] as string, 10);
    if (s > 10000) return -1;
    const limit = this.par.width - (this.par.leftMargin + this.par.rightMargin);
    if (m[2] === '%') s = Math.trunc((s * limit) / 100);
    if (s > limit) s = limit;
    return Math.max(0, s);
  }

  table(a: Map<string, string>): void {
    this.par.leftMargin = this.margin;
    this.par.rightMargin = this.margin;
    this.par.align = Align.Left;
    this.alignAttr(a);
  }

  cell(): void {
    this.killUntil(true, ['TD', 'TH'], ['TR', 'TABLE']);
    this.putText(' ');
  }

  /**
   * Closes open elements back to the nearest `self` one (itself included) or to just above the
   * nearest `parent` one, with the line breaks the closed elements ask for. The search stops at
   * a protected element, a table, or a table cell/row. keepTop: the current top stays open.
   */
  private killUntil(keepTop: boolean, self: string[], parent: string[]): void {
    let found = -1;
    for (let i = this.stack.length - (keepTop ? 2 : 1); i >= 0; i--) {
      const e = this.stack[i] as StackElement;
      if (self.includes(e.name)) {
        if (e.dontKill !== 0) return;
        found = i;
        break;
      }
      if (parent.includes(e.name)) {
        found = i + 1;
        break;
      }
      if (e.dontKill !== 0 || e.name === 'TABLE' || e.name === 'TD' || e.name === 'TH' || e.name === 'TR') return;
    }
    if (found < 0) return;
    const limit = keepTop ? this.stack.length - 1 : this.stack.length;
    let lb = 0;
    for (let k = found; k < limit; k++) lb = Math.max(lb, (this.stack[k] as StackElement).lineBreak);
    const top = this.top;
    if (found < limit) {
      this.stack.length = found;
      if (keepTop) this.stack.push(top);
    }
    this.lnBreak(lb);
  }

  unorderedList(a: Map<string, string>): void {
    const p = this.par;
    p.listLevel++;
    p.listNumber = 0;
    p.listKind = ListKind.Star;
    const type = a.get('type')?.toLowerCase();
    if (type === 'disc' || type === 'circle') p.listKind = ListKind.Circle;
    if (type === 'square') p.listKind = ListKind.Plus;
    p.leftMargin += 2 + (p.listLevel > 1 ? 1 : 0);
    if (p.leftMargin > Math.trunc((p.width * 2) / 3) && this.tableLevel === 0) p.leftMargin = Math.trunc((p.width * 2) / 3);
    p.align = Align.Left;
    this.top.dontKill = 1;
  }

  orderedList(a: Map<string, string>): void {
    const p = this.par;
    p.listLevel++;
    const start = numberAttr(a, 'start');
    p.listNumber = start === -1 ? 1 : start;
    p.listKind = ListKind.Number;
    const type = a.get('type');
    if (type === 'a') p.listKind = ListKind.LowerAlpha;
    if (type === 'A') p.listKind = ListKind.UpperAlpha;
    if (type === 'i' || type === 'r') p.listKind = ListKind.LowerRoman;
    if (type === 'I' || type === 'R') p.listKind = ListKind.UpperRoman;
    p.leftMargin += p.listLevel > 1 ? 1 : 0;
    if (p.leftMargin > Math.trunc((p.width * 2) / 3) && this.tableLevel === 0) p.leftMargin = Math.trunc((p.width * 2) / 3);
    p.align = Align.Left;
    this.top.dontKill = 1;
  }

  listItem(a: Map<string, string>): void {
    const p = this.par;
    if (p.listNumber === 0) {
      const bullet = p.listKind === ListKind.Circle ? 'o' : p.listKind === ListKind.Plus ? '+' : '*';
      this.putText(bullet + '&nbsp;');
      p.leftMargin += 2;
      p.align = Align.Left;
      this.putSpace = -1;
    } else {
      const kind = p.listKind;
      const value = numberAttr(a, 'value');
      if (value !== -1) p.listNumber = value;
      const roman = kind === ListKind.LowerRoman || kind === ListKind.UpperRoman;
      const alpha = kind === ListKind.LowerAlpha || kind === ListKind.UpperAlpha;
      let pad = 0;
      if ((!roman && p.listNumber < 10) || alpha) {
        this.putText('&nbsp;');
        pad = 1;
      }
      let n: string;
      if (alpha) {
        const base = kind === ListKind.UpperAlpha ? 65 : 97;
        n = p.listNumber > 0 ? String.fromCharCode(((p.listNumber - 1) % 26) + base) : '';
      } else if (roman) {
        n = romanNumeral(p.listNumber);
        if (kind === ListKind.UpperRoman) n = n.toUpperCase();
      } else {
        n = String(p.listNumber);
      }
      this.putText(n);
      this.putText('.&nbsp;');
      p.leftMargin += n.length + pad + 2;
      p.align = Align.Left;
      const list = this.stack[this.stack.length - 2];
      if (list !== undefined) list.par.listNumber = p.listNumber + 1;
      p.listNumber = 0;
      this.putSpace = -1;
    }
    this.lineBreaks = 2;
  }

  definitionList(a: Map<string, string>): void {
    const p = this.par;
    p.compact = a.has('compact');
    if (p.listLevel > 0) p.leftMargin += 5;
    p.listLevel++;
    p.listNumber = 0;
    p.align = Align.Left;
    p.ddMargin = p.leftMargin;
    this.top.dontKill = 1;
    if (!p.compact) {
      this.lnBreak(2);
      this.top.lineBreak = 2;
    }
  }

  definitionTerm(a: Map<string, string>): void {
    this.killUntil(false, [], ['DL']);
    this.par.align = Align.Left;
    this.par.leftMargin = this.par.ddMargin;
    if (!this.par.compact && !a.has('compact')) this.lnBreak(2);
  }

  definitionData(): void {
    this.killUntil(false, [], ['DL']);
    const p = this.par;
    p.leftMargin = p.ddMargin + (this.tableLevel > 0 ? 3 : 8);
    if (p.leftMargin > Math.trunc((p.width * 2) / 3) && this.tableLevel === 0) p.leftMargin = Math.trunc((p.width * 2) / 3);
    p.align = Align.Left;
  }

  openLink(a: Map<string, string>): void {
    const href = a.get('href');
    if (href === undefined) {
      this.pop();
      return;
    }
    this.top.link = href.trim();
  }

  image(a: Map<string, string>): void {
    let alt = a.get('alt');
    if (alt === undefined) alt = a.get('title');
    if (alt === undefined || alt === '') {
      if (this.top.link === null) return;
      alt = '[IMG]';
    }
    this.putText(alt);
  }

  hide(kind: Invisible): void {
    if (kind === Invisible.No) return;
    this.top.dontKill = 1;
    this.top.invisible = kind;
  }

  hideUnlessSelfClosing(raw: string): void {
    if (raw.trimEnd().endsWith('/')) return;
    this.hide(Invisible.Hidden);
  }

  private linkLine(prefix: string, name: string): void {
    this.dup();
    this.lnBreak(1);
    this.top.link = null;
    this.putText(prefix);
    this.putText(name);
    this.lnBreak(1);
    this.pop();
  }

  iframe(a: Map<string, string>): void {
    const src = a.get('src');
    if (src === undefined || src === '') return;
    const name = a.get('name') ?? '';
    if (name !== '') this.linkLine('IFrame: ', name);
    else this.linkLine('', 'IFrame');
  }

  frame(a: Map<string, string>): void {
    let name = a.get('name');
    if (name === undefined || name === '') name = a.get('src') ?? 'Frame';
    this.linkLine('Frame: ', name);
  }

  linkElement(a: Map<string, string>): void {
    const type = a.get('type');
    if (type !== undefined && type.toLowerCase() !== 'text/html') return;
    const href = a.get('href');
    if (href === undefined) return;
    let name = a.get('rel') ?? a.get('rev') ?? a.get('ref');
    if (name !== undefined) {
      const lang = a.get('hreflang');
      if (lang !== undefined) name += ' ' + lang;
    } else {
      name = a.has('title') ? '' : href;
    }
    const lower = name.toLowerCase();
    if (lower.startsWith('schema') || lower.startsWith('mw-') || lower.includes('icon') || SKIPPED_LINK_RELS.has(lower)) return;
    const title = a.get('title');
    if (title !== undefined) name += (name !== '' ? ': ' : '') + title;
    this.linkLine('Link: ', name);
  }

  // --- the parser loop ------------------------------------------------------------------------

  run(s: string): void {
    let i = 0;
    let lt = 0;
    const n = s.length;
    while (i < n) {
      const c = s[i] as string;
      if (!this.isPre && isWhite(c)) {
        let h = i;
        while (h < n && isWhite(s[h])) h++;
        if (n - h > 1 && s[h] === '<' && s[h + 1] === '/') {
          const tag = parseTag(s, h);
          if (tag !== null) {
            // The blank before an end tag is kept pending: it shows only if text follows.
            this.putText(s.slice(lt, i));
            i = h;
            lt = h;
            if (this.top.invisible === Invisible.No) this.putSpace = 1;
            if (this.hiddenRaw(tag)) {
              i++;
              continue;
            }
            i = this.element(s, i, tag);
            lt = i;
            continue;
          }
        }
        i++;
        if (this.pos + (i - lt - 1) !== 0) {
          if (s[i - 1] === ' ') {
            if (i < n && !isWhite(s[i])) continue;
            this.putText(s.slice(lt, i));
          } else {
            this.putText(s.slice(lt, i - 1));
            this.putText(' ');
          }
        }
        while (i < n && isWhite(s[i])) i++;
        lt = i;
        continue;
      }
      if (this.isPre && (c < ' ' || c === '&')) {
        const q = this.preChar(s, i);
        if (q !== null) {
          this.putSpace = 0;
          if (q.code === 9) {
            this.putText(s.slice(lt, i));
            this.putText(' '.repeat(8 - (this.pos % 8)));
            i += q.len;
            lt = i;
            continue;
          }
          if (q.code === 10 || q.code === 13) {
            this.putText(s.slice(lt, i));
            let code = q.code;
            let len = q.len;
            for (;;) {
              i += len;
              if (code === 13 && n - i > 1) {
                const nx = this.preChar(s, i);
                if (nx !== null && nx.code === 10) i += nx.len;
              }
              this.lnBreak(1);
              if (i >= n) break;
              const nx = this.preChar(s, i);
              if (nx === null || (nx.code !== 10 && nx.code !== 13)) break;
              this.lineBreaks = 0;
              code = nx.code;
              len = nx.len;
            }
            lt = i;
            continue;
          }
        }
      }
      if (c < ' ' && c !== '&') {
        this.putText(s.slice(lt, i));
        let run = 1;
        while (run < 240 && n - i > run + 1) {
          const nx = s[i + run + 1] as string;
          if (!(nx < ' ' && nx !== '\t' && nx !== '\n' && nx !== '\r')) break;
          run++;
        }
        this.putText('.'.repeat(run));
        i += run;
        lt = i;
        continue;
      }
      if (c === '<' && n - i >= 2 && (s[i + 1] === '!' || s[i + 1] === '?') && this.top.invisible !== Invisible.Style) {
        this.putText(s.slice(lt, i));
        i = skipComment(s, i);
        lt = i;
        continue;
      }
      const tag = c === '<' ? parseTag(s, i) : null;
      if (tag === null) {
        i++;
        continue;
      }
      if (this.hiddenRaw(tag)) {
        i++;
        continue;
      }
      if (!tag.name.startsWith('/') && this.putSpace === 1 && this.top.invisible === Invisible.No) this.putText(' ');
      this.putText(s.slice(lt, i));
      i = this.element(s, i, tag);
      lt = i;
    }
    this.putText(s.slice(lt, n));
    this.lnBreak(1);
  }

  /** Inside a script or a style every tag but its own end tag is just text. */
  private hiddenRaw(tag: ParsedTag): boolean {
    const inv = this.top.invisible;
    const upper = tag.name.toUpperCase();
    return (inv === Invisible.Script && upper !== '/SCRIPT') || (inv === Invisible.Style && upper !== '/STYLE');
  }

  private preChar(s: string, i: number): { code: number; len: number } | null {
    const c = s[i] as string;
    if (c !== '&') return { code: c.charCodeAt(0), len: 1 };
    if (s.startsWith('&Tab;', i)) return { code: 9, len: 5 };
    if (s[i + 1] !== '#') return null;
    for (let l = 2; l < 10 && i + l < s.length; l++) {
      if (s[i + l] === ';') {
        const cp = entityCodePoint(s.slice(i + 1, i + l));
        return cp === null ? null : { code: cp, len: l + 1 };
      }
    }
    return null;
  }

  /** Handles the tag at i (text before it already put); returns the offset after it. */
  private element(s: string, i: number, tag: ParsedTag): number {
    const isEnd = tag.name.startsWith('/');
    const name = (isEnd ? tag.name.slice(1) : tag.name).toUpperCase();
    // A blank right after a run of start tags belongs before them.
    if (!this.isPre && !isEnd && this.putSpace === 0) {
      let ee = tag.end;
      let sawEnd = false;
      for (;;) {
        const t = parseTag(s, ee);
        if (t === null) break;
        if (t.name.startsWith('/')) {
          sawEnd = true;
          break;
        }
        ee = t.end;
      }
      if (!sawEnd && ee < s.length && isWhite(s[ee])) this.putText(' ');
    }
    const info = ELEMENTS[name];
    if (info === undefined) return tag.end;
    if (!isEnd && name === 'TABLE' && this.top.invisible === Invisible.No && this.tableLevel < MAX_TABLE_LEVEL) {
      this.lnBreak(info.lineBreak);
      const end = formatTable(this, s, tag, this.tableLevel + 1);
      // The cells' layouts leave Links' shared state as a part ends: one break made, none absorbed.
      this.lineBreaks = 1;
      this.layout.noBreak = false;
      this.putSpace = -1;
      this.pos = 0;
      this.wasBr = false;
      this.lnBreak(2);
      return end;
    }
    if (!isEnd) this.openElement(name, info, tag);
    else this.closeElement(name, info);
    return tag.end;
  }

  private openElement(name: string, info: ElementInfo, tag: ParsedTag): void {
    if (this.isPre && name === 'BR') this.lineBreaks = 0;
    this.lnBreak(info.lineBreak);
    const attrs = parseAttrs(tag.attrs);
    const style = attrs.get('style');
    if (style !== undefined && style.replace(/[\s\x00-\x20]/g, '').toLowerCase().startsWith('display:none')) {
      if (info.noPair === 1) return;
      this.dup();
      Object.assign(this.top, { name, lineBreak: 0, invisible: Invisible.Hidden });
      return;
    }
    if (this.top.invisible !== Invisible.No) {
      if (info.noPair === 0) {
        this.dup();
        Object.assign(this.top, { name, lineBreak: 0, invisible: Invisible.Hidden });
      }
      return;
    }
    const wasPre = this.isPre;
    const savedPar = { ...this.par };
    if (info.noPair === 2 || info.noPair === 3) {
      let k = this.stack.length - 1;
      for (; k >= 0; k--) {
        const e = this.stack[k] as StackElement;
        if (info.noPair === 2) {
          if (e.dontKill !== 0) break;
          if (e.lineBreak !== 0 || info.lineBreak === 0) break;
        } else {
          if (e.lineBreak !== 0 && info.lineBreak === 0) break;
          if (e.dontKill !== 0) break;
          if (e.name === name) break;
        }
      }
      const e = this.stack[k];
      if (e !== undefined && e.name === name) this.killFrom(e.dontKill === 2 ? k + 1 : k);
    }
    if (info.noPair !== 1) {
      this.dup();
      this.top.name = name;
      this.top.lineBreak = info.lineBreak;
    }
    info.open?.(this, attrs, tag.attrs);
    if (name !== 'BR') this.wasBr = false;
    if (wasPre) Object.assign(this.par, savedPar);
  }

  private closeElement(name: string, info: ElementInfo): void {
    this.wasBr = false;
    if (info.noPair === 1 || info.noPair === 3) return;
    let blockBetween = false;
    for (let k = this.stack.length - 1; k >= 0; k--) {
      const e = this.stack[k] as StackElement;
      if (e.lineBreak !== 0 && info.lineBreak === 0) blockBetween = true;
      if (e.name !== name) {
        if (e.dontKill !== 0) return;
        continue;
      }
      if (blockBetween) {
        // An inline end tag does not close the blocks opened inside it.
        this.stack.splice(k, 1);
        return;
      }
      let lb = 0;
      for (let j = k; j < this.stack.length; j++) lb = Math.max(lb, (this.stack[j] as StackElement).lineBreak);
      this.lnBreak(lb);
      this.killFrom(k);
      return;
    }
  }
}

function skipComment(s: string, i: number): number {
  const n = s.length;
  const dashes = n - i >= 4 && s[i + 2] === '-' && s[i + 3] === '-';
  let h = i + (dashes ? 4 : 2);
  while (h < n) {
    if (!dashes && s[h] === '>') return h + 1;
    if (dashes && n - h >= 2 && s[h] === '-' && s[h + 1] === '-') {
      h += 2;
      while (h < n && (s[h] === '-' || s[h] === '!')) h++;
      while (h < n && isWhite(s[h])) h++;
      if (h >= n) return n;
      if (s[h] === '>') return h + 1;
      continue;
    }
    h++;
  }
  return n;
}


// ---------------------------------------------------------------------------------------------
// Tables (Links' html_tbl.c, text mode): parse the cells, size the columns from each cell's
// narrowest and widest layout, lay the cells out, draw the frame.

interface TableCell {
  used: boolean;
  spanned: boolean;
  start: number;
  end: number;
  align: Align;
  colspan: number;
  rowspan: number;
  minWidth: number;
  maxWidth: number;
  height: number;
}

const enum Rules {
  None,
  Rows,
  Cols,
  All,
  Groups,
}

const F_ABOVE = 1;
const F_BELOW = 2;
const F_LHS = 4;
const F_RHS = 8;
const F_BOX = 15;

function newCell(): TableCell {
  return { used: false, spanned: false, start: -1, end: -1, align: Align.Left, colspan: 1, rowspan: 1, minWidth: 0, maxWidth: 0, height: 0 };
}

/** The offset just after the element closing `name` (nested ones counted when `sub`). */
function skipElement(s: string, from: number, name: string, sub: boolean): number {
  let level = 1;
  let i = from;
  while (i < s.length) {
    const lt = s.indexOf('<', i);
    if (lt < 0) return s.length;
    if (s[lt + 1] === '!' || s[lt + 1] === '?') {
      i = skipComment(s, lt);
      continue;
    }
    const t = parseTag(s, lt);
    if (t === null) {
      i = lt + 1;
      continue;
    }
    const n = t.name.toUpperCase();
    if (sub && n === name) level++;
    if (n === '/' + name && --level === 0) return t.end;
    i = t.end;
  }
  return s.length;
}

class TableGrid {
  cells: TableCell[][] = [];
  cols = 0;
  rows = 0;

  cell(x: number, y: number): TableCell {
    while (this.cells.length <= y) this.cells.push([]);
    const row = this.cells[y] as TableCell[];
    while (row.length <= x) row.push(newCell());
    if (x >= this.cols) this.cols = x + 1;
    if (y >= this.rows) this.rows = y + 1;
    return row[x] as TableCell;
  }

  at(x: number, y: number): TableCell {
    return (this.cells[y]?.[x]) ?? newCell();
  }
}

/** parse_table: cells with their spans; returns the offset of the closing </table> (or the end). */
function parseTable(s: string, from: number, grid: TableGrid): number {
  let x = 0;
  let y = -1;
  let open: TableCell | null = null;
  let rowAlign = Align.Left;
  let i = from;
  const close = (at: number) => {
    if (open !== null) open.end = at;
    open = null;
  };
  while (i < s.length) {
    const lt = s.indexOf('<', i);
    if (lt < 0) {
      close(s.length);
      return s.length;
    }
    if (s[lt + 1] === '!' || s[lt + 1] === '?') {
      i = skipComment(s, lt);
      continue;
    }
    const t = parseTag(s, lt);
    if (t === null) {
      i = lt + 1;
      continue;
    }
    const name = t.name.toUpperCase();
    i = t.end;
    if (name === 'TABLE') {
      i = skipElement(s, t.end, 'TABLE', true);
      continue;
    }
    if (name === 'SCRIPT') {
      i = skipElement(s, t.end, 'SCRIPT', false);
      continue;
    }
    if (name === '/TABLE') {
      close(lt);
      return lt;
    }
    if (name === '/TR' || name === '/TD' || name === '/TH') {
      close(lt);
      continue;
    }
    if (name === 'TR') {
      close(lt);
      y++;
      x = 0;
      const al = parseAttrs(t.attrs).get('align')?.toLowerCase();
      rowAlign = al === 'center' ? Align.Center : al === 'right' ? Align.Right : Align.Left;
      continue;
    }
    if (name !== 'TD' && name !== 'TH') continue;
    close(lt);
    if (y === -1) {
      y = 0;
      x = 0;
    }
    let cell = grid.cell(x, y);
    while (cell.used) {
      if (cell.colspan === -1) break;
      x++;
      cell = grid.cell(x, y);
    }
    if (cell.used) continue;
    const a = parseAttrs(t.attrs);
    cell.used = true;
    cell.start = t.end;
    cell.end = s.length;
    const al = a.get('align')?.toLowerCase();
    cell.align = al === 'center' ? Align.Center : al === 'right' ? Align.Right : al === 'left' ? Align.Left : rowAlign;
    let csp = numberAttr(a, 'colspan');
    if (csp === -1) csp = 1;
    let rsp = numberAttr(a, 'rowspan');
    if (rsp === -1) rsp = 1;
    csp = Math.max(1, Math.min(csp, 1000));
    rsp = Math.max(1, Math.min(rsp, 1000));
    let c = 1;
    for (; c < csp; c++) {
      const sc = grid.cell(x + c, y);
      if (sc.used) break;
      sc.used = true;
      sc.spanned = true;
    }
    cell.colspan = c;
    let r = 1;
    outer: for (; r < rsp; r++) {
      for (let k = 0; k < c; k++) {
        if (grid.cell(x + k, y + r).used) break outer;
      }
      for (let k = 0; k < c; k++) {
        const sc = grid.cell(x + k, y + r);
        sc.used = true;
        sc.spanned = true;
      }
    }
    cell.rowspan = r;
    open = cell;
  }
  close(s.length);
  return s.length;
}

/** Spreads w over p[0..n) (dst_width), not beyond lim while other columns can take it. */
function dstWidth(p: number[], off: number, n: number, w: number, lim: number[] | null): void {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += p[off + i] as number;
  if (sum >= w || n === 0) return;
  let limit = lim;
  let total = w;
  for (;;) {
    const d = Math.trunc((total - sum) / n);
    const r = (total - sum) % n;
    let over = 0;
    for (let i = 0; i < n; i++) {
      p[off + i] = (p[off + i] as number) + d + (i < r ? 1 : 0);
      if (limit !== null && (p[off + i] as number) > (limit[off + i] as number)) {
        over += (p[off + i] as number) - (limit[off + i] as number);
        p[off + i] = limit[off + i] as number;
      }
    }
    if (over === 0) return;
    limit = null;
    sum = 0;
    total = over;
  }
}

/** Lays a table out and writes it into the page; returns where parsing goes on. */
function formatTable(page: Formatter, s: string, tag: ParsedTag, level: number): number {
  const attrs = parseAttrs(tag.attrs);
  const par = page.currentPar();
  let border = numberAttr(attrs, 'border');
  if (border === -1) border = attrs.has('border') || attrs.has('rules') || attrs.has('frame') ? 1 : 0;
  let cellsp = numberAttr(attrs, 'cellspacing');
  if (cellsp === -1) cellsp = 1;
  let cellpd = numberAttr(attrs, 'cellpadding');
  let vcellpd: number;
  if (cellpd === -1) {
    vcellpd = 0;
    cellpd = border !== 0 ? 1 : 0;
  } else {
    // Text mode: padding in pixels becomes a character once it is half a character cell.
    vcellpd = cellpd >= 9 ? 1 : 0;
    cellpd = cellpd >= 5 ? 1 : 0;
  }
  if (border === 0) cellsp = 0;
  else if (cellsp === 0) cellsp = 1;
  if (border > 2) border = 2;
  if (cellsp > 2) cellsp = 2;
  let align = par.align === Align.Center || par.align === Align.Right ? par.align : Align.Left;
  const al = attrs.get('align')?.toLowerCase();
  if (al === 'left') align = Align.Left;
  if (al === 'center') align = Align.Center;
  if (al === 'right') align = Align.Right;
  let frame = F_BOX;
  const fr = attrs.get('frame')?.toLowerCase();
  const frames: Record<string, number> = { void: 0, above: F_ABOVE, below: F_BELOW, hsides: F_ABOVE | F_BELOW, vsides: F_LHS | F_RHS, lhs: F_LHS, rhs: F_RHS, box: F_BOX, border: F_BOX };
  if (fr !== undefined && frames[fr] !== undefined) frame = frames[fr] as number;
  let rules = border !== 0 ? Rules.All : Rules.None;
  const ru = attrs.get('rules')?.toLowerCase();
  const ruleNames: Record<string, Rules> = { none: Rules.None, groups: Rules.Groups, rows: Rules.Rows, cols: Rules.Cols, all: Rules.All };
  if (ru !== undefined && ruleNames[ru] !== undefined) rules = ruleNames[ru] as Rules;
  if (border === 0) frame = 0;
  let width = Math.max(0, par.width - (par.leftMargin + par.rightMargin));
  let widthFree = true;
  const wa = attrs.get('width');
  if (wa !== undefined) {
    const m = /^\s*([0-9]+)\s*(%?)\s*$/.exec(wa);
    if (m !== null) {
      const n = Number(m[1]);
      width = Math.min(width, m[2] === '%' ? Math.trunc((n * width) / 100) : n);
      widthFree = false;
    }
  }

  const grid = new TableGrid();
  const end = parseTable(s, tag.end, grid);
  const nx = grid.cols;
  const ny = grid.rows;
  if (nx === 0 || ny === 0) return end;

  const vline = (col: number): number => {
    if (col === 0) return -1;
    let w = 0;
    if (rules === Rules.Cols || rules === Rules.All) w = cellsp;
    if (w === 0 && cellpd !== 0) w = -1;
    return w;
  };
  const hline = (row: number): number => {
    if (row === 0) return -1;
    if (rules === Rules.Rows || rules === Rules.All) return cellsp !== 0 || vcellpd !== 0 ? cellsp : -1;
    return vcellpd !== 0 ? 0 : -1;
  };
  const layoutCell = (c: TableCell, w: number, pad: number, al: Align, measuring: boolean): Layout => {
    const f = new Formatter(w, { margin: pad, align: al, tableLevel: level, measuring });
    f.run(s.slice(c.start, c.end));
    if (f.layout.xmax < f.layout.x) f.layout.xmax = f.layout.x;
    return f.layout;
  };

  let minC: number[] = [];
  let maxC: number[] = [];
  let minT = 0;
  let maxT = 0;
  const measure = () => {
    for (let yy = 0; yy < ny; yy++) {
      for (let xx = 0; xx < nx; xx++) {
        const c = grid.at(xx, yy);
        if (!c.used || c.spanned) continue;
        const l = layoutCell(c, 0, cellpd, Align.Left, true);
        c.minWidth = l.x;
        c.maxWidth = l.xmax;
      }
    }
    minC = new Array<number>(nx).fill(0);
    maxC = new Array<number>(nx).fill(0);
    let span = 1;
    for (;;) {
      let next = Number.MAX_SAFE_INTEGER;
      for (let xx = 0; xx < nx; xx++) {
        for (let yy = 0; yy < ny; yy++) {
          const c = grid.at(xx, yy);
          if (c.spanned || !c.used || c.colspan + xx > nx) continue;
          if (c.colspan === span) {
            let p = 0;
            for (let k = 1; k < span; k++) if (vline(xx + k) >= 0) p++;
            dstWidth(minC, xx, span, c.minWidth - p, maxC);
            dstWidth(maxC, xx, span, c.maxWidth - p, null);
            for (let k = 0; k < span; k++) if ((minC[xx + k] as number) > (maxC[xx + k] as number)) maxC[xx + k] = minC[xx + k] as number;
          } else if (c.colspan > span && c.colspan < next) next = c.colspan;
        }
      }
      if (next === Number.MAX_SAFE_INTEGER) break;
      span = next;
    }
    minT = 0;
    maxT = 0;
    for (let xx = 0; xx < nx; xx++) {
      const vl = vline(xx) >= 0 ? 1 : 0;
      minT += vl + (minC[xx] as number);
      maxT += vl + (maxC[xx] as number);
    }
    const sides = ((frame & F_LHS ? 1 : 0) + (frame & F_RHS ? 1 : 0)) * (border !== 0 ? 1 : 0);
    minT += sides;
    maxT += sides;
  };
  measure();
  if (page.measuring) {
    // Measuring the cell this table sits in: only its narrowest and widest widths count.
    const l = page.layout;
    let maxW = maxT;
    if (!widthFree && maxW > width) maxW = width;
    if (maxW < minT) maxW = minT;
    const margins = par.leftMargin + par.rightMargin;
    if (maxW + margins > l.xmax) l.xmax = maxW + margins;
    if (minT + margins > l.x) l.x = minT + margins;
    return end;
  }
  // A table too wide with padding is tried without it (Links' cpd_pass).
  if (minT > width && cellpd !== 0) {
    const withPad = cellpd;
    const padWidth = minT;
    cellpd = 0;
    measure();
    if (minT > padWidth) {
      cellpd = withPad;
      measure();
    }
  }
  const target = minT >= width ? minT : maxT < width && widthFree ? maxT : width;
  const wC = distributeWidths(minC, maxC, target - minT);
  const rw = target;

  // Heights: each cell laid out at its width.
  const cellLayouts = new Map<TableCell, Layout>();
  const cellWidth = (xx: number, c: TableCell): number => {
    let xw = 0;
    for (let k = 0; k < c.colspan; k++) {
      xw += wC[xx + k] as number;
      if (k < c.colspan - 1 && vline(xx + k + 1) >= 0) xw++;
    }
    return xw;
  };
  for (let yy = 0; yy < ny; yy++) {
    for (let xx = 0; xx < nx; xx++) {
      const c = grid.at(xx, yy);
      if (!c.used || c.spanned) continue;
      const l = layoutCell(c, cellWidth(xx, c), cellpd, c.align, false);
      c.height = l.height;
      cellLayouts.set(c, l);
    }
  }
  const rH = new Array<number>(ny).fill(0);
  let span = 1;
  for (;;) {
    let next = Number.MAX_SAFE_INTEGER;
    for (let yy = 0; yy < ny; yy++) {
      for (let xx = 0; xx < nx; xx++) {
        const c = grid.at(xx, yy);
        if (!c.used || c.spanned) continue;
        if (c.rowspan === span) {
          let p = 0;
          for (let k = 1; k < span; k++) if (hline(yy + k) >= 0) p++;
          dstWidth(rH, yy, span, c.height - p, null);
        } else if (c.rowspan > span && c.rowspan < next) next = c.rowspan;
      }
    }
    if (next === Number.MAX_SAFE_INTEGER) break;
    span = next;
  }
  let rh = ((frame & F_ABOVE ? 1 : 0) + (frame & F_BELOW ? 1 : 0)) * (border !== 0 ? 1 : 0);
  for (let yy = 0; yy < ny; yy++) rh += (rH[yy] as number) + (yy > 0 && hline(yy) >= 0 ? 1 : 0);

  const rows: string[][] = Array.from({ length: rh }, () => []);
  const put = (px: number, py: number, ch: string) => {
    const row = rows[py];
    if (row === undefined) return;
    while (row.length < px) row.push(' ');
    row[px] = ch;
  };
  // Cells.
  let xp = frame & F_LHS && border !== 0 ? 1 : 0;
  for (let xx = 0; xx < nx; xx++) {
    let yp = frame & F_ABOVE && border !== 0 ? 1 : 0;
    for (let yy = 0; yy < ny; yy++) {
      const c = grid.at(xx, yy);
      const l = cellLayouts.get(c);
      if (l !== undefined) {
        let yw = 0;
        for (let k = 0; k < c.rowspan; k++) {
          yw += rH[yy + k] as number;
          if (k < c.rowspan - 1 && hline(yy + k + 1) >= 0) yw++;
        }
        const dy = Math.trunc((yw - c.height) / 2);
        l.lines.forEach((line, ly) => {
          if (ly >= c.height) return;
          line.forEach((ch, lx) => {
            if (ch !== ' ' || lx < line.length) put(xp + lx, yp + dy + ly, ch);
          });
        });
      }
      yp += rH[yy] as number;
      if (yy < ny - 1 && hline(yy + 1) >= 0) yp++;
    }
    if (xx < nx - 1) {
      if (vline(xx + 1) >= 0) xp++;
      xp += wC[xx] as number;
    }
  }
  // Frame: which line segments exist (get_table_frame), then points, rules and edges.
  const hAt = new Map<string, number>();
  const vAt = new Map<string, number>();
  for (let yy = 0; yy < ny; yy++) {
    for (let xx = 0; xx < nx; xx++) {
      const c = grid.at(xx, yy);
      if (!c.used || c.spanned) continue;
      if (rules !== Rules.None && rules !== Rules.Cols) {
        for (let k = 0; k < c.colspan; k++) {
          hAt.set(`${xx + k},${yy}`, cellsp);
          hAt.set(`${xx + k},${yy + c.rowspan}`, cellsp);
        }
      }
      if (rules !== Rules.None && rules !== Rules.Rows) {
        for (let k = 0; k < c.rowspan; k++) {
          vAt.set(`${xx},${yy + k}`, cellsp);
          vAt.set(`${xx + c.colspan},${yy + k}`, cellsp);
        }
      }
    }
  }
  for (let xx = 0; xx < nx; xx++) {
    hAt.set(`${xx},0`, frame & F_ABOVE ? border : 0);
    hAt.set(`${xx},${ny}`, frame & F_BELOW ? border : 0);
  }
  for (let yy = 0; yy < ny; yy++) {
    vAt.set(`0,${yy}`, frame & F_LHS ? border : 0);
    vAt.set(`${nx},${yy}`, frame & F_RHS ? border : 0);
  }
  const H = (i: number, j: number) => hAt.get(`${i},${j}`) ?? -1;
  const V = (i: number, j: number) => vAt.get(`${i},${j}`) ?? -1;
  // Links draws box characters; a dump prints corners and crossings as '+', a T as the line it
  // continues, straight lines as '-' and '|'.
  const point = (px: number, py: number, i: number, j: number) => {
    if (!(H(i - 1, j) >= 0 || H(i, j) >= 0 || V(i, j - 1) >= 0 || V(i, j) >= 0)) return;
    const up = V(i, j - 1) > 0;
    const down = V(i, j) > 0;
    const left = H(i - 1, j) > 0;
    const right = H(i, j) > 0;
    const horiz = left || right;
    const vert = up || down;
    let ch = ' ';
    if (horiz && vert) ch = left && right && !(up && down) ? '-' : up && down && !(left && right) ? '|' : '+';
    else if (horiz) ch = '-';
    else if (vert) ch = '|';
    put(px, py, ch);
  };
  let cy = 0;
  for (let j = 0; j <= ny; j++) {
    let cx = 0;
    const ruled = (j > 0 && j < ny && hline(j) >= 0) || (j === 0 && border !== 0 && frame & F_ABOVE) || (j === ny && border !== 0 && frame & F_BELOW);
    if (ruled) {
      let i = 0;
      for (; i < nx; i++) {
        const w = i > 0 ? vline(i) : border !== 0 && frame & F_LHS ? border : -1;
        if (w >= 0) {
          point(cx, cy, i, j);
          if (j < ny && V(i, j) > 0) for (let q = 0; q < (rH[j] as number); q++) put(cx, cy + 1 + q, '|');
          cx++;
        }
        const cw = wC[i] as number;
        if (H(i, j) >= 0) for (let q = 0; q < cw; q++) put(cx + q, cy, H(i, j) > 0 ? '-' : ' ');
        cx += cw;
      }
      if (border !== 0 && frame & F_RHS) {
        point(cx, cy, i, j);
        if (j < ny && V(i, j) > 0) for (let q = 0; q < (rH[j] as number); q++) put(cx, cy + 1 + q, '|');
      }
      cy++;
    } else if (j < ny) {
      for (let i = 0; i <= nx; i++) {
        if ((i > 0 && i < nx && vline(i) >= 0) || (i === 0 && border !== 0 && frame & F_LHS) || (i === nx && border !== 0 && frame & F_RHS)) {
          if (V(i, j) > 0) for (let q = 0; q < (rH[j] as number); q++) put(cx, cy + q, '|');
          cx++;
        }
        if (i < nx) cx += wC[i] as number;
      }
    }
    if (j < ny) cy += rH[j] as number;
  }

  let x0 = par.leftMargin;
  if (align === Align.Center) x0 = Math.trunc((par.width + par.leftMargin - par.rightMargin - rw) / 2);
  if (align === Align.Right) x0 = par.width - par.rightMargin - rw;
  if (x0 + rw > par.width) x0 = par.width - rw;
  if (x0 < 0) x0 = 0;
  page.layout.placeBlock(x0, rows);
  const margins = par.leftMargin + par.rightMargin;
  if (rw + margins > page.layout.x) page.layout.x = Math.min(par.width, rw + margins);
  return end;
}

/** distribute_widths with automatic column widths: grow columns toward their widest layouts. */
function distributeWidths(minC: number[], maxC: number[], extra: number): number[] {
  const w = [...minC];
  let d = extra;
  if (d <= 0) return w;
  const n = w.length;
  const mmax = Math.max(0, ...maxC);
  let om = 2;
  while (d > 0) {
    const weight = new Array<number>(n).fill(0);
    const room = new Array<number>(n).fill(0);
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (om === 2 || om === 3) {
        if ((w[i] as number) < (maxC[i] as number)) {
          room[i] = (maxC[i] as number) - (w[i] as number);
          weight[i] = mmax !== 0 ? 5 + Math.trunc(((maxC[i] as number) * 10) / mmax) : 1;
        }
      } else if (om === 5 || om === 6) {
        weight[i] = 1;
        room[i] = Number.MAX_SAFE_INTEGER;
      } else if (om > 6) {
        return w;
      }
      total += weight[i] as number;
    }
    if (total === 0) {
      om++;
      continue;
    }
    const used = new Array<boolean>(n).fill(false);
    const dd = d;
    let progressed = false;
    for (;;) {
      let best = 0;
      let bi = -1;
      for (let i = 0; i < n; i++) {
        if (weight[i] === 0 || used[i]) continue;
        let ss = Math.trunc((dd * (weight[i] as number)) / total);
        if (ss === 0) ss = 1;
        if (ss > (room[i] as number)) ss = room[i] as number;
        if (ss > best) {
          best = ss;
          bi = i;
        }
      }
      if (bi === -1) break;
      used[bi] = true;
      const before = w[bi] as number;
      w[bi] = before + best;
      d -= best;
      while (d < 0) {
        w[bi] = (w[bi] as number) - 1;
        d++;
      }
      progressed = true;
      if (d === 0) break;
    }
    if (!progressed) om++;
  }
  return w;
}

/**
 * Renders an HTML document the way `links -dump` prints it. The result is the exact stdout:
 * one "\n" after every line, no empty lines at either end ("" for a page without text).
 */
export function linksDump(html: string, options: LinksDumpOptions = {}): string {
  const width = options.width ?? 80;
  if (!Number.isInteger(width) || width < 10 || width > 512) {
    throw new RangeError(`links -dump width must be an integer from 10 to 512, got ${String(width)}`);
  }
  const f = new Formatter(width);
  f.run(html.replace(/\0/g, ' '));
  return f.layout.text();
}
