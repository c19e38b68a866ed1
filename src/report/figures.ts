// The report's three kinds of figure, drawn from LabRunData only: the topology, the script's
// counts against the policy's expectation, and one connection's ladder across a switch.

import type { Host, LadderConnection, NatRewrite, Topology } from './model.ts';
import type { Expectation } from './stats.ts';
import { el, line, rect, serverColor, svgDoc, text, textWidth } from './svg.ts';

const W = 680;

// ---------------------------------------------------------------------------------------------
// Topology: one horizontal bus per collision domain; hosts above, between or below the buses.

export interface TopologyLabels {
  title: string;
  role: (role: Host['role']) => string;
  vip: string;
}

export function topologySvg(topo: Topology, labels: TopologyLabels, id = 'topology'): string {
  const domainIndex = new Map(topo.domains.map((d, i) => [d.name, i]));
  const vipAddrs = new Set(topo.vips.map((v) => v.address));
  // Row key: -1 = above bus 0; k >= 0 = below bus k (between bus k and bus k+1, or under the last).
  const rows = new Map<number, Host[]>();
  for (const host of topo.hosts) {
    const idx = host.interfaces.map((i) => domainIndex.get(i.domain)).filter((i): i is number => i !== undefined);
    if (idx.length === 0) continue;
    const lo = Math.min(...idx);
    const hi = Math.max(...idx);
    const key = lo === hi && lo === 0 && topo.domains.length > 1 ? -1 : lo;
    rows.set(key, [...(rows.get(key) ?? []), host]);
  }
  const left = 96;
  const right = W - 10;
  const boxH = 40;
  const link = 46;
  const parts: string[] = [];
  const busY = new Map<number, number>();
  const rowY = new Map<number, number>();
  let y = 10;
  if (rows.has(-1)) {
    rowY.set(-1, y);
    y += boxH + link;
  }
  topo.domains.forEach((_, i) => {
    busY.set(i, y);
    y += link;
    if (rows.has(i)) {
      rowY.set(i, y);
      y += boxH + (i < topo.domains.length - 1 ? link : 10);
    } else if (i === topo.domains.length - 1) {
      y += 10 - link;
    }
  });
  const height = y;

  // Buses first, so connectors and labels draw over them.
  topo.domains.forEach((d, i) => {
    const by = busY.get(i)!;
    parts.push(line(10, by, right, by, { stroke: '#555', 'stroke-width': 4, 'stroke-linecap': 'round' }));
    parts.push(text(12, by - 7, d.name, { 'font-weight': 'bold', 'font-size': 12 }));
    if (d.subnet !== null) parts.push(text(12, by + 14, d.subnet, { 'font-size': 9, fill: '#333' }));
  });

  for (const [key, hosts] of [...rows.entries()].sort((a, b) => a[0] - b[0])) {
    const top = rowY.get(key)!;
    const n = hosts.length;
    const gap = 12;
    const boxW = Math.min(150, (right - left - gap * (n - 1)) / n);
    const total = n * boxW + (n - 1) * gap;
    const x0 = left + (right - left - total) / 2;
    hosts.forEach((host, k) => {
      const bx = x0 + k * (boxW + gap);
      const cx = bx + boxW / 2;
      const ifaces = host.interfaces.filter((i) => domainIndex.has(i.domain));
      ifaces.forEach((iface) => {
        const di = domainIndex.get(iface.domain)!;
        const by = busY.get(di)!;
        const above = by < top;
        // Spread several interfaces on the same side of a box so their labels do not collide.
        const sameSide = ifaces.filter((o) => (busY.get(domainIndex.get(o.domain)!)! < top) === above);
        const pos = sameSide.indexOf(iface);
        const lx = sameSide.length === 1 ? cx : bx + ((pos + 1) * boxW) / (sameSide.length + 1);
        const y1 = above ? by : top + boxH;
        const y2 = above ? top : by;
        const isVip = iface.address !== null && vipAddrs.has(iface.address);
        parts.push(line(lx, y1, lx, y2, { stroke: '#555', 'stroke-width': 1.5 }));
        const l1 = iface.name + (isVip ? ` (${labels.vip})` : '');
        const l2 = iface.address === null ? '' : `${iface.address}/${iface.prefixLen}`;
        const lw = Math.max(textWidth(l1, 8.5), textWidth(l2, 8.5)) + 6;
        const my = (y1 + y2) / 2;
        parts.push(
          rect(lx - lw / 2, my - 12, lw, 24, {
            fill: isVip ? '#fff4d6' : '#ffffff',
            stroke: isVip ? '#c58a00' : '#bbb',
            'stroke-width': 0.8,
            rx: 3,
          }),
        );
        parts.push(text(lx, my - 2, l1, { 'text-anchor': 'middle', 'font-size': 8.5, 'font-weight': isVip ? 'bold' : 'normal' }));
        parts.push(text(lx, my + 8.5, l2, { 'text-anchor': 'middle', 'font-size': 8.5 }));
      });
      const fill = host.role === 'switch' ? '#e8eef7' : host.role === 'server' ? '#eaf4e6' : host.role === 'client' ? '#fdf0e4' : '#f0f0f0';
      parts.push(rect(bx, top, boxW, boxH, { fill, stroke: '#333', 'stroke-width': 1, rx: 5 }));
      parts.push(text(cx, top + 17, host.name, { 'text-anchor': 'middle', 'font-weight': 'bold', 'font-size': fitFont(host.name, boxW - 6, 11) }));
      parts.push(text(cx, top + 31, labels.role(host.role), { 'text-anchor': 'middle', 'font-size': 8.5, fill: '#333' }));
    });
  }
  return svgDoc(id, W, height, labels.title, parts.join(''));
}

