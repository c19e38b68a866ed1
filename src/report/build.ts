// The compte rendu: LabRunData in, report.md and a self-contained report.html out.

import type { Block, InlineLike } from './doc.ts';
import { code, figure, h, p, pre, renderHtml, renderMarkdown, strong, table, ul } from './doc.ts';
import type { BarGroup } from './figures.ts';
import { barsSvg, ladderSvg, topologySvg } from './figures.ts';
import type { Lang, Messages } from './messages.ts';
import { formatNumber, formatPercent, MESSAGES } from './messages.ts';
import type { DnatRule, LabRunData, NatChain, Q1Case, Q2Run, Q3Switch, Vip } from './model.ts';
import type { Expectation } from './stats.ts';
import { addressInCidr, expectationFor } from './stats.ts';
import { civilFromEpoch } from '../sim/index.ts';

export interface ReportOptions {
  /** Where report.md finds the figures (the caller writes `figures[i].name + '.svg'` there); null: the
   * Markdown names each figure and points to report.html instead. */
  figuresDir: string | null;
}

export interface BuiltReport {
  markdown: string;
  html: string;
  /** The SVG figures, also inlined in the HTML; write them as `<figuresDir>/<name>.svg` if wanted. */
  figures: { name: string; svg: string }[];
}

/** UTC civil time of an epoch second, without Date (H. Hinnant's days-to-civil algorithm). */
export function utcString(epochSec: number): string {
  const c = civilFromEpoch(epochSec);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${c.year}-${two(c.month)}-${two(c.day)} ${two(c.hour)}:${two(c.minute)}:${two(c.second)} UTC`;
}

class ReportBuilder {
  readonly blocks: Block[] = [];
  readonly figures: { name: string; svg: string }[] = [];
  readonly see: InlineLike[][] = [];
  private readonly m: Messages;

  constructor(
    private readonly data: LabRunData,
    private readonly lang: Lang,
  ) {
    this.m = MESSAGES[lang];
  }

  private fig(name: string, svg: string, caption: string): void {
    this.figures.push({ name, svg });
    this.blocks.push(figure(name, svg, caption));
  }

  private claim(text: string, file: string, filter: string): void {
    this.see.push([text, code(file), code(filter)]);
  }

  private hostAddr(host: string): string {
    const hh = this.data.topology.hosts.find((x) => x.name === host);
    return hh?.interfaces.find((i) => i.address !== null)?.address ?? host;
  }

  private vipOf(address: string): Vip | undefined {
    return this.data.topology.vips.find((v) => v.address === address);
  }

  private serverLabel(n: number | null): string {
    return n === null ? this.m.none : this.m.serverName(n);
  }

  private ruleText(rule: DnatRule): string {
    const m = this.m;
    const cond =
      rule.match.kind === 'nth'
        ? m.ruleNth(rule.match.every, rule.match.packet)
        : rule.match.kind === 'random'
          ? m.ruleRandom(formatNumber(this.lang, rule.match.probability, 11))
          : rule.match.kind === 'source'
            ? m.ruleSource(rule.match.source)
            : m.ruleAlways;
    return `${cond} → ${rule.toAddress}`;
  }

  build(): void {
    const m = this.m;
    const d = this.data;
    this.blocks.push(h(1, m.title, 'title'));
    this.blocks.push(p(m.meta(d.meta.scenarioName, d.meta.seed, utcString(d.meta.startEpochSec), formatNumber(this.lang, d.meta.endNs / 1e9, 1))));
    this.blocks.push(p(m.intro));
    this.summary();
    this.topology();
    this.q1();
    this.q2();
    this.q3();
    this.ladder();
    this.seeItYourself();
  }

  // -------------------------------------------------------------------------------------------
  /** The answers in three lines, each computed from the same data as its section. */
  private summary(): void {
    const m = this.m;
    const d = this.data;
    const items: InlineLike[][] = [];
    if (d.q1.length > 0) {
      let conns = 0;
      let mixed = 0;
      for (const c of d.q1) {
        const servers = new Map<number, Set<number | null>>();
        for (const s of c.steps) if (s.action !== 'close') servers.set(s.tcpStream, (servers.get(s.tcpStream) ?? new Set()).add(s.server));
        conns += servers.size;
        mixed += [...servers.values()].filter((x) => x.size > 1).length;
      }
      items.push([m.sumQ1(d.q1.length, conns, mixed)]);
    }
    if (d.q2.length > 0) {
      let exact = 0;
      let exactOk = 0;
      let random = 0;
      let inside = 0;
      for (const run of d.q2) {
        const vip = this.vipOf(run.vip);
        if (vip === undefined) continue;
        const e = expectationFor(vip, run, this.hostAddr(run.client));
        if (e.kind === 'exact') {
          exact++;
          if (e.matches) exactOk++;
        } else if (e.kind === 'random') {
          random += e.perServer.length;
          inside += e.perServer.filter((c) => c.inside).length;
        }
      }
      items.push([m.sumQ2(exactOk, exact, inside, random)]);
    }
    if (d.q3.length > 0) {
      let agree = 0;
      const lengths = new Set<number>();
      for (const sw of d.q3) {
        const pre = sw.chains.find((c) => c.name === 'PREROUTING');
        const total = (pre?.rules ?? []).filter((r) => r.target === 'DNAT').reduce((a, r) => a + r.pkts.value, 0);
        if (total === sw.observed.connectionsToVip) agree++;
        for (const l of sw.observed.firstPacketIpLengths) lengths.add(l.length);
      }
      items.push([m.sumQ3(d.q3.length, agree, m.sumBytes([...lengths].sort((a, b) => a - b).join('/') || m.none))]);
    }
    if (items.length === 0) return;
    this.blocks.push(h(2, m.hSummary, 'summary'));
    this.blocks.push(ul(items));
  }

  // -------------------------------------------------------------------------------------------
  private topology(): void {
    const m = this.m;
    const t = this.data.topology;
    this.blocks.push(h(2, m.hTopology, 'topology'));
    const count = (r: string): number => t.hosts.filter((x) => x.role === r).length;
    this.blocks.push(p(m.topologyIntro(count('client'), count('switch'), count('server'), t.domains.map((x) => x.name))));
    this.fig('topology', topologySvg(t, { title: m.topologyCaption, role: m.role, vip: m.thVip }, 'svg-topology'), m.topologyCaption);
    const rows: InlineLike[][] = [];
    for (const host of t.hosts) {
      for (const iface of host.interfaces) {
        rows.push([host.name, m.role(host.role), iface.name, iface.domain, iface.address === null ? m.none : `${iface.address}/${iface.prefixLen}`]);
      }
    }
    this.blocks.push(table([m.thHost, m.thRole, m.thIface, m.thDomain, m.thAddress], rows));
    if (t.vips.length > 0) this.blocks.push(
      table(
        [m.thVip, m.thSwitch, m.thPolicy, m.thRules],
        t.vips.map((v) => [v.address, v.switchHost, m.policy(v.policy), v.rules.map((r) => this.ruleText(r)).join(m.sep)]),
      ),
    );
    const clientDomain = t.hosts.find((x) => x.role === 'client')?.interfaces[0]?.domain;
    const subnet = t.domains.find((x) => x.name === clientDomain)?.subnet;
    if (subnet !== undefined && subnet !== null && t.vips.length > 0) {
      const addrs = [...new Set(t.vips.map((v) => v.insideAddress))];
      this.blocks.push(p(m.masqueradeWhy(subnet, addrs, new Set(t.vips.map((v) => v.switchHost)).size)));
    }
  }

  // -------------------------------------------------------------------------------------------
  private q1(): void {
    const m = this.m;
    this.blocks.push(h(2, m.hQ1, 'q1'));
    if (this.data.q1.length === 0) {
      this.blocks.push(p(m.notRun));
      return;
    }
    for (const para of m.q1Intro) this.blocks.push(p(para));
    this.q1Cases().forEach((c, i) => this.q1Case(c, i));
  }

  /** Q1 cases grouped by VIP (in topology order), clients in run order within a VIP. */
  private q1Cases(): Q1Case[] {
    const order = (vip: string): number => {
      const i = this.data.topology.vips.findIndex((v) => v.address === vip);
      return i < 0 ? this.data.topology.vips.length : i;
    };
    return this.data.q1.map((c, i) => ({ c, i })).sort((a, b) => order(a.c.vip) - order(b.c.vip) || a.i - b.i).map((x) => x.c);
  }

  private q1Case(c: Q1Case, index: number): void {
    const m = this.m;
    const vip = this.vipOf(c.vip);
    const policy = vip === undefined ? m.policy('other') : m.policy(vip.policy);
    this.blocks.push(h(3, m.q1CaseHeading(c.vip, policy, c.client), `q1-${index + 1}`));
    this.blocks.push(
      table(
        [m.thStep, m.thAction, m.thServer, m.thConnection, m.thNewConn, m.thCapture, m.thFilter],
        c.steps.map((s, i) => [
          String(i + 1),
          m.action(s.action),
          this.serverLabel(s.server),
          `${s.conn.srcAddr}:${s.conn.srcPort} → ${s.conn.dstAddr}:${s.conn.dstPort}`,
          s.action === 'close' ? m.none : s.newConnection ? m.yes : m.no,
          code(s.captureFile),
          code(`tcp.stream eq ${s.tcpStream}`),
        ]),
        [true],
      ),
    );
    const requests = c.steps.filter((s) => s.action !== 'close');
    const streams: number[] = [];
    const serversByStream = new Map<number, Set<number | null>>();
    const firstServer = new Map<number, number | null>();
    for (const s of requests) {
      if (!serversByStream.has(s.tcpStream)) {
        streams.push(s.tcpStream);
        serversByStream.set(s.tcpStream, new Set());
        firstServer.set(s.tcpStream, s.server);
      }
      serversByStream.get(s.tcpStream)!.add(s.server);
    }
    const info: string[] = [m.q1Summary(requests.length, streams.length, requests.map((s) => this.serverLabel(s.server)))];
    const mixed = streams.filter((st) => serversByStream.get(st)!.size > 1).map((st) => `tcp.stream ${st}`);
    info.push(mixed.length === 0 ? m.q1SameServer(streams.length) : m.q1MixedServer(mixed));
    const reloads = c.steps.filter((s) => s.action === 'reload');
    const reloadSame = reloads.filter((s) => !s.newConnection).length;
    const reloadNew = reloads.length - reloadSame;
    if (reloadSame > 0) info.push(m.q1ReloadSame(reloadSame));
    if (reloadNew > 0) info.push(m.q1ReloadNew(reloadNew));
    const connServers = streams.map((st) => this.serverLabel(firstServer.get(st) ?? null));
    if (vip !== undefined) {
      if (vip.policy === 'round-robin') info.push(m.q1RoundRobin(connServers));
      else if (vip.policy === 'random') info.push(m.q1Random(connServers));
      else if (vip.policy === 'source-ip') {
        const addr = c.steps[0]?.conn.srcAddr ?? this.hostAddr(c.client);
        const rule = vip.rules.find((r) => r.match.kind !== 'source' || addressInCidr(addr, r.match.source));
        if (rule === undefined) info.push(m.q1SourceNone(c.client, addr));
        else info.push(m.q1Source(c.client, addr, this.serverLabel(rule.server), rule.num));
      }
    }
    this.blocks.push(p(info.join(' ')));
    for (const st of streams) {
      const step = requests.find((s) => s.tcpStream === st)!;
      this.claim(m.seeQ1(c.client, c.vip, st, this.serverLabel(step.server)), step.captureFile, `tcp.stream eq ${st}`);
    }
  }

  // -------------------------------------------------------------------------------------------
  private q2(): void {
    const m = this.m;
    const runs = this.data.q2;
    this.blocks.push(h(2, m.hQ2, 'q2'));
    if (runs.length === 0) {
      this.blocks.push(p(m.notRun));
      return;
    }
    const requestCounts = [...new Set(runs.map((r) => r.requests))];
    this.blocks.push(p(m.q2Intro(requestCounts.length === 0 ? m.none : requestCounts.join('/'))));
    const vips = [...new Set(runs.map((r) => r.vip))];
    vips.forEach((vipAddr, vi) => {
      const vip = this.vipOf(vipAddr);
      this.blocks.push(h(3, m.q2VipHeading(vipAddr, m.policy(vip?.policy ?? 'other')), `q2-${vi + 1}`));
      const vipRuns = runs.filter((r) => r.vip === vipAddr);
      const evaluated = vipRuns.map((run) => ({ run, e: vip === undefined ? ({ kind: 'none' } as Expectation) : expectationFor(vip, run, this.hostAddr(run.client)) }));
      const groups: BarGroup[] = evaluated.map(({ run, e }) => ({
        label: `${run.client} (${this.hostAddr(run.client)})`,
        requests: run.requests,
        bars: barsFor(run, e),
        expectation: e,
      }));
      this.fig(
        `q2-${vipAddr}`,
        barsSvg(groups, { title: m.q2Caption(vipAddr), server: m.serverShort, expected: m.thExpected, interval: m.thWilson, axis: m.thReplies }, `svg-q2-${vi + 1}`),
        m.q2Caption(vipAddr),
      );
      for (const { run, e } of evaluated) this.q2Run(run, e, vip);
    });
  }

  private q2Run(run: Q2Run, e: Expectation, vip: Vip | undefined): void {
    const m = this.m;
    const L = this.lang;
    this.blocks.push(p(strong(m.q2RunHeading(run.client, run.command))));
    this.blocks.push(pre(run.stdout));
    const bars = barsFor(run, e);
    const fmtCounts = (list: { server: number; count: number }[]): string => list.map((c) => `${c.count}`).join('/');
    if (e.kind === 'random') {
      this.blocks.push(
        table(
          [m.thServer, m.thReplies, m.thShare, m.thProbability, m.thExpected, m.thWilson, m.thInside],
          e.perServer.map((c) => [
            m.serverName(c.server),
            String(c.observedCount),
            formatPercent(L, c.observedShare),
            formatPercent(L, c.probability),
            formatNumber(L, c.expectedCount, 1),
            `[${formatPercent(L, c.interval.lo)}${m.intervalSep}${formatPercent(L, c.interval.hi)}]`,
            c.inside ? m.yes : m.no,
          ]),
          [false, true, true, true, true, false, false],
        ),
      );
      const probs = e.perServer.map((c) => `${m.serverName(c.server)} ${formatPercent(L, c.probability)}`).join(', ');
      const ruleProbs = (vip?.rules ?? []).filter((r) => r.match.kind === 'random').map((r) => `${this.ruleText(r)}`).join(m.sep);
      this.blocks.push(p(`${m.q2Random(probs, run.requests, ruleProbs)} ${m.q2RandomVerdict(e.allInside, e.perServer.filter((c) => !c.inside).map((c) => m.serverName(c.server)))}`));
    } else if (e.kind === 'exact') {
      this.blocks.push(
        table(
          [m.thServer, m.thReplies, m.thExpected],
          bars.map((b) => [m.serverName(b.server), String(b.count), String(e.counts.find((c) => c.server === b.server)?.count ?? 0)]),
          [false, true, true],
        ),
      );
      const expected = fmtCounts(e.counts);
      const observed = fmtCounts(bars);
      const text =
        vip?.policy === 'round-robin'
          ? m.q2ExactRoundRobin(run.connectionsBefore, run.vip, run.requests, expected, observed, e.matches)
          : m.q2ExactSource(run.client, this.hostAddr(run.client), run.requests, expected, observed, e.matches);
      const extra = e.noServer > 0 ? ` ${m.q2NoServer(String(e.noServer))}` : '';
      this.blocks.push(p(text + extra));
    } else {
      this.blocks.push(table([m.thServer, m.thReplies], bars.map((b) => [m.serverName(b.server), String(b.count)]), [false, true]));
      this.blocks.push(p(m.q2NoneText));
    }
    const answered = run.counts.reduce((s, c) => s + c.count, 0);
    if (answered < run.requests) this.blocks.push(p(m.q2Unmatched(run.requests - answered)));
    if (run.firstStream < 0) return;
    this.claim(
      m.seeQ2(run.client, run.vip, run.lastStream - run.firstStream + 1),
      run.captureFile,
      `tcp.stream >= ${run.firstStream} && tcp.stream <= ${run.lastStream} && ip.dst == ${run.vip} && tcp.flags.syn == 1 && tcp.flags.ack == 0`,
    );
  }

  // -------------------------------------------------------------------------------------------
  private q3(): void {
    const m = this.m;
    this.blocks.push(h(2, m.hQ3, 'q3'));
    if (this.data.q3.length === 0) {
      this.blocks.push(p(m.notRun));
      return;
    }
    this.blocks.push(p(...splitBackticks(m.q3Intro)));
    this.data.q3.forEach((sw, i) => this.q3Switch(sw, i));
  }

  private q3Switch(sw: Q3Switch, index: number): void {
    const m = this.m;
    const L = this.lang;
    const o = sw.observed;
    this.blocks.push(h(3, sw.host, `q3-${index + 1}`));
    this.blocks.push(p(code(`${sw.host}:~# ${sw.command}`)));
    this.blocks.push(pre(sw.listing));
    const pre_ = sw.chains.find((c) => c.name === 'PREROUTING');
    const post = sw.chains.find((c) => c.name === 'POSTROUTING');
    if (pre_ === undefined) {
      this.blocks.push(p(m.q3NoChain));
      return;
    }
    const items: InlineLike[][] = [];
    const vips = this.data.topology.vips.filter((v) => v.switchHost === sw.host);
    let dnatTotal = 0;
    for (const vip of vips) {
      const counted = vip.rules.map((r) => ({ rule: r, counters: pre_.rules.find((x) => x.num === r.num) }));
      const pkts = counted.map((c) => c.counters?.pkts.value ?? 0);
      const total = pkts.reduce((a, b) => a + b, 0);
      dnatTotal += total;
      items.push([m.q3Connections(vip.address, pkts.join(' + '), total, o.connectionsToVip, o.packetsToVip)]);
      const bytes = counted.reduce((a, c) => a + (c.counters?.bytes.value ?? 0), 0);
      const lengths = o.firstPacketIpLengths;
      const per = total > 0 ? bytes / total : 0;
      if (total > 0 && lengths.length === 1 && lengths[0]!.length === per) {
        // 60 is a Linux SYN with MSS, SACK-permitted, timestamps and window scale (LINUX.md): say so only then.
        items.push([per === 60 ? m.q3Bytes60(bytes, total, per) : m.q3BytesUniform(bytes, total, per)]);
      } else {
        items.push([m.q3BytesOther(bytes, total, lengths.map((l) => `${l.length} × ${l.count}`).join(', ') || m.none)]);
      }
      let reached = o.connectionsToVip;
      counted.forEach((c, i) => {
        const matched = c.counters?.pkts.value ?? 0;
        const what = `${this.ruleText(c.rule)}`;
        const seen = o.connectionsToVipByServer.find((x) => x.server === c.rule.server);
        const inside = seen === undefined || c.rule.server === null ? '' : ` ${m.q3InsideSeen(seen.count, o.insideCapture, m.serverName(c.rule.server))}`;
        if (i === 0) items.push([m.q3FirstRule(c.rule.num, reached, matched, what) + inside]);
        else items.push([m.q3LaterRule(c.rule.num, reached, matched, what, reached > 0 ? formatPercent(L, matched / reached) : m.none) + inside]);
        reached -= matched;
      });
    }
    this.policyLine(items, pre_, o.connectionsRouted, Math.max(0, o.connectionsToVip - dnatTotal));
    const masq = post?.rules.find((r) => r.target === 'MASQUERADE');
    const vip0 = vips[0];
    if (post?.policy !== null && post !== undefined) items.push([m.q3PolicyPost(post.policyPkts.value, post.policyBytes.value)]);
    if (masq !== undefined && vip0 !== undefined) {
      items.push([
        m.q3Masquerade(masq.pkts.value, masq.bytes.value, masq.source, masq.destination, dnatTotal, o.connectionsRouted, o.connectionsMasqueraded, vip0.insideIface, vip0.insideAddress),
      ]);
    }
    this.blocks.push(ul(items));

    for (const vip of vips) {
      const first = `ip.dst == ${vip.address} && tcp.flags.syn == 1 && tcp.flags.ack == 0 && !tcp.analysis.retransmission`;
      this.claim(m.seeQ3Conn(vip.address, o.connectionsToVip), o.outsideCapture, first);
      this.claim(m.seeQ3Packets(vip.address, o.packetsToVip), o.outsideCapture, `ip.dst == ${vip.address}`);
      for (const l of o.firstPacketIpLengths) this.claim(m.seeQ3Len(l.length, l.count), o.outsideCapture, `${first} && ip.len == ${l.length}`);
      for (const s of o.connectionsMasqueradedByServer) {
        const addr = this.data.topology.servers.find((x) => x.index === s.server)?.address ?? '';
        this.claim(
          m.seeQ3Server(vip.insideAddress, m.serverName(s.server), s.count),
          o.insideCapture,
          `ip.src == ${vip.insideAddress} && ip.dst == ${addr} && tcp.flags.syn == 1 && tcp.flags.ack == 0 && !tcp.analysis.retransmission`,
        );
      }
    }
    if (vip0 !== undefined) {
      this.claim(
        m.seeQ3Masq(vip0.insideAddress, o.connectionsMasqueraded),
        o.insideCapture,
        `ip.src == ${vip0.insideAddress} && tcp.flags.syn == 1 && tcp.flags.ack == 0 && !tcp.analysis.retransmission`,
      );
    }
  }

  private policyLine(items: InlineLike[][], chain: NatChain, routed: number, vipLeft: number): void {
    const m = this.m;
    const observed = routed + vipLeft;
    const listed = chain.policyPkts.value;
    let verdict: string;
    if (listed === observed) verdict = m.q3PolicyMatches;
    else if (listed === 0) verdict = m.q3PolicyNft(observed);
    else verdict = m.q3PolicyMismatch(listed, observed);
    items.push([`${m.q3PolicyPre(listed, chain.policyBytes.value, routed, vipLeft)} ${verdict}`]);
  }

  // -------------------------------------------------------------------------------------------
  private ladder(): void {
    const m = this.m;
    const L = this.lang;
    this.blocks.push(h(2, m.hLadder, 'ladder'));
    const c = this.data.ladder;
    if (c === null) {
      this.blocks.push(p(m.noLadder));
      return;
    }
    const vip = this.vipOf(c.vip);
    const serverName = c.server === null ? c.serverAddr : m.serverName(c.server);
    this.blocks.push(p(m.ladderIntro(c.client, c.vip, c.switchHost, serverName, c.outsideCapture, c.outsideStream, c.insideCapture, c.insideStream)));
    const serverHost = this.data.topology.servers.find((s) => s.index === c.server)?.host ?? c.serverAddr;
    this.fig(
      'ladder',
      ladderSvg(c, {
        title: m.ladderCaption(c.switchHost),
        natBadge: m.natBadge,
        ruleLegend: m.ruleLegend,
        conntrackLegend: m.conntrackLegend,
        clientLane: c.client,
        outsideLane: m.outsideLane(c.switchHost, vip?.outsideIface ?? ''),
        insideLane: m.insideLane(vip?.insideIface ?? ''),
        serverLane: m.serverLane(serverHost),
        more: m.morePackets,
        ms: (ms) => `${formatNumber(L, ms, 3)} ms`,
      }, 'svg-ladder'),
      m.ladderCaption(c.switchHost),
    );
    const t0 = c.packets[0]?.timeNs ?? 0;
    this.blocks.push(
      table(
        [m.thStep, m.thTime, m.thSide, m.thFrame, m.thPacket, m.thFlags, m.thLen, m.thNat],
        c.packets.map((pk, i) => [
          String(i + 1),
          formatNumber(L, (pk.timeNs - t0) / 1e6, 3),
          m.side(pk.side),
          String(pk.frameNumber),
          `${pk.src}:${pk.srcPort} → ${pk.dst}:${pk.dstPort}`,
          pk.flags,
          String(pk.payloadLen),
          pk.nat.map((n) => m.natShort(n)).join(m.sep) || m.none,
        ]),
        [true, true, false, true, false, false, true, false],
      ),
    );
    const decided = c.packets.flatMap((pk) => pk.nat.filter((n) => n.byRule));
    const laterPackets = c.packets.filter((pk) => pk.nat.length > 0 && pk.nat.every((n) => !n.byRule)).length;
    if (decided.length === 0 && laterPackets === 0) this.blocks.push(p(m.ladderNoNat));
    else this.blocks.push(p(m.ladderExplain(decided.map((n) => m.natLong(n)).join(m.sep) || m.none, laterPackets)));
    this.claim(m.seeLadder(m.side('outside')), c.outsideCapture, `tcp.stream eq ${c.outsideStream}`);
    this.claim(m.seeLadder(m.side('inside')), c.insideCapture, `tcp.stream eq ${c.insideStream}`);
    if (this.data.captures.merged !== null) {
      this.claim(m.seeMerged, this.data.captures.merged, `tcp.port == ${c.clientPort} && frame.comment`);
    }
  }

  private seeItYourself(): void {
    const m = this.m;
    this.blocks.push(h(2, m.hSee, 'see'));
    if (this.see.length === 0) {
      this.blocks.push(p(m.noClaims));
      return;
    }
    this.blocks.push(p(m.seeIntro));
    this.blocks.push(table([m.thClaim, m.thFile, m.thFilter], this.see));
  }
}

/** The bars of a run: every server the expectation or the run names, in server order. */
function barsFor(run: Q2Run, e: Expectation): { server: number; count: number }[] {
  const servers = new Set<number>(run.counts.map((c) => c.server));
  if (e.kind === 'exact') for (const c of e.counts) servers.add(c.server);
  if (e.kind === 'random') for (const c of e.perServer) servers.add(c.server);
  return [...servers].sort((a, b) => a - b).map((server) => ({ server, count: run.counts.find((c) => c.server === server)?.count ?? 0 }));
}

/** `a` in a catalogue sentence becomes a code span. */
function splitBackticks(s: string): InlineLike[] {
  return s.split('`').map((part, i) => (i % 2 === 1 ? code(part) : part));
}

export function buildReport(data: LabRunData, lang: Lang = 'fr', options: Partial<ReportOptions> = {}): BuiltReport {
  const b = new ReportBuilder(data, lang);
  b.build();
  const m = MESSAGES[lang];
  const markdown = renderMarkdown(b.blocks, { figuresDir: options.figuresDir ?? null, figureNote: m.figureNote });
  const html = renderHtml(b.blocks, lang, m.title);
  return { markdown, html, figures: b.figures };
}
