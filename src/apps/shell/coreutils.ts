// The small text programs a lab console and the lab's script use (coreutils/grep behaviour, C
// locale): echo, printf, test/[, true, false, seq, sort, uniq, md5sum, cat, grep, head, tail, wc,
// cut, tr, sleep, pwd, hostname. Each is a Program: it reads proc.stdin, writes proc.out/err and
// calls proc.done once.
import { md5Hex } from '../md5.ts';
import { bytes, text, type Program, type Proc } from './interp.ts';

function lines(data: Uint8Array): string[] {
  const s = text(data);
  if (s === '') return [];
  const ls = s.split('\n');
  if (ls[ls.length - 1] === '') ls.pop();
  return ls;
}

/** The input files named in args, or stdin when there are none (or for '-'). */
function inputs(p: Proc, files: readonly string[], prog: string): Array<{ name: string; data: Uint8Array }> | null {
  if (files.length === 0) return [{ name: '-', data: p.stdin }];
  const out: Array<{ name: string; data: Uint8Array }> = [];
  let ok = true;
  for (const f of files) {
    if (f === '-') {
      out.push({ name: '-', data: p.stdin });
      continue;
    }
    const path = p.shell.resolve(f);
    const data = path === '/dev/null' ? new Uint8Array(0) : p.shell.fs.read(path);
    if (data === undefined) {
      p.err(p.shell.fs.isDirectory(path) ? `${prog}: ${f}: Is a directory\n` : `${prog}: ${f}: No such file or directory\n`);
      ok = false;
      continue;
    }
    out.push({ name: f, data });
  }
  return ok ? out : out.length > 0 ? out : null;
}

function backslashEscapes(s: string): { text: string; stop: boolean } {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[++i] as string;
    switch (n) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case 'e': out += '\x1b'; break;
      case '\\': out += '\\'; break;
      case 'c': return { text: out, stop: true };
      case '0': {
        const m = /^[0-7]{0,3}/.exec(s.slice(i + 1)) as RegExpExecArray;
        out += String.fromCharCode(Number.parseInt(m[0] === '' ? '0' : m[0], 8));
        i += m[0].length;
        break;
      }
      default: out += '\\' + n;
    }
  }
  return { text: out, stop: false };
}

const echo: Program = (p) => {
  let args = p.argv.slice(1);
  let newline = true;
  let escapes = false;
  while (args.length > 0 && /^-[neE]+$/.test(args[0] as string)) {
    const flags = args[0] as string;
    if (flags.includes('n')) newline = false;
    if (flags.includes('e')) escapes = true;
    if (flags.includes('E')) escapes = false;
    args = args.slice(1);
  }
  let s = args.join(' ');
  if (escapes) {
    const r = backslashEscapes(s);
    s = r.text;
    if (r.stop) newline = false;
  }
  p.out(newline ? s + '\n' : s);
  p.done(0);
};

