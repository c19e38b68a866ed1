// The shell language of a console line and of the lab's client script: a POSIX sh subset read
// the way bash reads it. Words with quotes and backslashes, $VAR ${VAR} $1 $# $? $@ $(...) `...`
// $((...)) $[...]; pipelines; && || ; and newlines; redirections > >> < 2> 2>> 2>&1 &> ;
// compound commands if/elif/else, for (also C-style), while/until, case, { ...; } and ( ... ),
// functions, and the bash tests [[ ... ]] and (( ... )) that lab scripts written for bash use.
// No globbing of file names or here-documents: a line that needs them gets a syntax error naming
// the token instead of a wrong answer.

export type WordPart =
  | { kind: 'lit'; text: string; quoted: boolean }
  | { kind: 'param'; name: string; quoted: boolean }
  | { kind: 'cmdsub'; script: Script; quoted: boolean }
  | { kind: 'arith'; expr: string; quoted: boolean };

export interface Word {
  parts: WordPart[];
  /** The word as written, for messages. */
  raw: string;
}

export interface Redirect {
  fd: number;
  op: '>' | '>>' | '<' | '>&';
  target: Word;
}

export interface SimpleCommand {
  kind: 'simple';
  assigns: Array<{ name: string; value: Word }>;
  words: Word[];
  redirects: Redirect[];
}

export interface IfCommand {
  kind: 'if';
  clauses: Array<{ cond: Script; body: Script }>;
  elseBody: Script | null;
  redirects: Redirect[];
}

export interface ForCommand {
  kind: 'for';
  name: string;
  /** null: `for x; do` iterates over the positional parameters. */
  items: Word[] | null;
  body: Script;
  redirects: Redirect[];
}

export interface WhileCommand {
  kind: 'while';
  until: boolean;
  cond: Script;
  body: Script;
  redirects: Redirect[];
}

export interface GroupCommand {
  kind: 'group';
  subshell: boolean;
  body: Script;
  redirects: Redirect[];
}

/** for ((init; cond; step)) */
export interface ArithForCommand {
  kind: 'arith-for';
  init: string;
  cond: string;
  step: string;
  body: Script;
  redirects: Redirect[];
}

/** (( expr )): status 0 when the value is not zero. */
export interface ArithCommand {
  kind: 'arith';
  expr: string;
  redirects: Redirect[];
}

/** [[ ... ]]: words expanded without field splitting. */
export interface CondCommand {
  kind: 'cond';
  words: Word[];
  redirects: Redirect[];
}

export interface CaseCommand {
  kind: 'case';
  subject: Word;
  arms: Array<{ patterns: Word[]; body: Script }>;
  redirects: Redirect[];
}

export interface FunctionDef {
  kind: 'function';
  name: string;
  body: Command;
  redirects: Redirect[];
}

export type Command =
  | SimpleCommand
  | IfCommand
  | ForCommand
  | WhileCommand
  | GroupCommand
  | ArithForCommand
  | ArithCommand
  | CondCommand
  | CaseCommand
  | FunctionDef;

export interface Pipeline {
  negate: boolean;
  commands: Command[];
}

export interface AndOr {
  first: Pipeline;
  rest: Array<{ op: '&&' | '||'; pipeline: Pipeline }>;
}

/** A list of and-or lists run one after the other. */
export interface Script {
  items: AndOr[];
}

