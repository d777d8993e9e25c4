// The status view: /status?id=<reference>[&t=<status token>] polls GET /v1/requests/:id every few
// seconds until the request is closed. Without the status token (from the submission or the mailed
// link) the API answers status and due date only; with it, also the type and per-store progress.
(function () {
  'use strict';
  var POLL_MS = 3000;
  var CLOSED = { completed: true, denied: true, expired_unverified: true, failed: true };
  var STATUS_TEXT = {
    received: 'Received',
    awaiting_verification: 'Waiting for your confirmation',
    in_progress: 'In progress',
    needs_attention: 'In progress (our team is looking into a problem)',
    on_hold: 'Postponed by a legal hold',
    completed: 'Completed',
    denied: 'Declined',
    expired_unverified: 'Closed (not confirmed in time)',
    failed: 'Could not be completed',
  };
  var EXPLAIN = {
    received: 'We have received your request.',
    awaiting_verification: 'Open the confirmation link in the email we sent you. We start once you confirm.',
    in_progress: 'We are working on your request. This page updates by itself.',
    needs_attention: 'One of our systems needs a fix before we can go on; our privacy team has been alerted. Your request stays open.',
    on_hold:
      'A legal hold covers your data, so nothing is deleted for now. Our email explains why and on what basis. We resume by ourselves when the hold ends.',
    completed: 'Your request is complete. We have sent you an email with the details.',
    denied: 'We declined this request. Our email explains why and how you can complain.',
    expired_unverified: 'The request was not confirmed in time, so we closed it without touching your data. You may make a new request.',
    failed: 'Something went wrong and our privacy team has been alerted. We will contact you.',
  };
  var TYPE_TEXT = {
    access: 'Copy of my data',
    export: 'Export of my data',
    correction: 'Correction of my data',
    deletion: 'Deletion of my data',
  };
  var STATE_TEXT = {
    pending: 'Waiting',
    running: 'Working',
    waiting: 'Waiting for a person or partner',
    done: 'Done',
    failed: 'Problem, retrying',
  };

  var id = (new URLSearchParams(location.search).get('id') || '').trim();
  var statusToken = (new URLSearchParams(location.search).get('t') || '').trim();
  var reference = document.getElementById('reference');
  var refError = document.getElementById('reference-error');
  var pollStatus = document.getElementById('poll-status');
  var details = document.getElementById('details');
  var lastStatus = null;
  var timer = null;

  function formatDay(iso) {
    var d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' });
  }

  function setText(elId, text) {
    document.getElementById(elId).textContent = text;
  }

  function showLookupError(message) {
    refError.textContent = message;
    reference.setAttribute('aria-invalid', 'true');
    details.hidden = true;
  }

  function render(view) {
    setText('req-id', view.id);
    // the type (like the progress) is in the full view only
    var type = document.getElementById('req-type');
    type.textContent = view.type ? TYPE_TEXT[view.type] || view.type : '';
    type.hidden = !view.type;
    type.previousElementSibling.hidden = !view.type;
    var badge = document.getElementById('req-status');
    badge.textContent = STATUS_TEXT[view.status] || view.status;
    badge.setAttribute('data-status', view.status);
    var dueIso = view.extendedDueAt || view.dueAt;
    var due = document.getElementById('req-due');
    due.setAttribute('datetime', dueIso);
    due.textContent = formatDay(dueIso) + (view.extendedDueAt ? ' (extended)' : '');
    var checked = document.getElementById('req-checked');
    var now = new Date();
    checked.setAttribute('datetime', now.toISOString());
    checked.textContent = now.toLocaleTimeString();
    setText('req-explain', EXPLAIN[view.status] || '');

    var rows = document.getElementById('progress-rows');
    rows.textContent = '';
    (view.progress || []).forEach(function (p) {
      var tr = document.createElement('tr');
      var place = document.createElement('td');
      place.textContent = p.store + ' / ' + p.collection;
      var state = document.createElement('td');
      state.textContent = STATE_TEXT[p.state] || p.state;
      state.className = 'state-' + p.state;
      var count = document.createElement('td');
      count.className = 'num';
      count.textContent = typeof p.rows === 'number' ? String(p.rows) : '—';
      tr.appendChild(place);
      tr.appendChild(state);
      tr.appendChild(count);
      rows.appendChild(tr);
    });
    document.getElementById('progress').hidden = !(view.progress && view.progress.length);
    details.hidden = false;

    // Announce changes of status only, not every poll.
    if (view.status !== lastStatus) {
      pollStatus.textContent = 'Status: ' + (STATUS_TEXT[view.status] || view.status) + '.';
      lastStatus = view.status;
    }
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
          .catch(function () {
            return {};
          })
          .then(function (body) {
            return { res: res, body: body };
          });
      })
      .then(function (r) {
        if (r.res.status === 404) return showLookupError('We have no request with this reference. Check it and try again.');
        if (r.res.status === 400) {
          var issue = (r.body.issues || [])[0];
          return showLookupError(
            issue ? 'This is not a valid reference: ' + issue.message + '.' : r.body.message || 'This is not a valid reference.',
          );
        }
        if (!r.res.ok) {
          pollStatus.textContent = 'Could not get the status just now (error ' + r.res.status + '); trying again.';
          timer = setTimeout(poll, POLL_MS * 2);
          return;
        }
        render(r.body);
        if (!CLOSED[r.body.status]) timer = setTimeout(poll, POLL_MS);
      })
      .catch(function () {
        pollStatus.textContent = 'We could not reach the server; trying again.';
        timer = setTimeout(poll, POLL_MS * 2);
      });
  }

  if (new URLSearchParams(location.search).has('id') && !id) {
    showLookupError('Enter your reference.');
    reference.focus();
  } else if (id) {
    reference.value = id;
    pollStatus.textContent = 'Loading the status of your request…';
    poll();
  }
  // Check at once when the tab becomes visible again.
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible' && timer) {
      clearTimeout(timer);
      poll();
    }
  });
})();
