// The self-service form: POST /v1/requests, then the reference, due date and a status link.
// Errors from the API ({message, issues: [{path, message}]}) are shown next to their field.
(function () {
  'use strict';
  var form = document.getElementById('request-form');
  var button = document.getElementById('submit');
  var status = document.getElementById('form-status');
  var result = document.getElementById('result');
  var fieldErrors = { type: document.getElementById('type-error'), email: document.getElementById('email-error') };
  var email = document.getElementById('email');
  var radios = form.querySelectorAll('input[name=type]');
  // One key per distinct request, so a retry after a lost answer does not create a second request.
  var idempotency = { body: null, key: null };

  function randomKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return (
      'web-' +
      Array.prototype.map
        .call(bytes, function (b) {
          return ('0' + b.toString(16)).slice(-2);
        })
        .join('')
    );
  }

  function formatDay(iso) {
    var d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' });
  }

  function clearErrors() {
    Object.keys(fieldErrors).forEach(function (k) {
      fieldErrors[k].textContent = '';
    });
    email.removeAttribute('aria-invalid');
    radios.forEach(function (r) {
      r.removeAttribute('aria-invalid');
    });
    status.textContent = '';
    status.classList.remove('is-error');
  }

  function showFieldError(field, message) {
    fieldErrors[field].textContent = message;
    if (field === 'email') email.setAttribute('aria-invalid', 'true');
    else
      radios.forEach(function (r) {
        r.setAttribute('aria-invalid', 'true');
      });
  }

  function focusField(field) {
    if (field === 'email') email.focus();
    else (form.querySelector('input[name=type]:checked') || radios[0]).focus();
  }

  function showError(body, fallback) {
    var issues = body && Array.isArray(body.issues) ? body.issues : [];
    var first = null;
    var general = [];
    issues.forEach(function (issue) {
      var field = String(issue.path || '').replace(/^body\./, '');
      if (fieldErrors[field]) {
        showFieldError(field, issue.message);
        first = first || field;
      } else {
        general.push(issue.message);
      }
    });
    if (!first || general.length) {
      status.classList.add('is-error');
      status.textContent = (body && body.message) || fallback;
    } else {
      status.classList.add('is-error');
      status.textContent = 'Please correct the highlighted field.';
    }
    if (first) focusField(first);
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    clearErrors();
    var checked = form.querySelector('input[name=type]:checked');
    var payload = { type: checked ? checked.value : '', email: email.value.trim() };
    var missing = null;
    if (!payload.type) {
      showFieldError('type', 'Choose export or deletion.');
      missing = missing || 'type';
    }
    if (!payload.email) {
      showFieldError('email', 'Enter your email address.');
      missing = missing || 'email';
    }
    if (missing) {
      status.classList.add('is-error');
      status.textContent = 'Please correct the highlighted field.';
      focusField(missing);
      return;
    }
    var bodyText = JSON.stringify(payload);
    if (idempotency.body !== bodyText) idempotency = { body: bodyText, key: randomKey() };

    button.disabled = true;
    result.hidden = true;
    status.textContent = 'Sending your request…';
    fetch('/v1/requests', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotency.key },
      body: bodyText,
    })
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
        if (!r.res.ok) {
          showError(r.body, 'Your request could not be sent (error ' + r.res.status + '). Please try again.');
          return;
        }
        idempotency = { body: null, key: null };
        document.getElementById('result-id').textContent = r.body.id;
        var due = document.getElementById('result-due');
        due.setAttribute('datetime', r.body.dueAt);
        due.textContent = formatDay(r.body.dueAt);
        document.getElementById('result-status-link').href =
          '/status?id=' + encodeURIComponent(r.body.id) + '&t=' + encodeURIComponent(r.body.statusToken);
        status.textContent = 'Request received. Your reference is ' + r.body.id + '. Check your email to confirm it.';
        result.hidden = false;
        result.focus();
      })
      .catch(function () {
        status.classList.add('is-error');
        status.textContent = 'We could not reach the server. Check your connection and try again.';
      })
      .then(function () {
        button.disabled = false;
      });
  });
})();
