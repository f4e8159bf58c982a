// Documents: ingestion does not exist in this version, and the page says so.
import { h } from '../dom.js';

export const title = 'Documents';

export async function render(root) {
  root.append(h('h1', null, 'Documents'),
    h('section', { class: 'card notice', id: 'documents-unavailable', role: 'note' },
      h('h2', null, 'Document ingestion is not available in this version'),
      h('p', null, 'This server cannot upload or split documents (PDF, text, Markdown) into memories yet. ' +
        'Store text as memories instead: with quick add on the overview, the “New” button (or the n key), ' +
        'the memory_store tool of an MCP client, or POST /api/memories.')));
  return undefined;
}
