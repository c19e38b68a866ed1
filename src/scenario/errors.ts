// Errors for people: where (file:line:column), what was found, and what is accepted.
// Thrown only at the edges (loading a scenario, importing a lab, building a network from it);
// the CLI prints `format()` and exits 2, never a stack trace.

export interface SourcePos {
  file: string;
  line: number; // 1-based
  column: number; // 1-based; 0 when only the line is known
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    readonly pos: SourcePos | undefined,
    readonly problem: string,
    readonly found?: string,
    readonly expected?: string,
  ) {
    super(formatParts(pos, problem, found, expected));
  }

  format(): string {
    return this.message;
  }
}

/** Several errors of one file reported together (the loader reports every schema problem at once). */
export class ScenarioErrors extends Error {
  override readonly name = 'ScenarioErrors';
  constructor(readonly errors: ScenarioError[]) {
    super(errors.map((e) => e.message).join('\n'));
  }
}

export function posToString(pos: SourcePos): string {
  if (pos.line <= 0) return pos.file;
  return pos.column > 0 ? `${pos.file}:${pos.line}:${pos.column}` : `${pos.file}:${pos.line}`;
}

function formatParts(pos: SourcePos | undefined, problem: string, found?: string, expected?: string): string {
  let s = pos ? `${posToString(pos)}: ${problem}` : problem;
  if (found !== undefined) s += `\n  found:    ${found}`;
  if (expected !== undefined) s += `\n  expected: ${expected}`;
  return s;
}

/** Shortens an offending text so an error line stays readable. */
export function excerpt(text: string, max = 80): string {
  const oneLine = text.replace(/\r?\n/g, '\\n');
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
