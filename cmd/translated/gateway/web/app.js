// The translated page: streams a translation from /v1/translate:stream and
// draws, token by token, its alignment heatmap (rows: target tokens,
// columns: source words) and word links; aligns a given translation with
// /v1/align; exports what it shows through /export. Plain JavaScript, no
// build step, no library.
'use strict';

(() => {
  const SVGNS = 'http://www.w3.org/2000/svg';
  const CELL = 24; // heatmap cell size, px
  const GAP = 12; // space between words of the link view, px
  const SOFT = 0.2; // weight from which a streamed row draws a provisional link

  const $ = (sel) => document.querySelector(sel);
  const form = $('#form');
  const result = $('#result');
  const output = $('#output');
  const sentencesEl = $('#sentences');
  const statusEl = $('#status');

  const state = {
    mode: 'translate',
    models: new Map(), // name → Model
    abort: null, // AbortController of the call in flight
    sentences: [], // Sentence by index
    doc: null, // what /export gets: {sourceText, sentences: AlignedSentence[]}
    debounce: 0,
  };

  // ---- small helpers ----

  function svg(tag, attrs, parent) {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }

  function html(tag, attrs, text, parent) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  // Spans count code points; JavaScript strings count UTF-16 units.
  const codePoints = (s) => Array.from(s || '');
  const spanOf = (sp) => ({ start: (sp && sp.start) || 0, end: (sp && sp.end) || 0 });

  // confidence bucket of a log-probability: 4 (≥ 80 %) … 1 (< 20 %)
  function confidence(logProb) {
    const p = Math.exp(logProb || 0);
    return p >= 0.8 ? 4 : p >= 0.5 ? 3 : p >= 0.2 ? 2 : 1;
  }

  function tokenLabel(tok) {
    const t = (tok.text || '').trim();
    return t || tok.piece || '·';
  }

  function setStatus(text, kind) {
    statusEl.textContent = text;
    if (kind) result.dataset.state = kind;
  }

  function headers() {
    const h = { 'Content-Type': 'application/json' };
    const key = $('#apikey').value.trim();
    if (key) h.Authorization = 'Bearer ' + key;
    return h;
  }

  async function failure(resp) {
    let msg = `${resp.status} ${resp.statusText}`;
    try {
      const body = JSON.parse((await resp.text()).split('\n')[0]);
      const e = body.error !== undefined ? body.error : body;
      msg = typeof e === 'string' ? e : (e.message || msg);
    } catch (_) { /* not JSON: keep the status line */ }
    return new Error(msg);
  }

  // The index of the span (of spans) that overlaps [start, end) most, or -1.
  function mostOverlapped(spans, start, end) {
    let best = -1, bestLen = 0;
    spans.forEach((s, i) => {
      const n = Math.min(end, s.end) - Math.max(start, s.start);
      if (n > bestLen) { best = i; bestLen = n; }
    });
    return best;
  }

  // ---- one sentence: link view, heatmap, alternatives ----

  class Sentence {
    // text: the whole source text; span, tokens, words as the API gives them.
    constructor(index, text, span, sourceTokens, sourceWords) {
      this.index = index;
      const cps = codePoints(text);
      this.words = (sourceWords || []).map((w) => {
        const s = spanOf(w);
        return { start: s.start, end: s.end, text: cps.slice(s.start, s.end).join('') };
      });
      this.tokWord = (sourceTokens || []).map((t) => {
        const s = spanOf(t.span);
        return mostOverlapped(this.words, s.start, s.end);
      });
      this.rows = []; // {label, conf, weights (per word)}
      this.links = null; // Set of "t:w" once final
      this.el = html('article', { class: 'sentence', 'data-s': index });
      const sp = spanOf(span);
      html('h3', {}, `Sentence ${index + 1}: ${cps.slice(sp.start, sp.end).join('')}`, this.el);
      this.linkWrap = html('div', { class: 'scroll' }, undefined, this.el);
      this.linkSvg = svg('svg', { class: 'links', role: 'group', 'aria-label': `Word links of sentence ${index + 1}` }, this.linkWrap);
      this.heatWrap = html('div', { class: 'scroll' }, undefined, this.el);
      this.heatSvg = svg('svg', { class: 'heatmap', role: 'img',
        'aria-label': `Alignment heatmap of sentence ${index + 1}: a row per target token, a column per source word` }, this.heatWrap);
      this.out = html('span', { class: 'sent', 'data-s': index });
      this.insert();
      this.drawSource();
    }

    // insert puts the sentence's elements in sentence order.
    insert() {
      const later = [...sentencesEl.children].find((e) => Number(e.dataset.s) > this.index);
      sentencesEl.insertBefore(this.el, later || null);
      const laterOut = [...output.children].find((e) => Number(e.dataset.s) > this.index);
      output.insertBefore(this.out, laterOut || null);
    }

    drawSource() {
      // link view: source words on top
      this.srcText = [];
      this.srcX = [];
      let x = 6;
      for (const [w, word] of this.words.entries()) {
        const t = svg('text', { x, y: 18, class: 'src', 'data-s': this.index, 'data-w': w, tabindex: 0 }, this.linkSvg);
        t.textContent = word.text;
        const width = t.getComputedTextLength() || word.text.length * 8;
        this.srcText.push(t);
        this.srcX.push(x + width / 2);
        x += width + GAP;
      }
      this.linkWidth = x;
      this.tgtText = [];
      this.tgtX = [];
      this.tgtEnd = 6;
      this.lines = svg('g', {}, this.linkSvg);
      this.sizeLinks();
      // heatmap: column labels
      const longest = Math.max(1, ...this.words.map((w) => codePoints(w.text).length));
      this.labelH = Math.min(140, 16 + longest * 6);
      this.labelW = 40;
      this.colLabels = this.words.map((word, w) => {
        const cx = w * CELL + CELL / 2;
        const t = svg('text', { class: 'col-label', 'data-s': this.index, 'data-w': w,
          transform: `translate(${cx},${this.labelH - 6}) rotate(-50)` }, this.heatSvg);
        t.textContent = word.text;
        return t;
      });
      this.cells = [];
      this.rowLabels = [];
      this.sizeHeatmap();
    }

    sizeLinks() {
      const width = Math.max(this.linkWidth, this.tgtEnd) + 6;
      this.linkSvg.setAttribute('width', width);
      this.linkSvg.setAttribute('height', 96);
      this.linkSvg.setAttribute('viewBox', `0 0 ${width} 96`);
    }

    sizeHeatmap() {
      const width = this.labelW + this.words.length * CELL + 60;
      const height = this.labelH + this.rows.length * CELL + 4;
      this.heatSvg.setAttribute('width', width);
      this.heatSvg.setAttribute('height', height);
      this.heatSvg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    }

    // addRow appends one target token with its alignment row (over source
    // tokens), as a streamed token or a final one.
    addRow(tok) {
      const t = this.rows.length;
      const weights = new Array(this.words.length).fill(0);
      (tok.alignment || []).forEach((v, s) => {
        const w = this.tokWord[s];
        if (w !== undefined && w >= 0) weights[w] += v;
      });
      const label = tokenLabel(tok);
      const conf = confidence(tok.logProb);
      this.rows.push({ label, conf, weights });

      // translation text: the token's leading space outside its underline
      const text = tok.text || '';
      const word = text.trimStart();
      let space = text.slice(0, text.length - word.length);
      if (t === 0) space = this.index > 0 ? ' ' : '';
      if (space) this.out.append(space);
      html('span', { class: `tok conf-${conf}`, 'data-s': this.index, 'data-t': t, tabindex: 0,
        title: `p = ${Math.exp(tok.logProb || 0).toFixed(2)} (log-prob ${(tok.logProb || 0).toFixed(2)})` }, word, this.out);

      // link view: the token at the bottom, a provisional line to its strongest word
      const tgt = svg('text', { x: this.tgtEnd, y: 88, class: 'tgt', 'data-s': this.index, 'data-t': t, tabindex: 0 }, this.linkSvg);
      tgt.textContent = label;
      const width = tgt.getComputedTextLength() || label.length * 8;
      this.tgtText.push(tgt);
      this.tgtX.push(this.tgtEnd + width / 2);
      this.tgtEnd += width + GAP;
      let best = -1;
      weights.forEach((v, w) => { if (v >= SOFT && (best < 0 || v > weights[best])) best = w; });
      if (best >= 0) this.line(t, best, 'soft');
      this.sizeLinks();

      // heatmap row
      const y = this.labelH + t * CELL;
      this.labelW = Math.max(this.labelW, Math.min(200, 12 + codePoints(label).length * 9));
      const rl = svg('text', { class: `row-label conf-${conf}`, 'data-s': this.index, 'data-t': t, 'text-anchor': 'end', y: y + CELL * 0.7 }, this.heatSvg);
      rl.textContent = label;
      this.rowLabels.push(rl);
      const row = weights.map((v, w) => {
        const r = svg('rect', { class: 'cell', 'data-s': this.index, 'data-t': t, 'data-w': w, y, width: CELL, height: CELL, fill: heat(v) }, this.heatSvg);
        svg('title', {}, r).textContent = `${label} ← ${this.words[w].text}: ${(v * 100).toFixed(0)} %`;
        return r;
      });
      this.cells.push(row);
      this.layoutHeatmap();
    }

    // layoutHeatmap places labels and cells once the label column's width is known.
    layoutHeatmap() {
      const x0 = this.labelW + 4;
      this.rowLabels.forEach((rl) => rl.setAttribute('x', this.labelW - 2));
      this.colLabels.forEach((cl, w) => cl.setAttribute('transform', `translate(${x0 + w * CELL + CELL / 2},${this.labelH - 6}) rotate(-50)`));
      this.cells.forEach((row) => row.forEach((r, w) => r.setAttribute('x', x0 + w * CELL)));
      this.sizeHeatmap();
    }

    line(t, w, cls) {
      svg('line', { x1: this.srcX[w], y1: 24, x2: this.tgtX[t], y2: 74, class: cls || '', 'data-t': t, 'data-w': w }, this.lines);
    }

    // finish takes the final hard links: [t, w] pairs.
    finish(pairs) {
      this.links = new Set(pairs.map(([t, w]) => `${t}:${w}`));
      this.lines.replaceChildren();
      for (const [t, w] of pairs) {
        this.line(t, w);
        if (this.cells[t] && this.cells[t][w]) this.cells[t][w].classList.add('link');
      }
    }

    linkedWords(t) {
      if (this.links) return [...this.links].filter((k) => k.startsWith(`${t}:`)).map((k) => Number(k.split(':')[1]));
      const row = this.rows[t];
      if (!row) return [];
      let best = -1;
      row.weights.forEach((v, w) => { if (v >= SOFT && (best < 0 || v > row.weights[best])) best = w; });
      return best >= 0 ? [best] : [];
    }

    linkedTokens(w) {
      return this.rows.map((_, t) => t).filter((t) => this.linkedWords(t).includes(w));
    }

    highlight(t, w, on) {
      const mark = (e) => e && e.classList.toggle('hl', on);
      const tokens = t !== null ? [t] : this.linkedTokens(w);
      const words = w !== null ? [w] : this.linkedWords(t);
      for (const tt of tokens) {
        mark(this.out.children[tt]);
        mark(this.tgtText[tt]);
        mark(this.rowLabels[tt]);
      }
      for (const ww of words) {
        mark(this.srcText[ww]);
        mark(this.colLabels[ww]);
      }
      if (t !== null) (this.cells[t] || []).forEach(mark);
      if (w !== null) this.cells.forEach((row) => mark(row[w]));
      this.lines.querySelectorAll('line').forEach((l) => {
        const lt = Number(l.dataset.t), lw = Number(l.dataset.w);
        if ((t !== null && lt === t) || (w !== null && lw === w)) mark(l);
      });
    }

    alternatives(hyps) {
      if (!hyps || hyps.length < 2) return;
      const d = html('details', { class: 'nbest' }, undefined, this.el);
      html('summary', {}, `${hyps.length} alternatives`, d);
      const ol = html('ol', {}, undefined, d);
      for (const h of hyps) {
        const li = html('li', {}, h.text || '', ol);
        html('span', { class: 'score' }, `score ${(h.score || 0).toFixed(3)}`, li);
      }
    }
  }

  // heat maps a weight in [0, 1] to a colour from white to deep blue.
  function heat(v) {
    const x = Math.max(0, Math.min(1, v));
    const c = (a, b) => Math.round(a + (b - a) * Math.sqrt(x));
    return `rgb(${c(255, 18)},${c(255, 64)},${c(255, 160)})`;
  }

  // ---- results ----

  function reset() {
    state.sentences = [];
    state.doc = null;
    output.replaceChildren();
    sentencesEl.replaceChildren();
    $('#export').hidden = true;
    $('#legend').hidden = true;
  }

  function sentence(k, text, span, tokens, words) {
    if (!state.sentences[k]) state.sentences[k] = new Sentence(k, text, span, tokens, words);
    $('#legend').hidden = false;
    return state.sentences[k];
  }

  // showAligned draws (or completes) sentence k from an AlignedSentence.
  function showAligned(k, text, a) {
    const s = sentence(k, text, a.sourceSpan, a.sourceTokens, a.sourceWords);
    const tokens = a.targetTokens || [];
    if (s.rows.length > 0 && s.rows.length !== tokens.length) { // not streamed as given: draw it anew
      state.sentences[k] = null;
      s.el.remove();
      s.out.remove();
      return showAligned(k, text, a);
    }
    if (s.rows.length === 0) tokens.forEach((tok) => s.addRow(tok));
    const tgtWords = (a.targetWords || []).map(spanOf);
    const srcWords = s.words;
    const tokWord = tokens.map((tok) => { const sp = spanOf(tok.span); return mostOverlapped(tgtWords, sp.start, sp.end); });
    const pairs = [];
    for (const l of a.wordLinks || []) {
      const ss = spanOf(l.source), ts = spanOf(l.target);
      const w = srcWords.findIndex((x) => x.start === ss.start && x.end === ss.end);
      const tw = tgtWords.findIndex((x) => x.start === ts.start && x.end === ts.end);
      if (w < 0 || tw < 0) continue;
      tokWord.forEach((x, t) => { if (x === tw) pairs.push([t, w]); });
    }
    s.finish(pairs);
    return s;
  }

  // asAligned puts a translated sentence's best hypothesis in the form of
  // an AlignedSentence, which /export and showAligned read.
  function asAligned(sent) {
    const best = (sent.hypotheses || [])[0] || {};
    return {
      sourceSpan: sent.span, sourceTokens: sent.sourceTokens || [], sourceWords: sent.sourceWords || [],
      targetText: best.text || '', targetTokens: best.tokens || [], targetWords: best.words || [],
      score: best.score || 0, logProb: best.logProb || 0, wordLinks: best.wordLinks || [],
    };
  }

  function showTranslation(text, tr) {
    const aligned = (tr.sentences || []).map(asAligned);
    aligned.forEach((a, k) => {
      if (a.targetTokens.length === 0 && !state.sentences[k]) return; // nothing to show
      const s = showAligned(k, text, a);
      s.alternatives(tr.sentences[k].hypotheses);
    });
    if (aligned.length === 0) output.textContent = tr.text || '';
    state.doc = { sourceText: text, sentences: aligned.filter((a) => a.targetTokens.length > 0) };
    $('#export').hidden = state.doc.sentences.length === 0;
  }

  // ---- calls ----

  function selectedModel() { return state.models.get($('#model').value); }

  function alignmentFields() {
    const f = { alignment: 'ALIGNMENT_MODE_WORD', includeLogProbs: true,
      symmetrization: 'SYMMETRIZATION_' + $('#sym').value.toUpperCase().replaceAll('-', '_') };
    const heads = $('#heads').value.trim();
    if (heads) f.alignmentHeads = heads;
    return f;
  }

  async function translate(text) {
    const m = selectedModel();
    const nbest = Math.max(1, Number($('#nbest').value) || 1);
    const beam = Math.max(nbest, Number($('#beam').value) || 1);
    const req = { model: m ? m.name : undefined, texts: [text], options: { beamSize: beam, nBest: nbest }, ...alignmentFields() };
    const ctl = new AbortController();
    state.abort = ctl;
    const resp = await fetch('/v1/translate:stream', { method: 'POST', headers: headers(), body: JSON.stringify(req), signal: ctl.signal });
    if (!resp.ok) throw await failure(resp);
    const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) handleEvent(text, JSON.parse(line));
      }
    }
  }

  function handleEvent(text, msg) {
    if (msg.error) throw new Error(msg.error.message || 'the translation failed');
    const ev = msg.result || {};
    if (ev.token) {
      const te = ev.token;
      const k = te.sentenceIndex || 0;
      const s = sentence(k, text, te.sentenceSpan, te.sourceTokens, te.sourceWords);
      s.addRow(te.token || {});
      result.dataset.tokens = String(Number(result.dataset.tokens || 0) + 1);
      setStatus(`Translating… ${result.dataset.tokens} tokens`);
    } else if (ev.result) {
      showTranslation(text, ev.result);
      result.dataset.state = 'done';
      setStatus(`Done: ${result.dataset.tokens || 0} tokens from ${ev.model || 'the model'}.`);
    }
  }

  async function alignTexts(source, target) {
    const m = selectedModel();
    const req = { model: m ? m.name : undefined, sourceText: source, targetText: target, ...alignmentFields() };
    const ctl = new AbortController();
    state.abort = ctl;
    const resp = await fetch('/v1/align', { method: 'POST', headers: headers(), body: JSON.stringify(req), signal: ctl.signal });
    if (!resp.ok) throw await failure(resp);
    const body = await resp.json();
    const sentences = body.sentences || [];
    sentences.forEach((a, k) => showAligned(k, source, a));
    state.doc = { sourceText: source, sentences };
    $('#export').hidden = sentences.length === 0;
    result.dataset.state = 'done';
    setStatus(`Aligned ${sentences.length} sentence pair${sentences.length === 1 ? '' : 's'} with ${body.model || 'the model'}.`);
  }

  async function run() {
    if (state.abort) state.abort.abort();
    clearTimeout(state.debounce);
    const source = $('#source').value;
    reset();
    if (!source.trim()) {
      result.dataset.state = 'idle';
      setStatus('');
      return;
    }
    result.dataset.state = 'streaming';
    result.setAttribute('aria-busy', 'true');
    result.dataset.tokens = '0';
    setStatus(state.mode === 'align' ? 'Aligning…' : 'Translating…');
    const mine = state.abort;
    try {
      if (state.mode === 'align') {
        await alignTexts(source, $('#target').value);
      } else {
        await translate(source);
      }
    } catch (err) {
      if (err.name === 'AbortError') return; // a newer call took over
      result.dataset.state = 'error';
      setStatus(`Error: ${err.message}`);
    } finally {
      if (state.abort === mine) {
        state.abort = null;
        result.setAttribute('aria-busy', 'false');
      }
    }
  }

  async function exportAs(format) {
    if (!state.doc) return;
    const heads = $('#heads').value.trim() || (selectedModel() || {}).alignmentHeads || 'avg';
    const body = { format, level: 'word', symmetrization: $('#sym').value, heads, title: 'translated alignment',
      sourceText: state.doc.sourceText, alignment: { sentences: state.doc.sentences } };
    setStatus(`Exporting ${format}…`);
    const resp = await fetch('/export', { method: 'POST', headers: headers(), body: JSON.stringify(body) });
    if (!resp.ok) {
      setStatus(`Export failed: ${(await failure(resp)).message}`);
      return;
    }
    const name = (/filename="([^"]+)"/.exec(resp.headers.get('Content-Disposition') || '') || [])[1] || `alignment.${format}`;
    const url = URL.createObjectURL(await resp.blob());
    const a = html('a', { href: url, download: name }, undefined, document.body);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    setStatus(`Exported ${name}.`);
  }

  // ---- models and settings ----

  async function loadModels() {
    const resp = await fetch('/v1/models?pageSize=1000', { headers: headers() });
    if (!resp.ok) throw await failure(resp);
    const body = await resp.json();
    const select = $('#model');
    const previous = select.value;
    select.replaceChildren();
    state.models.clear();
    for (const m of body.models || []) {
      state.models.set(m.name, m);
      html('option', { value: m.name }, `${m.name} (${m.sourceLanguageCode} → ${m.targetLanguageCode})`, select);
    }
    // keep the model chosen before, else the first pair's default
    const first = (body.models || []).find((m) => m.pairDefault);
    if (state.models.has(previous)) select.value = previous;
    else if (first) select.value = first.name;
    modelChanged();
  }

  function modelChanged() {
    const m = selectedModel();
    const list = $('#heads-list');
    list.replaceChildren();
    if (!m) return;
    $('#heads').placeholder = m.alignmentHeads || 'avg';
    const layers = m.decoderLayers || 0, heads = m.attentionHeads || 0;
    const add = (v) => html('option', { value: v }, undefined, list);
    add('avg');
    for (let l = 0; l < layers; l++) {
      add(`layer=${l}`);
      for (let h = 0; h < heads; h++) add(`layer=${l},head=${h}`);
    }
    add('avg,shift');
  }

  function setMode(mode) {
    state.mode = mode;
    for (const tab of document.querySelectorAll('[role="tab"]')) {
      const on = tab.dataset.mode === mode;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      if (on) form.setAttribute('aria-labelledby', tab.id);
    }
    document.querySelectorAll('.align-only').forEach((e) => { e.hidden = mode !== 'align'; });
    document.querySelectorAll('.translate-only').forEach((e) => { e.hidden = mode === 'align'; });
    $('#go').textContent = mode === 'align' ? 'Align' : 'Translate';
    if (state.abort) state.abort.abort();
    reset();
    result.dataset.state = 'idle';
    setStatus('');
  }

  // ---- events ----

  form.addEventListener('submit', (e) => { e.preventDefault(); run(); });
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
  });
  $('#source').addEventListener('input', () => {
    if (state.mode !== 'translate') return;
    clearTimeout(state.debounce);
    state.debounce = setTimeout(run, 600); // translate once typing pauses
  });
  $('#model').addEventListener('change', modelChanged);
  $('#apikey').addEventListener('change', () => {
    loadModels().then(() => setStatus('')).catch((err) => setStatus(`Cannot list the models: ${err.message}`, 'error'));
  });
  $('#tabs').addEventListener('click', (e) => {
    const tab = e.target.closest('[role="tab"]');
    if (tab) setMode(tab.dataset.mode);
  });
  $('#tabs').addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const tabs = [...document.querySelectorAll('[role="tab"]')];
    const i = tabs.findIndex((t) => t.dataset.mode === state.mode);
    const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
    setMode(next.dataset.mode);
    next.focus();
  });
  $('#export').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-format]');
    if (b) exportAs(b.dataset.format);
  });

  // Hover and focus highlight what a word or token is linked to.
  function hover(e, on) {
    const el = e.target.closest && e.target.closest('[data-s][data-t], [data-s][data-w]');
    if (!el) return;
    const s = state.sentences[Number(el.dataset.s)];
    if (!s) return;
    const t = el.dataset.t !== undefined ? Number(el.dataset.t) : null;
    // a token (or a heatmap cell: its row) or a source word
    const w = el.dataset.w !== undefined && t === null ? Number(el.dataset.w) : null;
    s.highlight(t, w, on);
  }
  for (const root of [output, sentencesEl]) {
    root.addEventListener('mouseover', (e) => hover(e, true));
    root.addEventListener('mouseout', (e) => hover(e, false));
    root.addEventListener('focusin', (e) => hover(e, true));
    root.addEventListener('focusout', (e) => hover(e, false));
  }

  loadModels().catch((err) => setStatus(`Cannot list the models: ${err.message}`, 'error'));
})();
