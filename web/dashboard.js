// The privacy team's dashboard (/dashboard): requests (open by due date with extend/deny/retry,
// or closed, newest first, a page at a time) with whom each is about, search and filters, the
// triage list, open manual tasks and weekly charts; dashboard-team.js adds legal holds and the
// compliance report through window.dsarDashboard. The admin API key lives in sessionStorage
// only and is sent as a bearer token; a 401 anywhere returns to the sign-in form.
(function () {
  'use strict';
  var KEY_STORAGE = 'dsar.adminKey';
  var TEMPORAL_STORAGE = 'dsar.temporalUi';
  var TEMPORAL_DEFAULT = 'http://localhost:8233';
  var DAY_MS = 86400000;
  var MAX_PAGES = 10;
  var CLOSED_PAGE = 50;
  /** What the request list shows: the open or closed view, the search and the filters; `cursor` pages the closed view. */
  var listing = { view: 'open', cursor: null, shown: [] };
  var TYPES = ['access', 'export', 'correction', 'deletion'];
  var TYPE_TEXT = { access: 'Access', export: 'Export', correction: 'Correction', deletion: 'Deletion' };
  var TYPE_COLOUR = { access: '#1a4fb8', export: '#1e6b34', correction: '#8a4b08', deletion: '#8e1f5c' };
  var STATUS_TEXT = {
    received: 'Received',
    awaiting_verification: 'Awaiting verification',
    in_progress: 'In progress',
    needs_attention: 'Needs attention',
    on_hold: 'On hold (legal hold)',
    completed: 'Completed',
    denied: 'Denied',
    expired_unverified: 'Expired (unverified)',
    failed: 'Failed',
  };
  var JURISDICTION_TEXT = { policy: 'Policy', gdpr: 'GDPR', ccpa: 'CCPA' };
  var DENIAL_TEXT = {
    manifestly_unfounded: 'Manifestly unfounded',
    excessive: 'Excessive',
    identity_not_verified: 'Identity not verified',
    legal_exemption: 'Legal exemption',
  };
  var SVG_NS = 'http://www.w3.org/2000/svg';

  var $ = function (id) {
    return document.getElementById(id);
  };
  var loginSection = $('login');
  var appSection = $('app');
  var dashStatus = $('dash-status');
  var temporalInput = $('temporal-ui');
  /** Requests the API confirmed denied: the list (a projection the workflow updates a moment later) may still show them open. */
  var denied = {};
  /** Manual tasks the API confirmed completed: the task list (written by the workflow a moment later) may still show them open. */
  var completedTasks = {};

  // ---- helpers ------------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs)
      Object.keys(attrs).forEach(function (k) {
        if (k === 'text') node.textContent = attrs[k];
        else if (k === 'className') node.className = attrs[k];
        else if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== false) node.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
      });
    (children || []).forEach(function (c) {
      if (c) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      node.setAttribute(k, String(attrs[k]));
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** The UTC day of an instant, YYYY-MM-DD (what the date inputs use too). */
  function isoDay(iso) {
    return new Date(iso).toISOString().slice(0, 10);
  }

  function daysLeft(iso) {
    var d = Math.ceil((Date.parse(iso) - Date.now()) / DAY_MS);
    return d === 0 ? 0 : d; // no "-0"
  }

  function effectiveDue(r) {
    return r.extendedDueAt || r.dueAt;
  }

  function getKey() {
    try {
      return sessionStorage.getItem(KEY_STORAGE) || '';
    } catch {
      return '';
    }
  }

  function temporalBase() {
    var v = (temporalInput.value || '').trim().replace(/\/+$/, '');
    return /^https?:\/\/[^\s]+$/i.test(v) ? v : TEMPORAL_DEFAULT;
  }

  function AuthError(message) {
    this.message = message;
  }

  /** fetch with the key; resolves {status, ok, body}; rejects with AuthError on 401. */
  function api(method, url, body) {
    var headers = { accept: 'application/json', authorization: 'Bearer ' + getKey() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(url, {
      method: method,
      headers: headers,
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(answer);
  }

  /** The API's answer as { status, ok, body }; a refused key signs the team out. */
  function answer(res) {
    return res
      .json()
      .catch(function () {
        return {};
      })
      .then(function (b) {
        if (res.status === 401) throw new AuthError(b.message || 'The key was not accepted.');
        return { status: res.status, ok: res.ok, body: b };
      });
  }

  function errorText(r) {
    if (r.body && r.body.message) return r.body.message;
    if (r.status === 404) return 'Not available on this server (404).';
    return 'The server answered ' + r.status + '.';
  }

  /** Returns to the sign-in form; a non-empty message says why. */
  function logout(message) {
    try {
      sessionStorage.removeItem(KEY_STORAGE);
    } catch {
      /* ignore */
    }
    appSection.hidden = true;
    loginSection.hidden = false;
    $('login-message').textContent = message || '';
    $('api-key').value = '';
    $('api-key').focus();
  }

  function handleFailure(err, errorEl) {
    if (err instanceof AuthError) return logout('Your session ended: ' + err.message + ' Sign in again.');
    errorEl.textContent = 'Could not reach the server; try Refresh.';
  }

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
      // CCPA §7063: submitted by an authorized agent — who, the permission's SHA-256, who accepted a power of attorney
      if (r.agent)
        typeCell.appendChild(
          el('p', {
            className: 'small agent',
            text:
              'via agent ' +
              r.agent.name +
              (r.agent.documentSha256 ? ' · permission ' + r.agent.documentSha256.slice(0, 12) : ' · no permission yet') +
              (r.agent.acceptedBy ? ' · power of attorney accepted by ' + r.agent.acceptedBy : ''),
          }),
        );
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
      tr.appendChild(el('td', { className: 'actions' }, open ? [attention ? retryButton(r) : null, extendForm(r), denyForm(r)] : []));
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
          dashStatus.textContent = done(res.body);
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
          dashStatus.textContent = 'Request ' + r.id.slice(0, 8) + ': the failed step runs again.';
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

  /** Downloads a file the admin API serves (the key goes in a header, so a plain link cannot fetch it). */
  function downloadFile(url, fileName) {
    return fetch(url, { headers: { authorization: 'Bearer ' + getKey() }, cache: 'no-store' }).then(function (res) {
      if (res.status === 401) throw new AuthError('The key was not accepted.');
      if (!res.ok) return { ok: false, status: res.status, body: {} };
      return res.blob().then(function (blob) {
        var href = URL.createObjectURL(blob);
        var a = el('a', { href: href, download: fileName, hidden: true });
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () {
          URL.revokeObjectURL(href);
        }, 10000);
        return { ok: true };
      });
    });
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
          dashStatus.textContent = res.ok ? 'Audit dossier of ' + r.id.slice(0, 8) + ' downloaded.' : errorText(res);
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

  // ---- triage -------------------------------------------------------------------------------

  function renderTriage(messages) {
    var list = $('triage');
    list.textContent = '';
    messages.forEach(function (m) {
      var errId = 'triage-error-' + m.id;
      var error = el('p', { id: errId, className: 'error', role: 'alert' });
      var li = el('li', { className: 'card', 'data-id': m.id }, [
        el('p', {}, [el('strong', { text: m.subject || '(no subject)' })]),
        el('p', { className: 'small' }, [
          'Received ',
          el('time', { datetime: m.receivedAt, text: new Date(m.receivedAt).toLocaleString() }),
          m.suggested ? ' · suggested: ' + (TYPE_TEXT[m.suggested] || m.suggested) : '',
          m.reason ? ' · ' + m.reason : '',
        ]),
      ]);
      function act(path, body, doneText) {
        error.textContent = '';
        api('POST', '/v1/admin/inbox/' + encodeURIComponent(m.id) + path, body)
          .then(function (res) {
            if (!res.ok) {
              error.textContent = errorText(res);
              return;
            }
            dashStatus.textContent = doneText;
            loadTriage();
            loadRequests();
          })
          .catch(function (err) {
            handleFailure(err, error);
          });
      }
      var buttons = el('div', { className: 'button-row', role: 'group', 'aria-label': 'Classify “' + (m.subject || 'message') + '” as' });
      ['access', 'export', 'deletion'].forEach(function (t) {
        var b = el('button', { type: 'button', className: 'secondary' + (m.suggested === t ? ' suggested' : '') }, [TYPE_TEXT[t]]);
        b.addEventListener('click', function () {
          act('/classify', { type: t }, 'Mail classified as ' + TYPE_TEXT[t].toLowerCase() + '.');
        });
        buttons.appendChild(b);
      });
      li.appendChild(buttons);
      var reasonId = 'reject-reason-' + m.id;
      var reason = el('input', { type: 'text', id: reasonId, autocomplete: 'off', 'aria-describedby': errId });
      var form = el('form', { className: 'action-form', novalidate: true }, [
        el('div', { className: 'field' }, [el('label', { for: reasonId, text: 'Reason it is not a privacy request' }), reason]),
        el('button', { type: 'submit', className: 'danger' }, ['Reject']),
      ]);
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        act('/reject', { reason: reason.value }, 'Mail rejected.');
      });
      li.appendChild(el('details', { className: 'action' }, [el('summary', {}, ['Reject']), form]));
      li.appendChild(error);
      list.appendChild(li);
    });
    $('triage-empty').hidden = messages.length > 0;
    $('triage-count').textContent = '(' + messages.length + ')';
  }

  function loadTriage() {
    $('triage-error').textContent = '';
    return api('GET', '/v1/admin/inbox?status=triage')
      .then(function (r) {
        if (!r.ok) {
          $('triage-error').textContent = errorText(r);
          return;
        }
        renderTriage(r.body.messages || []);
      })
      .catch(function (err) {
        handleFailure(err, $('triage-error'));
      });
  }

  // ---- manual tasks -------------------------------------------------------------------------

  /** Uploads one file for a manual task (the store's data for an access or export request). */
  function uploadTaskFile(t, file) {
    return fetch(taskUrl(t, '/files'), {
      method: 'POST',
      headers: {
        accept: 'application/json',
        authorization: 'Bearer ' + getKey(),
        'content-type': 'application/octet-stream',
        'x-file-name': file.name,
      },
      cache: 'no-store',
      body: file,
    }).then(answer);
  }

  function taskUrl(t, tail) {
    return '/v1/admin/requests/' + encodeURIComponent(t.requestId) + '/manual-tasks/' + encodeURIComponent(t.store) + tail;
  }

  /** The form that completes a task: "done" for deletion and correction; upload or "nothing held" for access and export. */
  function taskForm(t, key, error) {
    var noteId = 'task-note-' + key;
    var note = el('input', { type: 'text', id: noteId, autocomplete: 'off', 'aria-describedby': error.id });
    var fields = [el('div', { className: 'field' }, [el('label', { for: noteId, text: 'What was done' }), note])];
    var fileInput = null;
    if (t.operation === 'read') {
      var fileId = 'task-files-' + key;
      fileInput = el('input', { type: 'file', id: fileId, multiple: true, 'aria-describedby': error.id });
      fields.push(el('div', { className: 'field' }, [el('label', { for: fileId, text: 'What the store holds (files)' }), fileInput]));
    }
    var buttons =
      t.operation === 'read'
        ? [
            el('button', { type: 'submit', value: 'uploaded' }, ['Upload and complete']),
            el('button', { type: 'submit', value: 'nothing_held' }, ['Nothing held']),
          ]
        : [el('button', { type: 'submit', value: 'done' }, ['Mark done'])];
    var form = el('form', { className: 'action-form', novalidate: true }, fields.concat(buttons));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      error.textContent = '';
      var outcome = (ev.submitter && ev.submitter.value) || 'done';
      var files = outcome === 'uploaded' && fileInput ? Array.prototype.slice.call(fileInput.files) : [];
      if (outcome === 'uploaded' && !files.length) {
        error.textContent = 'Choose the files to upload, or complete the task as "Nothing held".';
        return;
      }
      files
        .reduce(function (done, file) {
          return done.then(function (r) {
            if (r && !r.ok) return r;
            return uploadTaskFile(t, file);
          });
        }, Promise.resolve(null))
        .then(function (r) {
          if (r && !r.ok) return r;
          return api('POST', taskUrl(t, '/complete'), { note: note.value, outcome: outcome });
        })
        .then(function (res) {
          if (!res.ok) {
            error.textContent = errorText(res);
            return;
          }
          completedTasks[t.requestId + '/' + t.store] = true;
          dashStatus.textContent = 'Manual task in ' + t.store + ' completed.';
          loadTasks();
          loadRequests();
        })
        .catch(function (err) {
          handleFailure(err, error);
        });
    });
    return form;
  }

  var TASK_ASKS = { read: 'provide its data', erase: 'delete', correct: 'correct' };

  function renderTasks(tasks) {
    tasks = tasks.filter(function (t) {
      return !completedTasks[t.requestId + '/' + t.store];
    });
    var list = $('tasks');
    list.textContent = '';
    tasks.forEach(function (t) {
      var key = t.requestId + '-' + t.store;
      var error = el('p', { id: 'task-error-' + key, className: 'error', role: 'alert' });
      list.appendChild(
        el('li', { className: 'card', 'data-request': t.requestId }, [
          el('p', {}, [
            el('strong', { text: t.store }),
            ' · ',
            el('span', { className: 'subject', text: t.subject || '' }),
            ' · ' + (TASK_ASKS[t.operation] || t.operation) + ' · request ',
            el('code', { title: t.requestId, text: t.requestId.slice(0, 8) }),
          ]),
          el('p', { className: 'small' }, [
            'Open since ',
            el('time', { datetime: t.createdAt, text: new Date(t.createdAt).toLocaleString() }),
          ]),
          el('p', { className: 'instructions', text: t.instructions || '' }),
          el('details', { className: 'action' }, [
            el('summary', {}, [t.operation === 'read' ? 'Provide the data' : 'Mark done']),
            taskForm(t, key, error),
          ]),
          error,
        ]),
      );
    });
    $('tasks-empty').hidden = tasks.length > 0;
    $('tasks-count').textContent = '(' + tasks.length + ')';
  }

  function loadTasks() {
    $('tasks-error').textContent = '';
    return api('GET', '/v1/admin/manual-tasks')
      .then(function (r) {
        if (!r.ok) {
          $('tasks-error').textContent = r.status === 404 ? 'The manual-task list is not available on this server yet.' : errorText(r);
          $('tasks-empty').hidden = true;
          return;
        }
        renderTasks(r.body.tasks || []);
      })
      .catch(function (err) {
        handleFailure(err, $('tasks-error'));
      });
  }

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

  // ---- wiring -------------------------------------------------------------------------------

  /** What dashboard-team.js plugs into: the API helpers and the list of loaders Refresh runs. */
  var shared = {
    api: api,
    el: el,
    errorText: errorText,
    handleFailure: handleFailure,
    downloadFile: downloadFile,
    say: function (text) {
      dashStatus.textContent = text;
    },
    reloadRequests: function () {
      return loadRequests();
    },
    loaders: [],
  };
  window.dsarDashboard = shared;

  function loadAll() {
    dashStatus.textContent = 'Loading…';
    var loads = [loadRequests(), loadTriage(), loadTasks(), loadCharts()].concat(
      shared.loaders.map(function (load) {
        return load();
      }),
    );
    return Promise.all(loads).then(function () {
      if (getKey()) dashStatus.textContent = 'Updated at ' + new Date().toLocaleTimeString() + '.';
    });
  }

  function showApp() {
    loginSection.hidden = true;
    appSection.hidden = false;
    $('login-message').textContent = '';
    loadAll();
  }

  $('login-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var input = $('api-key');
    var key = input.value.trim();
    $('api-key-error').textContent = '';
    input.removeAttribute('aria-invalid');
    if (!key) {
      $('api-key-error').textContent = 'Enter your admin API key.';
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    try {
      sessionStorage.setItem(KEY_STORAGE, key);
    } catch {
      /* private mode: nothing to do */
    }
    input.value = '';
    showApp();
  });

  $('logout').addEventListener('click', function () {
    logout('You are signed out.');
  });
  $('refresh').addEventListener('click', function () {
    loadAll();
  });

  try {
    temporalInput.value = localStorage.getItem(TEMPORAL_STORAGE) || TEMPORAL_DEFAULT;
  } catch {
    temporalInput.value = TEMPORAL_DEFAULT;
  }
  temporalInput.addEventListener('change', function () {
    try {
      localStorage.setItem(TEMPORAL_STORAGE, temporalBase());
    } catch {
      /* ignore */
    }
    var base = temporalBase();
    Array.prototype.forEach.call(document.querySelectorAll('#request-rows tr'), function (tr) {
      var a = tr.querySelector('a.workflow-link');
      if (a) a.setAttribute('href', base + '/namespaces/default/workflows/' + encodeURIComponent(tr.getAttribute('data-id')));
    });
  });

  function showView(view) {
    listing.view = view;
    ['open', 'closed'].forEach(function (v) {
      $('view-' + v).setAttribute('aria-pressed', String(v === view));
    });
    $('requests-title-text').textContent = view === 'open' ? 'Open requests' : 'Closed requests';
    $('requests-order').textContent =
      view === 'open' ? 'Sorted by due date, soonest first. Overdue requests are marked “Overdue”.' : 'Newest first.';
    loadRequests();
  }
  $('view-open').addEventListener('click', function () {
    showView('open');
  });
  $('view-closed').addEventListener('click', function () {
    showView('closed');
  });
  $('search-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    loadRequests();
  });
  $('search-clear').addEventListener('click', function () {
    $('search-q').value = '';
    $('search-q').focus();
    loadRequests();
  });
  ['type', 'jurisdiction', 'overdue', 'needs_attention', 'on_hold'].forEach(function (f) {
    $('filter-' + f).addEventListener('change', function () {
      loadRequests();
    });
  });
  $('requests-more').addEventListener('click', function () {
    loadRequests(true);
  });

  // after dashboard-team.js (the next script) has registered its loaders
  document.addEventListener('DOMContentLoaded', function () {
    if (getKey()) showApp();
    else loginSection.hidden = false;
  });
})();
