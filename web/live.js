// gil-lab live page: gets the state so far from /state, then follows /events
// (Server-Sent Events) and draws one lane per worker, group after group. The
// events and the state are described in web/README.md; `apply` folds an event
// into the state exactly as the server does (web/serve.rs).
(function () {
  'use strict';
  var HISTORY_EVERY_S = 0.2;
  var state = { schema: 1, seq: 0, status: 'running', run: null, notes: [], groups: [], summary: null };
  var source = null;
  var connected = false;
  window.gilLab = { state: function () { return state; } };

  function copy(event, skip) {
    var out = {};
    for (var k in event) if (Object.prototype.hasOwnProperty.call(event, k) && skip.indexOf(k) < 0) out[k] = event[k];
    return out;
  }
  function group(id) {
    for (var i = state.groups.length - 1; i >= 0; i--) if (state.groups[i].id === id) return state.groups[i];
    return null;
  }
  function apply(event) {
    var g;
    switch (event.type) {
      case 'start': state.run = copy(event, ['type', 'seq']); break;
      case 'note': state.notes.push(event.text); break;
      case 'begin':
        g = copy(event, ['type', 'seq', 'group']);
        g.id = event.group; g.status = 'running'; g.t_s = 0; g.history = []; g.summary = null;
        state.groups = state.groups.filter(function (x) { return x.id !== event.group; });
        state.groups.push(g);
        break;
      case 'tick':
        g = group(event.group);
        if (!g) return;
        var f = copy(event, ['type', 'seq', 'group']);
        for (var k in f) g[k] = f[k];
        if (typeof event.t_s === 'number' && typeof event.vs_one_worker === 'number') {
          var last = g.history.length ? g.history[g.history.length - 1][0] : null;
          if (last === null || event.t_s - last >= HISTORY_EVERY_S) g.history.push([event.t_s, event.vs_one_worker]);
        }
        break;
      case 'end':
        g = group(event.group);
        if (!g) return;
        g.status = typeof event.error === 'string' ? 'failed' : 'done';
        g.summary = copy(event, ['type', 'seq', 'group']);
        break;
      case 'finished':
        state.status = 'ended';
        state.summary = event.summary;
        state.groups.forEach(function (x) { if (x.status === 'running') x.status = 'done'; });
        break;
    }
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fixed(v, d) { return typeof v === 'number' && isFinite(v) ? v.toFixed(d) : '–'; }
  function spread(s, d) {
    return s && typeof s.median === 'number' ? fixed(s.median, d) + ' (' + fixed(s.min, d) + '–' + fixed(s.max, d) + ')' : '–';
  }
  function median(v) { return v && typeof v === 'object' ? v.median : v; }
  function unit() { return (state.run && state.run.unit) || (state.summary && state.summary.unit) || ''; }

  function figures(g) {
    var s = g.summary;
    if (g.status === 'waiting') return 'waits its turn: groups run one after another';
    if (g.status === 'failed' && s) return 'failed: ' + s.error;
    var parts = [];
    if (s && g.status !== 'running') {
      parts.push('<b>' + fixed(median(s.rate), 1) + '</b> ' + unit() + ' median');
      if (s.vs_one_worker !== undefined) parts.push('<b>' + fixed(median(s.vs_one_worker), 2) + '×</b> one worker');
      if (s.cpus_busy !== undefined) parts.push('CPUs busy <b>' + fixed(median(s.cpus_busy), 2) + '</b>');
      if (s.gil_wait !== undefined && s.gil_wait !== null) parts.push('GIL wait <b>' + fixed(median(s.gil_wait), 2) + '</b>');
      return parts.join(' · ');
    }
    var duration = g.duration_s || (state.run && state.run.duration_s);
    parts.push('t = ' + fixed(g.t_s, 1) + ' s' + (duration ? ' of ' + duration + ' s' : ''));
    if (typeof g.rate === 'number') {
      parts.push('<b>' + fixed(g.rate, 1) + '</b> ' + unit());
      parts.push('<b>' + fixed(g.vs_one_worker, 2) + '×</b> one worker');
      parts.push('CPUs busy <b>' + fixed(g.cpus_busy, 2) + '</b>');
      if (typeof g.gil_wait === 'number') parts.push('GIL wait <b>' + fixed(g.gil_wait, 2) + '</b>');
    } else {
      parts.push('starting');
    }
    return parts.join(' · ');
  }

  var cards = {};
  function card(g) {
    var c = cards[g.id];
    if (c && c.root.isConnected) return c;
    var root = el('section', 'group');
    root.setAttribute('data-group', g.id);
    var h = el('h2');
    var name = el('span', 'name', g.id);
    var meta = el('span', 'meta');
    h.appendChild(name); h.appendChild(meta);
    var fig = el('p', 'figures');
    var lanes = el('div', 'lanes');
    root.appendChild(h); root.appendChild(fig); root.appendChild(lanes);
    c = { root: root, meta: meta, fig: fig, lanes: lanes, rows: [] };
    cards[g.id] = c;
    return c;
  }

  function drawGroup(g, container) {
    var c = card(g);
    if (c.root.parentNode !== container) container.appendChild(c.root);
    c.root.className = 'group ' + g.status;
    c.meta.textContent = (g.workers || 0) + ' worker' + (g.workers === 1 ? '' : 's') +
      (g.runs_in ? ' · runs in ' + g.runs_in : '') + ' · ' + g.status;
    var html = figures(g);
    if (c.fig.innerHTML !== html) c.fig.innerHTML = html;
    var counts = g.counts || [];
    var workers = Math.max(g.workers || 0, counts.length);
    while (c.rows.length < workers) {
      var w = c.rows.length;
      var lane = el('div', 'lane');
      var track = el('div', 'track');
      var fill = el('div', 'fill');
      var alone = el('div', 'alone');
      track.appendChild(fill); track.appendChild(alone);
      var x = el('span', 'x');
      lane.appendChild(el('span', 'name', 'w' + w)); lane.appendChild(track); lane.appendChild(x);
      c.lanes.appendChild(lane);
      c.rows.push({ fill: fill, alone: alone, x: x });
    }
    var full = g.full_chunks;
    if (!(full > 0)) full = Math.max.apply(null, [1].concat(counts)) * 1.05;
    var duration = g.duration_s || (state.run && state.run.duration_s) || 0;
    var xs = (g.status !== 'running' && g.summary && g.summary.worker_x) || g.worker_x || [];
    for (var i = 0; i < c.rows.length; i++) {
      var r = c.rows[i];
      var width = Math.min(100, 100 * (counts[i] || 0) / full).toFixed(1) + '%';
      if (r.fill.style.width !== width) r.fill.style.width = width;
      var at = duration > 0 ? Math.min(100, 100 * (g.t_s || 0) / duration) : 0;
      r.alone.style.left = at.toFixed(1) + '%';
      r.alone.hidden = g.status !== 'running';
      var label = (counts[i] || 0) + ' chunks' + (typeof xs[i] === 'number' ? ' · ' + xs[i].toFixed(2) + '×' : '');
      if (r.x.textContent !== label) r.x.textContent = label;
    }
  }

  function summaryTable(r) {
    var u = r.unit || unit();
    var head = ['group', 'workers', 'runs in', 'rate ' + u + ' median (min–max)', '× one worker', 'CPUs busy', 'GIL wait', 'per worker ' + u];
    var table = el('table', 'results summary');
    var thead = el('thead'), tr = el('tr');
    head.forEach(function (h, i) { tr.appendChild(el('th', i === 0 || i === 2 ? '' : 'num', h)); });
    thead.appendChild(tr); table.appendChild(thead);
    var body = el('tbody');
    (r.groups || []).forEach(function (g) {
      var row = el('tr');
      row.setAttribute('data-strategy', g.id);
      var version = g.interpreter && g.interpreter.version;
      var runsIn = version ? (g.id.indexOf('rust') === 0 ? 'Rust + ' + version : version) : 'Rust (native)';
      var cells = [g.id, String(g.workers), runsIn, spread(g.rate, 1), spread(g.vs_one_worker, 2), spread(g.cpus_busy, 2),
        spread(g.gil_contention, 2), (g.worker_rates || []).map(function (x) { return x.toFixed(1); }).join(' ')];
      cells.forEach(function (v, i) { row.appendChild(el(i === 0 ? 'th' : 'td', i === 0 || i === 2 ? '' : 'num', v)); });
      body.appendChild(row);
      if (g.error) {
        var e = el('tr', 'error'), td = el('td', '', g.id + ' failed: ' + g.error);
        td.colSpan = 8; e.appendChild(td); body.appendChild(e);
      }
    });
    table.appendChild(body);
    var wrap = el('div', 'scroll');
    wrap.appendChild(table);
    return wrap;
  }

  // The groups begun so far, then the ones the run's plan (the start event) has still to come.
  function shownGroups() {
    var out = state.groups.slice();
    ((state.run && state.run.groups) || []).forEach(function (p) {
      if (!group(p.id)) out.push({ id: p.id, workers: p.workers, runs_in: p.runs_in, status: 'waiting', counts: [], t_s: 0 });
    });
    return out;
  }

  var drawn = { notes: -1, summary: null };
  function render() {
    var status = document.getElementById('status');
    var text = state.status === 'ended' ? 'ended' : connected ? 'running' : 'connecting';
    status.textContent = text;
    status.className = 'status ' + (state.status === 'ended' ? 'ended' : connected ? '' : 'lost');
    var run = state.run;
    if (run) {
      document.getElementById('scenario').textContent = run.scenario || '';
      document.title = 'gil-lab live ' + (run.scenario || '') + (state.status === 'ended' ? ' (ended)' : '');
      var bits = [];
      if (run.workload) bits.push('chunks of ' + run.workload);
      if (run.duration_s) bits.push(run.duration_s + ' s per group');
      if (run.python) bits.push('Python ' + run.python);
      if (run.cpus) bits.push(run.cpus + ' CPUs');
      if (run.unit) bits.push('rates in ' + run.unit);
      document.getElementById('run').textContent = bits.join(' · ');
    }
    var container = document.getElementById('groups');
    shownGroups().forEach(function (g) { drawGroup(g, container); });
    if (drawn.notes !== state.notes.length) {
      var ul = document.getElementById('notes');
      ul.textContent = '';
      state.notes.forEach(function (n) { ul.appendChild(el('li', '', n)); });
      drawn.notes = state.notes.length;
    }
    if (state.summary && drawn.summary !== state.summary) {
      var section = document.getElementById('summary');
      var holder = document.getElementById('summary-table');
      holder.textContent = '';
      holder.appendChild(summaryTable(state.summary));
      var refs = el('ul', 'notes');
      (state.summary.references || []).forEach(function (r) {
        refs.appendChild(el('li', '', '1× = ' + r.what + ': ' + fixed(r.rate, 1) + ' ' + (state.summary.unit || '') + ' (' + r.measured_by + ')'));
      });
      holder.appendChild(refs);
      section.hidden = false;
      drawn.summary = state.summary;
    }
  }

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    (window.requestAnimationFrame || setTimeout)(function () { pending = false; render(); });
  }

  function connect() {
    if (state.status === 'ended') { render(); return; }
    source = new EventSource('/events');
    // The stream's first event is the whole state: the page is redrawn from it
    // in this same task, so nothing (a reader, a screenshot) ever sees the
    // groups cleared and not yet drawn again.
    source.addEventListener('state', function (e) {
      connected = true;
      state = JSON.parse(e.data);
      cards = {};
      document.getElementById('groups').textContent = '';
      drawn = { notes: -1, summary: null };
      render();
      if (state.status === 'ended') source.close();
    });
    source.onmessage = function (e) {
      var event = JSON.parse(e.data);
      if (typeof event.seq === 'number' && event.seq <= state.seq) return;
      apply(event);
      if (typeof event.seq === 'number') state.seq = event.seq;
      schedule();
      if (state.status === 'ended') source.close();
    };
    source.onerror = function () {
      connected = false;
      if (state.status === 'ended') source.close();
      schedule();
    };
  }

  fetch('/state', { cache: 'no-store' })
    .then(function (r) { return r.json(); })
    .then(function (s) { state = s; connected = true; render(); connect(); })
    .catch(function () { connect(); });
})();
