import { describe, expect, it } from 'vitest';
import { decodeEntities, linksDump } from '../../src/apps/linksdump.ts';

// Expected outputs are the real `links -dump` (Links 2.28) outputs of ../shared/lab/FORMATS.md
// §7.1 and ../shared/reference/real-kernel/e3/links-dump.txt.

const PAGE_WITHOUT_TABLE = `<!DOCTYPE html>
<html>
<head><title>Server B</title></head>
<body>
<h1>Hello from server B</h1>
<p>This is a paragraph of text that is long enough to be wrapped by the text browser when it renders the page into a fixed width terminal of eighty columns.</p>
<h2>Second heading</h2>
<p>Short line one.<br>Short line two.</p>
<ul><li>First item</li><li>Second item</li></ul>
<ol><li>Alpha</li><li>Beta</li></ol>
<p><a href="/other.html">A link</a> and <b>bold</b> and <i>italic</i>.</p>
<pre>preformatted
  indented   text</pre>
<hr>
<h3>Third</h3>
<center>Centered</center>
<div>Plain div text</div>
</body>
</html>
`;

const PAGE_DUMP = [
  '                              Hello from server B',
  '',
  '   This is a paragraph of text that is long enough to be wrapped by the text',
  '   browser when it renders the page into a fixed width terminal of eighty',
  '   columns.',
  '',
  'Second heading',
  '',
  '   Short line one.',
  '   Short line two.',
  '',
  '     * First item',
  '     * Second item',
  '    1. Alpha',
  '    2. Beta',
  '',
  '   A link and bold and italic.',
  '',
  ' preformatted',
  '   indented   text',
  '',
  '     ' + '-'.repeat(70),
  '',
  '  Third',
  '',
  '                                    Centered',
  '   Plain div text',
  '',
].join('\n');