const printf: Program = (p) => {
  const fmt = p.argv[1];
  if (fmt === undefined) {
    p.err('printf: usage: printf [-v var] format [arguments]\n');
    p.done(2);
    return;
  }
  const args = p.argv.slice(2);
  let ai = 0;
  let status = 0;
  let out = '';
  do {
    const start = ai;
    out += fmt.replace(/%([-0 +#]*)([0-9]*)(?:\.([0-9]+))?([sdiuxXc%])|\\./g, (m, flags: string, width: string, prec: string | undefined, conv: string | undefined) => {
      if (m.startsWith('\\')) return backslashEscapes(m).text;
      if (conv === '%') return '%';
      const arg = args[ai++] ?? '';
      let v: string;
      if (conv === 's') v = prec !== undefined ? arg.slice(0, Number(prec)) : arg;
      else if (conv === 'c') v = arg.slice(0, 1);
      else {
        const n = arg === '' ? 0 : Number.parseInt(arg, 10);
        if (Number.isNaN(n)) {
          p.err(`printf: ${arg}: invalid number\n`);
          status = 1;
        }
        const num = Number.isNaN(n) ? 0 : n;
        v = conv === 'x' ? num.toString(16) : conv === 'X' ? num.toString(16).toUpperCase() : String(num);
      }
      const w = width === '' ? 0 : Number(width);
      if (v.length < w) v = flags.includes('-') ? v.padEnd(w) : flags.includes('0') && conv !== 's' ? v.padStart(w, '0') : v.padStart(w);
      return v;
    });
    if (ai === start) break;
  } while (ai < args.length);
  p.out(out);
  p.done(status);
};

/** test / [ : the expressions scripts use (string, integer and file tests, !, -a, -o). */
function testExpr(p: Proc, args: string[]): number {
  if (args.length === 0) return 1;
  const t = new TestExpr(p, args);
  const v = t.orExpr();
  if (t.i < args.length) t.fail(args.length > 3 ? 'too many arguments' : `${args[t.i] as string}: unary operator expected`);
  return v ? 0 : 1;
}

function testNum(s: string): number | null {
  return /^\s*-?[0-9]+\s*$/.test(s) ? Number.parseInt(s, 10) : null;
}

/**
 * The recursive descent over test's arguments, as methods (tsx names every closure it makes, a
 * property definition each, and test runs once per loop turn of the lab's scripts).
 */
class TestExpr {
  i = 0;
  private readonly name: string;
  constructor(
    private readonly p: Proc,
    private readonly args: string[],
  ) {
    this.name = p.argv[0] === '[' ? '[' : 'test';
  }

  fail(msg: string): never {
    throw new Error(`bash: ${this.name}: ${msg}`);
  }

  primary(): boolean {
    const a = this.args[this.i];
    if (a === undefined) this.fail('argument expected');
    if (a === '!') {
      this.i++;
      return !this.primary();
    }
    if (a === '(') {
      this.i++;
      const v = this.orExpr();
      if (this.args[this.i++] !== ')') this.fail("`)' expected");
      return v;
    }
    const op = this.args[this.i + 1];
    const b = this.args[this.i + 2];
    if (op !== undefined && b !== undefined && /^(=|==|!=|<|>|-eq|-ne|-lt|-le|-gt|-ge)$/.test(op)) {
      this.i += 3;
      const sa = a as string;
      if (op === '=' || op === '==') return sa === b;
      if (op === '!=') return sa !== b;
      if (op === '<') return sa < b;
      if (op === '>') return sa > b;
      const x = testNum(sa);
      const y = testNum(b);
      if (x === null) this.fail(`${sa}: integer expression expected`);
      if (y === null) this.fail(`${b}: integer expression expected`);
      const xv = x as number;
      const yv = y as number;
      return op === '-eq' ? xv === yv : op === '-ne' ? xv !== yv : op === '-lt' ? xv < yv : op === '-le' ? xv <= yv : op === '-gt' ? xv > yv : xv >= yv;
    }
    if (/^-[zneEfdrswx]$/.test(a as string) && this.args[this.i + 1] !== undefined) {
      const arg = this.args[this.i + 1] as string;
      this.i += 2;
      switch (a) {
        case '-z': return arg === '';
        case '-n': return arg !== '';
        case '-d': return this.p.shell.fs.isDirectory(this.p.shell.resolve(arg));
        case '-s': return (this.p.shell.fs.read(this.p.shell.resolve(arg))?.length ?? 0) > 0;
        default: return this.p.shell.fs.read(this.p.shell.resolve(arg)) !== undefined || this.p.shell.fs.isDirectory(this.p.shell.resolve(arg));
      }
    }
    this.i++;
    return (a as string) !== '';
  }

  andExpr(): boolean {
    let v = this.primary();
    while (this.args[this.i] === '-a') {
      this.i++;
      const r = this.primary();
      v = v && r;
    }
    return v;
  }

  orExpr(): boolean {
    let v = this.andExpr();
    while (this.args[this.i] === '-o') {
      this.i++;
      const r = this.andExpr();
      v = v || r;
    }
    return v;
  }
}

const test: Program = (p) => {
  let args = p.argv.slice(1);
  if (p.argv[0] === '[') {
    if (args[args.length - 1] !== ']') {
      p.err("bash: [: missing `]'\n");
      p.done(2);
      return;
    }
    args = args.slice(0, -1);
  }
  try {
    p.done(testExpr(p, args));
  } catch (e) {
    p.err(`${(e as Error).message}\n`);
    p.done(2);
  }
};

const seq: Program = (p) => {
  const a = p.argv.slice(1).map((x) => (/^-?[0-9]+$/.test(x) ? Number(x) : Number.NaN));
  const bad = p.argv.slice(1).find((x) => !/^-?[0-9]+$/.test(x));
  if (a.length === 0 || a.length > 3 || bad !== undefined) {
    p.err(bad !== undefined ? `seq: invalid floating point argument: '${bad}'\nTry 'seq --help' for more information.\n` : "seq: missing operand\nTry 'seq --help' for more information.\n");
    p.done(1);
    return;
  }
  const [first, incr, last] = a.length === 1 ? [1, 1, a[0] as number] : a.length === 2 ? [a[0] as number, 1, a[1] as number] : (a as [number, number, number]);
  if (incr === 0) {
    p.err(`seq: invalid Zero increment value: '0'\nTry 'seq --help' for more information.\n`);
    p.done(1);
    return;
  }
  let out = '';
  for (let v = first; incr > 0 ? v <= last : v >= last; v += incr) out += `${v}\n`;
  p.out(out);
  p.done(0);
};

function compareC(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const sort: Program = (p) => {
  const flags = new Set<string>();
  const files: string[] = [];
  for (const a of p.argv.slice(1)) {
    if (/^-[nru]+$/.test(a)) for (const f of a.slice(1)) flags.add(f);
    else files.push(a);
  }
  const ins = inputs(p, files, 'sort');
  if (ins === null) {
    p.done(2);
    return;
  }
  let ls = ins.flatMap((x) => lines(x.data));
  const numeric = flags.has('n');
  const cmp = (x: string, y: string): number => {
    if (numeric) {
      const nx = Number.parseFloat(x) || 0;
      const ny = Number.parseFloat(y) || 0;
      if (nx !== ny) return nx - ny;
    }
    return compareC(x, y);
  };
  ls.sort(cmp);
  if (flags.has('r')) ls.reverse();
  if (flags.has('u')) ls = ls.filter((l, i) => i === 0 || cmp(ls[i - 1] as string, l) !== 0);
  p.out(ls.map((l) => l + '\n').join(''));
  p.done(0);
};

const uniq: Program = (p) => {
  let count = false;
  let onlyDup = false;
  let onlyUnique = false;
  const files: string[] = [];
  for (const a of p.argv.slice(1)) {
    if (/^-[cdu]+$/.test(a)) {
      if (a.includes('c')) count = true;
      if (a.includes('d')) onlyDup = true;
      if (a.includes('u')) onlyUnique = true;
    } else files.push(a);
  }
  const ins = inputs(p, files.slice(0, 1), 'uniq');
  if (ins === null) {
    p.done(1);
    return;
  }
  const ls = lines((ins[0] as { data: Uint8Array }).data);
  let out = '';
  for (let i = 0; i < ls.length; ) {
    let j = i + 1;
    while (j < ls.length && ls[j] === ls[i]) j++;
    const n = j - i;
    if ((!onlyDup || n > 1) && (!onlyUnique || n === 1)) {
      // coreutils prints the count as "%7jd " (uniq.c).
      out += count ? `${String(n).padStart(7)} ${ls[i] as string}\n` : `${ls[i] as string}\n`;
    }
    i = j;
  }
  p.out(out);
  p.done(0);
};

const md5sum: Program = (p) => {
  const files = p.argv.slice(1).filter((a) => a !== '--');
  const ins = inputs(p, files, 'md5sum');
  if (ins === null) {
    p.done(1);
    return;
  }
  p.out(ins.map((x) => `${md5Hex(x.data)}  ${x.name}\n`).join(''));
  p.done(files.length > ins.length ? 1 : 0);
};

const cat: Program = (p) => {
  const files = p.argv.slice(1);
  const ins = inputs(p, files, 'cat');
  for (const x of ins ?? []) p.stdout(x.data);
  p.done(ins === null || ins.length < Math.max(1, files.length) ? 1 : 0);
};

function basicRegex(pattern: string, ignoreCase: boolean, fixed: boolean): RegExp {
  if (fixed) return new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), ignoreCase ? 'i' : '');
  // POSIX basic regular expressions: \( \) \{ \} \| are the operators, ( ) { } | + ? literal.
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      const n = pattern[++i] as string;
      re += '(){}|+?'.includes(n) ? n : '\\' + n;
    } else if ('(){}|+?'.includes(c)) {
      re += '\\' + c;
    } else {
      re += c;
    }
  }
  return new RegExp(re, ignoreCase ? 'i' : '');
}

