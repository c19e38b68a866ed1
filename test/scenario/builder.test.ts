import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MemorySink } from '../../src/pcap/index.ts';
import { buildLab, documentRoot, loadScenario, ScenarioErrors, STEP_GAP_NS } from '../../src/scenario/index.ts';
import { ipv4ToString, macToString } from '../../src/wire/index.ts';

const LAB = fileURLToPath(new URL('../../scenarios/netkit-loadbalancer.yaml', import.meta.url));
const lab = () => loadScenario(readFileSync(LAB, 'utf8'), LAB);

const SMALL = `name: small
hosts:
  pc:
    interfaces:
      eth0: { domain: A, address: 10.0.0.10/24 }
  www:
    interfaces:
      eth0: { domain: A, address: 10.0.0.1/24 }
    files:
      /var/www/html/index.html: "<html><body><p>new root</p></body></html>\\n"
      /var/www/index.html: "old root\\n"
    boot:
      - /etc/init.d/apache2 start
`;

function bootError(text: string): string {
  try {
    buildLab(loadScenario(text, 'b.yaml'));
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioErrors);
    return (e as Error).message;
  }
  throw new Error('built without error');
}

describe('buildLab', () => {
  it('builds the lab: addresses, MACs, forwarding, the switches\' rules, .bashrc', () => {
    const l = buildLab(lab());
    const ws = l.network.host('ws_ip');
    expect(ws.interfaces.map((i) => `${i.name} ${i.addresses.map((a) => ipv4ToString(a.addr)).join()} ${macToString(i.mac)}`))
      .toEqual(['eth0 10.0.0.3 02:00:0a:00:00:03', 'eth1 100.0.0.6 02:00:64:00:00:06']);
    expect(ws.ipForward).toBe(true);
    expect(l.labHost('ws_ip').netfilter.exec(['iptables', '-t', 'nat', '-S']).stdout).toBe(
      '-P PREROUTING ACCEPT\n-P INPUT ACCEPT\n-P OUTPUT ACCEPT\n-P POSTROUTING ACCEPT\n'
      + '-A PREROUTING -s 10.0.0.10/32 -d 10.0.0.3/32 -j DNAT --to-destination 100.0.0.1\n'
      + '-A PREROUTING -s 10.0.0.11/32 -d 10.0.0.3/32 -j DNAT --to-destination 100.0.0.2\n'
      + '-A POSTROUTING -s 10.0.0.0/24 -d 100.0.0.0/24 -j MASQUERADE\n');
    expect(new TextDecoder().decode(l.labHost('ws_round-robin').files.get('/root/.bashrc'))).toBe("watch 'iptables -t nat -vnL'\n");
    expect(l.labHost('server1').web).not.toBeNull();
    expect(l.labHost('client1').web).toBeNull();
    expect([...l.iptablesListings().keys()]).toEqual(['ws_round-robin', 'ws_random', 'ws_ip']);
  });

  it('steps start 1 s after the previous one ended; sleep adds its seconds', () => {
    const l = buildLab(lab());
    const a = l.runStep({ kind: 'command', host: 'client1', command: 'links http://10.0.0.1/' });
    expect(a.startNs).toBe(STEP_GAP_NS);
    expect(a.output).toBe('                        This reply comes from server 1!\n');
    const s = l.runStep({ kind: 'sleep', seconds: 2.5 });
    expect(s.endNs - a.endNs).toBe(2_500_000_000);
    const b = l.runStep({ kind: 'command', host: 'client1', command: 'links reload' });
    expect(b.startNs - s.endNs).toBe(STEP_GAP_NS);
    const n = l.runStep({ kind: 'note', text: 'Q3' });
    expect(n.transcript).toBe('# Q3\n');
  });

  it('Apache serves /var/www/html when the host has files there, else /var/www', () => {
    const l = buildLab(loadScenario(SMALL, 'small.yaml'));
    const r = l.runStep({ kind: 'command', host: 'pc', command: 'wget http://10.0.0.1/ -O - 2>/dev/null' });
    expect(r.stdout).toBe('<html><body><p>new root</p></body></html>\n');
    const files = new Map([['/var/www/index.html', new Uint8Array(1)], ['/var/www/x/y.html', new Uint8Array(2)]]);
    expect([...documentRoot(files).keys()]).toEqual(['/index.html', '/x/y.html']);
  });

  it('captures attach before boot, to the sinks given', () => {
    const names: string[] = [];
    const l = buildLab(loadScenario(SMALL, 'small.yaml'), { sinks: (f) => (names.push(f.name), new MemorySink()) });
    l.runStep({ kind: 'command', host: 'pc', command: 'ping -c 1 10.0.0.1' });
    l.finish();
    l.close();
    expect(names.sort()).toEqual(['domain-A.pcap', 'lab.pcapng', 'pc-eth0.pcap', 'trace.txt', 'www-eth0.pcap']);
    expect(l.capture!.stats.interfaceFrames).toBe(8); // ARP request + reply, echo request + reply, each seen on both sides
  });

  it('--seed overrides the scenario\'s seed', () => {
    expect(buildLab(lab(), { seed: 9 }).seed).toBe(9);
    expect(buildLab(lab()).seed).toBe(1);
  });

  it('a boot line that fails names its line: iptables refuses, a route has no gateway on link, an address twice', () => {
    expect(bootError(SMALL.replace('      - /etc/init.d/apache2 start', '      - iptables -t nat -A PREROUTING -j DNAT')))
      .toMatch(/^b\.yaml:13:9: iptables failed with exit status 2: iptables v1\.8\.9 \(nf_tables\): .* \(on www\)\n {2}found: {4}iptables -t nat -A PREROUTING -j DNAT\n/);
    expect(bootError(SMALL.replace('      - /etc/init.d/apache2 start', '      - ip route add 192.168.0.0/16 via 10.9.9.9')))
      .toMatch(/^b\.yaml:13:9: route add 192\.168\.0\.0\/16 via 10\.9\.9\.9: Network is unreachable \(on www\)/);
    expect(bootError(SMALL.replace('      - /etc/init.d/apache2 start', '      - ip address add 10.0.0.1/24 dev eth0')))
      .toMatch(/^b\.yaml:13:9: 10\.0\.0\.1\/24 on eth0: File exists \(on www\)/);
  });
});
