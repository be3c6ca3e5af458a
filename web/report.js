// gil-lab report page: everything is already drawn in the HTML; this script
// adds hover details to the timelines and table rows, remembers the axis
// toggle, and offers the embedded JSON as a file. It loads nothing.
(function () {
  'use strict';
  // #gil-lab-data is the --json export's text; #gil-lab-timelines holds one
  // array of chunk timelines per report section (see src/render/html/mod.rs).
  function parsed(id) {
    var holder = document.getElementById(id);
    try { return holder ? JSON.parse(holder.textContent) : null; } catch (e) { return null; }
  }
  var data = parsed('gil-lab-data');
  var timelinesBySection = parsed('gil-lab-timelines') || [];
  window.gilLab = { data: data, timelines: timelinesBySection };
  if (!data) return;

  function sectionIndex(section) {
    var m = /report-(\d+)/.exec(section ? section.id : '');
    return m ? Number(m[1]) : 0;
  }
  function reportOf(section) {
    return data.reports ? data.reports[sectionIndex(section)] : data;
  }
  function cpuBound(report) {
    if (report.workload && report.workload.kernel) return report.workload.kernel !== 'io_wait';
    return report.unit !== 'waits/s';
  }
  function ms(ns) {
    var v = ns / 1e6;
    return v >= 100 ? v.toFixed(0) + ' ms' : v >= 1 ? v.toFixed(1) + ' ms' : (v * 1000).toFixed(0) + ' µs';
  }

  var tip = document.getElementById('tip');
  function showTip(ev, textLines) {
    tip.textContent = textLines.join('\n');
    tip.hidden = false;
    var x = ev.clientX + 14, y = ev.clientY + 14;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    if (x + w > window.innerWidth - 8) x = ev.clientX - w - 14;
    if (y + h > window.innerHeight - 8) y = ev.clientY - h - 14;
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  }
  function hideTip() { tip.hidden = true; }

  function highlight(root, strategy, on) {
    var all = root.querySelectorAll('[data-strategy]');
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute('data-strategy') === strategy) all[i].classList.toggle('hover', on);
    }
  }

  // The axis toggle: remembered across reloads of the page, where storage is allowed.
  var boxes = document.querySelectorAll('input.own-axis');
  for (var b = 0; b < boxes.length; b++) {
    (function (box) {
      var key = 'gil-lab-own-axis-' + box.id;
      try { if (localStorage.getItem(key) === '1') box.checked = true; } catch (e) { /* storage refused */ }
      box.addEventListener('change', function () {
        try { localStorage.setItem(key, box.checked ? '1' : '0'); } catch (e) { /* storage refused */ }
      });
    })(boxes[b]);
  }

  // Hover on a timeline: which worker, when, and what its chunk was doing.
  var svgs = document.querySelectorAll('svg.timelines');
  for (var s = 0; s < svgs.length; s++) {
    (function (svg) {
      var block = svg.closest('.timelines-block');
      var box = block.querySelector('input.own-axis');
      var section = svg.closest('section');
      var report = reportOf(section) || data;
      var timelines = timelinesBySection[sectionIndex(section)] || [];
      var left = Number(svg.dataset.left), width = Number(svg.dataset.width);
      var lane = Number(svg.dataset.lane), gap = Number(svg.dataset.gap);
      var sharedSpan = Number(svg.dataset.sharedSpanNs);
      var panels = svg.querySelectorAll('g.panel');
      svg.addEventListener('mousemove', function (ev) {
        var pt = svg.createSVGPoint();
        pt.x = ev.clientX; pt.y = ev.clientY;
        var p = pt.matrixTransform(svg.getScreenCTM().inverse());
        for (var i = 0; i < panels.length; i++) {
          var g = panels[i], top = Number(g.dataset.top), lanes = Number(g.dataset.lanes);
          var w = Math.floor((p.y - top) / (lane + gap));
          if (w < 0 || w >= lanes || p.y - top - w * (lane + gap) > lane || p.x < left || p.x > left + width) continue;
          var t = timelines[Number(g.dataset.index)];
          if (!t) break;
          var span = box && box.checked ? Number(g.dataset.spanNs) : sharedSpan;
          var at = (p.x - left) / width * span;
          var start = Number(g.dataset.startNs);
          var lines = [(t.strategy || '') + ' · worker w' + w + ' · t = ' + ms(at)];
          if (at > Number(g.dataset.spanNs)) {
            lines.push('this run had ended (' + ms(Number(g.dataset.spanNs)) + ')');
          } else {
            var found = null, n = 0;
            for (var k = 0; k < t.chunks.length; k++) {
              var c = t.chunks[k];
              if (c.worker !== w) continue;
              n++;
              if (c.start_ns - start <= at && c.end_ns - start >= at) { found = c; }
            }
            if (found) {
              var wall = found.end_ns - found.start_ns;
              var runFrom = cpuBound(report) ? found.end_ns - Math.min(found.cpu_ns, wall) : found.start_ns;
              var running = found.start_ns + (runFrom - found.start_ns) <= start + at;
              lines.push((running ? 'running' : 'waiting (its chunk had begun; the thread was not on a CPU)'));
              lines.push('chunk ' + ms(found.start_ns - start) + ' – ' + ms(found.end_ns - start) +
                         ': ' + ms(wall) + ' wall, ' + ms(found.cpu_ns) + ' CPU');
            } else {
              lines.push('no chunk of w' + w + ' here');
            }
            lines.push(n + ' chunks on this worker');
          }
          highlight(section || document, t.strategy, true);
          showTip(ev, lines);
          return;
        }
        hideTip();
      });
      svg.addEventListener('mouseleave', function () {
        hideTip();
        for (var i = 0; i < panels.length; i++) highlight(section || document, panels[i].dataset.strategy, false);
      });
    })(svgs[s]);
  }

  // Hover on a result row or a bar: the same strategy lights up everywhere in its report.
  var rows = document.querySelectorAll('tr[data-strategy], svg.speedup g.bar');
  for (var r = 0; r < rows.length; r++) {
    (function (row) {
      var root = row.closest('section') || document;
      row.addEventListener('mouseenter', function () { highlight(root, row.getAttribute('data-strategy'), true); });
      row.addEventListener('mouseleave', function () { highlight(root, row.getAttribute('data-strategy'), false); });
    })(rows[r]);
  }

  // The page is also the data: offer it as a .json file.
  var note = document.getElementById('data-note');
  if (note && window.Blob && window.URL) {
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Save the data as JSON';
    button.addEventListener('click', function () {
      // The export's own text: the same bytes --json writes.
      var text = document.getElementById('gil-lab-data').textContent;
      var url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
      var a = document.createElement('a');
      a.href = url;
      a.download = (document.title || 'gil-lab').replace(/[^\w.-]+/g, '-') + '.json';
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    });
    note.appendChild(button);
  }
  document.documentElement.classList.add('enhanced');
})();