const grep: Program = (p) => {
  const opts = new Set<string>();
  let pattern: string | undefined;
  const files: string[] = [];
  for (const a of p.argv.slice(1)) {
    if (pattern === undefined && /^-[vicqFEnh]+$/.test(a)) for (const f of a.slice(1)) opts.add(f);
    else if (pattern === undefined) pattern = a;
    else files.push(a);
  }
  if (pattern === undefined) {
    p.err("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n");
    p.done(2);
    return;
  }
  let re: RegExp;
  try {
    re = opts.has('E') ? new RegExp(pattern, opts.has('i') ? 'i' : '') : basicRegex(pattern, opts.has('i'), opts.has('F'));
  } catch {
    p.err('grep: Invalid regular expression\n');
    p.done(2);
    return;
  }
  const ins = inputs(p, files, 'grep');
  if (ins === null) {
    p.done(2);
    return;
  }
  let matched = 0;
  let out = '';
  const prefix = ins.length > 1 && !opts.has('h');
  for (const x of ins) {
    let n = 0;
    lines(x.data).forEach((l, idx) => {
      if (re.test(l) !== opts.has('v')) {
        n++;
        if (!opts.has('c') && !opts.has('q')) out += `${prefix ? x.name + ':' : ''}${opts.has('n') ? `${idx + 1}:` : ''}${l}\n`;
      }
    });
    if (opts.has('c')) out += `${prefix ? x.name + ':' : ''}${n}\n`;
    matched += n;
  }
  if (!opts.has('q')) p.out(out);
  p.done(matched > 0 ? 0 : 1);
};

