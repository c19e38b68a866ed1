// A tiny document model: the report's content is built once as blocks, then rendered twice, to
// Markdown and to self-contained HTML, so the two files cannot say different things.

export type Inline =
  | { t: 'text'; s: string }
  | { t: 'code'; s: string }
  | { t: 'strong'; s: string }
  | { t: 'em'; s: string };

export type Block =
  | { kind: 'h'; level: 1 | 2 | 3; text: string; id: string }
  | { kind: 'p'; content: Inline[] }
  | { kind: 'ul'; items: Inline[][] }
  | { kind: 'table'; head: Inline[][]; rows: Inline[][][]; numeric: boolean[] }
  | { kind: 'pre'; text: string }
  | { kind: 'figure'; name: string; svg: string; caption: string };

export type InlineLike = string | Inline;

export const code = (s: string): Inline => ({ t: 'code', s });
export const strong = (s: string): Inline => ({ t: 'strong', s });
export const em = (s: string): Inline => ({ t: 'em', s });

export function inl(parts: InlineLike | InlineLike[]): Inline[] {
  const list = Array.isArray(parts) ? parts : [parts];
  return list.map((p) => (typeof p === 'string' ? { t: 'text', s: p } : p));
}

export const h = (level: 1 | 2 | 3, text: string, id: string): Block => ({ kind: 'h', level, text, id });
export const p = (...parts: InlineLike[]): Block => ({ kind: 'p', content: inl(parts) });
export const ul = (items: InlineLike[][]): Block => ({ kind: 'ul', items: items.map((i) => inl(i)) });
export const pre = (text: string): Block => ({ kind: 'pre', text });
export const figure = (name: string, svg: string, caption: string): Block => ({ kind: 'figure', name, svg, caption });

/** A table; `numeric[i]` right-aligns column i. Cells are strings or inline lists. */
export function table(head: InlineLike[], rows: (InlineLike | InlineLike[])[][], numeric: boolean[] = []): Block {
  return {
    kind: 'table',
    head: head.map((c) => inl(c)),
    rows: rows.map((r) => r.map((c) => inl(c))),
    numeric: head.map((_, i) => numeric[i] ?? false),
  };
}

// ---------------------------------------------------------------------------------------------
// Markdown