function fitFont(s: string, width: number, max: number): number {
  const size = width / (s.length * 0.6);
  return Math.max(6, Math.min(max, Math.floor(size * 10) / 10));
}

// ---------------------------------------------------------------------------------------------
// The script's counts: one group of bars per run (client), one bar per server, with the expected
// count marked and, for the random policy, the 95% Wilson interval as a whisker.

export interface BarGroup {
  label: string;
  requests: number;
  bars: { server: number; count: number }[];
  expectation: Expectation;
}

export interface BarLabels {
  title: string;
  server: (n: number) => string;
  expected: string;
  interval: string;
  axis: string;
}

export function barsSvg(groups: BarGroup[], labels: BarLabels, id: string): string {
  const top = 22;
  const plotH = 170;
  const left = 44;
  const right = W - 10;
  const bottom = top + plotH;
  const height = bottom + 62;
  const maxY = Math.max(1, ...groups.map((g) => g.requests), ...groups.flatMap((g) => g.bars.map((b) => b.count)));
  const yOf = (v: number): number => bottom - (v / maxY) * plotH;
  const parts: string[] = [];
  // Axis with 5 ticks.
  for (let i = 0; i <= 4; i++) {
    const v = Math.round((maxY * i) / 4);
    const yy = yOf(v);
    parts.push(line(left, yy, right, yy, { stroke: i === 0 ? '#333' : '#ddd', 'stroke-width': i === 0 ? 1 : 0.6 }));
    parts.push(text(left - 4, yy + 3, String(v), { 'text-anchor': 'end', 'font-size': 8.5 }));
  }
  parts.push(text(4, top - 8, labels.axis, { 'font-size': 8.5, fill: '#333' }));
  const groupW = (right - left) / Math.max(1, groups.length);
  groups.forEach((g, gi) => {
    const gx = left + gi * groupW;
    const nb = Math.max(1, g.bars.length);
    const barW = Math.min(46, (groupW - 30) / nb);
    const startX = gx + (groupW - nb * barW - (nb - 1) * 6) / 2;
    g.bars.forEach((b, bi) => {
      const x = startX + bi * (barW + 6);
      const yb = yOf(b.count);
      parts.push(rect(x, yb, barW, bottom - yb, { fill: serverColor(b.server), stroke: '#333', 'stroke-width': 0.6 }));
      parts.push(text(x + barW / 2, bottom + 11, labels.server(b.server), { 'text-anchor': 'middle', 'font-size': 8 }));
      const cx = x + barW / 2;
      const e = g.expectation;
      // The count goes above whatever is drawn highest on the bar (bar, expected line, whisker).
      let labelY = yb;
      if (e.kind === 'exact') {
        const c = e.counts.find((c2) => c2.server === b.server)?.count ?? 0;
        parts.push(line(x - 3, yOf(c), x + barW + 3, yOf(c), { stroke: '#000', 'stroke-width': 2, 'stroke-dasharray': '4 2' }));
        labelY = Math.min(labelY, yOf(c));
      } else if (e.kind === 'random') {
        const check = e.perServer.find((c2) => c2.server === b.server);
        if (check !== undefined) {
          const ylo = yOf(check.interval.lo * g.requests);
          const yhi = yOf(check.interval.hi * g.requests);
          parts.push(line(cx, ylo, cx, yhi, { stroke: '#000', 'stroke-width': 1.2 }));
          parts.push(line(cx - 5, ylo, cx + 5, ylo, { stroke: '#000', 'stroke-width': 1.2 }));
          parts.push(line(cx - 5, yhi, cx + 5, yhi, { stroke: '#000', 'stroke-width': 1.2 }));
          const ye = yOf(check.expectedCount);
          parts.push(line(x - 3, ye, x + barW + 3, ye, { stroke: '#000', 'stroke-width': 2, 'stroke-dasharray': '4 2' }));
          labelY = Math.min(labelY, yhi, ye);
        }
      }
      parts.push(text(x + barW / 2, labelY - 4, String(b.count), { 'text-anchor': 'middle', 'font-size': 9, 'font-weight': 'bold' }));
    });
    parts.push(text(gx + groupW / 2, bottom + 26, g.label, { 'text-anchor': 'middle', 'font-size': 9.5, 'font-weight': 'bold' }));
  });
  // Legend.
  const ly = height - 14;
  parts.push(line(left, ly - 3, left + 24, ly - 3, { stroke: '#000', 'stroke-width': 2, 'stroke-dasharray': '4 2' }));
  parts.push(text(left + 30, ly, labels.expected, { 'font-size': 8.5 }));
  if (groups.some((g) => g.expectation.kind === 'random')) {
    const lx = left + 40 + textWidth(labels.expected, 8.5);
    parts.push(line(lx + 5, ly - 9, lx + 5, ly + 3, { stroke: '#000', 'stroke-width': 1.2 }));
    parts.push(line(lx, ly - 9, lx + 10, ly - 9, { stroke: '#000', 'stroke-width': 1.2 }));
    parts.push(line(lx, ly + 3, lx + 10, ly + 3, { stroke: '#000', 'stroke-width': 1.2 }));
    parts.push(text(lx + 16, ly, labels.interval, { 'font-size': 8.5 }));
  }
  return svgDoc(id, W, height, labels.title, parts.join(''));
}

