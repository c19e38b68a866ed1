import { describe, expect, it } from 'vitest';
import { Network } from '../../../src/stack/index.ts';
import { ipv4FromString } from '../../../src/wire/index.ts';
import {
  BUILTIN_COUNT_SCRIPT,
  PROGRAM_START_NS,
  ShellContext,
  splitShortOptions,
  formatTranscriptStep,
  parseServerCounts,
  runCommand,
  type CommandResult,
  type ShellContextOptions,
} from '../../../src/apps/shell/index.ts';

function lab(opts: ShellContextOptions = {}) {
  const net = new Network({ seed: 1 });
  const add = (host: string, iface: string, domain: string, addr: string) => {
    const h = net.hosts.find((x) => x.name === host) ?? net.addHost(host);
    net.connect(h, iface, domain);
    h.addAddress(iface, ipv4FromString(addr), 24);
    return h;
  };
  add('client1', 'eth0', 'A', '10.0.0.10');
  const ws = add('ws_round-robin', 'eth0', 'A', '10.0.0.1');
  add('ws_round-robin', 'eth1', 'B', '100.0.0.4');
  ws.ipForward = true;
  add('server1', 'eth0', 'B', '100.0.0.1');
  const ctx = new ShellContext(net, opts);
  const run = (host: string, line: string): CommandResult => {
    let result: CommandResult | undefined;
    runCommand(ctx, host, line, (r) => {
      result = r;
    });
    net.scheduler.runWhile(() => result === undefined, net.scheduler.now + 600e9);
    if (result === undefined) throw new Error(`${line}: did not finish`);
    return result;
  };
  return { net, ctx, run };
}

describe('console: route, ip, ifconfig', () => {
  it('adds and lists routes as net-tools and iproute2 print them', () => {
    const { run } = lab();
    expect(run('client1', 'route add default gw 10.0.0.1').exitCode).toBe(0);
    expect(run('client1', 'route -n').output).toBe(
      'Kernel IP routing table\n' +
        'Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n' +
        '0.0.0.0         10.0.0.1        0.0.0.0         UG    0      0        0 eth0\n' +
        '10.0.0.0        0.0.0.0         255.255.255.0   U     0      0        0 eth0\n',
    );
    expect(run('client1', 'route').output.split('\n')[2]).toBe('default         10.0.0.1        0.0.0.0         UG    0      0        0 eth0');
    expect(run('client1', 'ip route').output).toBe('default via 10.0.0.1 dev eth0 \n10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.10 \n');
    expect(run('client1', 'route del default').exitCode).toBe(0);
    const again = run('client1', 'route del default');
    expect([again.output, again.exitCode]).toEqual(['SIOCDELRT: No such process\n', 7]);
    const far = run('client1', 'route add default gw 100.0.0.1');
    expect([far.output, far.exitCode]).toEqual(['SIOCADDRT: Network is unreachable\n', 7]);
  });

  it('prints ip addr like the reference', () => {
    const { run } = lab();
    expect(run('client1', 'ip addr').output).toBe(
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n' +
        '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n' +
        '    inet 127.0.0.1/8 scope host lo\n' +
        '       valid_lft forever preferred_lft forever\n' +
        '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000\n' +
        '    link/ether 02:00:0a:00:00:0a brd ff:ff:ff:ff:ff:ff\n' +
        '    inet 10.0.0.10/24 brd 10.0.0.255 scope global eth0\n' +
        '       valid_lft forever preferred_lft forever\n',
    );
  });

  it('prints ifconfig with the counters of the frames sent and received', () => {
    const { run } = lab();
    const before = run('client1', 'ifconfig eth0').output;
    expect(before).toBe(
      'eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500\n' +
        '        inet 10.0.0.10  netmask 255.255.255.0  broadcast 10.0.0.255\n' +
        '        ether 02:00:0a:00:00:0a  txqueuelen 1000  (Ethernet)\n' +
        '        RX packets 0  bytes 0 (0.0 B)\n' +
        '        RX errors 0  dropped 0  overruns 0  frame 0\n' +
        '        TX packets 0  bytes 0 (0.0 B)\n' +
        '        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0\n\n',
    );
    run('client1', 'ping -c 1 10.0.0.1');
    const after = run('client1', 'ifconfig').output;
    // ARP request (42) + echo request (98) out; ARP reply (42) + echo reply (98) in.
    expect(after).toContain('RX packets 2  bytes 140 (140.0 B)');
    expect(after).toContain('TX packets 2  bytes 140 (140.0 B)');
    expect(after).toContain('lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536');
    const missing = run('client1', 'ifconfig eth7');
    expect([missing.output, missing.exitCode]).toEqual(['eth7: error fetching interface information: Device not found\n', 1]);
  });
});