function mdText(s: string, inTable: boolean): string {
  let out = s.replace(/\\/g, '\\\\').replace(/([*_`[\]])/g, '\\$1').replace(/</g, '&lt;');
  if (inTable) out = out.replace(/\|/g, '\\|');
  return out;
}

function mdCode(s: string, inTable: boolean): string {
  const body = inTable ? s.replace(/\|/g, '\\|') : s;
  const fence = body.includes('`') ? '``' : '`';
  const pad = body.startsWith('`') || body.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

function mdInline(content: Inline[], inTable = false): string {
  return content
    .map((i) => {
      switch (i.t) {
        case 'text':
          return mdText(i.s, inTable);
        case 'code':
          return mdCode(i.s, inTable);
        case 'strong':
          return `**${mdText(i.s, inTable)}**`;
        case 'em':
          return `*${mdText(i.s, inTable)}*`;
      }
    })
    .join('');
}

export interface MarkdownOptions {
  /** If set, figures become `![caption](figuresDir/name.svg)` (the caller writes the files); else a caption line only. */
  figuresDir: string | null;
  /** The line written in place of a figure when figuresDir is null. */
  figureNote: (caption: string) => string;
}

export function renderMarkdown(blocks: Block[], opts: MarkdownOptions): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'h':
        out.push(`${'#'.repeat(b.level)} ${mdText(b.text, false)}`);
        break;
      case 'p':
        out.push(mdInline(b.content));
        break;
      case 'ul':
        out.push(b.items.map((i) => `- ${mdInline(i)}`).join('\n'));
        break;
      case 'table': {
        const lines = [
          `| ${b.head.map((c) => mdInline(c, true)).join(' | ')} |`,
          `|${b.numeric.map((n) => (n ? '---:' : '---')).join('|')}|`,
          ...b.rows.map((r) => `| ${r.map((c) => mdInline(c, true)).join(' | ')} |`),
        ];
        out.push(lines.join('\n'));
        break;
      }
      case 'pre': {
        const fence = b.text.includes('```') ? '````' : '```';
        out.push(`${fence}\n${b.text.replace(/\n$/, '')}\n${fence}`);
        break;
      }
      case 'figure':
        out.push(
          opts.figuresDir !== null
            ? `![${mdText(b.caption, false)}](${opts.figuresDir}/${b.name}.svg)`
            : `*${mdText(opts.figureNote(b.caption), false)}*`,
        );
        break;
    }
  }
  return `${out.join('\n\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// HTML (written as well-formed XML, so a strict parser accepts it and each SVG stands alone)

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function htmlInline(content: Inline[]): string {
  return content
    .map((i) => {
      switch (i.t) {
        case 'text':
          return escapeXml(i.s);
        case 'code':
          return `<code>${escapeXml(i.s)}</code>`;
        case 'strong':
          return `<strong>${escapeXml(i.s)}</strong>`;
        case 'em':
          return `<em>${escapeXml(i.s)}</em>`;
      }
    })
    .join('');
}

export function renderHtmlBody(blocks: Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'h':
        out.push(`<h${b.level} id="${escapeXml(b.id)}">${escapeXml(b.text)}</h${b.level}>`);
        break;
      case 'p':
        out.push(`<p>${htmlInline(b.content)}</p>`);
        break;
      case 'ul':
        out.push(`<ul>\n${b.items.map((i) => `<li>${htmlInline(i)}</li>`).join('\n')}\n</ul>`);
        break;
      case 'table': {
        const cls = (i: number): string => (b.numeric[i] === true ? ' class="num"' : '');
        const head = `<tr>${b.head.map((c, i) => `<th${cls(i)}>${htmlInline(c)}</th>`).join('')}</tr>`;
        const rows = b.rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${htmlInline(c)}</td>`).join('')}</tr>`);
        out.push(`<table>\n<thead>${head}</thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`);
        break;
      }
      case 'pre':
        out.push(`<pre>${escapeXml(b.text.replace(/\n$/, ''))}</pre>`);
        break;
      case 'figure':
        out.push(`<figure id="fig-${escapeXml(b.name)}">\n${b.svg}\n<figcaption>${escapeXml(b.caption)}</figcaption>\n</figure>`);
        break;
    }
  }
  return out.join('\n');
}

/** The page's CSS: A4 pages, and nothing may be wider than the text column. */
export const REPORT_CSS = `@page { size: A4; margin: 15mm; }
html { background: #fff; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10.5pt; line-height: 1.4;
  color: #1a1a1a; max-width: 180mm; margin: 0 auto; padding: 8mm 4mm; box-sizing: border-box; }
h1 { font-size: 18pt; margin: 0 0 4pt; }
h2 { font-size: 14pt; margin: 18pt 0 6pt; border-bottom: 1px solid #999; page-break-after: avoid; }
h3 { font-size: 11.5pt; margin: 12pt 0 4pt; page-break-after: avoid; }
p, ul { margin: 4pt 0 6pt; }
code, pre { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; }
code { font-size: 9pt; background: #f2f2f2; padding: 0 2pt; overflow-wrap: anywhere; }
pre { font-size: 7pt; line-height: 1.25; background: #f6f6f6; border: 1px solid #ddd; padding: 4pt;
  white-space: pre-wrap; overflow-wrap: anywhere; max-width: 100%; box-sizing: border-box; }
table { border-collapse: collapse; margin: 4pt 0 8pt; font-size: 9pt; max-width: 100%; table-layout: auto; }
th, td { border: 1px solid #bbb; padding: 2pt 4pt; vertical-align: top; text-align: left; overflow-wrap: break-word; }
th { background: #eee; }
td.num, th.num { text-align: right; }
figure { margin: 6pt 0 10pt; page-break-inside: avoid; }
figure svg { display: block; width: 100%; height: auto; max-width: 100%; }
figcaption { font-size: 9pt; color: #444; margin-top: 2pt; }
`;

export function renderHtml(blocks: Block[], lang: string, title: string): string {
  return [
    '<!DOCTYPE html>',
    `<html xmlns="http://www.w3.org/1999/xhtml" lang="${escapeXml(lang)}" xml:lang="${escapeXml(lang)}">`,
    '<head>',
    '<meta charset="utf-8"/>',
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    `<title>${escapeXml(title)}</title>`,
    `<style>\n${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    renderHtmlBody(blocks),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
