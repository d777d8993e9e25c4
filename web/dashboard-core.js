// The privacy team's dashboard (/dashboard), the shared part: texts of types and statuses, DOM
// helpers, the admin API (the key lives in sessionStorage only and is sent as a bearer token; a
// 401 anywhere returns to the sign-in form) and downloads. The other dashboard-*.js scripts reach
// it as window.dsarDashboard; dashboard.js wires them together.
(function () {
  'use strict';
  var KEY_STORAGE = 'dsar.adminKey';
  var TEMPORAL_STORAGE = 'dsar.temporalUi';
  var TEMPORAL_DEFAULT = 'http://localhost:8233';
  var DAY_MS = 86400000;
  var TYPES = ['access', 'export', 'correction', 'deletion', 'opt_out', 'limit', 'restriction', 'objection'];
  var TYPE_TEXT = {
    access: 'Access',
    export: 'Export',
    correction: 'Correction',
    deletion: 'Deletion',
    opt_out: 'Opt-out of sale/sharing',
    limit: 'Limit sensitive use',
    restriction: 'Restriction',
    objection: 'Objection',
  };
  var TYPE_COLOUR = {
    access: '#1a4fb8',
    export: '#1e6b34',
    correction: '#8a4b08',
    deletion: '#8e1f5c',
    opt_out: '#5b2a86',
    limit: '#0d6b6b',
    restriction: '#5c5c00',
    objection: '#a3341a',
  };
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

  window.dsarDashboard = {
    DAY_MS: DAY_MS,
    KEY_STORAGE: KEY_STORAGE,
    TEMPORAL_STORAGE: TEMPORAL_STORAGE,
    TEMPORAL_DEFAULT: TEMPORAL_DEFAULT,
    TYPES: TYPES,
    TYPE_TEXT: TYPE_TEXT,
    TYPE_COLOUR: TYPE_COLOUR,
    STATUS_TEXT: STATUS_TEXT,
    JURISDICTION_TEXT: JURISDICTION_TEXT,
    DENIAL_TEXT: DENIAL_TEXT,
    SVG_NS: SVG_NS,
    $: $,
    el: el,
    svg: svg,
    isoDay: isoDay,
    daysLeft: daysLeft,
    effectiveDue: effectiveDue,
    getKey: getKey,
    temporalBase: temporalBase,
    api: api,
    answer: answer,
    errorText: errorText,
    logout: logout,
    handleFailure: handleFailure,
    downloadFile: downloadFile,
    say: function (text) {
      dashStatus.textContent = text;
    },
    /** Loaders Refresh runs besides the built-in ones (dashboard-team.js adds legal holds). */
    loaders: [],
    /** Builders of further actions for an open request's row: function (request) → element or null. */
    requestActions: [],
  };
})();
