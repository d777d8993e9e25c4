// The self-service form: POST /v1/requests, then the reference, due date, a link to enter the
// mailed code and a status link. Errors from the API ({message, issues: [{path, message}]}) are
// shown next to their field. Texts come from I18N (web/i18n.js); the correctable fields from
// GET /v1/requests/options (the data map), named by its opaque keys, as are the purposes of an
// objection. web/self-service-rights.js adds the signed-in subject, GPC and the agent's form
// through window.DSAR_FORM.
(function () {
  'use strict';
  var t = window.I18N.t;

  // Every right the page offers, in order. Adding one is one entry here plus `right.<type>` and
  // `right.<type>.hint` in each lang-*.js; `extra` names the extra fields it needs (EXTRAS below).
  var RIGHTS = [
    { type: 'access' },
    { type: 'export' },
    { type: 'correction', extra: 'corrections' },
    { type: 'deletion' },
    { type: 'opt_out' },
    { type: 'restriction' },
    { type: 'objection', extra: 'objection' },
  ];

  var form = document.getElementById('request-form');
  var button = document.getElementById('submit');
  var status = document.getElementById('form-status');
  var result = document.getElementById('result');
  var email = document.getElementById('email');
  var residence = document.getElementById('residence');
  var rightsBox = document.getElementById('rights');
  var correctionRows = document.getElementById('correction-rows');
  var fieldErrors = {
    type: document.getElementById('type-error'),
    email: document.getElementById('email-error'),
    corrections: document.getElementById('corrections-error'),
    objection: document.getElementById('objection-error'),
    agent: document.getElementById('agent-error'),
  };
  // the API names an objection's field `purpose`; the page shows it with the purposes
  var FIELD_ALIASES = { purpose: 'objection' };
  var purposesBox = document.getElementById('purposes');
  // what web/self-service-rights.js adds: headers, payload parts, and what to do with the answer and the options
  var hooks = { headers: {}, payload: [], result: [], options: [] };
  var correctable = [];
  var rowCount = 0;
  var lastDue = null;
  // One key per distinct request, so a retry after a lost answer does not create a second request.
  var idempotency = { body: null, key: null };

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      node.setAttribute(k, attrs[k]);
    });
    return node;
  }

  function renderRights() {
    RIGHTS.forEach(function (right) {
      var id = 'type-' + right.type;
      var choice = el('div', { class: 'choice' });
      var input = el('input', { type: 'radio', id: id, name: 'type', value: right.type });
      var label = el('label', { for: id });
      var text = el('span', { 'data-i18n': 'right.' + right.type });
      var hint = el('span', { class: 'hint', 'data-i18n': 'right.' + right.type + '.hint' });
      label.appendChild(text);
      label.appendChild(document.createTextNode(' '));
      label.appendChild(hint);
      choice.appendChild(input);
      choice.appendChild(label);
      rightsBox.appendChild(choice);
      input.addEventListener('change', showExtras);
    });
  }

  function chosenRight() {
    var checked = form.querySelector('input[name=type]:checked');
    if (!checked) return null;
    return RIGHTS.filter(function (r) {
      return r.type === checked.value;
    })[0];
  }

  // The extra fields of a right: the fieldset shown while it is chosen, and what it adds to the body.
  var EXTRAS = {
    corrections: {
      fieldset: document.getElementById('corrections'),
      collect: function () {
        var out = {};
        correctionRows.querySelectorAll('.correction').forEach(function (row) {
          var field = row.querySelector('select').value;
          var value = row.querySelector('input').value.trim();
          if (field && value) out[field] = value;
        });
        return Object.keys(out).length ? { corrections: out } : null;
      },
      missing: 'corr.missing',
    },
    objection: {
      fieldset: document.getElementById('objection'),
      collect: function () {
        var checked = purposesBox.querySelector('input[name=purpose]:checked');
        return checked ? { purpose: checked.value } : null;
      },
      missing: 'obj.missing',
    },
  };

  /** The purposes of the data map, by their labels; direct marketing first, said to be always honoured. */
  function renderPurposes(purposes) {
    purposesBox.textContent = '';
    purposes.forEach(function (p, i) {
      var id = 'purpose-' + i;
      var choice = el('div', { class: 'choice' });
      var input = el('input', { type: 'radio', id: id, name: 'purpose', value: p.key });
      var label = el('label', { for: id });
      var text = el('span');
      text.textContent = p.label;
      var hint = el('span', { class: 'hint', 'data-i18n': p.alwaysHonoured ? 'obj.always' : 'obj.weighed' });
      label.appendChild(text);
      label.appendChild(document.createTextNode(' '));
      label.appendChild(hint);
      choice.appendChild(input);
      choice.appendChild(label);
      purposesBox.appendChild(choice);
    });
    window.I18N.apply();
  }

  function showExtras() {
    var right = chosenRight();
    Object.keys(EXTRAS).forEach(function (name) {
      EXTRAS[name].fieldset.hidden = !(right && right.extra === name);
    });
    if (right && right.extra === 'corrections' && !correctionRows.children.length) addCorrectionRow();
  }

  function addCorrectionRow() {
    rowCount += 1;
    var n = rowCount;
    var row = el('div', { class: 'correction' });
    var fieldBox = el('div', { class: 'field' });
    var fieldLabel = el('label', { for: 'corr-field-' + n, 'data-i18n': 'corr.field' });
    var select = el('select', { id: 'corr-field-' + n, name: 'corr-field-' + n });
    var empty = el('option', { value: '', 'data-i18n': 'corr.choose' });
    select.appendChild(empty);
    correctable.forEach(function (c) {
      var option = el('option', { value: c.key });
      option.textContent = c.label;
      select.appendChild(option);
    });
    fieldBox.appendChild(fieldLabel);
    fieldBox.appendChild(select);
    var valueBox = el('div', { class: 'field' });
    var valueLabel = el('label', { for: 'corr-value-' + n, 'data-i18n': 'corr.value' });
    var value = el('input', { type: 'text', id: 'corr-value-' + n, name: 'corr-value-' + n, autocomplete: 'off' });
    valueBox.appendChild(valueLabel);
    valueBox.appendChild(value);
    row.appendChild(fieldBox);
    row.appendChild(valueBox);
    if (n > 1) {
      var remove = el('button', { type: 'button', class: 'secondary', 'data-i18n': 'corr.remove' });
      remove.addEventListener('click', function () {
        row.remove();
        document.getElementById('add-correction').focus();
      });
      row.appendChild(remove);
    }
    correctionRows.appendChild(row);
    window.I18N.apply();
    return select;
  }

  document.getElementById('add-correction').addEventListener('click', function () {
    addCorrectionRow().focus();
  });

  function randomKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return 'web-' + Array.prototype.map.call(bytes, (b) => ('0' + b.toString(16)).slice(-2)).join('');
  }

  function clearErrors() {
    Object.keys(fieldErrors).forEach(function (k) {
      fieldErrors[k].textContent = '';
    });
    form.querySelectorAll('[aria-invalid]').forEach(function (node) {
      node.removeAttribute('aria-invalid');
    });
    status.textContent = '';
    status.classList.remove('is-error');
  }

  function invalidInputs(field) {
    if (field === 'email') return [email];
    if (field === 'type') return Array.prototype.slice.call(form.querySelectorAll('input[name=type]'));
    if (field === 'objection') return Array.prototype.slice.call(purposesBox.querySelectorAll('input'));
    if (field === 'agent') return Array.prototype.slice.call(document.querySelectorAll('#agent-fields input'));
    return Array.prototype.slice.call(correctionRows.querySelectorAll('select, input'));
  }

  function showFieldError(field, message) {
    fieldErrors[field].textContent = message;
    invalidInputs(field).forEach(function (node) {
      node.setAttribute('aria-invalid', 'true');
    });
  }

  function focusField(field) {
    if (field === 'type') (form.querySelector('input[name=type]:checked') || form.querySelector('input[name=type]')).focus();
    else invalidInputs(field)[0].focus();
  }

  function fieldOf(issuePath) {
    var first = String(issuePath || '')
      .replace(/^body\./, '')
      .split('.')[0];
    first = FIELD_ALIASES[first] || first;
    return fieldErrors[first] ? first : null;
  }

  function showError(body, fallback) {
    var issues = body && Array.isArray(body.issues) ? body.issues : [];
    var first = null;
    var general = false;
    issues.forEach(function (issue) {
      var field = fieldOf(issue.path);
      if (field) {
        showFieldError(field, issue.message);
        first = first || field;
      } else general = true;
    });
    status.classList.add('is-error');
    status.textContent = !first || general ? (body && body.message) || fallback : t('form.fix');
    if (first) focusField(first);
  }

  function payloadOrErrors() {
    var right = chosenRight();
    var payload = { type: right ? right.type : '', email: email.value.trim() };
    var missing = [];
    if (!right) missing.push(['type', t('type.missing')]);
    if (right && right.extra) {
      var extra = EXTRAS[right.extra].collect();
      if (extra) Object.assign(payload, extra);
      else missing.push([right.extra, t(EXTRAS[right.extra].missing)]);
    }
    hooks.payload.forEach(function (add) {
      add(payload, missing);
    });
    if (!payload.email) missing.push(['email', t('email.missing')]);
    if (residence.value && residence.value !== 'other') payload.residence = residence.value;
    return { payload: payload, missing: missing };
  }

  function showResult(body) {
    document.getElementById('result-id').textContent = body.id;
    lastDue = body.dueAt;
    renderDue();
    var q = '?id=' + encodeURIComponent(body.id) + '&t=' + encodeURIComponent(body.statusToken);
    document.getElementById('result-status-link').href = '/status' + q;
    document.getElementById('result-verify-link').href =
      '/verify?request=' + encodeURIComponent(body.id) + '&t=' + encodeURIComponent(body.statusToken);
    status.textContent = t('form.received', { id: body.id });
    hooks.result.forEach(function (fn) {
      fn(body);
    });
    result.hidden = false;
    result.focus();
  }

  function renderDue() {
    if (!lastDue) return;
    var due = document.getElementById('result-due');
    due.setAttribute('datetime', lastDue);
    due.textContent = window.I18N.formatDay(lastDue);
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    clearErrors();
    var checked = payloadOrErrors();
    if (checked.missing.length) {
      checked.missing.forEach(function (m) {
        showFieldError(m[0], m[1]);
      });
      status.classList.add('is-error');
      status.textContent = t('form.fix');
      focusField(checked.missing[0][0]);
      return;
    }
    var bodyText = JSON.stringify(checked.payload);
    if (idempotency.body !== bodyText) idempotency = { body: bodyText, key: randomKey() };

    button.disabled = true;
    result.hidden = true;
    status.textContent = t('form.sending');
    fetch('/v1/requests', {
      method: 'POST',
      headers: Object.assign({ 'content-type': 'application/json', 'idempotency-key': idempotency.key }, hooks.headers),
      body: bodyText,
    })
      .then(function (res) {
        return res
          .json()
          .catch(() => ({}))
          .then((body) => ({ res: res, body: body }));
      })
      .then(function (r) {
        if (!r.res.ok) return showError(r.body, t('form.failed', { status: r.res.status }));
        idempotency = { body: null, key: null };
        showResult(r.body);
      })
      .catch(function () {
        status.classList.add('is-error');
        status.textContent = t('common.unreachable');
      })
      .then(function () {
        button.disabled = false;
      });
  });

  /** For web/self-service-rights.js: its additions, and choosing a right as if the person had. */
  window.DSAR_FORM = {
    hooks: hooks,
    choose: function (type) {
      var input = form.querySelector('#type-' + type);
      if (input) input.checked = true;
      showExtras();
    },
    showFieldError: showFieldError,
  };

  renderRights();
  window.I18N.apply();
  window.I18N.onChange(renderDue);
  fetch('/v1/requests/options', { headers: { accept: 'application/json' } })
    .then((res) => (res.ok ? res.json() : { correctable: [], purposes: [] }))
    .then(function (options) {
      renderPurposes(options.purposes || []);
      if (!(options.purposes || []).length) form.querySelector('#type-objection').closest('.choice').hidden = true;
      hooks.options.forEach(function (fn) {
        fn(options);
      });
      correctable = options.correctable || [];
      // rows made before the options arrived get the fields now
      correctionRows.textContent = '';
      rowCount = 0;
      if (!correctable.length) {
        var right = form.querySelector('#type-correction');
        if (right) right.closest('.choice').hidden = true;
      }
      showExtras();
    })
    .catch(function () {
      // without the list a correction cannot be offered; the other rights still can
    });
})();
