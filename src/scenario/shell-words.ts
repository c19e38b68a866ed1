// Splits a startup line the way sh does for the simple commands found in lab startup files:
// quotes, backslashes, comments and the operators > >> < | ; && || 2> 2>>. No expansion
// ($VAR, globs, backquotes are kept as text), which startup files of labs do not rely on.

export type ShellToken = { kind: 'word'; text: string } | { kind: 'op'; text: string };

export type SplitResult = { ok: true; tokens: ShellToken[] } | { ok: false; message: string; column: number };

const OPERATORS = ['2>>', '&&', '||', '>>', '2>', '&>', '>', '<', '|', ';', '&'];

export function splitShellWords(line: string): SplitResult {
  const tokens: ShellToken[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') break; // a comment runs to the end of the line
    const op = OPERATORS.find((o) => line.startsWith(o, i));
    if (op !== undefined && (op[0] !== '2' || atWordStart(line, i))) {
      tokens.push({ kind: 'op', text: op });
      i += op.length;
      continue;
    }
    let word = '';
    while (i < n) {
      const ch = line[i]!;
      if (ch === ' ' || ch === '\t') break;
      if (OPERATORS.some((o) => o[0] !== '2' && line.startsWith(o, i))) break;
      if (ch === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) return { ok: false, message: 'unterminated single quote', column: i + 1 };
        word += line.slice(i + 1, end);
        i = end + 1;
      } else if (ch === '"') {
        let j = i + 1;
        let closed = false;
        while (j < n) {
          const d = line[j]!;
          if (d === '"') {
            closed = true;
            break;
          }
          // Inside double quotes a backslash only escapes $ ` " \ (POSIX 2.2.3).
          if (d === '\\' && j + 1 < n && '$`"\\'.includes(line[j + 1]!)) {
            word += line[j + 1];
            j += 2;
            continue;
          }
          word += d;
          j++;
        }
        if (!closed) return { ok: false, message: 'unterminated double quote', column: i + 1 };
        i = j + 1;
      } else if (ch === '\\') {
        if (i + 1 < n) word += line[i + 1];
        i += 2;
      } else {
        word += ch;
        i++;
      }
    }
    tokens.push({ kind: 'word', text: word });
  }
  return { ok: true, tokens };
}

function atWordStart(line: string, i: number): boolean {
  return i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t';
}