function headTail(which: 'head' | 'tail'): Program {
  return (p) => {
    let n = 10;
    const files: string[] = [];
    const args = p.argv.slice(1);
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      const m = /^-n?([0-9]+)$/.exec(a);
      if (a === '-n' && args[i + 1] !== undefined) n = Number(args[++i]);
      else if (m !== null) n = Number(m[1]);
      else files.push(a);
    }
    const ins = inputs(p, files, which);
    if (ins === null) {
      p.done(1);
      return;
    }
    const ls = ins.flatMap((x) => lines(x.data));
    const picked = which === 'head' ? ls.slice(0, n) : n === 0 ? [] : ls.slice(-n);
    p.out(picked.map((l) => l + '\n').join(''));
    p.done(0);
  };
}

const wc: Program = (p) => {
  const flags = new Set<string>();
  const files: string[] = [];
  for (const a of p.argv.slice(1)) {
    if (/^-[lwc]+$/.test(a)) for (const f of a.slice(1)) flags.add(f);
    else files.push(a);
  }
  const ins = inputs(p, files, 'wc');
  if (ins === null) {
    p.done(1);
    return;
  }
  const show = flags.size === 0 ? ['l', 'w', 'c'] : ['l', 'w', 'c'].filter((f) => flags.has(f));
  const rows = ins.map((x) => {
    const s = text(x.data);
    const counts: Record<string, number> = {
      l: (s.match(/\n/g) ?? []).length,
      w: s.split(/\s+/).filter((w) => w !== '').length,
      c: x.data.length,
    };
    return { name: x.name, vals: show.map((f) => counts[f] as number) };
  });
  // coreutils pads to a common width only when several numbers are shown or files are named.
  const single = rows.length === 1 && show.length === 1 && (rows[0] as { name: string }).name === '-';
  const width = single ? 0 : Math.max(1, ...rows.flatMap((r) => r.vals.map((v) => String(v).length)));
  p.out(
    rows
      .map((r) => r.vals.map((v) => String(v).padStart(width)).join(' ') + (r.name === '-' ? '' : ` ${r.name}`) + '\n')
      .join(''),
  );
  p.done(0);
};

const cut: Program = (p) => {
  let delim = '\t';
  let fields: number[] | null = null;
  const files: string[] = [];
  const args = p.argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-d') delim = args[++i] ?? '\t';
    else if (a.startsWith('-d')) delim = a.slice(2);
    else if (a === '-f') fields = (args[++i] ?? '').split(',').map(Number);
    else if (a.startsWith('-f')) fields = a.slice(2).split(',').map(Number);
    else files.push(a);
  }
  if (fields === null || fields.some((f) => !Number.isInteger(f) || f < 1) || delim.length !== 1) {
    p.err("cut: you must specify a list of bytes, characters, or fields\nTry 'cut --help' for more information.\n");
    p.done(1);
    return;
  }
  const ins = inputs(p, files, 'cut');
  if (ins === null) {
    p.done(1);
    return;
  }
  const fs = fields;
  const out = ins
    .flatMap((x) => lines(x.data))
    .map((l) => {
      if (!l.includes(delim)) return l + '\n';
      const parts = l.split(delim);
      return fs.filter((f) => f <= parts.length).map((f) => parts[f - 1]).join(delim) + '\n';
    })
    .join('');
  p.out(out);
  p.done(0);
};