const APACHE_404 = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">
<html><head>
<title>404 Not Found</title>
</head><body>
<h1>Not Found</h1>
<p>The requested URL was not found on this server.</p>
<hr>
<address>Apache/2.4.71 (Debian) Server at 10.0.2.2 Port 80</address>
</body></html>
`;

describe('linksDump: the reference pages', () => {
  it('renders the lab page with the h1 centred (24 blanks for server 3)', () => {
    const html = '<html><body><h1>This reply comes from server 3!</h1></body></html>\n';
    expect(linksDump(html)).toBe(`${' '.repeat(24)}This reply comes from server 3!\n`);
  });

  it('renders the simple page', () => {
    const html = '<html><head><title>Test</title></head><body><h1>Welcome</h1><p>Hello world.</p></body></html>\n';
    expect(linksDump(html)).toBe(`${' '.repeat(36)}Welcome\n\n   Hello world.\n`);
  });

  it('renders headings, paragraphs, br, lists, links, pre, hr, center and div as Links does', () => {
    expect(linksDump(PAGE_WITHOUT_TABLE)).toBe(PAGE_DUMP);
  });

  it('renders the bordered table of the reference page with ASCII frames', () => {
    const html = PAGE_WITHOUT_TABLE.replace(
      '<h3>Third</h3>\n',
      '<h3>Third</h3>\n<table border="1"><tr><th>Name</th><th>Value</th></tr><tr><td>a</td><td>1</td></tr></table>\n',
    );
    const table = ['   +--------------+', '   | Name | Value |', '   |------+-------|', '   | a    | 1     |', '   +--------------+', ''];
    expect(linksDump(html)).toBe(PAGE_DUMP.replace('  Third\n\n', `  Third\n\n${table.join('\n')}\n`));
  });

  it('wraps at width-3 with -width 40', () => {
    const lines = linksDump(PAGE_WITHOUT_TABLE, { width: 40 }).split('\n').slice(0, 8);
    expect(lines).toEqual([
      '          Hello from server B',
      '',
      '   This is a paragraph of text that',
      '   is long enough to be wrapped by',
      '   the text browser when it renders',
      '   the page into a fixed width',
      '   terminal of eighty columns.',
      '',
    ]);
  });

  it('keeps no line longer than 77 columns at width 80', () => {
    const words = Array.from({ length: 200 }, (_, i) => `w${'x'.repeat(i % 9)}`).join(' ');
    const out = linksDump(`<p>${words}</p>`);
    const lines = out.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) {
      expect(l.length).toBeLessThanOrEqual(77);
      expect(l.startsWith('   ')).toBe(true);
      expect(l.endsWith(' ')).toBe(false);
    }
    expect(lines.join(' ').replace(/\s+/g, ' ').trim()).toBe(words);
  });

  it('renders text/plain bodies as one paragraph, as measured', () => {
    expect(linksDump('plain text body\nsecond line\n')).toBe('   plain text body second line\n');
  });

  it('renders a page without html wrapper', () => {
    expect(linksDump('<h1>No html wrapper</h1>text after\n')).toBe(
      `${' '.repeat(32)}No html wrapper\n\n   text after\n`,
    );
  });

  it("renders Apache's 404 page", () => {
    expect(linksDump(APACHE_404)).toBe(
      [
        `${' '.repeat(35)}Not Found`,
        '',
        '   The requested URL was not found on this server.',
        '',
        `     ${'-'.repeat(70)}`,
        '',
        '    Apache/2.4.71 (Debian) Server at 10.0.2.2 Port 80',
        '',
      ].join('\n'),
    );
  });
});

describe('linksDump: rules', () => {
  it('prints nothing for an empty page, and never a leading or trailing empty line', () => {
    expect(linksDump('')).toBe('');
    expect(linksDump('<html><head><title>x</title></head><body></body></html>')).toBe('');
    expect(linksDump('<p>a</p><p></p><br><br>')).toBe('   a\n');
  });

  it('collapses whitespace and keeps one blank between words across tags', () => {
    expect(linksDump('<p>one   two\n\tthree <b>four</b> five<i> six</i></p>')).toBe('   one two three four five six\n');
    expect(linksDump('<p>a<b>b</b>c</p>')).toBe('   abc\n');
    expect(linksDump('<p>end <b>bold </b></p><p>next</p>')).toBe('   end bold\n\n   next\n');
  });

  it('does not show title, script and style contents', () => {
    const html = '<head><title>T</title><style>p { x: "<b>" }</style></head><script>if (a < b) { document.write("<p>x</p>") }</script><p>shown</p>';
    expect(linksDump(html)).toBe('   shown\n');
  });

  it('decodes entities, with nbsp as a non-breaking blank', () => {
    expect(linksDump('<p>a &amp; b &lt;c&gt; &quot;d&quot; &#65;&#x42; caf&eacute; x&nbsp;y &bogus; &amp</p>')).toBe(
      '   a & b <c> "d" AB café x y &bogus; &\n',
    );
    expect(decodeEntities('&copy;&#8364;')).toBe('©€');
  });

  it('makes a blank line for two br in a row, and h2/h3/h4 indents 0/2/4', () => {
    expect(linksDump('<p>a<br><br>b</p>')).toBe('   a\n\n   b\n');
    expect(linksDump('<h2>two</h2><h3>three</h3><h4>four</h4>')).toBe('two\n\n  three\n\n    four\n');
  });

  it('hangs wrapped list items under their text and numbers ordered lists from start=', () => {
    const long = 'word '.repeat(20).trim();
    const out = linksDump(`<ul><li>${long}</li></ul><ol start="9"><li>x</li><li>y</li></ol>`);
    const lines = out.split('\n');
    expect(lines[0]?.startsWith('     * word')).toBe(true);
    expect(lines[1]?.startsWith('       word')).toBe(true);
    expect(out.endsWith('    9. x\n   10. y\n')).toBe(true);
  });

  it('closes an open paragraph when a new one starts', () => {
    expect(linksDump('<p>one<p>two')).toBe('   one\n\n   two\n');
  });

  it('keeps pre blank lines and tabs', () => {
    expect(linksDump('<pre>\na\tb\n\nc</pre>')).toBe(' a       b\n\n c\n');
  });

  it('shows image alt text, [IMG] only inside a link', () => {
    expect(linksDump('<p><img src="a.png" alt="Logo"> <img src="b.png"> <a href="/"><img src="c.png"></a></p>')).toBe(
      '   Logo [IMG]\n',
    );
  });

  it('lays out a borderless table in aligned columns one blank apart', () => {
    expect(linksDump('<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>')).toBe('   a b\n   c\n');
    expect(linksDump('<table><tr><th>Name</th><th>Value</th></tr><tr><td>a</td><td>1</td></tr></table><p>after</p>')).toBe(
      '   Name Value\n   a    1\n\n   after\n',
    );
  });

  it('lays out a table nested in a cell', () => {
    expect(linksDump('<table><tr><td><table border=1><tr><td>in</td></tr></table></td><td>out</td></tr></table>')).toBe(
      '   +----+\n   | in | out\n   +----+\n',
    );
  });

  it('wraps a table cell that does not fit and spans columns', () => {
    const long = 'word '.repeat(30).trim();
    const out = linksDump(`<table border="1"><tr><td>${long}</td><td>x</td></tr><tr><td colspan="2">both</td></tr></table>`);
    const lines = out.trimEnd().split('\n');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(77);
    expect(lines[0]).toMatch(/^   \+-+\+$/);
    expect(lines.at(-1)).toBe(lines[0]);
    expect(lines.some((l) => /^   \| both +\|$/.test(l))).toBe(true);
  });

  it('rejects an unusable width', () => {
    expect(() => linksDump('x', { width: 3 })).toThrow(/width/);
  });
});
