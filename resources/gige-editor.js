/*
 * Editor widgets of node-red-contrib-gige-vision, shared by the node dialogs (served by Node-RED at
 * resources/node-red-contrib-gige-vision/gige-editor.js):
 *
 *   GigeVisionEditor.cameraQuery(configIdOrProperties) -> the query naming a camera config's camera
 *   GigeVisionEditor.loadFeatures(query)    -> Promise of the feature tree (admin endpoint
 *                                              gige-vision/features; cached briefly per camera)
 *   GigeVisionEditor.featurePicker($input, options) -> a searchable dropdown of the camera's features
 *                                              on a text input that stays a text input
 *   GigeVisionEditor.valueField($container, options) -> a value input that fits the feature's type:
 *                                              enumeration entries as a select, numbers with their
 *                                              range, booleans as a checkbox, text otherwise
 *   GigeVisionEditor.migrateCameraConfig(node) -> old "On connect" text as rows (runtime does the same)
 *
 * When the camera cannot be reached from the editor, everything stays editable as plain text.
 */
(function () {
  'use strict';
  if (window.GigeVisionEditor) return;

  var CATALOG = 'node-red-contrib-gige-vision/gige-camera-config:gige-camera-config.picker.';
  var CACHE_MS = 30000;
  var cache = {};

  /** A message of the config node's catalog, with the English text when the catalog is not loaded. */
  function t(key, fallback, params) {
    var text = RED._(CATALOG + key, params || {});
    if (!text || text === CATALOG + key || text === 'gige-camera-config.picker.' + key) {
      text = fallback;
      Object.keys(params || {}).forEach(function (name) {
        text = text.split('__' + name + '__').join(params[name]);
      });
    }
    return text;
  }

  function injectStyle() {
    if (document.getElementById('gige-vision-editor-style')) return;
    var css = [
      '.gige-picker { display:inline-flex; width:70%; }',
      '.gige-picker input { flex:1; width:auto !important; border-top-right-radius:0; border-bottom-right-radius:0; }',
      '.gige-picker .red-ui-button { border-top-left-radius:0; border-bottom-left-radius:0; margin-left:-1px; }',
      '.gige-picker-menu.ui-autocomplete { max-height:260px; overflow-y:auto; overflow-x:hidden; z-index:2000; font-size:13px; }',
      '.gige-picker-menu .gige-picker-type { color:#888; font-size:11px; margin-left:6px; }',
      '.gige-picker-menu .gige-picker-readonly { color:#999; }',
      '.gige-picker-menu .ui-autocomplete-category { font-weight:bold; padding:4px 2px 1px; color:#555; border-bottom:1px solid #ddd; }',
      '.gige-hint { display:block; color:#888; font-size:11px; margin-top:2px; }',
      '.gige-hint.gige-invalid { color:#c00; }',
      '.gige-note { color:#a66; font-size:11px; }',
      '.gige-value select, .gige-value input[type=text] { width:100%; }',
    ].join('\n');
    $('<style id="gige-vision-editor-style">').text(css).appendTo('head');
  }

  /**
   * The query for the features endpoint: `config` is a config node id (its saved properties), or
   * an object with the dialog's current properties (source, address, identify, serial, interface, id).
   */
  function cameraQuery(config) {
    if (!config) return null;
    var node = typeof config === 'string' ? RED.nodes.node(config) : config;
    if (!node) return null;
    var query = { source: node.source === 'network' ? 'network' : 'emulated' };
    if (node.id) query.node = node.id;
    if (node.address) query.address = node.address;
    if (node.source === 'network' && node.identify === 'serial' && node.serial) {
      query.identify = 'serial';
      query.serial = node.serial;
    } else if (node.source !== 'network' && node.serial) {
      query.serial = node.serial;
    }
    if (node.interface) query.interface = node.interface;
    if (!query.address && !query.serial) return null;
    return query;
  }

  /** Resolves with the feature tree; rejects with a message saying why it is not available. */
  function loadFeatures(query) {
    if (!query) return Promise.reject(new Error(t('noCamera', 'no camera chosen')));
    var key = $.param(query);
    var hit = cache[key];
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.promise;
    var promise = new Promise(function (resolve, reject) {
      $.ajax({ url: 'gige-vision/features', data: query, dataType: 'json', timeout: 20000 })
        .done(resolve)
        .fail(function (xhr, status) {
          delete cache[key];
          reject(new Error((xhr.responseJSON && xhr.responseJSON.error) || xhr.statusText || status));
        });
    });
    cache[key] = { at: Date.now(), promise: promise };
    return promise;
  }

  /** `2 … 30000000 us, step 4` (numbers), or nothing. */
  function describeRange(feature) {
    if (!feature) return '';
    var parts = [];
    if (feature.min !== undefined || feature.max !== undefined)
      parts.push((feature.min !== undefined ? feature.min : '') + ' … ' + (feature.max !== undefined ? feature.max : ''));
    if (feature.unit) parts.push(feature.unit);
    var text = parts.join(' ');
    if (feature.inc !== undefined && String(feature.inc) !== '1' && feature.type === 'Integer')
      text += (text ? ', ' : '') + t('step', 'step __inc__', { inc: feature.inc });
    return text;
  }

  /** Whether `text` is a value the feature accepts, as far as the editor can tell; null when fine, else why not. */
  function checkValue(feature, text) {
    if (!feature) return null;
    var value = String(text === undefined || text === null ? '' : text).trim();
    if (value === '') return null; // the range is the hint; a row without value is refused on save
    if (feature.type === 'Integer' || feature.type === 'Float') {
      var isInt = /^[-+]?(0x[0-9a-f]+|\d+)$/i.test(value);
      var n = Number(value);
      if (feature.type === 'Integer' && !isInt) return t('notInteger', 'not an integer');
      if (feature.type === 'Float' && !isFinite(n)) return t('notNumber', 'not a number');
      if (feature.min !== undefined && n < Number(feature.min))
        return t('outOfRange', 'out of range (__range__)', { range: describeRange(feature) });
      if (feature.max !== undefined && n > Number(feature.max))
        return t('outOfRange', 'out of range (__range__)', { range: describeRange(feature) });
      if (
        feature.type === 'Integer' &&
        feature.inc !== undefined &&
        Number(feature.inc) > 1 &&
        feature.min !== undefined &&
        (n - Number(feature.min)) % Number(feature.inc) !== 0
      ) {
        return t('notStep', 'not in steps of __inc__ from __min__', { inc: feature.inc, min: feature.min });
      }
    }
    if (
      feature.type === 'Enumeration' &&
      feature.entries &&
      !feature.entries.some(function (e) {
        return e.name === value;
      })
    ) {
      return t('notEntry', 'not one of its entries');
    }
    if (feature.type === 'Boolean' && !/^(true|false|1|0|on|off|yes|no)$/i.test(value)) return t('notBoolean', 'not true or false');
    return null;
  }

  var TYPE_NAMES = {
    Integer: 'int',
    Float: 'float',
    Boolean: 'bool',
    Enumeration: 'enum',
    String: 'text',
    Command: 'command',
    Register: 'bytes',
  };

  /**
   * A searchable dropdown of the camera's features on a text input. Options:
   *   filter(feature) -> bool   which features to offer (default: all)
   *   multiple: bool            the input holds several names separated by commas
   *   onSelect(feature|null)    when the chosen feature changes (typed or picked)
   * Returns { setTree(tree|null), feature(name), current(), element }.
   */
  function featurePicker($input, options) {
    injectStyle();
    options = options || {};
    var tree = null;
    var byName = {};
    var $wrap = $('<span class="gige-picker">').insertBefore($input);
    $input.appendTo($wrap);
    var $button = $('<a class="red-ui-button gige-picker-open" href="#"><i class="fa fa-caret-down"></i></a>')
      .attr('title', t('browse', 'Features of the camera'))
      .appendTo($wrap);

    function lastTerm(text) {
      return options.multiple ? String(text).split(',').pop().trim() : String(text).trim();
    }
    function current() {
      var name = lastTerm($input.val());
      return byName[name] || null;
    }
    function notify() {
      if (options.onSelect) options.onSelect(current());
    }
    function offered() {
      if (!tree) return [];
      return tree.features.filter(function (f) {
        return !options.filter || options.filter(f);
      });
    }

    $input.autocomplete({
      minLength: 0,
      delay: 0,
      appendTo: $input.closest('.red-ui-editor, body'),
      classes: { 'ui-autocomplete': 'gige-picker-menu' },
      source: function (request, respond) {
        var term = lastTerm(request.term).toLowerCase();
        var matches = offered().filter(function (f) {
          return !term || f.name.toLowerCase().indexOf(term) >= 0 || (f.displayName || '').toLowerCase().indexOf(term) >= 0;
        });
        // In the camera's order, under its categories.
        respond(
          matches.slice(0, 300).map(function (f) {
            return { label: f.name, value: f.name, feature: f };
          }),
        );
      },
      focus: function () {
        return false;
      },
      select: function (event, ui) {
        if (options.multiple) {
          var parts = String($input.val())
            .split(',')
            .map(function (p) {
              return p.trim();
            });
          parts.pop();
          parts.push(ui.item.value);
          $input.val(parts.filter(Boolean).join(', '));
        } else {
          $input.val(ui.item.value);
        }
        $input.trigger('change');
        return false;
      },
    });
    var instance = $input.autocomplete('instance');
    instance._renderItem = function (ul, item) {
      var f = item.feature;
      var $li = $('<li>').attr('data-feature', f.name);
      var $div = $('<div>').appendTo($li);
      $('<span class="gige-picker-name">').text(f.name).appendTo($div);
      var info =
        (TYPE_NAMES[f.type] || f.type) +
        (f.unit ? ', ' + f.unit : '') +
        (f.access === 'RO' ? ', ' + t('readOnlyNow', 'read-only now') : '');
      $('<span class="gige-picker-type">').text(info).appendTo($div);
      if (f.access === 'RO' || f.access === 'NA') $div.addClass('gige-picker-readonly');
      if (f.description) $li.attr('title', f.description);
      return $li.appendTo(ul);
    };
    instance._renderMenu = function (ul, items) {
      var that = this;
      var category = null;
      items.forEach(function (item) {
        if (item.feature.category !== category) {
          category = item.feature.category;
          $('<li class="ui-autocomplete-category">')
            .text(category || '')
            .appendTo(ul);
        }
        that._renderItemData(ul, item);
      });
    };
    $input.on('change keyup', notify);
    $button.on('click', function (event) {
      event.preventDefault();
      if (!tree) return;
      $input.trigger('focus');
      $input.autocomplete('search', lastTerm($input.val()) && !current() ? lastTerm($input.val()) : '');
    });

    return {
      element: $wrap,
      setTree: function (value) {
        tree = value;
        byName = {};
        (tree ? tree.features : []).forEach(function (f) {
          byName[f.name] = f;
        });
        $button.toggleClass('disabled', !tree);
        notify();
      },
      feature: function (name) {
        return byName[name] || null;
      },
      current: current,
    };
  }

  /**
   * A value input that fits `feature` (set later with set()): an enumeration as a select of its
   * available entries, a boolean as a checkbox, a number as text with its range (and red when it
   * is outside), anything else — or no feature known — as text. Options: { onChange(value) }.
   * Returns { set(feature, value), get() -> string, valid() -> bool, element }.
   */
  function valueField($container, options) {
    injectStyle();
    options = options || {};
    var $root = $('<div class="gige-value">').appendTo($container);
    var feature = null;
    var read = function () {
      return '';
    };
    var $hint = null;

    function changed() {
      var value = read();
      if ($hint) {
        var problem = checkValue(feature, value);
        $hint.text(problem ? problem : describeRange(feature)).toggleClass('gige-invalid', !!problem);
      }
      if (options.onChange) options.onChange(value);
    }

    function build(value) {
      $root.empty();
      $hint = null;
      var text = value === undefined || value === null ? '' : String(value);
      if (feature && feature.type === 'Enumeration' && feature.entries) {
        var $select = $('<select class="gige-value-input">').appendTo($root);
        var names = feature.entries
          .filter(function (e) {
            return e.available;
          })
          .map(function (e) {
            return e.name;
          });
        if (text && names.indexOf(text) < 0) names.unshift(text);
        if (!text) $('<option value="">').text('').appendTo($select);
        names.forEach(function (name) {
          $('<option>').val(name).text(name).appendTo($select);
        });
        $select.val(text);
        $select.on('change', changed);
        read = function () {
          return String($select.val() || '');
        };
      } else if (feature && feature.type === 'Boolean') {
        var $box = $('<input type="checkbox" class="gige-value-input" style="width:auto; margin:0">').appendTo($root);
        $box.prop('checked', /^(true|1|on|yes)$/i.test(text));
        $box.on('change', changed);
        read = function () {
          return $box.is(':checked') ? 'true' : 'false';
        };
      } else if (feature && feature.type === 'Command') {
        $('<span class="gige-hint">').text(t('command', 'a command: executed, no value')).appendTo($root);
        read = function () {
          return '';
        };
      } else {
        var $text = $('<input type="text" class="gige-value-input">').val(text).appendTo($root);
        if (feature && (feature.type === 'Integer' || feature.type === 'Float')) {
          $text.attr('placeholder', feature.value !== undefined ? String(feature.value) : '');
          $hint = $('<span class="gige-hint gige-range">').appendTo($root);
        }
        $text.on('change keyup', changed);
        read = function () {
          return String($text.val());
        };
      }
      if ($hint) $hint.text(describeRange(feature));
      if (feature && feature.description) $root.attr('title', feature.description);
    }

    build('');
    return {
      element: $root,
      set: function (newFeature, value) {
        feature = newFeature || null;
        // A feature just picked starts from what the camera holds now.
        var empty = value === undefined || value === null || String(value) === '';
        build(empty && feature && feature.value !== undefined && feature.type !== 'Command' ? feature.value : value);
        changed();
      },
      get: function () {
        return read();
      },
      valid: function () {
        return checkValue(feature, read()) === null;
      },
    };
  }

  /** "Name=Value" lines (the old "On connect" text, `#` comments) as rows; unparsable lines keep their text as the name. */
  function settingsRows(value) {
    if (Array.isArray(value))
      return value.map(function (row) {
        return { name: String(row.name || ''), value: row.value === undefined ? '' : String(row.value) };
      });
    if (typeof value !== 'string') return [];
    return value
      .split(/\r?\n/)
      .map(function (raw) {
        return raw.replace(/#.*$/, '').trim();
      })
      .filter(Boolean)
      .map(function (line) {
        var eq = line.indexOf('=');
        return eq < 0 ? { name: line, value: '' } : { name: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() };
      });
  }

  /** Version 0 → 1, as nodes/camera-config-options.ts migrates at runtime. Returns whether anything changed. */
  function migrateCameraConfig(node) {
    if (Number(node.version || 0) >= 1) return false;
    node.settings = settingsRows(node.settings);
    if (!node.identify) node.identify = 'address';
    if (node.interface === undefined) node.interface = '';
    node.version = 1;
    return true;
  }

  window.GigeVisionEditor = {
    t: t,
    cameraQuery: cameraQuery,
    loadFeatures: loadFeatures,
    describeRange: describeRange,
    checkValue: checkValue,
    featurePicker: featurePicker,
    valueField: valueField,
    settingsRows: settingsRows,
    migrateCameraConfig: migrateCameraConfig,
  };
})();
