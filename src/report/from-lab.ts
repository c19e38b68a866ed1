// A finished Lab (src/scenario) and the bytes of its capture files, as the report's RunOutput.
// The CLI collects the bytes (it owns the files); everything else comes from the lab itself.

import { readCapture } from '../pcap/index.ts';
import type { Lab, Scenario, StepOutcome } from '../scenario/index.ts';
import { cidrToString } from '../scenario/index.ts';
import type { CaptureFile } from '../stack/index.ts';
import { isWireError, macToString } from '../wire/index.ts';
import type { RunCapture, RunOutput, RunStepResult } from './extract.ts';
import { framesFromCapture } from './extract.ts';

export interface LabCaptureBytes {
  file: CaptureFile;
  bytes: Uint8Array;
}

/**
 * `outcomes` are the lab's step outcomes in order; `captures` the files its capture sinks received
 * (trace files are skipped; the merged pcapng is listed by name only). Call after lab.finish() and
 * lab.close(): the capture writers buffer, and only close() flushes their last bytes.
 */
export function runOutputFromLab(lab: Lab, scenario: Scenario, outcomes: StepOutcome[], captures: LabCaptureBytes[]): RunOutput {
  const hosts = scenario.hosts.map((h) => {
    const live = lab.network.hosts.find((x) => x.name === h.name);
    return {
      name: h.name,
      interfaces: h.interfaces.map((i) => {
        const liveIface = live?.interfaces.find((x) => x.name === i.name);
        const first = liveIface?.addresses[0] ?? i.addresses[0];
        return {
          name: i.name,
          domain: i.domain,
          address: first === undefined ? null : cidrToString(first),
          mac: liveIface !== undefined ? macToString(liveIface.mac) : (i.mac ?? ''),
        };
      }),
    };
  });
  const steps: RunStepResult[] = [];
  for (const o of outcomes) {
    if (o.kind !== 'command' || o.host === undefined || o.command === undefined) continue;
    const step: RunStepResult = { host: o.host, command: o.command, startNs: o.startNs, endNs: o.endNs, stdout: o.stdout, stderr: o.stderr, exitCode: o.exitCode };
    if (o.counts !== undefined) step.counts = o.counts;
    if (o.extras !== undefined) step.extras = o.extras;
    steps.push(step);
  }
  const runCaptures: RunCapture[] = [];
  for (const { file, bytes } of captures) {
    if (file.kind === 'trace') continue;
    let frames = null;
    if (file.kind !== 'merged') {
      const cap = readCapture(bytes);
      if (isWireError(cap)) throw new Error(`${file.name}: ${cap.message}`);
      frames = framesFromCapture(cap, scenario.startEpochSec);
    }
    runCaptures.push({ file: file.name, kind: file.kind, host: file.host ?? null, iface: file.iface ?? null, domain: file.domain ?? null, frames });
  }
  const listings = [...lab.iptablesListings()].map(([host, text]) => ({ host, command: 'iptables -t nat -vnL', text }));
  return {
    scenarioName: scenario.name,
    seed: lab.seed,
    startEpochSec: scenario.startEpochSec,
    endNs: Math.max(lab.network.scheduler.now, ...outcomes.map((o) => o.endNs)),
    hosts,
    steps,
    listings,
    captures: runCaptures,
  };
}
