/**
 * A small document model (headings, paragraphs, tables and figures) that renders both to
 * Markdown, with figures as files beside it, and to one self-contained HTML page, with SVG
 * inline and PNG as data URLs.
 */

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'table'; header: string[]; rows: string[][] }
  | { kind: 'figure'; caption: string; file: string; content: string | Uint8Array };

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Renders inline Markdown code spans as HTML `<code>`, escaping the rest. */
function inlineHtml(text: string): string {
  return text
    .split('`')
    .map((part, k) => (k % 2 === 1 ? `<code>${escapeHtml(part)}</code>` : escapeHtml(part)))
    .join('');
}

/** Returns the caption up to its first colon, such as `Figure 2 (colourisation)`, as alt text. */
function shortCaption(caption: string): string {
  return caption.split(':')[0];
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** Renders `blocks` as Markdown; figures link to `figureFolder`/file. */
export function toMarkdown(blocks: Block[], figureFolder: string): string {
  const parts = blocks.map((block) => {
    switch (block.kind) {
      case 'heading':
        return `${'#'.repeat(block.level)} ${block.text}`;
      case 'paragraph':
        return block.text;
      case 'code':
        return `\`\`\`sh\n${block.text}\n\`\`\``;
      case 'table': {
        const lines = [
          `| ${block.header.map(escapeCell).join(' | ')} |`,
          `| ${block.header.map(() => '---').join(' | ')} |`,
          ...block.rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
        ];
        return lines.join('\n');
      }
      case 'figure':
        return `![${shortCaption(block.caption)}](${figureFolder}/${block.file})\n\n*${block.caption}*`;
    }
  });
  return `${parts.join('\n\n')}\n`;
}

/** Renders `blocks` as one HTML page that needs no other file. */
export function toHtml(blocks: Block[], title: string): string {
  const body = blocks.map((block) => {
    switch (block.kind) {
      case 'heading':
        return `<h${block.level}>${inlineHtml(block.text)}</h${block.level}>`;
      case 'paragraph':
        return `<p>${inlineHtml(block.text)}</p>`;
      case 'code':
        return `<pre><code>${escapeHtml(block.text)}</code></pre>`;
      case 'table': {
        const header = block.header.map((cell) => `<th>${inlineHtml(cell)}</th>`).join('');
        const rows = block.rows
          .map((row) => `<tr>${row.map((cell) => `<td>${inlineHtml(cell)}</td>`).join('')}</tr>`)
          .join('\n');
        return `<table>\n<thead><tr>${header}</tr></thead>\n<tbody>\n${rows}\n</tbody>\n</table>`;
      }
      case 'figure': {
        const image =
          typeof block.content === 'string'
            ? block.content.replace(/^<\?xml[^>]*>\s*/, '')
            : `<img alt="${escapeHtml(block.caption)}" src="data:image/png;base64,${Buffer.from(block.content).toString('base64')}">`;
        return `<figure>${image}<figcaption>${inlineHtml(block.caption)}</figcaption></figure>`;
      }
    }
  });
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>',
    'body { font-family: sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; }',
    'table { border-collapse: collapse; margin: 1rem 0; }',
    'th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; }',
    'figure img { image-rendering: pixelated; max-width: 100%; }',
    'code { font-size: 0.9em; }',
    '</style>',
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
