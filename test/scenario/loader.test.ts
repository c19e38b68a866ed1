import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILTIN_COUNT_SCRIPT } from '../../src/apps/shell/index.ts';
import { loadScenario, ScenarioErrors, scenarioJsonSchema, scenarioToYaml } from '../../src/scenario/index.ts';

const LAB = fileURLToPath(new URL('../../scenarios/netkit-loadbalancer.yaml', import.meta.url));

function errorsOf(text: string, file = 'bad.yaml'): string {
  try {
    loadScenario(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioErrors);
    return (e as ScenarioErrors).message;
  }
  throw new Error('the scenario loaded without error');
}

const MINIMAL = `name: t
hosts:
  c1:
    interfaces:
      eth0: { domain: A, address: 10.0.0.10/24 }
  s1:
    interfaces:
      eth0: { domain: A, address: 10.0.0.1/24 }
    boot:
      - /etc/init.d/apache2 start
`;

describe('the lab scenario', () => {
  const s = loadScenario(readFileSync(LAB, 'utf8'), LAB);

  it('has the topology of LAB.md', () => {
    const rows = s.hosts.flatMap((h) => h.interfaces.map((f) => `${h.name} ${f.name} ${f.domain} ${f.addresses.map((a) => a.addr >>> 0).join()} ${f.mac}`));
    expect(rows).toEqual([
      `client1 eth0 A ${0x0a00000a} 02:00:0a:00:00:0a`,
      `client2 eth0 A ${0x0a00000b} 02:00:0a:00:00:0b`,
      `ws_round-robin eth0 A ${0x0a000001} 02:00:0a:00:00:01`,
      `ws_round-robin eth1 B ${0x64000004} 02:00:64:00:00:04`,
      `ws_random eth0 A ${0x0a000002} 02:00:0a:00:00:02`,
      `ws_random eth1 B ${0x64000005} 02:00:64:00:00:05`,
      `ws_ip eth0 A ${0x0a000003} 02:00:0a:00:00:03`,
      `ws_ip eth1 B ${0x64000006} 02:00:64:00:00:06`,
      `server1 eth0 B ${0x64000001} 02:00:64:00:00:01`,
      `server2 eth0 B ${0x64000002} 02:00:64:00:00:02`,
      `server3 eth0 B ${0x64000003} 02:00:64:00:00:03`,
    ]);
    expect(s.hosts.every((h) => h.routes.length === 0 && h.ipForward)).toBe(true);
    expect(s.startEpochSec).toBe(1319625000);
  });

  it('boots each switch with the lab\'s command lines verbatim', () => {
    const rr = s.hosts.find((h) => h.name === 'ws_round-robin')!.boot.map((b) => b.text);
    expect(rr).toEqual([
      'iptables --table nat --append PREROUTING --destination 10.0.0.1 --match statistic --mode nth --every 3 --jump DNAT --to-destination 100.0.0.1',
      'iptables --table nat --append PREROUTING --destination 10.0.0.1 --match statistic --mode nth --every 2 --jump DNAT --to-destination 100.0.0.2',
      'iptables --table nat --append PREROUTING --destination 10.0.0.1 --jump DNAT --to-destination 100.0.0.3',
      'iptables --table nat --append POSTROUTING --source 10.0.0.0/24 --destination 100.0.0.0/24 --jump MASQUERADE',
      `echo "watch 'iptables -t nat -vnL'" >> /root/.bashrc`,
    ]);
    const ip = s.hosts.find((h) => h.name === 'ws_ip')!.boot.map((b) => b.text);
    expect(ip[0]).toBe('iptables --table nat --append PREROUTING --destination 10.0.0.3 --source 10.0.0.10 --jump DNAT --to-destination 100.0.0.1');
    expect(s.hosts.find((h) => h.name === 'ws_random')!.boot[0]!.text).toContain('--mode random --probability 0.33');
  });

  it('gives each server the reference page, with its final newline (67 bytes)', () => {
    for (const n of [1, 2, 3]) {
      const page = s.hosts.find((h) => h.name === `server${n}`)!.files['/var/www/index.html'];
      expect(page).toBe(`<html><body><h1>This reply comes from server ${n}!</h1></body></html>\n`);
      expect(page!.length).toBe(67);
    }
  });

  it('gives each client the script the console models (BUILTIN_COUNT_SCRIPT), byte for byte', () => {
    for (const c of ['client1', 'client2']) {
      expect(s.hosts.find((h) => h.name === c)!.files['/root/count_server_replies.sh']).toBe(BUILTIN_COUNT_SCRIPT);
    }
  });

  it('runs Q1, Q2 and Q3 from both clients', () => {
    const cmds = s.steps.flatMap((st) => (st.kind === 'command' ? [`${st.host}: ${st.command}`] : []));
    for (const c of ['client1', 'client2']) {
      for (const vip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
        const i = cmds.indexOf(`${c}: links http://${vip}/`);
        expect(cmds.slice(i, i + 5)).toEqual([`${c}: links http://${vip}/`, `${c}: links reload`, `${c}: links reload`,
          `${c}: links close`, `${c}: links http://${vip}/`]);
        expect(cmds).toContain(`${c}: ./count_server_replies.sh ${vip}`);
      }
    }
    for (const w of ['ws_round-robin', 'ws_random', 'ws_ip']) {
      expect(cmds).toContain(`${w}: iptables -t nat -vnL`);
      expect(cmds).toContain(`${w}: conntrack -L`);
    }
    expect(cmds.indexOf('client1: ./count_server_replies.sh 10.0.0.1')).toBeGreaterThan(cmds.lastIndexOf('client2: links close'));
  });

  it('round-trips through the YAML writer', () => {
    const again = loadScenario(scenarioToYaml(s), 'again.yaml');
    const strip = (x: typeof s) => JSON.stringify({ ...x, source: '', hosts: x.hosts.map((h) => ({ ...h, boot: h.boot.map((b) => b.text) })), steps: x.steps.map((st) => ({ ...st, pos: undefined })) });
    expect(strip(again)).toBe(strip(s));
  });
});

