// The privacy team's dashboard (/dashboard): signs in and out, loads every part (requests in
// dashboard-requests.js, triage and manual tasks in dashboard-work.js, charts in
// dashboard-charts.js, legal holds and the report in dashboard-team.js, the processing-rights
// and agent actions in dashboard-rights.js; shared helpers in dashboard-core.js) and wires the
// toolbar, the Temporal UI setting, the open/closed views, the search and the filters.
(function () {
  'use strict';
  var d = window.dsarDashboard;
  var $ = d.$;
  var getKey = d.getKey;
  var temporalBase = d.temporalBase;
  var logout = d.logout;
  var listing = d.listing;
  var loadRequests = d.loadRequests;
  var loadTriage = d.loadTriage;
  var loadTasks = d.loadTasks;
  var loadCharts = d.loadCharts;
  var KEY_STORAGE = d.KEY_STORAGE;
  var TEMPORAL_STORAGE = d.TEMPORAL_STORAGE;
  var TEMPORAL_DEFAULT = d.TEMPORAL_DEFAULT;
  var loginSection = $('login');
  var appSection = $('app');
  var temporalInput = $('temporal-ui');

  function loadAll() {
    d.say('Loading…');
    var loads = [loadRequests(), loadTriage(), loadTasks(), loadCharts()].concat(
      d.loaders.map(function (load) {
        return load();
      }),
    );
    return Promise.all(loads).then(function () {
      if (getKey()) d.say('Updated at ' + new Date().toLocaleTimeString() + '.');
    });
  }

  function showApp() {
    loginSection.hidden = true;
    appSection.hidden = false;
    $('login-message').textContent = '';
    loadAll();
  }

  $('login-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var input = $('api-key');
    var key = input.value.trim();
    $('api-key-error').textContent = '';
    input.removeAttribute('aria-invalid');
    if (!key) {
      $('api-key-error').textContent = 'Enter your admin API key.';
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    try {
      sessionStorage.setItem(KEY_STORAGE, key);
    } catch {
      /* private mode: nothing to do */
    }
    input.value = '';
    showApp();
  });

  $('logout').addEventListener('click', function () {
    logout('You are signed out.');
  });
  $('refresh').addEventListener('click', function () {
    loadAll();
  });

  try {
    temporalInput.value = localStorage.getItem(TEMPORAL_STORAGE) || TEMPORAL_DEFAULT;
  } catch {
    temporalInput.value = TEMPORAL_DEFAULT;
  }
  temporalInput.addEventListener('change', function () {
    try {
      localStorage.setItem(TEMPORAL_STORAGE, temporalBase());
    } catch {
      /* ignore */
    }
    var base = temporalBase();
    Array.prototype.forEach.call(document.querySelectorAll('#request-rows tr'), function (tr) {
      var a = tr.querySelector('a.workflow-link');
      if (a) a.setAttribute('href', base + '/namespaces/default/workflows/' + encodeURIComponent(tr.getAttribute('data-id')));
    });
  });

  function showView(view) {
    listing.view = view;
    ['open', 'closed'].forEach(function (v) {
      $('view-' + v).setAttribute('aria-pressed', String(v === view));
    });
    $('requests-title-text').textContent = view === 'open' ? 'Open requests' : 'Closed requests';
    $('requests-order').textContent =
      view === 'open' ? 'Sorted by due date, soonest first. Overdue requests are marked “Overdue”.' : 'Newest first.';
    loadRequests();
  }
  $('view-open').addEventListener('click', function () {
    showView('open');
  });
  $('view-closed').addEventListener('click', function () {
    showView('closed');
  });
  $('search-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    loadRequests();
  });
  $('search-clear').addEventListener('click', function () {
    $('search-q').value = '';
    $('search-q').focus();
    loadRequests();
  });
  ['type', 'jurisdiction', 'overdue', 'needs_attention', 'on_hold'].forEach(function (f) {
    $('filter-' + f).addEventListener('change', function () {
      loadRequests();
    });
  });
  $('requests-more').addEventListener('click', function () {
    loadRequests(true);
  });

  // once the page is parsed (every dashboard script has registered its loaders and actions)
  document.addEventListener('DOMContentLoaded', function () {
    if (getKey()) showApp();
    else loginSection.hidden = false;
  });
})();
