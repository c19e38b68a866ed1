import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/index.ts';
import { FIXTURES, lbsim, lbsimProcess, tempDir } from './support.ts';

describe('lbsim import / schema', () => {
  it('writes a scenario file that loads, under a temporary name then renamed', async () => {
    const dir = tempDir();
    const out = join(dir, 'lab.yaml');
    const r = await lbsim('import', join(FIXTURES, 'netkit-lb'), '-o', out);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(readdirSync(dir)).toEqual(['lab.yaml']);
    const s = loadScenario(readFileSync(out, 'utf8'), out);
    expect(s.hosts.map((h) => h.name)).toEqual(['client1', 'client2', 'ws_round-robin', 'ws_random', 'ws_ip', 'server1', 'server2', 'server3']);
  });

  it('a missing lab file: exit 2, the path, no stack trace', async () => {
    const dir = tempDir();
    const r = await lbsim('import', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${dir}/lab.conf: no lab.conf in this folder\n  found:    ${dir}\n`
      + '  expected: a Netkit or Kathará lab folder: lab.conf, HOST.startup files and HOST/ folders\n');
    expect(existsSync(join(dir, 'x.yaml'))).toBe(false);
  });

  it('a bad iptables line in a startup file: exit 2 naming file:line and iptables\' message', async () => {
    const dir = tempDir();
    cpSync(join(FIXTURES, 'kathara-lb'), dir, { recursive: true });
    const f = join(dir, 'ws_ip.startup');
    writeFileSync(f, readFileSync(f, 'utf8').replace('--source 10.0.0.11', '--source 10.0.0.300'));
    const r = await lbsim('import', dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^${dir}/ws_ip\\.startup:5:1: iptables-legacy failed with exit status 2: .*10\\.0\\.0\\.300.* \\(on ws_ip\\)\\n {2}found: {4}iptables-legacy --table nat --append PREROUTING --destination 10\\.0\\.0\\.3 --source 10\\.0\\.0\\.300`));
  });

  it('a folder that does not exist', async () => {
    const r = await lbsim('import', '/nonexistent/lab');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/nonexistent/lab: not a folder');
  });

  it('schema prints a JSON Schema', async () => {
    const r = await lbsim('schema');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ type: 'object', title: 'lbsim scenario' });
  });
});

describe('exit codes and usage errors (the real binary)', () => {
  it('--help: 0, with examples', () => {
    const r = lbsimProcess(['import', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
  });

  it('every command has --help with examples', async () => {
    for (const c of ['run', 'exec', 'shell', 'inspect', 'diff', 'import', 'schema']) {
      const r = await lbsim(c, '--help');
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toMatch(new RegExp(`^Usage: lbsim ${c} [\\s\\S]*\\nExamples:\\n {2}lbsim ${c === 'diff' ? 'run' : c}`));
    }
    const top = await lbsim('--help');
    expect(top.stdout).toMatch(/Commands:\n {2}run /);
  });

  it('usage errors exit 2 (not commander\'s 1): unknown command, unknown option, missing argument', () => {
    for (const argv of [['bogus'], ['import', '--bogus', 'x'], ['import'], []]) {
      const r = lbsimProcess(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('bad input prints no stack trace', () => {
    const r = lbsimProcess(['import', join(FIXTURES, 'does-not-exist')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lbsim: .*does-not-exist: not a folder/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
