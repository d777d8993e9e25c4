// The language of the self-service pages: chosen from the browser's languages unless the person
// picked one with the switch (remembered in localStorage). Texts come from the message tables in
// lang-*.js; elements marked data-i18n="key" get their text from the table, and the pages render
// their own dynamic text through I18N.t and re-render on I18N.onChange.
(function () {
  'use strict';
  var MESSAGES = window.DSAR_MESSAGES || {};
  var LANGUAGES = [
    { code: 'en', name: 'English' },
    { code: 'de', name: 'Deutsch' },
    { code: 'fr', name: 'Français' },
    { code: 'es', name: 'Español' },
  ];
  var STORAGE_KEY = 'dsar-language';
  var listeners = [];

  function supported(code) {
    var base = String(code || '')
      .toLowerCase()
      .split('-')[0];
    return MESSAGES[base] ? base : null;
  }

  function stored() {
    try {
      return supported(localStorage.getItem(STORAGE_KEY));
    } catch {
      return null; // storage blocked: fall back to the browser's languages
    }
  }

  function fromBrowser() {
    var wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
    for (var i = 0; i < wanted.length; i++) if (supported(wanted[i])) return supported(wanted[i]);
    return 'en';
  }

  var lang = stored() || fromBrowser();

  // `key.one` where the language says "1 record", not "1 records"
  function pluralKey(key, vars) {
    if (!vars || typeof vars.n !== 'number') return key;
    var one = key + '.one';
    var known = one in (MESSAGES[lang] || {}) || one in (MESSAGES.en || {});
    return known && new Intl.PluralRules(lang).select(vars.n) === 'one' ? one : key;
  }

  function t(key, vars) {
    key = pluralKey(key, vars);
    var table = MESSAGES[lang] || {};
    var text = key in table ? table[key] : (MESSAGES.en || {})[key];
    if (text === undefined) return key;
    return text.replace(/\{(\w+)\}/g, function (m, name) {
      return vars && name in vars ? String(vars[name]) : m;
    });
  }

  /** Dates in the browser's own variant of the language when it has one (en-GB: 22 December 2026). */
  function dateLocale() {
    var wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
    for (var i = 0; i < wanted.length; i++) if (supported(wanted[i]) === lang) return wanted[i];
    return lang;
  }

  function formatDay(iso) {
    var d = new Date(iso);
    return isNaN(d) ? String(iso) : d.toLocaleDateString(dateLocale(), { year: 'numeric', month: 'long', day: 'numeric' });
  }

  function formatTime(d) {
    return d.toLocaleTimeString(dateLocale());
  }

  function apply() {
    document.documentElement.lang = lang;
    var titleKey = document.documentElement.getAttribute('data-i18n-title');
    if (titleKey) document.title = t(titleKey);
    document.querySelectorAll('[data-i18n]').forEach(function (el) {
      el.textContent = t(el.getAttribute('data-i18n'));
    });
    var select = document.getElementById('language');
    if (select) select.value = lang;
  }

  function setLanguage(code) {
    if (!supported(code)) return;
    lang = supported(code);
    try {
      localStorage.setItem(STORAGE_KEY, lang);
    } catch {
      // not remembered, still switched
    }
    apply();
    listeners.forEach(function (fn) {
      fn(lang);
    });
  }

  /** The switch: a labelled select at the top of the page, each language named in itself. */
  function mountSwitch() {
    var holder = document.getElementById('language-switch');
    if (!holder) return;
    var label = document.createElement('label');
    label.setAttribute('for', 'language');
    label.setAttribute('data-i18n', 'lang.label');
    var select = document.createElement('select');
    select.id = 'language';
    LANGUAGES.forEach(function (l) {
      var option = document.createElement('option');
      option.value = l.code;
      option.lang = l.code;
      option.textContent = l.name;
      select.appendChild(option);
    });
    select.addEventListener('change', function () {
      setLanguage(select.value);
    });
    holder.appendChild(label);
    holder.appendChild(select);
  }

  mountSwitch();
  apply();

  window.I18N = {
    t: t,
    lang: function () {
      return lang;
    },
    formatDay: formatDay,
    formatTime: formatTime,
    setLanguage: setLanguage,
    /** Fills in elements added since (data-i18n). */
    apply: apply,
    onChange: function (fn) {
      listeners.push(fn);
    },
  };
})();
