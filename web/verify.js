// The verification page's one action: confirm with the code from the link (POST, so a mail
// scanner that opens the link confirms nothing).
const params = new URLSearchParams(location.search);
const out = document.getElementById('result');
document.getElementById('confirm').addEventListener('click', async () => {
  const res = await fetch(`/v1/requests/${encodeURIComponent(params.get('request') || '')}/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: params.get('token') || '' }),
  });
  const body = await res.json().catch(() => ({}));
  out.textContent = res.ok ? 'Thank you: your request is confirmed and being processed. We will email you.' : body.message || 'This link is not valid.';
});
