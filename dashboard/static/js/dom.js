// DOM helpers. Everything the API returns is put on the page as text
// (textContent, createTextNode): no markup is ever parsed from data.

const SVG_NS = 'http://www.w3.org/2000/svg';

// Attributes that must never be set from this helper: event handlers,
// style and anything that loads or navigates. Links to memories go
// through memoryLink; the fixed navigation links are in index.html.
const FORBIDDEN = /^(on|style$|href$|src$|srcdoc$|action$|formaction$|xlink:href$)/i;

function apply(node, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (FORBIDDEN.test(k)) throw new Error('dom: attribute not allowed: ' + k);
    if (k === 'class') node.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'text') node.textContent = String(v);
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'value' && 'value' in node) node.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden' || k === 'required') node[k] = Boolean(v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(node, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// h('div', {class: 'x'}, 'text', child, [more]) builds an element. Strings
// become text nodes.
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  apply(node, attrs);
  append(node, children);
  return node;
}

// s('rect', {...}) builds an SVG element.
export function s(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  apply(node, attrs);
  append(node, children);
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export const HASH_RE = /^[0-9a-f]{64}$/;

export function isHash(v) {
  return typeof v === 'string' && HASH_RE.test(v);
}

// memoryLink links to a memory's detail view when hash is a content hash,
// else renders the children as plain text.
export function memoryLink(hash, attrs, ...children) {
  if (!isHash(hash)) return h('span', attrs, ...children);
  const a = h('a', attrs, ...children);
  a.setAttribute('href', '#/memory/' + hash);
  return a;
}

export function fmtDate(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function fmtEpoch(sec) {
  if (!sec) return '—';
  return fmtDate(new Date(sec * 1000).toISOString());
}

export function fmtBytes(n) {
  if (n >= 1 << 20) return (n / (1 << 20)).toFixed(1) + ' MiB';
  if (n >= 1 << 10) return (n / (1 << 10)).toFixed(1) + ' KiB';
  return `${n} bytes`;
}

// fmtDuration says a number of seconds the way a person would: "45 s",
// "12 min", "3 h", "2 days".
export function fmtDuration(sec) {
  const s = Math.max(0, Number(sec) || 0);
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

// fmtScore shows a score from 0 to 1 with two decimals.
export function fmtScore(v) {
  return Number(v ?? 0).toFixed(2);
}

export function clip(text, n) {
  const t = String(text ?? '');
  return t.length > n ? t.slice(0, n - 1) + '…' : t;
}

export function shortHash(hash) {
  return String(hash ?? '').slice(0, 12);
}

let uid = 0;
export function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}