export class ShellSyntaxError extends Error {
  constructor(
    message: string,
    /** 0-based offset in the source. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'ShellSyntaxError';
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens

type Token =
  | { kind: 'word'; word: Word; offset: number }
  | { kind: 'op'; op: string; offset: number }
  | { kind: 'io'; fd: number; op: Redirect['op']; offset: number }
  | { kind: 'newline'; offset: number }
  | { kind: 'arith'; expr: string; offset: number }
  | { kind: 'eof'; offset: number };

const CONTROL_OPS = ['&&', '||', ';;', ';', '|', '&', '(', ')'];

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

function isMeta(c: string | undefined): boolean {
  return c === undefined || c === ' ' || c === '\t' || c === '\n' || c === ';' || c === '&' || c === '|' || c === '<' || c === '>' || c === '(' || c === ')';
}

function isNameStart(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z_]/.test(c);
}

function isNameChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_]/.test(c);
}

class Lexer {
  private i = 0;

  constructor(private readonly src: string) {}

  tokens(): Token[] {
    const out: Token[] = [];
    for (;;) {
      const t = this.next();
      out.push(t);
      if (t.kind === 'eof') return out;
    }
  }

  private next(): Token {
    const s = this.src;
    for (;;) {
      while (isBlank(s[this.i])) this.i++;
      if (s[this.i] === '\\' && s[this.i + 1] === '\n') {
        this.i += 2;
        continue;
      }
      if (s[this.i] === '#') {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
      }
      break;
    }
    const start = this.i;
    if (this.i >= s.length) return { kind: 'eof', offset: start };
    const c = s[this.i] as string;
    if (c === '\n') {
      this.i++;
      return { kind: 'newline', offset: start };
    }
    if (c === '\r' && s[this.i + 1] === '\n') {
      this.i += 2;
      return { kind: 'newline', offset: start };
    }
    // Redirections: [n]> [n]>> [n]< [n]>&m &>
    const io = /^(\d?)(>>|>&|>|<)/.exec(s.slice(this.i, this.i + 3));
    if (io !== null) {
      const digits = io[1] as string;
      const op = io[2] as string;
      this.i += digits.length + op.length;
      const fd = digits !== '' ? Number(digits) : op === '<' ? 0 : 1;
      return { kind: 'io', fd, op: op as Redirect['op'], offset: start };
    }
    if (s.startsWith('((', this.i)) {
      const end = matchParen(s, this.i + 1);
      if (end >= 0 && s[end + 1] === ')') {
        const expr = s.slice(this.i + 2, end);
        this.i = end + 2;
        return { kind: 'arith', expr, offset: start };
      }
    }
    if (s.startsWith('&>', this.i)) {
      this.i += 2;
      return { kind: 'io', fd: -1, op: '>', offset: start };
    }
    for (const op of CONTROL_OPS) {
      if (s.startsWith(op, this.i)) {
        this.i += op.length;
        return { kind: 'op', op, offset: start };
      }
    }
    return { kind: 'word', word: this.word(), offset: start };
  }

  private word(): Word {
    const s = this.src;
    const start = this.i;
    const parts: WordPart[] = [];
    let lit = '';
    const flush = (quoted: boolean) => {
      if (lit !== '') parts.push({ kind: 'lit', text: lit, quoted });
      lit = '';
    };
    while (this.i < s.length && !isMeta(s[this.i])) {
      const c = s[this.i] as string;
      if (c === "'") {
        flush(false);
        const end = s.indexOf("'", this.i + 1);
        if (end < 0) throw new ShellSyntaxError("unexpected EOF while looking for matching `''", this.i);
        parts.push({ kind: 'lit', text: s.slice(this.i + 1, end), quoted: true });
        this.i = end + 1;
      } else if (c === '"') {
        flush(false);
        this.i++;
        this.doubleQuoted(parts);
      } else if (c === '\\') {
        if (this.i + 1 < s.length) {
          flush(false);
          parts.push({ kind: 'lit', text: s[this.i + 1] as string, quoted: true });
        }
        this.i += 2;
      } else if (c === '$' || c === '`') {
        flush(false);
        const p = this.dollar(false);
        if (p === null) lit += c;
        else parts.push(p);
      } else {
        lit += c;
        this.i++;
      }
    }
    flush(false);
    return { parts, raw: s.slice(start, this.i) };
  }

  private doubleQuoted(parts: WordPart[]): void {
    const s = this.src;
    let lit = '';
    const flush = () => {
      parts.push({ kind: 'lit', text: lit, quoted: true });
      lit = '';
    };
    while (this.i < s.length) {
      const c = s[this.i] as string;
      if (c === '"') {
        this.i++;
        flush();
        return;
      }
      if (c === '\\' && this.i + 1 < s.length && '$`"\\\n'.includes(s[this.i + 1] as string)) {
        if (s[this.i + 1] !== '\n') lit += s[this.i + 1];
        this.i += 2;
      } else if (c === '$' || c === '`') {
        const p = this.dollar(true);
        if (p === null) lit += c;
        else {
          flush();
          parts.push(p);
        }
      } else {
        lit += c;
        this.i++;
      }
    }
    throw new ShellSyntaxError('unexpected EOF while looking for matching `"\'', this.i);
  }

  /** At '$' or '`': a parameter, command substitution or arithmetic; null for a lone '$'. */
  private dollar(quoted: boolean): WordPart | null {
    const s = this.src;
    const c = s[this.i];
    if (c === '`') {
      let j = this.i + 1;
      let body = '';
      while (j < s.length && s[j] !== '`') {
        if (s[j] === '\\' && j + 1 < s.length && '$`\\'.includes(s[j + 1] as string)) {
          body += s[j + 1];
          j += 2;
        } else {
          body += s[j];
          j++;
        }
      }
      if (j >= s.length) throw new ShellSyntaxError('unexpected EOF while looking for matching ``\'', this.i);
      this.i = j + 1;
      return { kind: 'cmdsub', script: parseScript(body), quoted };
    }
    const n = s[this.i + 1];
    if (n === '[') {
      const end = s.indexOf(']', this.i + 2);
      if (end < 0) throw new ShellSyntaxError('unexpected EOF while looking for matching `]\'', this.i);
      const expr = s.slice(this.i + 2, end);
      this.i = end + 1;
      return { kind: 'arith', expr, quoted };
    }
    if (n === '(' && s[this.i + 2] === '(') {
      const end = matchParen(s, this.i + 2);
      if (end < 0 || s[end + 1] !== ')') throw new ShellSyntaxError('unexpected EOF while looking for matching `)\'', this.i);
      const expr = s.slice(this.i + 3, end);
      this.i = end + 2;
      return { kind: 'arith', expr, quoted };
    }
    if (n === '(') {
      const end = matchParen(s, this.i + 1);
      if (end < 0) throw new ShellSyntaxError('unexpected EOF while looking for matching `)\'', this.i);
      const body = s.slice(this.i + 2, end);
      this.i = end + 1;
      return { kind: 'cmdsub', script: parseScript(body), quoted };
    }
    if (n === '{') {
      const end = s.indexOf('}', this.i + 2);
      if (end < 0) throw new ShellSyntaxError('unexpected EOF while looking for matching `}\'', this.i);
      const name = s.slice(this.i + 2, end);
      if (!/^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[#?@*$!])$/.test(name)) throw new ShellSyntaxError(`\${${name}}: bad substitution`, this.i);
      this.i = end + 1;
      return { kind: 'param', name, quoted };
    }
    if (isNameStart(n)) {
      let j = this.i + 1;
      while (isNameChar(s[j])) j++;
      const name = s.slice(this.i + 1, j);
      this.i = j;
      return { kind: 'param', name, quoted };
    }
    if (n !== undefined && /[0-9#?@*$!]/.test(n)) {
      this.i += 2;
      return { kind: 'param', name: n, quoted };
    }
    this.i++;
    return null;
  }
}

/** Index of the ')' matching the '(' at `open`, skipping quotes; -1 if none. */
function matchParen(s: string, open: number): number {
  let depth = 0;
  for (let j = open; j < s.length; j++) {
    const c = s[j];
    if (c === '\\') {
      j++;
    } else if (c === "'") {
      const e = s.indexOf("'", j + 1);
      if (e < 0) return -1;
      j = e;
    } else if (c === '"') {
      let k = j + 1;
      while (k < s.length && s[k] !== '"') k += s[k] === '\\' ? 2 : 1;
      j = k;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
      if (depth === 0) return j;
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Parser (recursive descent over the POSIX grammar, reduced)

const RESERVED = new Set(['if', 'then', 'elif', 'else', 'fi', 'for', 'in', 'do', 'done', 'while', 'until', 'case', 'esac', 'function', '{', '}', '!', '[[', ']]']);

function plainText(w: Word): string | null {
  let out = '';
  for (const p of w.parts) {
    if (p.kind !== 'lit' || p.quoted) return null;
    out += p.text;
  }
  return out;
}

class Parser {
  private k = 0;

  constructor(private readonly toks: Token[]) {}

  private peek(): Token {
    return this.toks[this.k] as Token;
  }

  private take(): Token {
    return this.toks[this.k++] as Token;
  }

  private isWord(t: Token, text: string): boolean {
    return t.kind === 'word' && plainText(t.word) === text;
  }

  private isOp(t: Token, op: string): boolean {
    return t.kind === 'op' && t.op === op;
  }

  private unexpected(t: Token): ShellSyntaxError {
    const text =
      t.kind === 'eof' ? null : t.kind === 'newline' ? 'newline' : t.kind === 'op' ? t.op : t.kind === 'io' ? t.op : t.kind === 'arith' ? '((' : t.word.raw;
    if (text === null) return new ShellSyntaxError('syntax error: unexpected end of file', t.offset);
    return new ShellSyntaxError(`syntax error near unexpected token \`${text}'`, t.offset);
  }

  private skipNewlines(): void {
    while (this.peek().kind === 'newline') this.k++;
  }

  parseProgram(): Script {
    const script = this.list(() => this.peek().kind === 'eof');
    const t = this.peek();
    if (t.kind !== 'eof') throw this.unexpected(t);
    return script;
  }

  /** and-or lists separated by ';' or newlines, until `stop` says a closing word is next. */
  private list(stop: () => boolean): Script {
    const items: AndOr[] = [];
    this.skipNewlines();
    while (!stop()) {
      const t = this.peek();
      if (t.kind === 'eof') break;
      items.push(this.andOr());
      const sep = this.peek();
      if (this.isOp(sep, ';') || this.isOp(sep, '&') || sep.kind === 'newline') {
        this.k++;
        this.skipNewlines();
        continue;
      }
      if (stop() || sep.kind === 'eof') break;
      throw this.unexpected(sep);
    }
    return { items };
  }

  private andOr(): AndOr {
    const first = this.pipeline();
    const rest: AndOr['rest'] = [];
    for (;;) {
      const t = this.peek();
      if (this.isOp(t, '&&') || this.isOp(t, '||')) {
        this.k++;
        this.skipNewlines();
        rest.push({ op: (t as { op: '&&' | '||' }).op, pipeline: this.pipeline() });
        continue;
      }
      return { first, rest };
    }
  }

  private pipeline(): Pipeline {
    let negate = false;
    if (this.isWord(this.peek(), '!')) {
      this.k++;
      negate = true;
    }
    const commands = [this.command()];
    while (this.isOp(this.peek(), '|')) {
      this.k++;
      this.skipNewlines();
      commands.push(this.command());
    }
    return { negate, commands };
  }

  private command(): Command {
    const t = this.peek();
    let cmd: Command;
    if (this.isWord(t, 'if')) cmd = this.ifCommand();
    else if (this.isWord(t, 'for')) cmd = this.forCommand();
    else if (this.isWord(t, 'while') || this.isWord(t, 'until')) cmd = this.whileCommand();
    else if (this.isWord(t, '{')) cmd = this.group(false);
    else if (this.isOp(t, '(')) cmd = this.group(true);
    else if (this.isWord(t, 'case')) cmd = this.caseCommand();
    else if (this.isWord(t, '[[')) cmd = this.condCommand();
    else if (this.isWord(t, 'function')) cmd = this.functionDef(true);
    else if (t.kind === 'arith') {
      this.k++;
      cmd = { kind: 'arith', expr: t.expr, redirects: [] };
    } else if (t.kind === 'word' && this.isOp(this.toks[this.k + 1] as Token, '(') && this.isOp(this.toks[this.k + 2] as Token, ')')) {
      cmd = this.functionDef(false);
    } else return this.simple();
    cmd.redirects.push(...this.redirects());
    return cmd;
  }

  private redirects(): Redirect[] {
    const out: Redirect[] = [];
    while (this.peek().kind === 'io') out.push(this.redirect());
    return out;
  }

  private redirect(): Redirect {
    const t = this.take() as Extract<Token, { kind: 'io' }>;
    const target = this.take();
    if (target.kind !== 'word') throw this.unexpected(target);
    return { fd: t.fd, op: t.op, target: target.word };
  }

  private expectWord(text: string): void {
    const t = this.take();
    if (!this.isWord(t, text)) throw this.unexpected(t);
  }

  private stopAt(...words: string[]): () => boolean {
    return () => {
      const t = this.peek();
      return words.some((w) => this.isWord(t, w)) || (words.includes(')') && this.isOp(t, ')'));
    };
  }

  private ifCommand(): IfCommand {
    this.expectWord('if');
    const clauses: IfCommand['clauses'] = [];
    let elseBody: Script | null = null;
    for (;;) {
      const cond = this.list(this.stopAt('then'));
      this.expectWord('then');
      const body = this.list(this.stopAt('elif', 'else', 'fi'));
      clauses.push({ cond, body });
      const t = this.take();
      if (this.isWord(t, 'elif')) continue;
      if (this.isWord(t, 'else')) {
        elseBody = this.list(this.stopAt('fi'));
        this.expectWord('fi');
        break;
      }
      if (this.isWord(t, 'fi')) break;
      throw this.unexpected(t);
    }
    return { kind: 'if', clauses, elseBody, redirects: [] };
  }

  private forCommand(): ForCommand | ArithForCommand {
    this.expectWord('for');
    const head = this.peek();
    if (head.kind === 'arith') {
      this.k++;
      const parts = head.expr.split(';');
      if (parts.length !== 3) throw new ShellSyntaxError('syntax error: arithmetic expression required', head.offset);
      this.skipNewlines();
      if (this.isOp(this.peek(), ';')) this.k++;
      this.skipNewlines();
      let body: Script;
      if (this.isWord(this.peek(), '{')) {
        body = { items: [{ first: { negate: false, commands: [this.group(false)] }, rest: [] }] };
      } else {
        this.expectWord('do');
        body = this.list(this.stopAt('done'));
        this.expectWord('done');
      }
      return { kind: 'arith-for', init: (parts[0] as string).trim(), cond: (parts[1] as string).trim(), step: (parts[2] as string).trim(), body, redirects: [] };
    }
    const nameTok = this.take();
    const name = nameTok.kind === 'word' ? plainText(nameTok.word) : null;
    if (name === null || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      const raw = nameTok.kind === 'word' ? nameTok.word.raw : '';
      throw new ShellSyntaxError(`\`${raw}': not a valid identifier`, nameTok.offset);
    }
    let items: Word[] | null = null;
    this.skipNewlines();
    if (this.isWord(this.peek(), 'in')) {
      this.k++;
      items = [];
      while (this.peek().kind === 'word') items.push((this.take() as Extract<Token, { kind: 'word' }>).word);
      const sep = this.take();
      if (!(this.isOp(sep, ';') || sep.kind === 'newline')) throw this.unexpected(sep);
    } else if (this.isOp(this.peek(), ';')) {
      this.k++;
    }
    this.skipNewlines();
    this.expectWord('do');
    const body = this.list(this.stopAt('done'));
    this.expectWord('done');
    return { kind: 'for', name, items, body, redirects: [] };
  }

  private whileCommand(): WhileCommand {
    const until = this.isWord(this.take(), 'until');
    const cond = this.list(this.stopAt('do'));
    this.expectWord('do');
    const body = this.list(this.stopAt('done'));
    this.expectWord('done');
    return { kind: 'while', until, cond, body, redirects: [] };
  }

  private group(subshell: boolean): GroupCommand {
    this.k++;
    const body = this.list(subshell ? this.stopAt(')') : this.stopAt('}'));
    const t = this.take();
    if (subshell ? !this.isOp(t, ')') : !this.isWord(t, '}')) throw this.unexpected(t);
    return { kind: 'group', subshell, body, redirects: [] };
  }

  private caseCommand(): CaseCommand {
    this.expectWord('case');
    const subj = this.take();
    if (subj.kind !== 'word') throw this.unexpected(subj);
    this.skipNewlines();
    this.expectWord('in');
    this.skipNewlines();
    const arms: CaseCommand['arms'] = [];
    while (!this.isWord(this.peek(), 'esac')) {
      if (this.isOp(this.peek(), '(')) this.k++;
      const patterns: Word[] = [];
      for (;;) {
        const t = this.take();
        if (t.kind !== 'word') throw this.unexpected(t);
        patterns.push(t.word);
        if (this.isOp(this.peek(), '|')) {
          this.k++;
          continue;
        }
        break;
      }
      const close = this.take();
      if (!this.isOp(close, ')')) throw this.unexpected(close);
      const body = this.list(() => this.isOp(this.peek(), ';;') || this.isWord(this.peek(), 'esac'));
      arms.push({ patterns, body });
      if (this.isOp(this.peek(), ';;')) this.k++;
      this.skipNewlines();
      if (this.peek().kind === 'eof') throw this.unexpected(this.peek());
    }
    this.expectWord('esac');
    return { kind: 'case', subject: subj.word, arms, redirects: [] };
  }

  /** [[ ... ]]: everything up to ]] is a word, operators included. */
  private condCommand(): CondCommand {
    this.expectWord('[[');
    const words: Word[] = [];
    for (;;) {
      const t = this.take();
      if (this.isWord(t, ']]')) break;
      if (t.kind === 'word') words.push(t.word);
      else if (t.kind === 'op' && t.op !== ';' && t.op !== ';;') words.push({ parts: [{ kind: 'lit', text: t.op, quoted: false }], raw: t.op });
      else if (t.kind === 'io' && (t.op === '<' || t.op === '>')) words.push({ parts: [{ kind: 'lit', text: t.op, quoted: false }], raw: t.op });
      else throw this.unexpected(t);
    }
    return { kind: 'cond', words, redirects: [] };
  }

  private functionDef(keyword: boolean): FunctionDef {
    if (keyword) this.k++;
    const nameTok = this.take();
    const name = nameTok.kind === 'word' ? plainText(nameTok.word) : null;
    if (name === null || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) throw this.unexpected(nameTok);
    if (this.isOp(this.peek(), '(')) {
      this.k++;
      const close = this.take();
      if (!this.isOp(close, ')')) throw this.unexpected(close);
    }
    this.skipNewlines();
    const t = this.peek();
    if (!(this.isWord(t, '{') || this.isOp(t, '(') || this.isWord(t, 'if') || this.isWord(t, 'for') || this.isWord(t, 'while') || this.isWord(t, 'case'))) throw this.unexpected(t);
    const body = this.command();
    return { kind: 'function', name, body, redirects: [] };
  }

  private simple(): SimpleCommand {
    const cmd: SimpleCommand = { kind: 'simple', assigns: [], words: [], redirects: [] };
    for (;;) {
      const t = this.peek();
      if (t.kind === 'io') {
        cmd.redirects.push(this.redirect());
        continue;
      }
      if (t.kind !== 'word') break;
      if (cmd.words.length === 0) {
        const a = assignment(t.word);
        if (a !== null) {
          this.k++;
          cmd.assigns.push(a);
          continue;
        }
        const text = plainText(t.word);
        if (text !== null && RESERVED.has(text) && text !== '{' && text !== '}') throw this.unexpected(t);
      }
      this.k++;
      cmd.words.push(t.word);
    }
    if (cmd.words.length === 0 && cmd.assigns.length === 0 && cmd.redirects.length === 0) throw this.unexpected(this.peek());
    return cmd;
  }
}

/** NAME=value at the start of a simple command. */
function assignment(w: Word): { name: string; value: Word } | null {
  const first = w.parts[0];
  if (first === undefined || first.kind !== 'lit' || first.quoted) return null;
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(first.text);
  if (m === null) return null;
  const rest = first.text.slice(m[0].length);
  const parts: WordPart[] = rest !== '' ? [{ kind: 'lit', text: rest, quoted: false }] : [];
  parts.push(...w.parts.slice(1));
  return { name: m[1] as string, value: { parts, raw: w.raw.slice(m[0].length) } };
}

/** Parses shell source (a console line or a whole script). Throws ShellSyntaxError. */
export function parseScript(src: string): Script {
  const toks = new Lexer(src).tokens();
  return new Parser(toks).parseProgram();
}
