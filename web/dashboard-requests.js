// The dashboard's request list: open requests by due date with extend, deny and retry (and the
// actions other scripts add through requestActions), or closed ones newest first a page at a
// time; whom each is about, search and filters, the audit dossier and the Temporal UI link.
(function () {
  'use strict';
  var d = window.dsarDashboard;
  var $ = d.$;
  var el = d.el;
  var api = d.api;
  var errorText = d.errorText;
  var handleFailure = d.handleFailure;
  var downloadFile = d.downloadFile;
  var isoDay = d.isoDay;
  var daysLeft = d.daysLeft;
  var effectiveDue = d.effectiveDue;
  var temporalBase = d.temporalBase;
  var DAY_MS = d.DAY_MS;
  var TYPE_TEXT = d.TYPE_TEXT;
  var STATUS_TEXT = d.STATUS_TEXT;
  var JURISDICTION_TEXT = d.JURISDICTION_TEXT;
  var DENIAL_TEXT = d.DENIAL_TEXT;
  var MAX_PAGES = 10;
  var CLOSED_PAGE = 50;
  /** What the request list shows: the open or closed view, the search and the filters; `cursor` pages the closed view. */
  var listing = { view: 'open', cursor: null, shown: [] };
  /** Requests the API confirmed denied: the list (a projection the workflow updates a moment later) may still show them open. */
  var denied = {};

  // ---- open requests ------------------------------------------------------------------------

  /** The listing's query string from the search box and the filters. */
  function listingQuery() {
    var q = ['view=' + listing.view];
    var search = $('search-q').value.trim();
    if (search) q.push('q=' + encodeURIComponent(search));
    ['type', 'jurisdiction'].forEach(function (f) {
      var v = $('filter-' + f).value;
      if (v) q.push(f + '=' + encodeURIComponent(v));
    });
    ['overdue', 'needs_attention', 'on_hold'].forEach(function (f) {
      if ($('filter-' + f).checked) q.push(f + '=true');
    });
    return q.join('&');
  }

  /** Open requests: every page (up to MAX_PAGES); closed ones: one page after `cursor`. */
  function fetchRequests(cursor) {
    var all = [];
    var perPage = listing.view === 'open' ? 200 : CLOSED_PAGE;
    function page(cursor, n) {
      var url = '/v1/admin/requests?limit=' + perPage + '&' + listingQuery() + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
      return api('GET', url).then(function (r) {
        if (!r.ok) return r;
        all = all.concat(r.body.requests || []);
        if (listing.view === 'open' && r.body.nextCursor && n + 1 < MAX_PAGES) return page(r.body.nextCursor, n + 1);
        return { ok: true, requests: all, nextCursor: r.body.nextCursor, truncated: Boolean(r.body.nextCursor) };
      });
    }
    return page(cursor, 0);
  }

  /** "3/5 stores done": a store is done when every one of its collections is. */
  function progressSummary(progress) {
    if (!progress || !progress.length) return 'Not started';
    var stores = {};
    progress.forEach(function (p) {
      var s = stores[p.store] || (stores[p.store] = { done: true, failed: false, waiting: false });
      if (p.state !== 'done') s.done = false;
      if (p.state === 'failed') s.failed = true;
      if (p.state === 'waiting') s.waiting = true;
    });
    var names = Object.keys(stores);
    var done = names.filter(function (n) {
      return stores[n].done;
    }).length;
    var text = done + '/' + names.length + ' stores done';
    var failed = names.filter(function (n) {
      return stores[n].failed;
    }).length;
    var waiting = names.filter(function (n) {
      return stores[n].waiting;
    }).length;
    if (failed) text += ', ' + failed + ' failing';
    if (waiting) text += ', ' + waiting + ' waiting';
    return text;
  }

  function renderRequests(requests) {
    requests = requests.filter(function (r) {
      return !denied[r.id];
    });
    var tbody = $('request-rows');
    tbody.textContent = '';
    var open = listing.view === 'open';
    if (open)
      requests.sort(function (a, b) {
        return Date.parse(effectiveDue(a)) - Date.parse(effectiveDue(b)) || (a.id < b.id ? -1 : 1);
      });
    requests.forEach(function (r) {
      var due = effectiveDue(r);
      var left = daysLeft(due);
      var overdue = r.overdue || (open && left < 0);
      var attention = r.status === 'needs_attention' && r.attention;
      var tr = el('tr', { 'data-id': r.id, className: (overdue ? 'overdue' : '') + (attention ? ' needs-attention' : '') });

      var dueCell = el('td', { className: 'due' }, [el('time', { datetime: due, text: isoDay(due) })]);
      if (r.extendedDueAt) dueCell.appendChild(el('span', { className: 'small', text: ' (extended)' }));
      if (overdue) dueCell.appendChild(el('span', { className: 'badge badge-overdue', text: 'Overdue' }));
      tr.appendChild(dueCell);
      tr.appendChild(el('td', { className: 'num days-left', text: open ? String(left) : '' }));
      tr.appendChild(el('td', { className: 'subject', text: r.subject || '' }));
      var typeCell = el('td', { text: TYPE_TEXT[r.type] || r.type });
      // CCPA §7063: submitted by an authorized agent — who, whether the signed permission arrived (its SHA-256), who accepted a power of attorney
      if (r.agent)
        typeCell.appendChild(
          el('p', {
            className: 'small agent',
            text:
              'via agent ' +
              r.agent.name +
              (r.agent.documentSha256
                ? ' · permission document received (SHA-256 ' + r.agent.documentSha256.slice(0, 12) + ')'
                : ' · no permission document yet') +
              (r.agent.acceptedBy ? ' · power of attorney accepted by ' + r.agent.acceptedBy : ''),
          }),
        );
      if (r.objectionPurpose)
        typeCell.appendChild(el('p', { className: 'small purpose', text: 'to ' + r.objectionPurpose.replace(/_/g, ' ') }));
      tr.appendChild(typeCell);
      tr.appendChild(el('td', { text: JURISDICTION_TEXT[r.jurisdiction] || r.jurisdiction }));
      tr.appendChild(el('td', {}, [el('span', { className: 'badge', 'data-status': r.status, text: STATUS_TEXT[r.status] || r.status })]));
      var progressCell = el('td', { className: 'progress', text: progressSummary(r.progress) });
      if (attention)
        progressCell.appendChild(
          el('p', {
            className: 'attention-reason',
            text: attention.store + '.' + attention.collection + ': ' + attention.errorClass + ': ' + attention.reason,
          }),
        );
      tr.appendChild(progressCell);
      var link = el(
        'a',
        {
          href: temporalBase() + '/namespaces/default/workflows/' + encodeURIComponent(r.id),
          target: '_blank',
          rel: 'noopener noreferrer',
          className: 'workflow-link',
          'aria-label': 'Workflow of request ' + r.id + ' in the Temporal UI (opens a new tab)',
        },
        ['Workflow'],
      );
      tr.appendChild(
        el('td', {}, [
          el('code', { className: 'req-id', title: r.id, text: r.id.slice(0, 8) }),
          el('br'),
          link,
          el('br'),
          dossierButton(r),
        ]),
      );
      var more = d.requestActions.map(function (build) {
        return build(r, open);
      });
      var actions = open ? [attention ? retryButton(r) : null, extendForm(r), denyForm(r)] : [];
      tr.appendChild(el('td', { className: 'actions' }, actions.concat(more)));
      tbody.appendChild(tr);
    });
    $('requests-empty').hidden = requests.length > 0;
    $('requests').hidden = requests.length === 0;
  }

  function actionForm(r, kind, summaryText, fields, submitText, buildBody, url, done) {
    var errId = kind + '-error-' + r.id;
    var form = el('form', { className: 'action-form', novalidate: true, 'data-action': kind });
    fields.forEach(function (f) {
      form.appendChild(f);
    });
    var error = el('p', { id: errId, className: 'error', role: 'alert' });
    form.appendChild(error);
    var button = el('button', { type: 'submit', className: kind === 'deny' ? 'danger' : '' }, [submitText]);
    form.appendChild(button);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      error.textContent = '';
      var body;
      try {
        body = buildBody();
      } catch (e) {
        error.textContent = e.message;
        return;
      }
      button.disabled = true;
      api('POST', url, body)
        .then(function (res) {
          button.disabled = false;
          if (!res.ok) {
            error.textContent = errorText(res);
            return;
          }
          d.say(done(res.body));
          loadRequests();
        })
        .catch(function (err) {
          button.disabled = false;
          handleFailure(err, error);
        });
    });
    return el('details', { className: 'action' }, [el('summary', {}, [summaryText]), form]);
  }

  function extendForm(r) {
    var dateId = 'extend-date-' + r.id;
    var reasonId = 'extend-reason-' + r.id;
    var date = el('input', {
      type: 'date',
      id: dateId,
      min: isoDay(new Date(Date.parse(effectiveDue(r)) + DAY_MS).toISOString()),
      'aria-describedby': 'extend-error-' + r.id,
    });
    var reason = el('input', { type: 'text', id: reasonId, autocomplete: 'off', 'aria-describedby': 'extend-error-' + r.id });
    var fields = [
      el('div', { className: 'field' }, [el('label', { for: dateId, text: 'New due date' }), date]),
      el('div', { className: 'field' }, [el('label', { for: reasonId, text: 'Reason (sent to the subject)' }), reason]),
    ];
    return actionForm(
      r,
      'extend',
      'Extend',
      fields,
      'Extend',
      function () {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(date.value)) throw new Error('Choose the new due date.');
        // keep the time of day of the current deadline: the new date is a whole number of days later
        var time = new Date(effectiveDue(r)).toISOString().slice(10);
        return { newDueAt: date.value + time, reason: reason.value };
      },
      '/v1/admin/requests/' + encodeURIComponent(r.id) + '/extend',
      function (b) {
        return 'Request ' + r.id.slice(0, 8) + ' extended to ' + isoDay(b.dueAt) + '.';
      },
    );
  }

  /** Re-runs the step that stopped the request, once the store or the data map is fixed. */
  function retryButton(r) {
    var error = el('p', { id: 'retry-error-' + r.id, className: 'error', role: 'alert' });
    var button = el('button', { type: 'button', className: 'retry', 'aria-describedby': 'retry-error-' + r.id }, ['Retry']);
    button.addEventListener('click', function () {
      error.textContent = '';
      button.disabled = true;
      api('POST', '/v1/admin/requests/' + encodeURIComponent(r.id) + '/retry')
        .then(function (res) {
          button.disabled = false;
          if (!res.ok) {
            error.textContent = errorText(res);
            return;
          }
          d.say('Request ' + r.id.slice(0, 8) + ': the failed step runs again.');
          loadRequests();
        })
        .catch(function (err) {
          button.disabled = false;
          handleFailure(err, error);
        });
    });
    return el('div', { className: 'action' }, [button, error]);
  }

  function denyForm(r) {
    var reasonId = 'deny-reason-' + r.id;
    var detailsId = 'deny-details-' + r.id;
    var select = el(
      'select',
      { id: reasonId },
      Object.keys(DENIAL_TEXT).map(function (k) {
        return el('option', { value: k, text: DENIAL_TEXT[k] });
      }),
    );
    var details = el('textarea', { id: detailsId, rows: '2', 'aria-describedby': 'deny-error-' + r.id });
    var fields = [
      el('div', { className: 'field' }, [el('label', { for: reasonId, text: 'Reason' }), select]),
      el('div', { className: 'field' }, [el('label', { for: detailsId, text: 'Details (sent to the subject)' }), details]),
    ];
    return actionForm(
      r,
      'deny',
      'Deny',
      fields,
      'Deny request',
      function () {
        return { reason: select.value, details: details.value };
      },
      '/v1/admin/requests/' + encodeURIComponent(r.id) + '/deny',
      function () {
        denied[r.id] = true;
        return 'Request ' + r.id.slice(0, 8) + ' denied.';
      },
    );
  }

  /** The request's audit dossier (printable timeline) as an HTML file. */
  function dossierButton(r) {
    var b = el(
      'button',
      { type: 'button', className: 'secondary dossier', 'aria-label': 'Download the audit dossier of request ' + r.id },
      ['Audit dossier'],
    );
    b.addEventListener('click', function () {
      downloadFile('/v1/admin/requests/' + encodeURIComponent(r.id) + '/audit.html', 'audit-' + r.id + '.html')
        .then(function (res) {
          d.say(res.ok ? 'Audit dossier of ' + r.id.slice(0, 8) + ' downloaded.' : errorText(res));
        })
        .catch(function (err) {
          handleFailure(err, $('requests-error'));
        });
    });
    return b;
  }

  function loadRequests(more) {
    $('requests-error').textContent = '';
    var open = listing.view === 'open';
    return fetchRequests(more ? listing.cursor : null)
      .then(function (r) {
        if (!r.ok) {
          $('requests-error').textContent = errorText(r);
          return;
        }
        listing.shown = more ? listing.shown.concat(r.requests) : r.requests;
        listing.cursor = open ? null : r.nextCursor;
        renderRequests(listing.shown.slice());
        $('requests-more').hidden = !listing.cursor;
        var shown = listing.shown.filter(function (q) {
          return !denied[q.id];
        });
        var overdue = shown.filter(function (q) {
          return q.overdue || (open && daysLeft(effectiveDue(q)) < 0);
        }).length;
        $('requests-count').textContent = '(' + shown.length + (r.truncated ? '+' : '') + (open ? ', ' + overdue + ' overdue' : '') + ')';
      })
      .catch(function (err) {
        handleFailure(err, $('requests-error'));
      });
  }

  d.listing = listing;
  d.loadRequests = loadRequests;
  d.actionForm = actionForm;
  /** Marks a request denied (the list drops it until the projection catches up). */
  d.markDenied = function (id) {
    denied[id] = true;
  };
})();
