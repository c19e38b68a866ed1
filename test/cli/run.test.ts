import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/pcap/index.ts';
import { ETHERNET_HEADER_LEN, ipv4ToString, isWireError, parseEthernet, parseIpv4, parseTcp, TCP_ACK, TCP_SYN } from '../../src/wire/index.ts';
import { hasTshark, requireTsharkOrSkip, tsharkCheck } from '../support/tshark.ts';
import { FIXTURES, lbsim, lbsimProcess, ROOT, tempDir } from './support.ts';

function counts(out: string, script: string): string {
  const i = out.indexOf(script);
  const lines = out.slice(i).split('\n').slice(1);
  const rows: string[] = [];
  for (const l of lines) {
    const m = /^ +(\d+) replies received from server (\d)$/.exec(l);
    if (!m) break;
    rows.push(`${m[2]}:${m[1]}`);
  }
  return rows.join(' ');
}

describe('lbsim exec on the lab', () => {
  it('Q1 from client1 on 10.0.0.1: first load server1, reloads on the same connection server1, after close server2', async () => {
    const r = await lbsim('exec', 'client1: links http://10.0.0.1/', 'client1: links reload', 'client1: links reload', 'client1: links close', 'client1: links http://10.0.0.1/');
    expect(r.code).toBe(0);
    const pages = [...r.stdout.matchAll(/This reply comes from server (\d)!/g)].map((m) => m[1]);
    expect(pages).toEqual(['1', '1', '1', '2']);
    expect(r.stdout.startsWith('client1:~# links http://10.0.0.1/\n                        This reply comes from server 1!\n')).toBe(true);
  });

  it('the script from a fresh boot: 34/33/33 on 10.0.0.1; the source-IP switch sends client2 to server 2, client1 to server 1', async () => {
    const rr = await lbsim('exec', 'client2: ./count_server_replies.sh 10.0.0.1');
    expect(counts(rr.stdout, 'count_server_replies.sh 10.0.0.1')).toBe('1:34 2:33 3:33');
    const ip2 = await lbsim('exec', 'client2: ./count_server_replies.sh 10.0.0.3');
    expect(ip2.stdout).toContain('    100 replies received from server 2\n');
    const ip1 = await lbsim('exec', 'client1: ./count_server_replies.sh 10.0.0.3', 'ws_ip: iptables -t nat -vnL -x');
    expect(ip1.stdout).toContain('    100 replies received from server 1\n');
    // The nat table counts connections: one SYN of 60 bytes each.
    expect(ip1.stdout).toMatch(/\n {5}100 {5}6000 DNAT {7}0 {4}-- {2}\* {6}\* {7}10\.0\.0\.10 {12}10\.0\.0\.3 {13}to:100\.0\.0\.1\n/);
    expect(ip1.stdout).toMatch(/\n {7}0 {8}0 DNAT .*10\.0\.0\.11 .*to:100\.0\.0\.2\n/);
  });

  it('the script without argument: the usage message and exit 1, shown in the transcript; --strict makes lbsim exit 1', async () => {
    const r = await lbsim('exec', 'client1: ./count_server_replies.sh');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('client1:~# ./count_server_replies.sh\nPlease specify the VIP of a web server as argument\n[exit 1]\n');
    const strict = await lbsim('exec', '--strict', 'client1: ./count_server_replies.sh');
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('--strict: 1 command failed: client1: ./count_server_replies.sh (exit 1)');
  });

  it('an unknown command says so and the console goes on', async () => {
    const r = await lbsim('exec', 'client1: lynx http://10.0.0.1/', 'client1: links http://10.0.0.3/');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^client1:~# lynx http:\/\/10\.0\.0\.1\/\nbash: lynx: command not found\n.*links.*\n\[exit 127\]\nclient1:~# links http:\/\/10\.0\.0\.3\/\n {24}This reply comes from server 1!\n$/);
  });

  it('--json: host, command, output, exit code and the per-server counts', async () => {
    const r = await lbsim('exec', '--json', 'client1: ./count_server_replies.sh 10.0.0.1', 'sleep 5', 'client1: links http://10.0.0.2/');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { scenario: string; seed: number; steps: Array<Record<string, unknown>> };
    expect(j.scenario).toBe('netkit-loadbalancer');
    expect(j.seed).toBe(1);
    expect(j.steps[0]).toMatchObject({ kind: 'command', host: 'client1', command: './count_server_replies.sh 10.0.0.1', exitCode: 0, counts: { 1: 34, 2: 33, 3: 33 } });
    expect(j.steps[1]).toMatchObject({ kind: 'sleep' });
    expect((j.steps[2]!.start as number) - (j.steps[1]!.end as number)).toBe(1);
    expect((j.steps[1]!.end as number) - (j.steps[0]!.end as number)).toBe(5);
  });

  it('bad steps are usage errors (exit 2): an unknown host, no "HOST:"', async () => {
    const a = await lbsim('exec', 'client9: links http://10.0.0.1/');
    expect(a.code).toBe(2);
    expect(a.stderr).toBe('lbsim: "client9: links http://10.0.0.1/": unknown host "client9" (hosts: client1, client2, ws_round-robin, ws_random, ws_ip, server1, server2, server3)\n');
    const b = await lbsim('exec', 'links http://10.0.0.1/');
    expect(b.code).toBe(2);
  });
});