// ---------------------------------------------------------------------------------------------
// Ladder: client | switch outside | switch inside | server. Outside packets cross between the
// first two lanes, inside packets between the last two; NAT marks sit in the switch.

export interface LadderLabels {
  title: string;
  natBadge: (r: NatRewrite) => string;
  ruleLegend: string;
  conntrackLegend: string;
  clientLane: string;
  outsideLane: string;
  insideLane: string;
  serverLane: string;
  more: (n: number) => string;
  /** Milliseconds since the connection's first packet, as the report's language writes them. */
  ms: (ms: number) => string;
}

export const LADDER_MAX_PACKETS = 40;

export function ladderSvg(c: LadderConnection, labels: LadderLabels, id = 'ladder'): string {
  const xClient = 70;
  const xOut = 300;
  const xIn = 392;
  const xServer = 620;
  const head = 52;
  const rowH = 30;
  const shown = c.packets.slice(0, LADDER_MAX_PACKETS);
  const bodyTop = head + 14;
  const height = bodyTop + shown.length * rowH + 50;
  const parts: string[] = [];
  parts.push(
    el('defs', {}, el('marker', { id: `${id}-arrow`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#222' }))),
  );
  // The switch body spans its two interfaces.
  parts.push(rect(xOut - 6, 6, xIn - xOut + 12, height - 30, { fill: '#e8eef7', stroke: '#7a8fb0', 'stroke-width': 0.8, rx: 4 }));
  const lanes: [number, string, string][] = [
    [xClient, labels.clientLane, `${c.clientAddr}`],
    [xOut, labels.outsideLane, c.vip],
    [xIn, labels.insideLane, c.insideAddr],
    [xServer, labels.serverLane, c.serverAddr],
  ];
  for (const [x, name, addr] of lanes) {
    const anchor = x === xOut ? 'end' : x === xIn ? 'start' : 'middle';
    const tx = x === xOut ? x - 2 : x === xIn ? x + 2 : x;
    parts.push(text(tx, 22, name, { 'text-anchor': anchor, 'font-weight': 'bold', 'font-size': 9.5 }));
    parts.push(text(tx, 36, addr, { 'text-anchor': anchor, 'font-size': 9 }));
    parts.push(line(x, head - 6, x, height - 30, { stroke: '#666', 'stroke-width': 1, 'stroke-dasharray': '3 3' }));
  }
  const t0 = shown[0]?.timeNs ?? 0;
  shown.forEach((pkt, i) => {
    const y = bodyTop + i * rowH + 18;
    const outside = pkt.side === 'outside';
    const [a, b] = outside ? [xClient, xOut] : [xIn, xServer];
    const [from, to] = pkt.direction === 'toServer' ? [a, b] : [b, a];
    parts.push(line(from, y, to, y, { stroke: '#222', 'stroke-width': 1.2, 'marker-end': `url(#${id}-arrow)` }));
    const label = `${pkt.src}:${pkt.srcPort} → ${pkt.dst}:${pkt.dstPort}`;
    const flags = `[${pkt.flags}]${pkt.payloadLen > 0 ? ` len=${pkt.payloadLen}` : ''}`;
    const mid = (a + b) / 2;
    parts.push(text(mid, y - 4, label, { 'text-anchor': 'middle', 'font-size': 8 }));
    parts.push(text(mid, y + 10, flags, { 'text-anchor': 'middle', 'font-size': 8, fill: '#333' }));
    const ms = (pkt.timeNs - t0) / 1e6;
    parts.push(text(4, y + 3, labels.ms(ms), { 'font-size': 7.5, fill: '#555' }));
    // NAT marks: badges stacked in the switch between its two lanes.
    pkt.nat.forEach((n, k) => {
      const by = y - 11 + k * 11;
      const label2 = labels.natBadge(n);
      parts.push(
        rect(xOut + 4, by, xIn - xOut - 8, 10, {
          fill: n.byRule ? '#c0392b' : '#ffffff',
          stroke: '#c0392b',
          'stroke-width': 0.8,
          rx: 2,
        }),
      );
      parts.push(text((xOut + xIn) / 2, by + 7.6, label2, { 'text-anchor': 'middle', 'font-size': 6.5, fill: n.byRule ? '#ffffff' : '#c0392b', 'font-weight': 'bold' }));
    });
  });
  const ly = height - 12;
  if (c.packets.length > shown.length) parts.push(text(xClient, ly - 14, labels.more(c.packets.length - shown.length), { 'font-size': 8.5 }));
  parts.push(rect(10, ly - 8, 16, 9, { fill: '#c0392b', stroke: '#c0392b', rx: 2 }));
  parts.push(text(30, ly, labels.ruleLegend, { 'font-size': 8.5 }));
  const lx = 30 + textWidth(labels.ruleLegend, 8.5) + 16;
  parts.push(rect(lx, ly - 8, 16, 9, { fill: '#ffffff', stroke: '#c0392b', rx: 2 }));
  parts.push(text(lx + 20, ly, labels.conntrackLegend, { 'font-size': 8.5 }));
  return svgDoc(id, W, height, labels.title, parts.join(''));
}
