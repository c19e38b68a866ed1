import { describe, expect, it } from 'vitest';
import { parseScript, ShellSyntaxError, type SimpleCommand } from '../../../src/apps/shell/index.ts';

function simple(src: string): SimpleCommand {
  const s = parseScript(src);
  const c = s.items[0]?.first.commands[0];
  if (c?.kind !== 'simple') throw new Error('not simple');
  return c;
}

describe('shell parser', () => {
  it('splits words and keeps quotes as literal parts', () => {
    const c = simple(`echo 'a b'  "c $X d" e\\ f`);
    expect(c.words.map((w) => w.raw)).toEqual(['echo', "'a b'", '"c $X d"', 'e\\ f']);
    expect(c.words[2]?.parts.map((p) => p.kind)).toEqual(['lit', 'param', 'lit']);
  });

  it('reads pipelines, lists and redirections', () => {
    const s = parseScript('wget http://10.0.0.1/ -O - 2>/dev/null | md5sum > /tmp/x; echo ok && false || echo no');
    expect(s.items).toHaveLength(2);
    const p = s.items[0]?.first;
    expect(p?.commands).toHaveLength(2);
    const wget = p?.commands[0] as SimpleCommand;
    expect(wget.redirects).toEqual([{ fd: 2, op: '>', target: expect.objectContaining({ raw: '/dev/null' }) }]);
    expect((p?.commands[1] as SimpleCommand).redirects[0]?.fd).toBe(1);
    expect(s.items[1]?.rest.map((r) => r.op)).toEqual(['&&', '||']);
  });

  it('reads 2>&1, &> and >>', () => {
    const c = simple('cmd >>log 2>&1 &>all');
    expect(c.redirects.map((r) => [r.fd, r.op, r.target.raw])).toEqual([
      [1, '>>', 'log'],
      [2, '>&', '1'],
      [-1, '>', 'all'],
    ]);
  });

  it('reads compound commands across lines', () => {
    const s = parseScript('if [ -z "$1" ]; then\n  echo usage\n  exit 1\nfi\nfor i in $(seq 1 3); do echo $i; done | sort\nwhile false; do :; done');
    expect(s.items.map((i) => i.first.commands[0]?.kind)).toEqual(['if', 'for', 'while']);
    expect(s.items[1]?.first.commands).toHaveLength(2);
  });

  it('reads command substitutions, backquotes and arithmetic', () => {
    const c = simple('x=$(echo `date` $((1 + 2)))');
    expect(c.assigns[0]?.name).toBe('x');
    expect(c.assigns[0]?.value.parts[0]?.kind).toBe('cmdsub');
  });

  it('skips comments and empty lines', () => {
    expect(parseScript('# nothing\n\n   # more\n').items).toHaveLength(0);
    expect(parseScript('echo a # trailing').items).toHaveLength(1);
  });

  it('reports syntax errors as bash does', () => {
    const cases: Array<[string, RegExp]> = [
      ['echo |', /unexpected end of file/],
      ['| echo', /near unexpected token `\|'/],
      ['if true; then echo; done', /near unexpected token `done'/],
      ["echo 'open", /unexpected EOF while looking for matching `''/],
      ['echo "open', /matching `"'/],
      ['echo $(ls', /matching `\)'/],
      ['for 1x in a; do :; done', /not a valid identifier/],
      ['fi', /near unexpected token `fi'/],
    ];
    for (const [src, re] of cases) {
      expect(() => parseScript(src), src).toThrow(ShellSyntaxError);
      expect(() => parseScript(src), src).toThrow(re);
    }
  });
});