describe('bad scenario files: one error per kind, with file:line:column, the bad value and the expected form', () => {
  it('YAML syntax', () => {
    const msg = errorsOf('name: t\nhosts:\n  c1: { interfaces: {}\n  c2: {}\n');
    expect(msg).toMatch(/^bad\.yaml:4:\d+: YAML syntax error/);
    expect(msg).toContain('found:');
    expect(msg).toContain('expected:');
  });

  it('a tab used for indentation', () => {
    expect(errorsOf('name: t\nhosts:\n\tc1: {}\n')).toMatch(/^bad\.yaml:3:1: YAML syntax error/);
  });

  it('schema: a bad address', () => {
    const msg = errorsOf(MINIMAL.replace('10.0.0.10/24', '10.0.0.300/24'));
    expect(msg).toBe('bad.yaml:5:35: bad value for hosts.c1.interfaces.eth0.address\n'
      + '  found:    10.0.0.300/24\n  expected: an IPv4 address with its prefix length, e.g. 10.0.0.10/24');
  });

  it('schema: an unknown key gets a suggestion', () => {
    const msg = errorsOf(MINIMAL.replace('address: 10.0.0.10/24', 'adress: 10.0.0.10/24'));
    expect(msg).toBe('bad.yaml:5:26: unknown key "adress" in hosts.c1.interfaces.eth0\n'
      + '  found:    adress\n  expected: one of domain, address, mac, up (did you mean "address"?)');
  });

  it('schema: a missing key', () => {
    expect(errorsOf('hosts:\n  c1: {}\n')).toMatch(/^bad\.yaml:1:1: missing key "name" in the top level/);
  });

  it('schema: a bad seed', () => {
    expect(errorsOf(`${MINIMAL}seed: -3\n`)).toBe('bad.yaml:11:7: bad value for seed\n  found:    -3\n  expected: a value >= 0');
  });

  it('an unknown host in a step', () => {
    const msg = errorsOf(`${MINIMAL}steps:\n  - c2: links http://10.0.0.1/\n`);
    expect(msg).toBe('bad.yaml:12:5: unknown host "c2"\n  found:    c2\n'
      + '  expected: a host of this scenario (c1, s1) (did you mean "c1"?), or "sleep: SECONDS" or "note: TEXT"');
  });

  it('an unknown command in a step', () => {
    const msg = errorsOf(`${MINIMAL}steps:\n  - c1: lynx http://10.0.0.1/\n`);
    expect(msg).toMatch(/^bad\.yaml:12:9: unknown command "lynx"\n {2}found: {4}lynx http:\/\/10\.0\.0\.1\/\n {2}expected: a command the console knows: .*links/);
  });

  it('a boot line lbsim cannot model', () => {
    const msg = errorsOf(MINIMAL.replace('/etc/init.d/apache2 start', 'modprobe ip_vs'));
    expect(msg).toMatch(/^bad\.yaml:10:9: cannot model the command "modprobe" \(on s1\)\n {2}found: {4}modprobe ip_vs\n {2}expected: a startup command/);
  });

  it('a gateway off every subnet', () => {
    const msg = errorsOf(MINIMAL.replace('    boot:', '    routes:\n      - { to: default, via: 192.168.0.1 }\n    boot:'));
    expect(msg).toMatch(/^bad\.yaml:10:9: gateway 192\.168\.0\.1 is not on a subnet of s1/);
  });

  it('a bad sleep and a step with two keys', () => {
    const msg = errorsOf(`${MINIMAL}steps:\n  - sleep: soon\n  - c1: ping -c 1 10.0.0.1\n    s1: ping -c 1 10.0.0.10\n`);
    expect(msg).toContain('bad.yaml:12:12: bad sleep');
    expect(msg).toContain('bad.yaml:13:5: a step has exactly one key, this one has 2');
  });

  it('a duplicate address and an impossible date', () => {
    const msg = errorsOf(`${MINIMAL.replace('10.0.0.10/24', '10.0.0.1/24')}start: 2011-02-30T10:00:00Z\n`);
    expect(msg).toContain('bad.yaml:11:8: no such date or time');
    expect(msg).toContain('address 10.0.0.1 is already on c1 eth0');
  });
});

describe('JSON Schema export', () => {
  it('describes the top-level keys and requires name and hosts', () => {
    const js = scenarioJsonSchema() as { properties: Record<string, unknown>; required: string[]; $schema: string };
    expect(js.$schema).toContain('json-schema.org');
    expect(Object.keys(js.properties)).toEqual(['name', 'description', 'seed', 'start', 'domains', 'hosts', 'steps']);
    expect(js.required).toEqual(expect.arrayContaining(['name', 'hosts']));
  });
});
