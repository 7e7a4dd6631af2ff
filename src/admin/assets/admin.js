// llm-proxy admin UI: copy buttons, confirmations, relative times, the secret dialog, the live tail.
// Served from the server itself (CSP script-src 'self'): no inline script anywhere.
'use strict';

function relativeTime(date) {
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  const units = [['year', 31536000], ['month', 2592000], ['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]];
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size || unit === 'second') return format.format(Math.round(seconds / size), unit);
  }
  return '';
}

function refreshTimes(root) {
  for (const element of root.querySelectorAll('time[data-relative]')) {
    const date = new Date(element.getAttribute('datetime'));
    if (!Number.isNaN(date.getTime())) {
      element.textContent = relativeTime(date);
      element.title = date.toLocaleString();
    }
  }
}

document.addEventListener('submit', (event) => {
  const form = event.target;
  const question = form.getAttribute('data-confirm');
  if (question && !window.confirm(question)) event.preventDefault();
});

document.addEventListener('click', (event) => {
  const button = event.target.closest('[data-copy]');
  if (!button) return;
  const source = document.getElementById(button.getAttribute('data-copy'));
  if (!source) return;
  const text = source.textContent.trim();
  const done = () => { button.textContent = 'Copied'; };
  if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, () => selectText(source));
  else { selectText(source); try { document.execCommand('copy'); done(); } catch { /* selected: the user copies */ } }
});

function selectText(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

function openDialogs() {
  for (const dialog of document.querySelectorAll('dialog[data-show]')) {
    if (dialog.open) dialog.close();
    dialog.showModal();
  }
}

function liveTail() {
  const log = document.getElementById('live-log');
  if (!log) return;
  const body = log.querySelector('tbody');
  const status = document.getElementById('live-status');
  const source = new EventSource(log.getAttribute('data-stream'));
  source.addEventListener('open', () => { status.textContent = 'Connected: calls appear as they happen.'; });
  source.addEventListener('error', () => { status.textContent = 'Disconnected: reconnecting…'; });
  source.addEventListener('call', (message) => {
    const call = JSON.parse(message.data);
    const row = document.createElement('tr');
    for (const value of [new Date(call.at).toLocaleTimeString(), call.project, call.token, call.method, call.path, call.status, call.ms, call.tokens]) {
      const cell = document.createElement('td');
      cell.textContent = value === null || value === undefined ? '' : String(value); // text, never markup
      row.appendChild(cell);
    }
    body.insertBefore(row, body.firstChild);
    while (body.rows.length > 200) body.deleteRow(body.rows.length - 1);
  });
}

refreshTimes(document);
setInterval(() => refreshTimes(document), 30000);
openDialogs();
liveTail();
