// The dashboard's legal holds (list with whom each holds and its category, place, release) and
// the compliance report as a download (JSON or CSV). Runs after dashboard.js, through the
// helpers it shares as window.dsarDashboard.
(function () {
  'use strict';
  var d = window.dsarDashboard;
  var el = d.el;
  var $ = function (id) {
    return document.getElementById(id);
  };
  var CATEGORY_TEXT = {
    legal_claims: 'Legal claims',
    regulatory_investigation: 'Regulatory investigation',
    legal_obligation: 'Legal obligation',
  };

  // ---- legal holds --------------------------------------------------------------------------

  function releaseForm(h, error) {
    var reasonId = 'release-reason-' + h.id;
    var reason = el('input', { type: 'text', id: reasonId, autocomplete: 'off', 'aria-describedby': error.id });
    var form = el('form', { className: 'action-form', novalidate: true }, [
      el('div', { className: 'field' }, [el('label', { for: reasonId, text: 'Why it is released' }), reason]),
      el('button', { type: 'submit' }, ['Release hold']),
    ]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      error.textContent = '';
      d.api('POST', '/v1/admin/legal-holds/' + encodeURIComponent(h.id) + '/release', { reason: reason.value })
        .then(function (res) {
          if (!res.ok) {
            error.textContent = d.errorText(res);
            return;
          }
          d.say('Legal hold released; ' + res.body.requestsResumed + ' request(s) resumed.');
          loadHolds().then(function () {
            $('holds-title').focus();
          });
          d.reloadRequests();
        })
        .catch(function (err) {
          d.handleFailure(err, error);
        });
    });
    return form;
  }

  function renderHolds(holds) {
    var list = $('holds');
    list.textContent = '';
    holds.forEach(function (h) {
      var error = el('p', { id: 'hold-error-' + h.id, className: 'error', role: 'alert' });
      list.appendChild(
        el('li', { className: 'card', 'data-id': h.id }, [
          el('p', {}, [el('strong', { className: 'subject', text: h.subject }), ' · ' + (CATEGORY_TEXT[h.category] || h.category)]),
          el('p', { className: 'small' }, [
            'Placed by ' + h.placedBy + ' on ',
            el('time', { datetime: h.placedAt, text: new Date(h.placedAt).toLocaleString() }),
          ]),
          el('details', { className: 'action' }, [el('summary', {}, ['Release']), releaseForm(h, error)]),
          error,
        ]),
      );
    });
    $('holds-empty').hidden = holds.length > 0;
    $('holds-count').textContent = '(' + holds.length + ')';
  }

  function loadHolds() {
    $('holds-error').textContent = '';
    return d
      .api('GET', '/v1/admin/legal-holds')
      .then(function (r) {
        if (!r.ok) {
          $('holds-error').textContent = d.errorText(r);
          return;
        }
        renderHolds(r.body.holds || []);
      })
      .catch(function (err) {
        d.handleFailure(err, $('holds-error'));
      });
  }

  $('holds-title').setAttribute('tabindex', '-1');
  $('hold-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var error = $('hold-form-error');
    error.textContent = '';
    var email = $('hold-email');
    var body = { email: email.value.trim(), reason: $('hold-reason').value, category: $('hold-category').value };
    d.api('POST', '/v1/admin/legal-holds', body)
      .then(function (res) {
        if (!res.ok) {
          error.textContent = d.errorText(res);
          return;
        }
        d.say('Legal hold placed.');
        email.value = '';
        $('hold-reason').value = '';
        loadHolds();
        d.reloadRequests();
      })
      .catch(function (err) {
        d.handleFailure(err, error);
      });
  });

  // ---- compliance report --------------------------------------------------------------------

  var today = new Date();
  $('report-from').value = today.getUTCFullYear() + '-01-01';
  $('report-to').value = new Date(today.getTime() + 86400000).toISOString().slice(0, 10);

  $('report-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var error = $('report-error');
    error.textContent = '';
    var format = (ev.submitter && ev.submitter.value) || 'json';
    var from = $('report-from').value;
    var to = $('report-to').value;
    if (!from || !to) {
      error.textContent = 'Choose both days of the period.';
      return;
    }
    var url = '/v1/admin/reports/compliance?from=' + encodeURIComponent(from) + '&to=' + encodeURIComponent(to) + '&format=' + format;
    d.downloadFile(url, 'compliance-' + from + '-' + to + '.' + format)
      .then(function (res) {
        if (!res.ok) error.textContent = 'The report could not be made (the server answered ' + res.status + ').';
        else d.say('Compliance report (' + format.toUpperCase() + ') downloaded.');
      })
      .catch(function (err) {
        d.handleFailure(err, error);
      });
  });

  d.loaders.push(loadHolds);
})();
