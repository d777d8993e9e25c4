// The dashboard's decisions on the rights that change processing and on agents' requests, as
// actions in a request's row: lift a restriction (GDPR Art. 18(3): the subject is told by mail
// before any mark is cleared), accept an objection or refuse it with compelling legitimate grounds
// (Art. 21(1); the grounds go into the subject's notice; direct marketing cannot be refused), and
// accept an authorized agent's power of attorney (CCPA §7063(b)). Runs after dashboard-core.js.
(function () {
  'use strict';
  var d = window.dsarDashboard;
  var el = d.el;
  var DIRECT_MARKETING = 'direct_marketing';

  function requestUrl(r, tail) {
    return '/v1/admin/requests/' + encodeURIComponent(r.id) + tail;
  }

  /** Posts, shows the answer's error in `error` or `done(body)` in the status line, then reloads the list. */
  function post(button, error, url, body, done) {
    error.textContent = '';
    button.disabled = true;
    return d
      .api('POST', url, body)
      .then(function (res) {
        button.disabled = false;
        if (!res.ok) {
          error.textContent = d.errorText(res);
          return;
        }
        d.say(done(res.body));
        d.loadRequests();
      })
      .catch(function (err) {
        button.disabled = false;
        d.handleFailure(err, error);
      });
  }

  /** A restriction in place: lifting it tells the subject first, with the reason, then clears the marks. */
  function liftForm(r) {
    var reasonId = 'lift-reason-' + r.id;
    var errorId = 'lift-error-' + r.id;
    var reason = el('textarea', { id: reasonId, rows: '2', 'aria-describedby': 'lift-notice-' + r.id + ' ' + errorId });
    var error = el('p', { id: errorId, className: 'error', role: 'alert' });
    var button = el('button', { type: 'submit' }, ['Tell the subject, then lift']);
    var form = el('form', { className: 'action-form', novalidate: true, 'data-action': 'lift-restriction' }, [
      el('p', {
        id: 'lift-notice-' + r.id,
        className: 'confirm-note',
        text:
          'The subject is told first: a mail with this reason goes out before any mark is cleared (GDPR Art. 18(3)). ' +
          'Then the restriction marks are cleared in every store and processors are told.',
      }),
      el('div', { className: 'field' }, [el('label', { for: reasonId, text: 'Why it is lifted (sent to the subject)' }), reason]),
      error,
      button,
    ]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      if (reason.value.trim().length < 3) {
        error.textContent = 'Give the reason: the subject is told it before the restriction is lifted.';
        reason.setAttribute('aria-invalid', 'true');
        reason.focus();
        return;
      }
      reason.removeAttribute('aria-invalid');
      post(button, error, requestUrl(r, '/lift-restriction'), { reason: reason.value.trim() }, function (b) {
        return (
          'Restriction ' + r.id.slice(0, 8) + ' lifted: the subject was told first, then ' + b.targets + ' store target(s) were cleared.'
        );
      });
    });
    return el('details', { className: 'action' }, [el('summary', {}, ['Lift restriction']), form]);
  }

  function acceptObjectionButton(r) {
    var error = el('p', { id: 'accept-objection-error-' + r.id, className: 'error', role: 'alert' });
    var button = el('button', { type: 'button', className: 'accept-objection', 'aria-describedby': error.id }, ['Accept objection']);
    button.addEventListener('click', function () {
      post(button, error, requestUrl(r, '/accept-objection'), undefined, function () {
        return 'Objection ' + r.id.slice(0, 8) + ' accepted: the processing for ' + r.objectionPurpose + ' stops.';
      });
    });
    return el('div', { className: 'action' }, [button, error]);
  }

  /** Refusing an objection: a denial for compelling legitimate grounds, which the subject's notice gives. */
  function refuseObjectionForm(r) {
    var groundsId = 'refuse-grounds-' + r.id;
    var errorId = 'refuse-error-' + r.id;
    var grounds = el('textarea', { id: groundsId, rows: '3', required: true, 'aria-describedby': errorId });
    var error = el('p', { id: errorId, className: 'error', role: 'alert' });
    var button = el('button', { type: 'submit', className: 'danger' }, ['Refuse objection']);
    var form = el('form', { className: 'action-form', novalidate: true, 'data-action': 'refuse-objection' }, [
      el('div', { className: 'field' }, [
        el('label', { for: groundsId, text: 'Compelling legitimate grounds (sent to the subject in the notice)' }),
        grounds,
      ]),
      error,
      button,
    ]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      if (grounds.value.trim().length < 3) {
        error.textContent = 'State the compelling legitimate grounds: an objection cannot be refused without them.';
        grounds.setAttribute('aria-invalid', 'true');
        grounds.focus();
        return;
      }
      grounds.removeAttribute('aria-invalid');
      var body = { reason: 'compelling_legitimate_grounds', details: grounds.value.trim() };
      post(button, error, requestUrl(r, '/deny'), body, function () {
        d.markDenied(r.id);
        return 'Objection ' + r.id.slice(0, 8) + ' refused; the subject is told the grounds.';
      });
    });
    return el('details', { className: 'action' }, [el('summary', {}, ['Refuse (compelling grounds)']), form]);
  }

  function powerOfAttorneyButton(r) {
    var error = el('p', { id: 'agent-authority-error-' + r.id, className: 'error', role: 'alert' });
    var button = el('button', { type: 'button', className: 'agent-authority', 'aria-describedby': error.id }, ['Mark power of attorney']);
    button.addEventListener('click', function () {
      post(button, error, requestUrl(r, '/agent-authority'), undefined, function (b) {
        return 'Power of attorney for ' + r.id.slice(0, 8) + ' accepted by ' + b.acceptedBy + ': the request proceeds.';
      });
    });
    var note = el('p', {
      className: 'small',
      text: 'Accepting the signed power of attorney counts as the verification (CCPA §7063(b)).',
    });
    return el('div', { className: 'action' }, [button, note, error]);
  }

  d.requestActions.push(function (r, open) {
    var actions = [];
    if (r.type === 'restriction' && r.status === 'completed' && !r.restrictionLiftedAt) actions.push(liftForm(r));
    if (r.type === 'restriction' && r.restrictionLiftedAt)
      actions.push(el('p', { className: 'small lifted', text: 'Lifted ' + d.isoDay(r.restrictionLiftedAt) }));
    // an objection to direct marketing is always honoured; another purpose waits for the team while in progress
    if (open && r.type === 'objection' && r.objectionPurpose && r.objectionPurpose !== DIRECT_MARKETING && r.status === 'in_progress')
      actions.push(acceptObjectionButton(r), refuseObjectionForm(r));
    if (open && r.agent && r.agent.documentSha256 && !r.agent.acceptedBy && r.status === 'awaiting_verification')
      actions.push(powerOfAttorneyButton(r));
    return actions.length ? el('div', { className: 'rights-actions' }, actions) : null;
  });
})();
