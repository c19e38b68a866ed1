import { describe, expect, it } from 'vitest';
import { importLab, loadScenario, ScenarioErrors, scenarioToYaml, type Scenario } from '../../src/scenario/index.ts';
import { readFixtureLab } from './support.ts';

function summary(s: Scenario): string[] {
  return s.hosts.map((h) => `${h.name} ${h.interfaces.map((f) => `${f.name}=${f.domain}:${f.addresses.map((a) => `${a.addr >>> 24}.${(a.addr >>> 16) & 255}.${(a.addr >>> 8) & 255}.${a.addr & 255}/${a.prefixLen}`).join(',')}:${f.mac}:${f.up ? 'up' : 'down'}`).join(' ')} fwd=${h.ipForward}`);
}

const TOPOLOGY = [
  'client1 eth0=A:10.0.0.10/24:02:00:0a:00:00:0a:up fwd=true',
  'client2 eth0=A:10.0.0.11/24:02:00:0a:00:00:0b:up fwd=true',
  'ws_round-robin eth0=A:10.0.0.1/24:02:00:0a:00:00:01:up eth1=B:100.0.0.4/24:02:00:64:00:00:04:up fwd=true',
  'ws_random eth0=A:10.0.0.2/24:02:00:0a:00:00:02:up eth1=B:100.0.0.5/24:02:00:64:00:00:05:up fwd=true',
  'ws_ip eth0=A:10.0.0.3/24:02:00:0a:00:00:03:up eth1=B:100.0.0.6/24:02:00:64:00:00:06:up fwd=true',
  'server1 eth0=B:100.0.0.1/24:02:00:64:00:00:01:up fwd=true',
  'server2 eth0=B:100.0.0.2/24:02:00:64:00:00:02:up fwd=true',
  'server3 eth0=B:100.0.0.3/24:02:00:64:00:00:03:up fwd=true',
];

function lab(files: Record<string, string>, root = 'lab'): { root: string; files: Map<string, string> } {
  return { root, files: new Map(Object.entries(files)) };
}

function importErrors(files: Record<string, string>): string {
  try {
    importLab(lab(files));
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioErrors);
    return (e as Error).message;
  }
  throw new Error('imported without error');
}

describe('Netkit lab folder (CRLF, ifconfig, /etc/init.d/apache2 start, var/www)', () => {
  const s = importLab(readFixtureLab('netkit-lb'));
  it('reads the topology and addresses', () => {
    expect(s.name).toBe('netkit-lb');
    expect(s.description).toBe('Load balancer - web switch (hand-written Netkit copy)');
    expect(summary(s)).toEqual(TOPOLOGY);
  });
  it('keeps iptables, apache and .bashrc lines verbatim with their file:line, without the CR', () => {
    const ws = s.hosts.find((h) => h.name === 'ws_round-robin')!;
    expect(ws.boot.map((b) => `${b.pos?.file}:${b.pos?.line} ${b.text}`)).toEqual([
      'fixtures/netkit-lb/ws_round-robin.startup:4 iptables --table nat --append PREROUTING --destination 10.0.0.1 --match statistic --mode nth --every 3 --jump DNAT --to-destination 100.0.0.1',
      'fixtures/netkit-lb/ws_round-robin.startup:5 iptables --table nat --append PREROUTING --destination 10.0.0.1 --match statistic --mode nth --every 2 --jump DNAT --to-destination 100.0.0.2',
      'fixtures/netkit-lb/ws_round-robin.startup:6 iptables --table nat --append PREROUTING --destination 10.0.0.1 --jump DNAT --to-destination 100.0.0.3',
      'fixtures/netkit-lb/ws_round-robin.startup:7 iptables --table nat --append POSTROUTING --source 10.0.0.0/24 --destination 100.0.0.0/24 --jump MASQUERADE',
      `fixtures/netkit-lb/ws_round-robin.startup:9 echo "watch 'iptables -t nat -vnL'" >> /root/.bashrc`,
    ]);
    expect(s.hosts.find((h) => h.name === 'server2')!.boot.map((b) => b.text)).toEqual(['/etc/init.d/apache2 start']);
  });
  it('copies the pages and the client script', () => {
    expect(s.hosts.find((h) => h.name === 'server3')!.files).toEqual({
      '/var/www/index.html': '<html><body><h1>This reply comes from server 3!</h1></body></html>\n',
    });
    expect(s.hosts.find((h) => h.name === 'client1')!.files['/root/count_server_replies.sh']).toContain('Please specify the VIP');
  });
});

