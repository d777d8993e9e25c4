// The verification page's one action: confirm with the code — filled in from the link, or typed
// (POST, so a mail scanner that opens the link confirms nothing); for a sensitive request, the
// answer to the account question the API names. Afterwards it links to the status view.
const params = new URLSearchParams(location.search);
const out = document.getElementById('result');
const button = document.getElementById('confirm');
const next = document.getElementById('next');
const requestId = params.get('request') || '';
const statusToken = params.get('t');
// the status token from the mailed link unlocks the full status view (type and progress)
document.getElementById('status-link').href =
  `/status?id=${encodeURIComponent(requestId)}` + (statusToken ? `&t=${encodeURIComponent(statusToken)}` : '');
const codeInput = document.getElementById('code');
const stepUpGroup = document.getElementById('step-up-group');
const stepUpInput = document.getElementById('step-up');
// the mailed link fills the code in; a subject who typed the address types it themselves
codeInput.value = params.get('token') || '';
document.getElementById('verify-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  button.disabled = true;
  out.classList.remove('is-error');
  out.textContent = 'Confirming…';
  let res;
  let body;
  try {
    res = await fetch(`/v1/requests/${encodeURIComponent(requestId)}/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: codeInput.value.trim(), ...(stepUpInput.value.trim() ? { stepUp: stepUpInput.value.trim() } : {}) }),
    });
    body = await res.json().catch(() => ({}));
  } catch {
    out.classList.add('is-error');
    out.textContent = 'We could not reach the server. Check your connection and try again.';
    button.disabled = false;
    return;
  }
  if (res.ok) {
    out.textContent = 'Thank you: your request is confirmed and being processed. We will email you.';
    button.hidden = true;
    codeInput.disabled = true;
  } else {
    out.classList.add('is-error');
    out.textContent = body.message || 'This code is not valid.';
    // a sensitive request also asks a fact from the account (§7062): the answer names the question
    const stepUpIssue = (body.issues || []).find((i) => i.path === 'stepUp');
    if (stepUpIssue) {
      document.getElementById('step-up-label').textContent = stepUpIssue.message.replace(/^this request also needs your answer to: /, '');
      stepUpGroup.hidden = false;
      stepUpInput.focus();
    }
    // a retry can help when the server was briefly unavailable or busy, or the code was mistyped
    button.disabled = !(res.status === 503 || res.status === 429 || res.status === 401 || res.status === 400);
  }
  // The request exists (confirmed now, earlier, or closed): its status is worth a look.
  if (res.ok || res.status === 409 || res.status === 410) {
    next.hidden = false;
    document.getElementById('status-link').focus();
  }
});
