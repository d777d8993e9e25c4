// The dashboard's data map check: the latest start-up check of the data map against the live
// stores (errors refused the worker's start; warnings did not), each finding with its map path.
// Runs after dashboard.js, through the helpers it shares as window.dsarDashboard.
(function () {
  'use strict';
  var d = window.dsarDashboard;
  var el = d.el;
  var $ = function (id) {
    return document.getElementById(id);
  };

  function finding(f) {
    return el('li', { className: 'card' }, [
      el('p', {}, [el('strong', { text: f.severity === 'error' ? 'Error' : 'Warning' }), ' (' + f.kind.replace(/_/g, ' ') + ') ']),
      el('p', {}, [el('code', { text: f.path })]),
      el('p', { text: f.message }),
    ]);
  }

  function loadDatamapCheck() {
    $('datamap-error').textContent = '';
    return d
      .api('GET', '/v1/admin/datamap/check')
      .then(function (res) {
        if (!res.ok) {
          $('datamap-error').textContent = d.errorText(res);
          return;
        }
        var list = $('datamap-findings');
        list.textContent = '';
        var check = res.body.check;
        if (!check) {
          $('datamap-count').textContent = '';
          $('datamap-summary').textContent = 'No check recorded yet: the worker saves one each time it starts.';
          return;
        }
        $('datamap-count').textContent = '(' + check.errors.length + ' errors, ' + check.warnings.length + ' warnings)';
        $('datamap-summary').textContent =
          'Checked ' +
          new Date(check.checkedAt).toLocaleString() +
          ': ' +
          (check.errors.length ? 'the worker refused to start until the errors are fixed.' : 'passed; the worker started.');
        check.errors.concat(check.warnings).forEach(function (f) {
          list.appendChild(finding(f));
        });
      })
      .catch(function (err) {
        d.handleFailure(err, $('datamap-error'));
      });
  }

  d.loaders.push(loadDatamapCheck);
})();
