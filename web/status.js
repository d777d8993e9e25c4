// The status view: /status?id=<reference>[&t=<status token>] polls GET /v1/requests/:id every few
// seconds until the request is closed. Without the status token (from the submission or the mailed
// link) the API answers status and due date only; with it, also the type, dates and per-place
// progress, told in plain words: the place by the data map's label (GET /v1/requests/options),
// never a table name, and what happened there — "nothing held" where there was nothing. An
// authorized agent's token shows the agent's view: the request and its outcome, no progress.
(function () {
  'use strict';
  var t = window.I18N.t;
  var POLL_MS = 3000;
  var CLOSED = { completed: true, denied: true, expired_unverified: true, failed: true };
  var PROCESSING = { opt_out: true, limit: true, restriction: true, objection: true };

  var params = new URLSearchParams(location.search);
  var id = (params.get('id') || '').trim();
  var statusToken = (params.get('t') || '').trim();
  var reference = document.getElementById('reference');
  var refError = document.getElementById('reference-error');
  var pollStatus = document.getElementById('poll-status');
  var details = document.getElementById('details');
  var places = {};
  var lastView = null;
  var lastStatus = null;
  var timer = null;

  /** A name without a label made readable: `usage_logs` → "Usage logs" (the map's labels come first). */
  function humanise(name) {
    var words = String(name)
      .replace(/[_.-]+/g, ' ')
      .trim();
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function placeOf(p) {
    return places[p.place] || { label: humanise(p.collection), onDeletion: null, keptBecause: null };
  }

  /** What happened in one place, in words: by the request's type and, for a deletion, the map's action there. */
  function outcome(view, p) {
    if (p.state !== 'done') return t('pr.' + p.state);
    var n = typeof p.rows === 'number' ? p.rows : null;
    var place = placeOf(p);
    if (view.type === 'deletion') {
      if (n === 0) return t('pr.nothingToDelete');
      if (place.onDeletion === 'retain')
        return place.keptBecause ? t('pr.kept', { n: n, basis: place.keptBecause }) : t('pr.keptNoBasis', { n: n });
      if (place.onDeletion === 'purge')
        return view.purgeAt && view.status !== 'completed'
          ? t('pr.purged', { date: window.I18N.formatDay(view.purgeAt) })
          : t('pr.purgedNoDate');
      if (place.onDeletion === 'mask') return t('pr.masked', { n: n === null ? '—' : n });
      return t('pr.deleted', { n: n === null ? '—' : n });
    }
    if (PROCESSING[view.type]) {
      if (n === 0) return t('pr.nothingHeld');
      if (view.type === 'restriction' && view.restrictionLiftedAt)
        return t('pr.lifted', { date: window.I18N.formatDay(view.restrictionLiftedAt) });
      return t('pr.' + view.type, { n: n === null ? '—' : n });
    }
    if (view.type === 'correction') return n === 0 ? t('pr.nothingToCorrect') : t('pr.corrected', { n: n === null ? '—' : n });
    return n === 0 ? t('pr.nothingHeld') : t('pr.copied', { n: n === null ? '—' : n });
  }

  function showLookupError(message) {
    refError.textContent = message;
    reference.setAttribute('aria-invalid', 'true');
    details.hidden = true;
  }

  /** A date in the reader's language; the term and its value hidden when there is none. */
  function setDate(elId, iso, suffix) {
    var node = document.getElementById(elId);
    var dd = node.parentElement;
    dd.hidden = !iso;
    dd.previousElementSibling.hidden = !iso;
    if (!iso) return;
    node.setAttribute('datetime', iso);
    node.textContent = window.I18N.formatDay(iso) + (suffix || '');
  }

  function render(view) {
    lastView = view;
    document.getElementById('req-id').textContent = view.id;
    // the type, dates and progress are in the full view only
    var type = document.getElementById('req-type');
    type.textContent = view.type ? t('type.' + view.type) : '';
    type.hidden = !view.type;
    type.previousElementSibling.hidden = !view.type;
    var badge = document.getElementById('req-status');
    badge.textContent = t('st.' + view.status);
    badge.setAttribute('data-status', view.status);
    setDate('req-received', view.receivedAt);
    setDate('req-verified', view.verifiedAt);
    setDate('req-completed', view.completedAt);
    setDate('req-due', view.extendedDueAt || view.dueAt, view.extendedDueAt ? ' ' + t('status.extended') : '');
    var checked = document.getElementById('req-checked');
    var now = new Date();
    checked.setAttribute('datetime', now.toISOString());
    checked.textContent = window.I18N.formatTime(now);
    document.getElementById('req-explain').textContent = explain(view);
    var agentNote = document.getElementById('agent-note');
    agentNote.hidden = view.viewer !== 'agent';
    if (view.viewer === 'agent')
      agentNote.textContent =
        t('status.agentView') + ' ' + t(view.permissionReceived ? 'status.agentPermission' : 'status.agentNoPermission');

    var rows = document.getElementById('progress-rows');
    rows.textContent = '';
    (view.progress || []).forEach(function (p) {
      var tr = document.createElement('tr');
      var place = document.createElement('td');
      place.textContent = placeOf(p).label;
      var state = document.createElement('td');
      state.textContent = outcome(view, p);
      state.className = 'state-' + p.state + (p.state === 'done' && p.rows === 0 ? ' nothing-held' : '');
      tr.appendChild(place);
      tr.appendChild(state);
      rows.appendChild(tr);
    });
    document.getElementById('progress').hidden = !(view.progress && view.progress.length);
    details.hidden = false;

    // Announce changes of status only, not every poll.
    if (view.status !== lastStatus) {
      pollStatus.textContent = t('status.announce', { status: t('st.' + view.status) });
      lastStatus = view.status;
    }
  }

  /** The status in words, and for the rights that change processing what it means now. */
  function explain(view) {
    if (view.restrictionLiftedAt) return t('ex.restrictionLifted', { date: window.I18N.formatDay(view.restrictionLiftedAt) });
    if (view.awaitingDecision && view.status === 'in_progress') return t('ex.objectionWeighed');
    if (view.status === 'completed' && PROCESSING[view.type]) return t('ex.completed.' + view.type);
    return t('ex.' + view.status);
  }

  function poll() {
    timer = null;
    var headers = { accept: 'application/json' };
    // in a header, not the URL: it stays out of access logs
    if (statusToken) headers['x-status-token'] = statusToken;
    fetch('/v1/requests/' + encodeURIComponent(id), { headers: headers, cache: 'no-store' })
      .then(function (res) {
        return res
          .json()
          .catch(() => ({}))
          .then((body) => ({ res: res, body: body }));
      })
      .then(function (r) {
        if (r.res.status === 404) return showLookupError(t('status.unknownRef'));
        if (r.res.status === 400) return showLookupError(t('status.badRef'));
        if (!r.res.ok) {
          pollStatus.textContent = t('status.retry', { status: r.res.status });
          timer = setTimeout(poll, POLL_MS * 2);
          return;
        }
        render(r.body);
        if (!CLOSED[r.body.status]) timer = setTimeout(poll, POLL_MS);
      })
      .catch(function () {
        pollStatus.textContent = t('status.retryNet');
        timer = setTimeout(poll, POLL_MS * 2);
      });
  }

  function start() {
    if (params.has('id') && !id) {
      showLookupError(t('status.enterRef'));
      reference.focus();
    } else if (id) {
      reference.value = id;
      pollStatus.textContent = t('status.loading');
      poll();
    }
  }

  window.I18N.onChange(function () {
    if (lastView) render(lastView);
  });
  // Check at once when the tab becomes visible again.
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible' && timer) {
      clearTimeout(timer);
      poll();
    }
  });
  // the places' labels first, so no table name is ever shown; without them, names made readable
  fetch('/v1/requests/options', { headers: { accept: 'application/json' } })
    .then((res) => (res.ok ? res.json() : { places: [] }))
    .catch(() => ({ places: [] }))
    .then(function (options) {
      (options.places || []).forEach(function (p) {
        places[p.key] = p;
      });
      start();
    });
})();
