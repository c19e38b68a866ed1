// The one call the CLI needs: a run's output in, the report (and the data it was built from) out.
import type { BuiltReport, ReportOptions } from './build.ts';
import { buildReport } from './build.ts';
import type { RunOutput } from './extract.ts';
import { extractLabRunData } from './extract.ts';
import type { Lang } from './messages.ts';
import type { LabRunData } from './model.ts';

export function buildReportFromRun(run: RunOutput, lang: Lang = 'fr', options: Partial<ReportOptions> = {}): BuiltReport & { data: LabRunData } {
  const data = extractLabRunData(run);
  return { ...buildReport(data, lang, options), data };
}
