// A strict well-formedness check for the report's HTML (written as XML) and its SVGs: every tag
// closed and nested, attributes quoted and unique, entities known, one root element.

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*$/;
const ENTITY = /^&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** Parses `src` strictly; throws an Error naming the offset and the problem. */
export function parseXml(src: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const fail = (msg: string): never => {
    const line = src.slice(0, i).split('\n').length;
    throw new Error(`not well-formed at line ${line}: ${msg} near ${JSON.stringify(src.slice(i, i + 60))}`);
  };
  const checkText = (t: string): void => {
    for (let k = t.indexOf('&'); k >= 0; k = t.indexOf('&', k + 1)) if (!ENTITY.test(t.slice(k))) fail(`bad entity ${JSON.stringify(t.slice(k, k + 12))}`);
    if (t.includes('<')) fail('raw < in text');
  };
  while (i < src.length) {
    if (src.startsWith('<!--', i)) {
      const end = src.indexOf('-->', i);
      if (end < 0) fail('unclosed comment');
      i = end + 3;
    } else if (src.startsWith('<!DOCTYPE', i)) {
      if (root !== null || stack.length > 0) fail('DOCTYPE after the root');
      i = src.indexOf('>', i) + 1;
    } else if (src.startsWith('<?', i)) {
      i = src.indexOf('?>', i) + 2;
    } else if (src.startsWith('</', i)) {
      const end = src.indexOf('>', i);
      const name = src.slice(i + 2, end).trim();
      const top = stack.pop();
      if (top === undefined || top.name !== name) fail(`</${name}> closes <${top?.name ?? 'nothing'}>`);
      i = end + 1;
      if (stack.length === 0) root = top!;
    } else if (src[i] === '<') {
      const m = /^<([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/.exec(src.slice(i));
      if (m === null) fail('malformed start tag');
      const name = m![1]!;
      if (!NAME.test(name)) fail(`bad element name ${name}`);
      const attrs: Record<string, string> = {};
      for (const a of m![2]!.matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        if (a[1]! in attrs) fail(`duplicate attribute ${a[1]}`);
        const v = a[2] ?? a[3] ?? '';
        checkText(v);
        attrs[a[1]!] = v;
      }
      const el: XmlElement = { name, attrs, children: [], text: '' };
      if (stack.length === 0 && root !== null) fail('second root element');
      stack[stack.length - 1]?.children.push(el);
      i += m![0].length;
      if (m![3] === '/') {
        if (stack.length === 0) root = el;
      } else stack.push(el);
    } else {
      const next = src.indexOf('<', i);
      const t = src.slice(i, next < 0 ? src.length : next);
      if (stack.length === 0 && t.trim() !== '') fail('text outside the root');
      checkText(t);
      const top = stack[stack.length - 1];
      if (top !== undefined) top.text += t;
      i = next < 0 ? src.length : next;
    }
  }
  if (stack.length > 0) fail(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (root === null) fail('no root element');
  return root!;
}

export function findAll(el: XmlElement, name: string, out: XmlElement[] = []): XmlElement[] {
  if (el.name === name) out.push(el);
  for (const c of el.children) findAll(c, name, out);
  return out;
}
