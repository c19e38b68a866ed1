// The lab report (compte rendu): LabRunData -> report.md + report.html, and LabRunData from a run.
export type * from './model.ts';
export { buildReport, utcString } from './build.ts';
export type { BuiltReport, ReportOptions } from './build.ts';
export type { Lang } from './messages.ts';
export { wilsonInterval, effectiveProbability, expectationFor, nthOutcome, Z95 } from './stats.ts';
export type { Expectation, Interval } from './stats.ts';
export { parseNatListing, dnatRulesFor, policyOf } from './listing.ts';
export { extractLabRunData, framesFromCapture, countsFromStdout, tcpFlagsText, isStepExtras } from './extract.ts';
export type { RunOutput, RunHost, RunStepResult, StepExtras, RunListing, RunCapture, CapturedFrame } from './extract.ts';
export { buildReportFromRun } from './from-run.ts';
export { runOutputFromLab } from './from-lab.ts';
export type { LabCaptureBytes } from './from-lab.ts';