describe('console: ping', () => {
  it('prints iputils lines with virtual-time RTTs', () => {
    const { run } = lab();
    const r = run('client1', 'ping -c 3 10.0.0.1');
    const lines = r.output.split('\n');
    expect(lines[0]).toBe('PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.');
    for (let i = 1; i <= 3; i++) expect(lines[i]).toMatch(new RegExp(`^64 bytes from 10\\.0\\.0\\.1: icmp_seq=${i} ttl=64 time=\\d+\\.\\d{3} ms$`));
    expect(lines[4]).toBe('');
    expect(lines[5]).toBe('--- 10.0.0.1 ping statistics ---');
    expect(lines[6]).toMatch(/^3 packets transmitted, 3 received, 0% packet loss, time \d+ms$/);
    expect(lines[7]).toMatch(/^rtt min\/avg\/max\/mdev = \d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3} ms$/);
    expect(r.exitCode).toBe(0);
  });

  it('reaches a server through the switch once the default route is set', () => {
    const { run } = lab();
    const unreachable = run('client1', 'ping -c 1 100.0.0.1');
    expect([unreachable.output, unreachable.exitCode]).toEqual(['ping: connect: Network is unreachable\n', 2]);
    run('client1', 'route add default gw 10.0.0.1');
    run('server1', 'route add default gw 100.0.0.4');
    const r = run('client1', 'ping -c 2 100.0.0.1');
    expect(r.output).toMatch(/icmp_seq=2 ttl=63 /);
    expect(r.exitCode).toBe(0);
  });

  it('reports 100% loss and exit 1 for an absent neighbour', () => {
    const { run } = lab();
    const r = run('client1', 'ping -c 2 10.0.0.99');
    expect(r.output.startsWith('PING 10.0.0.99 (10.0.0.99) 56(84) bytes of data.\n')).toBe(true);
    expect(r.output).toMatch(/\n--- 10\.0\.0\.99 ping statistics ---\n2 packets transmitted, 0 received, (\+\d+ errors, )?100% packet loss, time \d+ms\n\n$/);
    expect(r.exitCode).toBe(1);
  });
});

