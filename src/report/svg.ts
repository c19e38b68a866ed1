// Small SVG helpers: every figure is a standalone <svg> with a viewBox, scaled to the text column
// by CSS, with explicit fonts so it renders alike in a browser and in an image viewer.

import { escapeXml } from './doc.ts';

export type Attrs = Record<string, string | number>;

function attrs(a: Attrs): string {
  return Object.keys(a)
    .map((k) => ` ${k}="${escapeXml(String(a[k]))}"`)
    .join('');
}

/** Round to 0.1 px so outputs are short and stable. */
export function r1(n: number): string {
  const v = Math.round(n * 10) / 10;
  return Object.is(v, -0) ? '0' : String(v);
}

export const el = (name: string, a: Attrs, children = ''): string =>
  children === '' ? `<${name}${attrs(a)}/>` : `<${name}${attrs(a)}>${children}</${name}>`;

export function text(x: number, y: number, s: string, a: Attrs = {}): string {
  return `<text x="${r1(x)}" y="${r1(y)}"${attrs(a)}>${escapeXml(s)}</text>`;
}

export function line(x1: number, y1: number, x2: number, y2: number, a: Attrs = {}): string {
  return `<line x1="${r1(x1)}" y1="${r1(y1)}" x2="${r1(x2)}" y2="${r1(y2)}"${attrs(a)}/>`;
}

export function rect(x: number, y: number, w: number, hgt: number, a: Attrs = {}): string {
  return `<rect x="${r1(x)}" y="${r1(y)}" width="${r1(w)}" height="${r1(hgt)}"${attrs(a)}/>`;
}

/** An approximate text width for the figures' sans-serif font, to size boxes and avoid overlaps. */
export function textWidth(s: string, fontSize: number): number {
  return s.length * fontSize * 0.58;
}

/** The outer <svg>: ids inside must be prefixed with `id` so several figures can share a page. */
export function svgDoc(id: string, width: number, height: number, title: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" id="${escapeXml(id)}" viewBox="0 0 ${r1(width)} ${r1(height)}" ` +
    `width="${r1(width)}" height="${r1(height)}" role="img" aria-labelledby="${escapeXml(id)}-title" ` +
    `font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="10">` +
    `<title id="${escapeXml(id)}-title">${escapeXml(title)}</title>${body}</svg>`
  );
}

/** Colours per server (1-based), readable in greyscale print too (decreasing lightness). */
export function serverColor(server: number): string {
  const palette = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1'];
  return palette[(server - 1) % palette.length] ?? '#888888';
}