const tr: Program = (p) => {
  const [a, b] = [p.argv[1], p.argv[2]];
  const del = a === '-d';
  const set1 = del ? (b ?? '') : (a ?? '');
  const set2 = del ? '' : (b ?? '');
  if ((!del && (a === undefined || b === undefined)) || (del && b === undefined)) {
    p.err("tr: missing operand\nTry 'tr --help' for more information.\n");
    p.done(1);
    return;
  }
  const expand = (s: string): string => s.replace(/(.)-(.)/g, (_m, x: string, y: string) => {
    let r = '';
    for (let c = x.charCodeAt(0); c <= y.charCodeAt(0); c++) r += String.fromCharCode(c);
    return r;
  }).replace(/\\n/g, '\n').replace(/\\t/g, '\t');
  const s1 = expand(set1);
  const s2 = expand(set2);
  let out = '';
  for (const c of text(p.stdin)) {
    const i = s1.indexOf(c);
    if (i < 0) out += c;
    else if (!del) out += s2[Math.min(i, s2.length - 1)] ?? '';
  }
  p.out(out);
  p.done(0);
};

/**
 * awk, for the one-liners scripts use on md5sum or ping output: `{print}`, `{print $N, ...}`,
 * `{print $N "text" $M}`, with -F SEP and an optional /regex/ or NR==n pattern.
 */
const awk: Program = (p) => {
  const args = p.argv.slice(1);
  let sep: string | null = null;
  while (args.length > 0 && (args[0] as string).startsWith('-F')) {
    const a = args.shift() as string;
    sep = a.length > 2 ? a.slice(2) : (args.shift() ?? ' ');
  }
  const prog = args.shift();
  const m = prog === undefined ? null : /^\s*(?:\/((?:[^/\\]|\\.)*)\/|NR\s*==\s*([0-9]+))?\s*\{\s*print\s*([^}]*?)\s*;?\s*\}\s*$/.exec(prog);
  if (prog === undefined || m === null) {
    p.err(prog === undefined ? 'usage: awk [-F fs] prog [file ...]\n' : `awk: program not modelled by lbsim: ${prog}\n`);
    p.done(2);
    return;
  }
  const ins = inputs(p, args, 'awk');
  if (ins === null) {
    p.done(2);
    return;
  }
  const re = m[1] !== undefined ? new RegExp(m[1]) : null;
  const nr = m[2] !== undefined ? Number(m[2]) : null;
  const items = (m[3] ?? '').match(/\$[0-9]+|NF|NR|"[^"]*"|,/g) ?? [];
  let out = '';
  let n = 0;
  for (const line of ins.flatMap((x) => lines(x.data))) {
    n++;
    if (re !== null && !re.test(line)) continue;
    if (nr !== null && n !== nr) continue;
    const fields = sep === null || sep === ' ' ? line.trim().split(/[ \t]+/).filter((f) => f !== '') : line.split(sep);
    if (items.length === 0) {
      out += line + '\n';
      continue;
    }
    let row = '';
    for (const it of items) {
      if (it === ',') row += ' ';
      else if (it === 'NF') row += String(fields.length);
      else if (it === 'NR') row += String(n);
      else if (it.startsWith('"')) row += it.slice(1, -1);
      else {
        const k = Number(it.slice(1));
        row += k === 0 ? line : (fields[k - 1] ?? '');
      }
    }
    out += row + '\n';
  }
  p.out(out);
  p.done(0);
};

/** sleep SECONDS (decimal fractions and s/m/h suffixes as in coreutils): waits in virtual time. */
const sleep: Program = (p) => {
  const args = p.argv.slice(1);
  if (args.length === 0) {
    p.err("sleep: missing operand\nTry 'sleep --help' for more information.\n");
    p.done(1);
    return;
  }
  let totalNs = 0;
  for (const a of args) {
    const m = /^([0-9]*\.?[0-9]+)([smhd]?)$/.exec(a);
    if (m === null) {
      p.err(`sleep: invalid time interval '${a}'\nTry 'sleep --help' for more information.\n`);
      p.done(1);
      return;
    }
    const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
    totalNs += Math.round(Number(m[1]) * mult * 1e9);
  }
  p.shell.clock.after(totalNs, () => p.done(0));
};

const pwd: Program = (p) => {
  p.out(p.shell.cwd + '\n');
  p.done(0);
};

const hostname: Program = (p) => {
  p.out(p.shell.hostName + '\n');
  p.done(0);
};

export const COREUTILS: ReadonlyMap<string, Program> = new Map<string, Program>([
  ['echo', echo],
  ['printf', printf],
  ['test', test],
  ['[', test],
  ['true', (p) => p.done(0)],
  ['false', (p) => p.done(1)],
  ['seq', seq],
  ['sort', sort],
  ['uniq', uniq],
  ['md5sum', md5sum],
  ['cat', cat],
  ['grep', grep],
  ['head', headTail('head')],
  ['tail', headTail('tail')],
  ['wc', wc],
  ['cut', cut],
  ['tr', tr],
  ['awk', awk],
  ['sleep', sleep],
  ['pwd', pwd],
  ['hostname', hostname],
]);

export { bytes };