describe('lbsim run', () => {
  const out = tempDir();
  let first: Awaited<ReturnType<typeof lbsim>>;

  it('runs the lab and writes the files of issue 5', async () => {
    first = await lbsim('run', '--out', out);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('');
    expect(readdirSync(out).sort()).toEqual([
      'client1-eth0.pcap', 'client2-eth0.pcap', 'conntrack', 'console.txt', 'domain-A.pcap', 'domain-B.pcap', 'iptables', 'lab.pcapng',
      'report.html', 'report.md', 'server1-eth0.pcap', 'server2-eth0.pcap', 'server3-eth0.pcap', 'trace.txt',
      'ws_ip-eth0.pcap', 'ws_ip-eth1.pcap', 'ws_random-eth0.pcap', 'ws_random-eth1.pcap', 'ws_round-robin-eth0.pcap', 'ws_round-robin-eth1.pcap',
    ]);
    expect(readdirSync(join(out, 'iptables')).sort()).toEqual(['ws_ip.txt', 'ws_random.txt', 'ws_round-robin.txt']);
    expect(readdirSync(join(out, 'conntrack')).sort()).toEqual(['ws_ip.txt', 'ws_random.txt', 'ws_round-robin.txt']);
    expect(readFileSync(join(out, 'console.txt'), 'utf8')).toBe(first.stdout);
    expect(readFileSync(join(out, 'iptables', 'ws_ip.txt'), 'utf8')).toMatch(/^Chain PREROUTING \(policy ACCEPT 0 packets, 0 bytes\)\n/);
    expect(readFileSync(join(out, 'conntrack', 'ws_ip.txt'), 'utf8')).toMatch(/^tcp {6}6 \d+ TIME_WAIT src=10\.0\.0\.1[01] dst=10\.0\.0\.3 /);
    expect(readFileSync(join(out, 'trace.txt'), 'utf8').split('\n')[0]).toMatch(/^\d+\.\d{9} [a-z0-9_-]+-eth\d (in|out) /);
  });

  it('the inside captures: source = the switch\'s eth1 address, destination = the chosen server', () => {
    for (const [ws, eth1] of [['ws_round-robin', '100.0.0.4'], ['ws_random', '100.0.0.5'], ['ws_ip', '100.0.0.6']] as const) {
      const cap = readCapture(new Uint8Array(readFileSync(join(out, `${ws}-eth1.pcap`))));
      if (isWireError(cap)) throw new Error(cap.message);
      const syns: string[] = [];
      for (const p of cap.packets) {
        const eth = parseEthernet(p.data);
        if (isWireError(eth) || eth.ethertype !== 0x0800) continue;
        const ip = parseIpv4(p.data, ETHERNET_HEADER_LEN);
        if (isWireError(ip) || ip.protocol !== 6) continue;
        const tcp = parseTcp(p.data, ETHERNET_HEADER_LEN + 20, ip.payloadLen);
        if (isWireError(tcp) || (tcp.flags & (TCP_SYN | TCP_ACK)) !== TCP_SYN) continue;
        syns.push(`${ipv4ToString(ip.src)}>${ipv4ToString(ip.dst)}`);
      }
      expect(syns.length).toBeGreaterThan(200);
      expect(new Set(syns.map((s) => s.split('>')[0]))).toEqual(new Set([eth1]));
      expect([...new Set(syns.map((s) => s.split('>')[1]))].every((d) => ['100.0.0.1', '100.0.0.2', '100.0.0.3'].includes(d!))).toBe(true);
    }
  });

  it('tshark on every file of the run: 0 malformed, 0 bad checksums; no TCP analysis flag in interface and domain captures', (ctx) => {
    requireTsharkOrSkip(ctx, hasTshark());
    for (const f of readdirSync(out).filter((n) => /\.pcap(ng)?$/.test(n))) {
      const r = tsharkCheck(join(out, f));
      expect(r.frames, f).toBeGreaterThan(0);
      expect({ f, malformed: r.malformed, bad: r.badChecksums, stderr: r.stderr }).toEqual({ f, malformed: [], bad: [], stderr: '' });
      // The merged file shows each packet once per interface it crossed, which Wireshark reads as
      // retransmissions; every single-interface or single-segment view must be clean.
      if (f.endsWith('.pcap')) expect({ f, flags: r.analysisFlags.slice(0, 3) }).toEqual({ f, flags: [] });
    }
  });

  it('same seed: identical files; another seed: another random split', async () => {
    const again = tempDir();
    const r = await lbsim('run', '--out', again);
    expect(r.stdout).toBe(first.stdout);
    for (const f of readdirSync(out)) {
      if (f === 'iptables' || f === 'conntrack') continue;
      expect(readFileSync(join(out, f), 'latin1') === readFileSync(join(again, f), 'latin1'), f).toBe(true);
    }
    const other = await lbsim('run', '--seed', '2', '--out', tempDir());
    const split = (s: string) => counts(s, 'client1:~# ./count_server_replies.sh 10.0.0.2');
    expect(split(other.stdout)).not.toBe(split(first.stdout));
    expect(counts(other.stdout, 'client1:~# ./count_server_replies.sh 10.0.0.1')).toBe(counts(first.stdout, 'client1:~# ./count_server_replies.sh 10.0.0.1'));
  });

  it('run writes the lab report beside the captures: French by default, --lang en, --no-report', async () => {
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/^# Compte rendu/);
    const dir = tempDir();
    const r = await lbsim('run', '--lang', 'en', '--out', dir);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toMatch(/^# Lab report/);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('<svg');
    expect((await lbsim('run', '--lang', 'de')).code).toBe(2);
    const bare = tempDir();
    expect((await lbsim('run', '--no-report', '--out', bare)).code).toBe(0);
    expect(existsSync(join(bare, 'report.md'))).toBe(false);
    expect(existsSync(join(bare, 'console.txt'))).toBe(true);
  });

  it('lbsim report runs the scenario and prints where the report is; another seed changes its random rows', async () => {
    const dir = tempDir();
    const r = await lbsim('report', '--lang', 'en', '--seed', '2', '--out', dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${join(dir, 'report.html')}\n${join(dir, 'report.md')}\n`);
    const en2 = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(en2).toMatch(/^# Lab report/);
    expect(existsSync(join(dir, 'ws_random-eth1.pcap'))).toBe(true);
    const dir1 = tempDir();
    expect((await lbsim('report', '--lang', 'en', '--out', dir1)).code).toBe(0);
    const en1 = readFileSync(join(dir1, 'report.md'), 'utf8');
    const randomRows = (md: string) => md.split('\n').filter((l) => l.includes('10.0.0.2') && /\| *\d+ *\|/.test(l)).join('\n');
    expect(randomRows(en1)).not.toBe('');
    expect(randomRows(en2)).not.toBe(randomRows(en1));
  });

  it('inspect --verify passes on the run\'s merged capture', async () => {
    const r = await lbsim('inspect', '--verify', join(out, 'lab.pcapng'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/lab\.pcapng: \d+ packets, every checksum good\n$/);
  });
});

describe('captures of console commands', () => {
  it('per-interface and per-domain captures: no malformed packet, no bad checksum, no TCP analysis flag (no loss injected)', async (ctx) => {
    requireTsharkOrSkip(ctx, hasTshark());
    const out = tempDir();
    const r = await lbsim('exec', '--out', out, 'client1: links http://10.0.0.1/', 'client1: links reload', 'client1: links close',
      'client1: links http://10.0.0.2/', 'sleep 6', 'client1: links reload', 'client2: wget http://10.0.0.3/ -O -', 'client2: curl http://10.0.0.1/',
      'client1: ping -c 2 10.0.0.3');
    expect(r.code).toBe(0);
    const files = readdirSync(out).filter((n) => n.endsWith('.pcap'));
    expect(files).toHaveLength(13);
    for (const f of files) {
      const t = tsharkCheck(join(out, f));
      expect({ f, malformed: t.malformed, bad: t.badChecksums, flags: t.analysisFlags, warnings: t.warnings, stderr: t.stderr })
        .toEqual({ f, malformed: [], bad: [], flags: [], warnings: [], stderr: '' });
    }
  });
});

describe('lab folders run', () => {
  it('a Netkit folder (CRLF, ifconfig, /etc/init.d/apache2 start) runs the script: 34/33/33', async () => {
    const r = await lbsim('exec', '-s', join(FIXTURES, 'netkit-lb'), 'client1: ./count_server_replies.sh 10.0.0.1', 'client1: links http://10.0.0.3/');
    expect(r.code).toBe(0);
    expect(counts(r.stdout, 'count_server_replies.sh 10.0.0.1')).toBe('1:34 2:33 3:33');
    expect(r.stdout).toContain('This reply comes from server 1!');
  });

  it('a Kathará folder (ip address add, iptables-legacy, systemctl start apache2, var/www/html) runs', async () => {
    const r = await lbsim('exec', '-s', join(FIXTURES, 'kathara-lb'), 'client2: ./count_server_replies.sh 10.0.0.3', 'ws_ip: iptables-legacy -t nat -vnL');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('    100 replies received from server 2\n');
    expect(r.stdout).toMatch(/\n {2}100 {2}6000 DNAT .*10\.0\.0\.11 .*to:100\.0\.0\.2\n/);
  });

  it('lbsim run LABDIR boots the folder (no steps) and writes its captures', async () => {
    const out = tempDir();
    const r = await lbsim('run', join(FIXTURES, 'kathara-lb'), '--out', out);
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(readdirSync(out)).toContain('server1-eth0.pcap');
  });
});

describe('bad input to run (exit 2, file:line, no stack trace)', () => {
  const dir = tempDir();
  const lab = readFileSync(join(ROOT, 'scenarios', 'netkit-loadbalancer.yaml'), 'utf8');

  it('a bad iptables line names the scenario line and iptables\' message', async () => {
    const f = join(dir, 'bad-iptables.yaml');
    writeFileSync(f, lab.replace('--jump DNAT --to-destination 100.0.0.3', '--jump DNAT --to-destinaton 100.0.0.3'));
    const out = join(dir, 'out');
    const r = await lbsim('run', f, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:9: iptables failed with exit status 2: .*to-destinaton.* \\(on ws_round-robin\\)\\n {2}found: {4}iptables --table nat`));
    expect(r.stdout).toBe('');
    // Nothing half-written is left behind, not even the folder the run would have created.
    expect(readdirSync(dir)).not.toContain('out');
  });

  it('a YAML syntax error', async () => {
    const f = join(dir, 'syntax.yaml');
    writeFileSync(f, 'name: x\nhosts: [\n');
    const r = await lbsim('run', f, '--out', join(dir, 'o2'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/syntax\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('a scenario that does not exist, a bad --seed', async () => {
    expect((await lbsim('run', join(dir, 'nope.yaml'))).code).toBe(2);
    const s = await lbsim('run', '--seed', 'many');
    expect(s.code).toBe(2);
    expect(s.stderr).toContain("option '--seed <N>' argument 'many' is invalid. expected an integer from 0 to 4294967295");
  });
});

describe('lbsim shell (piped input)', () => {
  it('runs lines on the current host, HOST: lines elsewhere, use HOST, exit', () => {
    const input = 'links http://10.0.0.1/\nws_round-robin: iptables -t nat -nL PREROUTING\nuse client2\nlinks http://10.0.0.3/\nuse nobody\nexit\nclient1: links reload\n';
    const stdout = execFileSync(process.execPath, [join(ROOT, 'bin', 'lbsim.js'), 'shell'], { input, encoding: 'utf8' });
    expect(stdout).toBe('client1:~# links http://10.0.0.1/\n                        This reply comes from server 1!\n'
      + 'ws_round-robin:~# iptables -t nat -nL PREROUTING\n'
      + 'Chain PREROUTING (policy ACCEPT)\n'
      + 'target     prot opt source               destination         \n'
      + 'DNAT       0    --  0.0.0.0/0            10.0.0.1             statistic mode nth every 3 to:100.0.0.1\n'
      + 'DNAT       0    --  0.0.0.0/0            10.0.0.1             statistic mode nth every 2 to:100.0.0.2\n'
      + 'DNAT       0    --  0.0.0.0/0            10.0.0.1             to:100.0.0.3\n'
      + 'client2:~# links http://10.0.0.3/\n                        This reply comes from server 2!\n'
      + 'no host "nobody"; hosts: client1, client2, ws_round-robin, ws_random, ws_ip, server1, server2, server3\n');
  });

  it('usage errors of the real binary exit 2 (shell with a missing scenario)', () => {
    const r = lbsimProcess(['shell', '/nonexistent.yaml']);
    expect(r.code).toBe(2);
  });
});
