import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { esc, escMd, link, reasonHtml, reasonMd, safeHref } from './escape.ts';
import { HOSTILE_LINK, HOSTILE_TAIL_REASON, hostileResult } from './fixtures/hostile.ts';
import { renderHtml } from './html.ts';
import { summaryMarkdown } from './summary-md.ts';

describe('the one escaping path', () => {
  it('escapes markup for HTML content and attributes', () => {
    assert.equal(esc(`"><img src=x onerror='alert(1)'>&`), '&quot;&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;&amp;');
    assert.equal(esc(3), '3');
  });

  it('escapes Markdown syntax, HTML, cell ends and newlines for summary.md', () => {
    assert.equal(escMd('[x](javascript:alert(1)) ![i](y) `c` *b* _i_ ~s~ a|b\\'), '\\[x\\](javascript:alert(1)) !\\[i\\](y) \\`c\\` \\*b\\* \\_i\\_ \\~s\\~ a\\|b\\\\');
    assert.equal(escMd('<img src=x>\nnext\r\nrow'), '&lt;img src=x&gt; next row');
    assert.equal(escMd(`the write-up's "claims" & <b>`), `the write-up's "claims" &amp; &lt;b&gt;`);
  });

  it('a reason with output lines: the first line as text, the rest a block, all escaped, line for line', () => {
    assert.equal(reasonHtml('one line <b>'), 'one line &lt;b&gt;');
    assert.equal(reasonHtml('server exited (code 1) during the step; its last output:\n<b>x</b>\r\ny'), 'server exited (code 1) during the step; its last output:<pre class="tail">&lt;b&gt;x&lt;/b&gt;\ny</pre>');
    assert.deepEqual(reasonMd('one *line*'), { line: 'one \\*line\\*', block: [] });
    assert.deepEqual(reasonMd('boom; its last output:\n<b>x</b>\n``` x\ra'), {
      line: 'boom; its last output:',
      // Longer than the longest run of backticks; every line indented under the list item; a bare \r ends a line.
      block: ['', '  ````text', '  <b>x</b>', '  ``` x', '  a', '  ````', ''],
    });
  });

  it('links only to http(s): or relative targets, parsed as a browser parses them', () => {
    for (const ok of ['profiles/flame.html', './a b.html', '#x', 'https://example.org/a?b=1', 'http://127.0.0.1:8080/', '//example.org/x']) assert.notEqual(safeHref(ok), null, ok);
    for (const bad of ['javascript:alert(1)', ' JaVaScRiPt:alert(1)', 'java\tscript:alert(1)', 'java\nscript:alert(1)', '\x01javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', 'file:///etc/passwd', '', 'http://[bad']) {
      assert.equal(safeHref(bad), null, JSON.stringify(bad));
    }
    assert.equal(safeHref('a"b.html'), 'a&quot;b.html');
    assert.equal(link('javascript:alert(1)', '<b>x</b>'), '&lt;b&gt;x&lt;/b&gt;');
    assert.equal(link('p/x.html', 'flame graph'), '<a href="p/x.html">flame graph</a>');
  });
});

describe('a hostile result file', () => {
  const result = hostileResult();

  it('renders report.html with no markup of its own: no tag, handler or script link from the file', async () => {
    const html = await renderHtml([result]);
    assert.ok((html.match(/alert\(/g) ?? []).length > 100, 'the payloads are in the page, as text');
    assert.doesNotMatch(html, /<(img|script|iframe)\b/i);
    assert.doesNotMatch(html, /<svg[^>]*\bonload/i);
    const handlers = attributeNames(html).filter((n) => /^on/i.test(n));
    assert.deepEqual(handlers, [], 'no event handler attribute in any tag');
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    assert.ok(hrefs.length > 0);
    for (const h of hrefs) assert.match(h, /^(#|https?:)/, h);
    assert.ok(!html.includes(`href="${esc(HOSTILE_LINK)}`), 'the javascript: profile link is not a link');
  });

  it('renders a failed reason\'s output lines in report.html as one escaped block, line for line', async () => {
    const html = await renderHtml([result]);
    const [first, ...tail] = HOSTILE_TAIL_REASON.split('\n');
    assert.ok(html.includes(`${esc(first)}<pre class="tail">${esc(tail.join('\n').replace('\r', '\n'))}</pre>`), 'the tail as a block');
  });

  it('renders summary.md with no HTML tag and no Markdown link or image from the file', () => {
    const md = summaryMarkdown([result]);
    assert.ok((md.match(/alert\(/g) ?? []).length > 20);
    assert.ok(!md.includes('\r'), 'no bare carriage return: Markdown would start a new line there');
    const fenced = fencedBlocks(md);
    assert.ok(fenced.blocks.some((b) => b.includes('<img src=x onerror=alert("fence")>')), 'the hostile tail is inside a fenced block');
    for (const b of fenced.blocks) for (const line of b.split('\n')) assert.match(line, /^ {2}/, `every line of a block stays under its list item: ${JSON.stringify(line)}`);
    const outsideCode = fenced.rest.replace(/`[^`\n]*`/g, '');
    assert.doesNotMatch(outsideCode, /<[a-z!/]/i, 'no raw tag');
    assert.doesNotMatch(outsideCode, /(^|[^\\])\[[^\]\n]*(^|[^\\])\]\(/, 'no [text](url)');
  });
});

/**
 * The fenced code blocks of `md` (CommonMark: a fence closes only on a line of at least as many
 * backticks), and the text outside them. A block left open runs to the end, as in a renderer.
 */
function fencedBlocks(md: string): { blocks: string[]; rest: string } {
  const blocks: string[] = [];
  const rest: string[] = [];
  let fence: string | null = null;
  let block: string[] = [];
  for (const line of md.split('\n')) {
    if (fence === null) {
      const open = /^\s*(`{3,})[^`]*$/.exec(line);
      if (open) fence = open[1]!;
      else rest.push(line);
    } else if (new RegExp(`^\\s*${fence}\`*\\s*$`).test(line)) {
      blocks.push(block.join('\n'));
      block = [];
      fence = null;
    } else block.push(line);
  }
  if (fence !== null) blocks.push(block.join('\n'));
  return { blocks, rest: rest.join('\n') };
}

/** The attribute names of every tag in `html`: values are quoted, so a `>` inside one is `&gt;`. */
function attributeNames(html: string): string[] {
  const names: string[] = [];
  for (const tag of html.matchAll(/<[a-z][a-z0-9-]*((?:\s+[^\s=>"'/]+(?:="[^"]*"|='[^']*'|=[^\s>"']+)?)*)\s*\/?>/gi)) {
    for (const attr of tag[1]!.matchAll(/\s+([^\s=>"'/]+)(?:="[^"]*"|='[^']*'|=[^\s>"']+)?/g)) names.push(attr[1]!);
  }
  assert.ok(names.length > 1000, `parsed ${names.length} attributes`);
  return names;
}