describe('Kathará lab folder (ip address add, iptables-legacy, systemctl, var/www/html)', () => {
  const s = importLab(readFixtureLab('kathara-lb'));
  it('reads the topology and addresses', () => {
    expect(summary(s)).toEqual(TOPOLOGY);
  });
  it('keeps iptables-legacy and systemctl lines', () => {
    expect(s.hosts.find((h) => h.name === 'ws_ip')!.boot[0]!.text)
      .toBe('iptables-legacy --table nat --append PREROUTING --destination 10.0.0.3 --source 10.0.0.10 --jump DNAT --to-destination 100.0.0.1');
    expect(s.hosts.find((h) => h.name === 'server1')!.boot.map((b) => b.text)).toEqual(['systemctl start apache2']);
    expect(Object.keys(s.hosts.find((h) => h.name === 'server1')!.files)).toEqual(['/var/www/html/index.html']);
  });
  it('writes a scenario file that loads back to the same scenario', () => {
    const again = loadScenario(scenarioToYaml(s), 'kathara-lb.yaml');
    expect(summary(again)).toEqual(TOPOLOGY);
    expect(again.hosts.map((h) => h.boot.map((b) => b.text))).toEqual(s.hosts.map((h) => h.boot.map((b) => b.text)));
    expect(again.hosts.map((h) => h.files)).toEqual(s.hosts.map((h) => h.files));
  });
});

describe('lab folder forms', () => {
  it('routes, the netmask-less ifconfig, ip_forward off, shared.startup, a last line without newline', () => {
    const s = importLab(lab({
      'lab.conf': '# a comment\r\nr[0]=A\r\nr[1]="B/02:aa:bb:cc:dd:ee"\r\npc[0] = A\r\npc[image]=debian\r\nLAB_AUTHOR = "x"\r\n',
      'shared.startup': 'ip link set lo up\n',
      'r.startup': 'ifconfig eth0 10.1.0.1 up\nip addr add 192.168.5.1/24 brd + dev eth1\nip link set dev eth1 up\necho 0 > /proc/sys/net/ipv4/ip_forward',
      'pc.startup': 'ifconfig eth0 10.1.0.2 netmask 255.0.0.0 up\nroute add default gw 10.1.0.1 dev eth0\nroute add -net 192.168.6.0 netmask 255.255.255.0 gw 10.1.0.1\nroute del -net 192.168.6.0 netmask 255.255.255.0\nip route add 172.16.0.0/12 via 10.1.0.1\n',
    }));
    expect(summary(s)).toEqual([
      'r eth0=A:10.1.0.1/8:02:00:0a:01:00:01:up eth1=B:192.168.5.1/24:02:aa:bb:cc:dd:ee:up fwd=false',
      'pc eth0=A:10.1.0.2/8:02:00:0a:01:00:02:up fwd=true',
    ]);
    expect(s.hosts[1]!.routes).toEqual([
      { to: 'default', via: 0x0a010001, dev: 'eth0' },
      { to: { addr: 0xac100000, prefixLen: 12 }, via: 0x0a010001 },
    ]);
  });

  it('a missing lab.conf', () => {
    expect(importErrors({ 'pc.startup': 'ifconfig eth0 10.0.0.1/24 up\n' }))
      .toBe('lab/lab.conf: no lab.conf in this folder\n  found:    lab\n  expected: a Netkit or Kathará lab folder: lab.conf, HOST.startup files and HOST/ folders');
  });

  it('a startup line it cannot model names file:line and the command', () => {
    const msg = importErrors({ 'lab.conf': 'pc[0]=A\n', 'pc.startup': 'ifconfig eth0 10.0.0.1/24 up\r\n\r\ndhclient eth0\r\n' });
    expect(msg).toMatch(/^lab\/pc\.startup:3:1: cannot model the command "dhclient"\n {2}found: {4}dhclient eth0\n {2}expected: a startup command/);
  });

  it('an unreadable lab.conf line', () => {
    expect(importErrors({ 'lab.conf': 'pc[0]=A\npc0=A B\nthis is not a lab.conf line\n' }))
      .toMatch(/^lab\/lab\.conf:3:1: cannot read this lab\.conf line\n {2}found: {4}this is not a lab\.conf line/);
  });

  it('an interface missing from lab.conf, a gateway not yet reachable', () => {
    const msg = importErrors({ 'lab.conf': 'pc[0]=A\n', 'pc.startup': 'route add default gw 10.0.0.1\nifconfig eth0 10.0.0.2/24 up\nifconfig eth1 10.0.1.2/24 up\n' });
    expect(msg).toContain('lab/pc.startup:1:1: gateway 10.0.0.1 is not on a subnet of pc at this point');
    expect(msg).toContain('lab/pc.startup:3:1: pc has no interface eth1 in lab.conf');
  });
});
