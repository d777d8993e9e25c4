// What the self-service form needs beyond its fields (web/self-service.js, through DSAR_FORM):
// - a subject signed in by the product: it opens /#subject-token=<its signed token> (in the
//   fragment, so no server or log sees it); the page sends it as x-subject-token and the request
//   starts verified;
// - Global Privacy Control (navigator.globalPrivacyControl; the browser also sends Sec-GPC: 1):
//   the page says so; for a signed-in subject the opt-out is recorded at once and followed until
//   applied; for anyone else the opt-out is chosen in advance, confirmed by e-mail as usual;
// - an authorized agent: "for someone else" asks for the agent's name and address, and after the
//   submission the signed permission is uploaded with the status token of the answer.
(function () {
  'use strict';
  var t = window.I18N.t;
  var form = window.DSAR_FORM;
  var POLL_MS = 3000;
  var email = document.getElementById('email');
  var emailLabel = document.getElementById('email-label');
  var forSomeone = document.getElementById('for-someone');
  var agentFields = document.getElementById('agent-fields');
  var agentName = document.getElementById('agent-name');
  var agentEmail = document.getElementById('agent-email');
  var permission = document.getElementById('permission');
  var permissionFile = document.getElementById('permission-file');
  var permissionError = document.getElementById('permission-error');
  var permissionStatus = document.getElementById('permission-status');
  var gpcText = document.getElementById('gpc-text');
  var gpcStatus = document.getElementById('gpc-status');
  var maxBytes = null;
  var sentByAgent = false;
  var upload = null; // { id, token } of the agent's request

  /** The product's signed token from the fragment, with the address it names (the API checks the signature). */
  function takeSubjectToken() {
    var m = /(?:^#|&)subject-token=([^&]+)/.exec(location.hash);
    if (!m) return null;
    history.replaceState(null, '', location.pathname + location.search);
    var token = decodeURIComponent(m[1]);
    try {
      var claims = JSON.parse(window.atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
      return typeof claims.email === 'string' ? { token: token, email: claims.email.trim().toLowerCase() } : null;
    } catch {
      return null;
    }
  }

  function say(node, key, vars) {
    node.setAttribute('data-key', key);
    node.setAttribute('data-vars', JSON.stringify(vars || {}));
    node.textContent = t(key, vars);
  }

  /** Texts set with say() follow a change of language. */
  function resay() {
    document.querySelectorAll('[data-key]').forEach(function (node) {
      node.textContent = t(node.getAttribute('data-key'), JSON.parse(node.getAttribute('data-vars') || '{}'));
    });
  }

  function sizeText(bytes) {
    var mb = bytes / (1024 * 1024);
    return mb >= 1 ? (Math.round(mb * 10) / 10).toLocaleString(window.I18N.lang()) + ' MB' : Math.ceil(bytes / 1024) + ' KB';
  }

  function json(res) {
    return res
      .json()
      .catch(() => ({}))
      .then((body) => ({ res: res, body: body }));
  }

  // ── signed in ──
  var subject = takeSubjectToken();
  if (subject) {
    form.hooks.headers['x-subject-token'] = subject.token;
    email.value = subject.email;
    email.readOnly = true;
    document.getElementById('email-hint').hidden = true; // no code is mailed: the line below says why
    say(document.getElementById('signed-in'), 'signedIn.as', { email: subject.email });
    document.getElementById('signed-in').hidden = false;
    // an agent's request is verified with the subject, never with the subject's own token
    forSomeone.closest('.choice').hidden = true;
  }

  // ── Global Privacy Control ──
  /** Follows the recorded opt-out until it is applied (or closed otherwise). */
  function followOptOut(id, token) {
    fetch('/v1/requests/' + encodeURIComponent(id), { headers: { accept: 'application/json', 'x-status-token': token }, cache: 'no-store' })
      .then(json)
      .then(function (r) {
        var st = r.res.ok ? r.body.status : null;
        if (st === 'completed') return say(gpcStatus, 'gpc.applied', { id: id });
        if (st === 'denied' || st === 'failed') return say(gpcStatus, 'gpc.closed', { status: t('st.' + st) });
        setTimeout(followOptOut, POLL_MS, id, token);
      })
      .catch(function () {
        setTimeout(followOptOut, POLL_MS * 2, id, token);
      });
  }

  function recordOptOut() {
    say(gpcStatus, 'gpc.recording');
    fetch('/v1/requests', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-subject-token': subject.token },
      body: JSON.stringify({ type: 'opt_out', email: subject.email }),
    })
      .then(json)
      .then(function (r) {
        if (!r.res.ok) return say(gpcStatus, 'gpc.failed', { message: r.body.message || r.res.status });
        say(gpcStatus, 'gpc.recorded', { id: r.body.id });
        var link = document.getElementById('gpc-status-link');
        link.href = '/status?id=' + encodeURIComponent(r.body.id) + '&t=' + encodeURIComponent(r.body.statusToken);
        link.hidden = false;
        followOptOut(r.body.id, r.body.statusToken);
      })
      .catch(function () {
        say(gpcStatus, 'gpc.failed', { message: t('common.unreachable') });
      });
  }

  if (navigator.globalPrivacyControl === true) {
    document.getElementById('gpc').hidden = false;
    if (subject) {
      say(gpcText, 'gpc.signedIn');
      recordOptOut();
    } else {
      say(gpcText, 'gpc.anonymous');
      form.choose('opt_out');
    }
  }

  // ── authorized agent ──
  function showAgentFields() {
    agentFields.hidden = !forSomeone.checked;
    emailLabel.setAttribute('data-i18n', forSomeone.checked ? 'agent.subjectEmail' : 'email.label');
    document.getElementById('email-hint').setAttribute('data-i18n', forSomeone.checked ? 'agent.subjectEmailHint' : 'email.hint');
    window.I18N.apply();
  }
  forSomeone.addEventListener('change', showAgentFields);

  form.hooks.payload.push(function (payload, missing) {
    sentByAgent = forSomeone.checked;
    if (!sentByAgent) return;
    var agent = { name: agentName.value.trim(), email: agentEmail.value.trim() };
    if (!agent.name || !agent.email) missing.unshift(['agent', t('agent.missing')]);
    payload.agent = agent;
  });

  form.hooks.result.push(function (body) {
    var check = document.querySelector('[data-i18n="result.check"], [data-i18n="agent.resultCheck"]');
    check.setAttribute('data-i18n', sentByAgent ? 'agent.resultCheck' : 'result.check');
    // the code goes to the subject, not to the agent
    document.getElementById('result-verify').hidden = sentByAgent;
    permission.hidden = !sentByAgent;
    permissionStatus.textContent = '';
    permissionError.textContent = '';
    upload = sentByAgent ? { id: body.id, token: body.statusToken } : null;
    if (sentByAgent) say(document.getElementById('form-status'), 'agent.received', { id: body.id });
    window.I18N.apply();
  });

  form.hooks.options.push(function (options) {
    maxBytes = options.limits ? options.limits.agentPermissionMaxBytes : null;
    if (maxBytes) say(document.getElementById('permission-hint'), 'agent.limit', { size: sizeText(maxBytes) });
  });

  function permissionFailed(key, vars) {
    say(permissionError, key, vars);
    permissionFile.setAttribute('aria-invalid', 'true');
    permissionFile.focus();
  }

  permission.addEventListener('submit', function (ev) {
    ev.preventDefault();
    permissionError.textContent = '';
    permissionFile.removeAttribute('aria-invalid');
    var file = permissionFile.files[0];
    if (!file) return permissionFailed('agent.fileMissing');
    if (maxBytes && file.size > maxBytes) return permissionFailed('agent.tooLarge', { size: sizeText(maxBytes) });
    say(permissionStatus, 'agent.uploading');
    fetch('/v1/requests/' + encodeURIComponent(upload.id) + '/agent-permission', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'x-status-token': upload.token },
      body: file,
    })
      .then(json)
      .then(function (r) {
        if (!r.res.ok) {
          permissionStatus.textContent = '';
          return permissionFailed('agent.uploadFailed', { message: r.body.message || r.res.status });
        }
        say(permissionStatus, 'agent.uploaded', { size: sizeText(r.body.bytes) });
      })
      .catch(function () {
        permissionStatus.textContent = '';
        permissionFailed('agent.uploadFailed', { message: t('common.unreachable') });
      });
  });

  window.I18N.onChange(resay);
})();
