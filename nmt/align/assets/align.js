// Draws a line between linked words and highlights, on hover, a word, the
// words it is linked to, their lines and their heatmap row, column and
// link cells. Works on the markup written by the html exporter; no network.
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';

  function parseLinks(text) {
    text = (text || '').trim();
    if (text === '') return [];
    return text.split(/\s+/).map(function (p) {
      var k = p.split('-');
      return [Number(k[0]), Number(k[1])];
    });
  }

  function setup(sec) {
    var links = parseLinks(sec.getAttribute('data-links'));
    var inner = sec.querySelector('.inner');
    var svg = sec.querySelector('svg.lines');
    var words = { s: sec.querySelectorAll('.src .w'), t: sec.querySelectorAll('.tgt .w') };
    var heat = sec.querySelector('.heatmap');
    var cells = heat ? heat.querySelectorAll('.cells rect') : [];
    var lines = links.map(function (l) {
      var ln = document.createElementNS(NS, 'line');
      ln.setAttribute('data-s', l[0]);
      ln.setAttribute('data-t', l[1]);
      svg.appendChild(ln);
      return ln;
    });

    function place() {
      var box = inner.getBoundingClientRect();
      svg.setAttribute('width', box.width);
      svg.setAttribute('height', box.height);
      links.forEach(function (l, k) {
        var a = words.s[l[0]], b = words.t[l[1]];
        if (!a || !b) return;
        a = a.getBoundingClientRect();
        b = b.getBoundingClientRect();
        lines[k].setAttribute('x1', a.left + a.width / 2 - box.left);
        lines[k].setAttribute('y1', a.bottom - box.top);
        lines[k].setAttribute('x2', b.left + b.width / 2 - box.left);
        lines[k].setAttribute('y2', b.top - box.top);
      });
    }

    function add(el, cls) { if (el) el.classList.add(cls); }

    function label(side, i) {
      if (!heat) return null;
      return side === 's' ? heat.querySelector('text.cl[data-s="' + i + '"]')
                          : heat.querySelector('text.rl[data-t="' + i + '"]');
    }

    function mark(side, i) {
      add(words[side][i], 'hl');
      add(label(side, i), 'hl');
      var other = side === 's' ? 't' : 's';
      links.forEach(function (l, k) {
        if (l[side === 's' ? 0 : 1] !== i) return;
        var j = l[side === 's' ? 1 : 0];
        add(words[other][j], 'linked');
        add(label(other, j), 'linked');
        add(lines[k], 'on');
        if (heat) add(heat.querySelector('rect.lk[data-s="' + l[0] + '"][data-t="' + l[1] + '"]'), 'on');
      });
    }

    function clear() {
      sec.querySelectorAll('.hl, .linked, .on').forEach(function (el) {
        el.classList.remove('hl', 'linked', 'on');
      });
    }

    // hovered returns what an element under the mouse stands for.
    function hovered(el) {
      if (el.classList.contains('w')) return { side: el.getAttribute('data-side'), i: Number(el.getAttribute('data-i')) };
      if (el.classList.contains('cl')) return { side: 's', i: Number(el.getAttribute('data-s')) };
      if (el.classList.contains('rl')) return { side: 't', i: Number(el.getAttribute('data-t')) };
      if (el.parentNode && el.parentNode.classList && el.parentNode.classList.contains('cells')) {
        var k = Array.prototype.indexOf.call(cells, el);
        var n = words.s.length;
        if (k >= 0 && n > 0) return { cell: el, s: k % n, t: Math.floor(k / n) };
      }
      return null;
    }

    sec.addEventListener('mouseover', function (e) {
      var h = hovered(e.target);
      if (!h) return;
      clear();
      if (h.cell) {
        add(h.cell, 'hl');
        add(words.s[h.s], 'hl');
        add(words.t[h.t], 'hl');
        add(label('s', h.s), 'hl');
        add(label('t', h.t), 'hl');
      } else {
        mark(h.side, h.i);
      }
    });
    sec.addEventListener('mouseout', function (e) {
      if (hovered(e.target)) clear();
    });

    place();
    window.addEventListener('resize', place);
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(place);

    // A page address ending in #pair-P-s-I (or -t-I) opens with that word
    // highlighted, so a highlighted view can be linked to.
    var m = /^#pair-(\d+)-([st])-(\d+)$/.exec(window.location.hash);
    if (m && sec.getAttribute('data-pair') === m[1]) mark(m[2], Number(m[3]));
  }

  document.querySelectorAll('section.pair').forEach(setup);
  document.documentElement.setAttribute('data-ready', 'true');
})();
