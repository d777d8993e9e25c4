// The dashboard's work lists: mail to triage (classify or reject) and open manual tasks (upload
// the store's data, "nothing held", or mark done).
(function () {
  'use strict';
  var d = window.dsarDashboard;
  var $ = d.$;
  var el = d.el;
  var api = d.api;
  var answer = d.answer;
  var errorText = d.errorText;
  var handleFailure = d.handleFailure;
  var getKey = d.getKey;
  var TYPE_TEXT = d.TYPE_TEXT;
  var loadRequests = d.loadRequests;
  /** Manual tasks the API confirmed completed: the task list (written by the workflow a moment later) may still show them open. */
  var completedTasks = {};

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
            d.say(doneText);
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
          d.say('Manual task in ' + t.store + ' completed.');
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

  d.loadTriage = loadTriage;
  d.loadTasks = loadTasks;
})();
