// The verification page's one action: confirm with the code — from the mailed link (then the
// field is filled and hidden) or typed from the mail. A POST, so a mail scanner that opens the
// link confirms nothing. Afterwards it links to the status view.
(function () {
  'use strict';
  var t = window.I18N.t;
  var params = new URLSearchParams(location.search);
  var out = document.getElementById('result');
  var form = document.getElementById('verify-form');
  var button = document.getElementById('confirm');
  var code = document.getElementById('code');
  var codeError = document.getElementById('code-error');
  var next = document.getElementById('next');
  var requestId = params.get('request') || '';
  var statusToken = params.get('t');
  var linkCode = params.get('token') || '';
  var stepUpGroup = document.getElementById('step-up-group');
  var stepUp = document.getElementById('step-up');
  if (linkCode) {
    code.value = linkCode;
    document.getElementById('code-field').hidden = true;
  }
  // the status token from the mailed link unlocks the full status view (type and progress)
  document.getElementById('status-link').href =
    '/status?id=' + encodeURIComponent(requestId) + (statusToken ? '&t=' + encodeURIComponent(statusToken) : '');

  form.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    codeError.textContent = '';
    code.removeAttribute('aria-invalid');
    out.classList.remove('is-error');
    var typed = code.value.trim();
    if (!typed) {
      codeError.textContent = t('verify.codeMissing');
      code.setAttribute('aria-invalid', 'true');
      code.focus();
      return;
    }
    button.disabled = true;
    out.textContent = t('verify.confirming');
    var res;
    var body;
    try {
      res = await fetch('/v1/requests/' + encodeURIComponent(requestId) + '/verify', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(stepUp.value.trim() ? { token: typed, stepUp: stepUp.value.trim() } : { token: typed }),
      });
      body = await res.json().catch(() => ({}));
    } catch {
      out.classList.add('is-error');
      out.textContent = t('common.unreachable');
      button.disabled = false;
      return;
    }
    if (res.ok) {
      out.textContent = t('verify.done');
      form.hidden = true;
    } else {
      out.classList.add('is-error');
      out.textContent = body.message || t('verify.invalid');
      // a sensitive request also asks a fact from the account (§7062): the answer names the question
      var stepUpIssue = (body.issues || []).find(function (i) {
        return i.path === 'stepUp';
      });
      if (stepUpIssue) {
        document.getElementById('step-up-label').textContent = stepUpIssue.message.replace(/^this request also needs your answer to: /, '');
        stepUpGroup.hidden = false;
        stepUp.focus();
      }
      // a typed code may be mistyped: let the person try again (the API limits attempts)
      var retry =
        res.status === 503 ||
        res.status === 429 ||
        !!stepUpIssue ||
        ((res.status === 400 || res.status === 401) && (!linkCode || stepUp.value.trim() !== ''));
      button.disabled = !retry;
      if (!linkCode && (res.status === 400 || res.status === 401)) {
        code.setAttribute('aria-invalid', 'true');
        codeError.textContent = t('verify.invalid');
      }
    }
    // The request exists (confirmed now, earlier, or closed): its status is worth a look.
    if (res.ok || res.status === 409 || res.status === 410) {
      next.hidden = false;
      document.getElementById('status-link').focus();
    }
  });
})();
