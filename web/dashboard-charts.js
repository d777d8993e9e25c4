// The dashboard's weekly charts (inline SVG): requests received per week by type, and the share
// answered on time, with the figures as a table.
(function () {
  'use strict';
  var d = window.dsarDashboard;
  var $ = d.$;
  var el = d.el;
  var svg = d.svg;
  var api = d.api;
  var errorText = d.errorText;
  var handleFailure = d.handleFailure;
  var DAY_MS = d.DAY_MS;
  var TYPES = d.TYPES;
  var TYPE_TEXT = d.TYPE_TEXT;
  var TYPE_COLOUR = d.TYPE_COLOUR;

  // ---- charts (inline SVG) ------------------------------------------------------------------

  var CHART = { w: 560, h: 240, left: 40, right: 10, top: 12, bottom: 44 };

  /** A round axis maximum with four equal, whole-number steps (1, 2, 5 × 10^n each). */
  function niceMax(v) {
    var raw = Math.max(v, 1) / 4;
    var p = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= raw) return Math.max(1, steps[i] * p) * 4;
    return 40 * p;
  }

  function frame(labelledBy, desc) {
    var s = svg('svg', { viewBox: '0 0 ' + CHART.w + ' ' + CHART.h, role: 'img', 'aria-labelledby': labelledBy, class: 'chart' });
    s.appendChild(svg('desc', {}, desc));
    return s;
  }

  function yAxis(s, max, fmt) {
    var plotH = CHART.h - CHART.top - CHART.bottom;
    for (var i = 0; i <= 4; i++) {
      var v = (max * i) / 4;
      var y = CHART.top + plotH - (plotH * i) / 4;
      s.appendChild(svg('line', { x1: CHART.left, x2: CHART.w - CHART.right, y1: y, y2: y, class: 'grid' }));
      s.appendChild(svg('text', { x: CHART.left - 6, y: y + 4, 'text-anchor': 'end', class: 'tick' }, fmt(v)));
    }
  }

  function xLabels(s, weeks, band) {
    weeks.forEach(function (w, i) {
      if (weeks.length > 8 && i % 2) return; // every other label when crowded
      var x = CHART.left + band * i + band / 2;
      s.appendChild(svg('text', { x: x, y: CHART.h - CHART.bottom + 16, 'text-anchor': 'middle', class: 'tick' }, w.slice(5)));
    });
    s.appendChild(
      svg(
        'text',
        { x: CHART.left + (CHART.w - CHART.left - CHART.right) / 2, y: CHART.h - 6, 'text-anchor': 'middle', class: 'tick' },
        'week starting (month-day)',
      ),
    );
  }

  function renderCharts(rows) {
    var byWeek = {};
    rows.forEach(function (r) {
      var w = byWeek[r.weekStart] || (byWeek[r.weekStart] = { received: 0, completed: 0, onTime: 0, types: {} });
      w.received += r.received;
      w.completed += r.completed;
      w.onTime += r.onTime;
      w.types[r.type] = (w.types[r.type] || 0) + r.received;
    });
    // every one of the last 12 weeks (Mondays, UTC), even the empty ones
    var weeks = [];
    var now = new Date();
    var monday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - ((now.getUTCDay() + 6) % 7)));
    for (var i = 11; i >= 0; i--) weeks.push(new Date(monday.getTime() - i * 7 * DAY_MS).toISOString().slice(0, 10));
    Object.keys(byWeek).forEach(function (w) {
      if (weeks.indexOf(w) < 0) weeks.push(w);
    });
    weeks.sort();
    var plotW = CHART.w - CHART.left - CHART.right;
    var plotH = CHART.h - CHART.top - CHART.bottom;
    var band = plotW / weeks.length;
    var types = TYPES.filter(function (t) {
      return rows.some(function (r) {
        return r.type === t;
      });
    });
    rows.forEach(function (r) {
      if (types.indexOf(r.type) < 0 && TYPES.indexOf(r.type) < 0) types.push(r.type);
    });

    // stacked bars
    var max = niceMax(
      Math.max.apply(
        null,
        [0].concat(
          weeks.map(function (w) {
            return byWeek[w] ? byWeek[w].received : 0;
          }),
        ),
      ),
    );
    var total = rows.reduce(function (n, r) {
      return n + r.received;
    }, 0);
    var bars = frame('chart-volume-title', total + ' requests received in ' + weeks.length + ' weeks; the table below has the figures.');
    yAxis(bars, max, function (v) {
      return String(Math.round(v));
    });
    weeks.forEach(function (w, i) {
      var y = CHART.top + plotH;
      types.forEach(function (t) {
        var n = byWeek[w] ? byWeek[w].types[t] || 0 : 0;
        if (!n) return;
        var h = (plotH * n) / max;
        y -= h;
        var rect = svg('rect', {
          x: CHART.left + band * i + band * 0.15,
          y: y,
          width: band * 0.7,
          height: h,
          fill: TYPE_COLOUR[t] || '#555',
          class: 'bar',
        });
        rect.appendChild(svg('title', {}, w + ': ' + n + ' ' + (TYPE_TEXT[t] || t).toLowerCase()));
        bars.appendChild(rect);
      });
    });
    xLabels(bars, weeks, band);
    $('chart-volume').textContent = '';
    $('chart-volume').appendChild(bars);
    var legend = $('chart-legend');
    legend.textContent = '';
    types.forEach(function (t) {
      var sw = svg('svg', { width: 12, height: 12, 'aria-hidden': 'true', class: 'swatch' });
      sw.appendChild(svg('rect', { width: 12, height: 12, fill: TYPE_COLOUR[t] || '#555' }));
      legend.appendChild(el('li', {}, [sw, ' ' + (TYPE_TEXT[t] || t)]));
    });

    // on-time rate line (weeks with no completed request have no point)
    var line = frame(
      'chart-ontime-title',
      'Share of completed requests answered by their due date, per week of receipt; the table below has the figures.',
    );
    yAxis(line, 100, function (v) {
      return v + '%';
    });
    var points = [];
    weeks.forEach(function (w, i) {
      var s = byWeek[w];
      if (!s || !s.completed) {
        points.push(null);
        return;
      }
      var pct = (100 * s.onTime) / s.completed;
      points.push({ x: CHART.left + band * i + band / 2, y: CHART.top + plotH - (plotH * pct) / 100, pct: pct, week: w });
    });
    var d = '';
    var pen = false;
    points.forEach(function (p) {
      if (!p) {
        pen = false;
        return;
      }
      d += (pen ? ' L' : ' M') + p.x.toFixed(1) + ' ' + p.y.toFixed(1);
      pen = true;
    });
    if (d) line.appendChild(svg('path', { d: d.trim(), class: 'line' }));
    points.forEach(function (p) {
      if (!p) return;
      var c = svg('circle', { cx: p.x, cy: p.y, r: 4, class: 'point' });
      c.appendChild(svg('title', {}, p.week + ': ' + Math.round(p.pct) + '% on time'));
      line.appendChild(c);
    });
    if (!points.some(Boolean))
      line.appendChild(
        svg('text', { x: CHART.w / 2, y: CHART.h / 2, 'text-anchor': 'middle', class: 'tick' }, 'No completed requests in these weeks'),
      );
    xLabels(line, weeks, band);
    $('chart-ontime').textContent = '';
    $('chart-ontime').appendChild(line);

    // the text alternative
    var tbody = $('weekly-rows');
    tbody.textContent = '';
    rows.forEach(function (r) {
      tbody.appendChild(
        el('tr', {}, [
          el('td', { text: r.weekStart }),
          el('td', { text: TYPE_TEXT[r.type] || r.type }),
          el('td', { className: 'num', text: String(r.received) }),
          el('td', { className: 'num', text: String(r.completed) }),
          el('td', { className: 'num', text: String(r.onTime) }),
        ]),
      );
    });
    if (!rows.length) tbody.appendChild(el('tr', {}, [el('td', { colspan: '5', text: 'No requests in these weeks.' })]));
  }

  function loadCharts() {
    $('charts-error').textContent = '';
    return api('GET', '/v1/admin/reports/weekly?weeks=12')
      .then(function (r) {
        if (!r.ok) {
          $('charts-error').textContent = r.status === 404 ? 'Weekly figures are not available on this server yet.' : errorText(r);
          return;
        }
        renderCharts(r.body.weeks || []);
      })
      .catch(function (err) {
        handleFailure(err, $('charts-error'));
      });
  }

  d.loadCharts = loadCharts;
})();