describe('console: shell behaviour across steps', () => {
  it('keeps variables and files between steps and advances time with sleep', () => {
    const { run, net } = lab();
    run('client1', 'X=42; echo hello > note.txt');
    const t0 = net.scheduler.now;
    const r = run('client1', 'sleep 2; echo $X; cat note.txt');
    expect(r.output).toBe('42\nhello\n');
    // sleep and cat each take 1 ms to start (fork + exec); echo is a builtin.
    expect(r.endNs - t0).toBe(2e9 + 2 * PROGRAM_START_NS);
  });

  it('lists the known commands for an unknown one', () => {
    const { run } = lab();
    const r = run('client1', 'firefox http://10.0.0.1/');
    expect(r.exitCode).toBe(127);
    expect(r.stderr.split('\n')[0]).toBe('bash: firefox: command not found');
    expect(r.stderr).toMatch(/known commands: .*\blinks\b.*\broute\b.*\bwget\b/);
  });

  it('reports iptables as unknown on a host without netfilter, and passes argv when there is one', () => {
    const calls: string[][] = [];
    const { run } = lab({
      netfilter: (h) => (h.name === 'ws_round-robin' ? { exec: (argv) => (calls.push(argv), { stdout: 'listing\n', stderr: '', exitCode: 0 }) } : null),
    });
    expect(run('ws_round-robin', 'iptables -t nat -vnL').output).toBe('listing\n');
    expect(calls).toEqual([['iptables', '-t', 'nat', '-vnL']]);
    expect(run('client1', 'iptables -L').exitCode).toBe(127);
  });

  it('formats a transcript step with the prompt and a failing status', () => {
    expect(formatTranscriptStep({ host: 'client2', command: 'links -dump http://10.0.0.1/', output: 'Connection refused\n', exitCode: 1 })).toBe(
      'client2:~# links -dump http://10.0.0.1/\nConnection refused\n[exit 1]\n',
    );
    expect(formatTranscriptStep({ host: 'client1', command: 'echo -n x', output: 'x', exitCode: 0 })).toBe('client1:~# echo -n x\nx\n');
  });

  it('shows a syntax error and the console goes on', () => {
    const { run } = lab();
    const r = run('client1', 'echo "unterminated');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^bash: unexpected EOF while looking for matching `"'/);
    expect(run('client1', 'echo ok').output).toBe('ok\n');
  });
});

describe('console: count_server_replies.sh with a scripted wget', () => {
  // A wget stand-in: answers 100.0.0.N with page N when the client has a route there, and the
  // VIP with pages chosen round robin, so the script's own logic is what is tested here.
  function withFakeWget() {
    const page = (n: number) => `<html><body><h1>This reply comes from server ${n}!</h1></body></html>\n`;
    let next = 0;
    const log: string[] = [];
    const env = lab({
      clients: {
        wget: (host, argv, done) => {
          const url = argv.find((a) => a.startsWith('http://')) ?? '';
          const target = /^http:\/\/([0-9.]+)\//.exec(url)?.[1] ?? '';
          log.push(`${target} route=${host.lookupRoute(ipv4FromString(target)) !== undefined}`);
          host.scheduler.after(1e6, () => {
            const m = /^100\.0\.0\.([123])$/.exec(target);
            if (m !== null && host.lookupRoute(ipv4FromString(target)) !== undefined) {
              done({ stdout: page(Number(m[1])), stderr: 'progress\n', exitCode: 0 });
            } else if (target === '10.0.0.1') {
              done({ stdout: page((next++ % 3) + 1), stderr: 'progress\n', exitCode: 0 });
            } else {
              done({ stdout: '', stderr: `failed: No route to host.\n`, exitCode: 4 });
            }
          });
        },
      },
    });
    return { ...env, log };
  }

  it('prints the usage line and exits 1 without an argument', () => {
    const { run } = withFakeWget();
    const r = run('client1', './count_server_replies.sh');
    expect([r.output, r.exitCode]).toEqual(['Please specify the VIP of a web server as argument\n', 1]);
  });

  it('learns the pages through the default route, removes it, and counts 100 replies', () => {
    const { run, log, net } = withFakeWget();
    const r = run('client1', './count_server_replies.sh 10.0.0.1');
    expect(r.output).toBe('     34 replies received from server 1\n     33 replies received from server 2\n     33 replies received from server 3\n');
    expect(r.exitCode).toBe(0);
    expect(parseServerCounts(r.output)).toEqual({ '1': 34, '2': 33, '3': 33 });
    expect(log.slice(0, 3)).toEqual(['100.0.0.1 route=true', '100.0.0.2 route=true', '100.0.0.3 route=true']);
    expect(log.slice(3)).toHaveLength(100);
    expect(net.hosts.find((h) => h.name === 'client1')?.lookupRoute(ipv4FromString('100.0.0.1'))).toBeUndefined();
  });

  it("runs the lab's own script file instead of the model when the host has one", () => {
    const { run } = lab({ files: (h) => (h.name === 'client1' ? { '/root/count_server_replies.sh': '#!/bin/sh\r\necho "custom $1"\r\n' } : {}) });
    expect(run('client1', './count_server_replies.sh 10.0.0.2').output).toBe('custom 10.0.0.2\n');
  });

  it('runs the built-in model exactly as the text of BUILTIN_COUNT_SCRIPT runs', () => {
    // A wget where server 3 is down and every 7th VIP request fails: a failed reply hashes like
    // the failed reference, which the real script counts as server 3.
    const run = (withFile: boolean) => {
      let k = 0;
      const log: string[] = [];
      const env = lab({
        files: () => (withFile ? { '/root/count_server_replies.sh': BUILTIN_COUNT_SCRIPT } : {}),
        clients: {
          wget: (host, argv, done) => {
            log.push(argv.join(' '));
            host.scheduler.after(2e6, () => {
              const url = argv[1] ?? '';
              const m = /100\.0\.0\.([12])\//.exec(url);
              if (m !== null) return done({ stdout: `page ${m[1] as string}\n`, stderr: 'x\n', exitCode: 0 });
              if (url.includes('100.0.0.3') || ++k % 7 === 0) return done({ stdout: '', stderr: 'failed\n', exitCode: 4 });
              done({ stdout: `page ${(k % 2) + 1}\n`, stderr: 'x\n', exitCode: 0 });
            });
          },
        },
      });
      const r = env.run('client1', './count_server_replies.sh 10.0.0.2');
      return { output: r.output, exitCode: r.exitCode, log, elapsed: r.endNs - r.startNs };
    };
    const model = run(false);
    const text = run(true);
    expect(model.output).toBe('     43 replies received from server 1\n     43 replies received from server 2\n     14 replies received from server 3\n');
    expect(model).toEqual(text);
  });

});

describe('console: client programs on a terminal', () => {
  it('splits clustered short options as getopt does before the client parses them', () => {
    expect(splitShortOptions(['wget', '-qO-', 'http://x/'], 'O')).toEqual(['wget', '-q', '-O-', 'http://x/']);
    expect(splitShortOptions(['curl', '-sSo', 'f', '-nv', '--silent'], 'o')).toEqual(['curl', '-s', '-S', '-o', 'f', '-nv', '--silent']);
    expect(splitShortOptions(['wget', '-nv', '-O', '-'], 'O')).toEqual(['wget', '-nv', '-O', '-']);
  });

  it("shows wget's body after its Saving-to lines, as a terminal does", () => {
    const seen: string[][] = [];
    const { run } = lab({
      clients: {
        wget: (host, argv, done) => {
          seen.push([...argv]);
          host.scheduler.after(1e6, () =>
            done({ stdout: 'BODY\n', stderr: '--t--  http://10.0.0.1/\nSaving to: X\n\n     0K  100%\n\nfinal\n\n', exitCode: 0, files: [{ name: 'saved.html', data: new TextEncoder().encode('S') }] }),
          );
        },
      },
    });
    const r = run('client1', 'wget -qO- http://10.0.0.1/');
    expect(seen).toEqual([['wget', '-q', '-O-', 'http://10.0.0.1/']]);
    expect(r.output).toBe('--t--  http://10.0.0.1/\nSaving to: X\n\nBODY\n     0K  100%\n\nfinal\n\n');
    expect(r.stdout).toBe('BODY\n');
    expect(run('client1', 'cat saved.html').output).toBe('S');
  });

  it("puts curl's body between the progress meter's updates", () => {
    const { run } = lab({
      clients: {
        curl: (_h, _argv, done) => done({ stdout: 'BODY\n', stderr: 'head\n\r  0 first\r100 last\n', exitCode: 0 }),
      },
    });
    expect(run('client1', 'curl http://10.0.0.1/').output).toBe('head\n\r  0 firstBODY\n\r100 last\n');
  });
});
