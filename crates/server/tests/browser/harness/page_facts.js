// What the detectors read of the page in the browser: the interface's text (text nodes
// and the names given in attributes, leaving out elements marked as content or written in
// another language than the page's), all the visible text, and at phone width what
// overflows the screen and which tap targets are smaller than 44 px.
const root = document.documentElement;
const lang = root.getAttribute('lang') || '';
const primary = (tag) => tag.toLowerCase().split('-')[0];
const skipped = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE']);
function excluded(el) {
  for (let e = el; e && e !== root; e = e.parentElement) {
    if (skipped.has(e.tagName) || e.hasAttribute('data-content')) return true;
    const l = e.getAttribute('lang');
    if (l !== null && primary(l) !== primary(lang)) return true;
  }
  return false;
}
function describe(el) {
  let name = el.tagName.toLowerCase();
  if (el.id) name += '#' + el.id;
  else if (el.classList.length) name += '.' + [...el.classList].join('.');
  const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30);
  return text ? `${name} "${text}"` : name;
}
// The error page speaks both languages by design, each part marked with its lang, except
// in its title, which cannot be marked.
const ui = document.querySelector('main.error-page') ? [] : [document.title];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  const text = n.nodeValue.trim();
  const el = n.parentElement;
  if (!text || !el || excluded(el)) continue;
  if (el.tagName !== 'OPTION' && !el.checkVisibility()) continue;
  ui.push(text);
}
for (const el of document.body.querySelectorAll('[aria-label], [title], [placeholder], img[alt]')) {
  if (excluded(el)) continue;
  for (const a of ['aria-label', 'title', 'placeholder', 'alt']) {
    const v = (el.getAttribute(a) || '').trim();
    if (v) ui.push(v);
  }
}
const phone = window.innerWidth <= 720;
const overflow = [];
if (phone && root.scrollWidth > window.innerWidth + 1) {
  // The deepest elements that stick out past the right edge without a scrolling parent.
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right <= window.innerWidth + 1 || r.width === 0) continue;
    let scrolls = false;
    for (let p = el.parentElement; p && p !== root; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') { scrolls = true; break; }
    }
    if (scrolls) continue;
    const child = [...el.children].some((c) => c.getBoundingClientRect().right > window.innerWidth + 1);
    if (!child) overflow.push(`${describe(el)} reaches ${Math.round(r.right)} px`);
    if (overflow.length >= 5) break;
  }
  if (!overflow.length) overflow.push(`the page is ${root.scrollWidth} px wide`);
}
const small = [];
if (phone) {
  const targets = 'button, .button, summary, select, textarea, nav a, input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file])';
  for (const el of document.body.querySelectorAll(targets)) {
    if (!el.checkVisibility() || el.closest('.skip')) continue;
    const r = el.getBoundingClientRect();
    if (r.height < 44) small.push(`${describe(el)} is ${Math.round(r.height)} px high`);
  }
  // A link standing on its own (not a word inside a sentence) is a target too.
  for (const a of document.body.querySelectorAll('main a[href]')) {
    if (!a.checkVisibility() || a.closest('nav')) continue;
    const own = a.innerText.trim();
    const around = a.parentElement.innerText.trim();
    if (own !== around) continue;
    const r = a.getBoundingClientRect();
    if (r.height < 44) small.push(`${describe(a)} is ${Math.round(r.height)} px high`);
  }
}
return {
  phone,
  lang,
  ui: ui.join('\n'),
  text: document.body.innerText,
  overflow,
  small,
};
