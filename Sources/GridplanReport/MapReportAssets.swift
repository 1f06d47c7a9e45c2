/// The page's inline style sheet and script. Kept apart from the HTML assembly so each reads as
/// what it is; nothing here refers to anything outside the page.
enum MapReportAssets {
    /// The SVG's user-space size; the map is fitted into it and the SVG scales to the window.
    static let viewWidth = 1000
    static let viewHeight = 700

    static let css = """
        *{box-sizing:border-box}
        body{margin:0;font:14px/1.45 system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;color:#222;background:#f4f4f1}
        header{padding:10px 16px;background:#2f3b45;color:#fff}
        header h1{margin:0;font-size:20px}
        header .summary{margin:2px 0 0;opacity:.8;font-size:13px}
        main{display:flex;gap:12px;padding:12px 16px;align-items:flex-start}
        #mapbox{position:relative;flex:1 1 auto;min-width:0;background:#fff;border:1px solid #ccc}
        #map{display:block;width:100%;height:auto;max-height:78vh;cursor:grab;user-select:none}
        #map.dragging{cursor:grabbing}
        #map .background{fill:#fff}
        #map .hot{stroke:#000 !important;stroke-width:3px !important}
        #tooltip{position:absolute;pointer-events:none;background:rgba(255,255,255,.95);border:1px solid #888;padding:4px 7px;font-size:12px;white-space:pre;box-shadow:0 1px 4px rgba(0,0,0,.2)}
        .hint{font-size:12px;color:#555;padding:4px 8px;border-top:1px solid #eee}
        aside{flex:0 0 300px;max-height:80vh;overflow:auto}
        aside section{background:#fff;border:1px solid #ccc;padding:8px 10px;margin-bottom:12px}
        aside h2,#tables h2{font-size:15px;margin:0 0 6px}
        .layer{margin-bottom:8px}
        .layer-name{font-weight:600}
        .count,.by{color:#666;font-size:12px}
        ul.legend{list-style:none;margin:2px 0 0 22px;padding:0;max-height:180px;overflow:auto;font-size:12px}
        ul.legend li{display:flex;align-items:center;gap:6px}
        .swatch{display:inline-block;width:14px;height:12px;border:1px solid #555;flex:0 0 auto}
        .swatch-units{opacity:.6}.swatch-grids{opacity:.5}
        .swatch-streets{height:4px;border:0}
        #panel-title{font-weight:600;margin:0 0 4px}
        #panel-properties{border-collapse:collapse;font-size:12px;width:100%}
        #panel-properties td{border-top:1px solid #eee;padding:2px 4px;vertical-align:top;word-break:break-all}
        #panel-properties td:first-child{color:#555;white-space:nowrap}
        #tables{padding:0 16px 24px}
        .table-wrap{max-height:420px;overflow:auto;background:#fff;border:1px solid #ccc;margin-bottom:16px}
        table.data{border-collapse:collapse;width:100%;font-size:13px}
        table.data th{position:sticky;top:0;background:#e8ebee;cursor:pointer;text-align:left}
        table.data th,table.data td{padding:3px 8px;border-bottom:1px solid #eee}
        table.data tbody tr:nth-child(even){background:#fafafa}
        """

    static let script = #"""
        (function () {
          'use strict';
          var SVGNS = 'http://www.w3.org/2000/svg';
          var W = \#(viewWidth), H = \#(viewHeight), PAD = 20;
          var errors = 0;
          var rendered = {};
          var errorBox = document.getElementById('errors');
          function recordError(message) {
            errors += 1;
            errorBox.textContent += message + '\n';
            document.body.setAttribute('data-errors', String(errors));
          }
          window.onerror = function (message, source, line, column) {
            recordError(String(message) + ' (line ' + line + ':' + column + ')');
            return false;
          };

          var data = null;
          try {
            data = JSON.parse(document.getElementById('report-data').textContent);
            draw(data);
            wireControls(data);
          } catch (e) {
            recordError('drawing failed: ' + (e && e.stack ? e.stack : String(e)));
          } finally {
            document.body.setAttribute('data-rendered', JSON.stringify(rendered));
            document.body.setAttribute('data-errors', String(errors));
          }

          function eachPosition(g, fn) {
            if (!g) return;
            var c = g.coordinates;
            switch (g.type) {
              case 'Point': fn(c); break;
              case 'MultiPoint': case 'LineString': c.forEach(fn); break;
              case 'MultiLineString': case 'Polygon': c.forEach(function (r) { r.forEach(fn); }); break;
              case 'MultiPolygon': c.forEach(function (p) { p.forEach(function (r) { r.forEach(fn); }); }); break;
              case 'GeometryCollection': g.geometries.forEach(function (x) { eachPosition(x, fn); }); break;
              default: throw new Error('unknown geometry type ' + g.type);
            }
          }

          // The same projection as MapProjection in Swift: equirectangular, x shrunk by
          // cos(middle latitude), fitted and centred in the view.
          function makeProjection(layers) {
            var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
            layers.forEach(function (l) {
              l.features.forEach(function (f) {
                eachPosition(f.g, function (p) {
                  if (p[0] < minX) minX = p[0];
                  if (p[0] > maxX) maxX = p[0];
                  if (p[1] < minY) minY = p[1];
                  if (p[1] > maxY) maxY = p[1];
                });
              });
            });
            if (!(minX <= maxX)) { minX = maxX = minY = maxY = 0; }
            var k = Math.max(Math.cos((minY + maxY) / 2 * Math.PI / 180), 0.01);
            if ((maxX - minX) * k < 1e-9 && maxY - minY < 1e-9) { minX -= 0.001; maxX += 0.001; minY -= 0.001; maxY += 0.001; }
            var w = (maxX - minX) * k, h = maxY - minY;
            var fw = W - 2 * PAD, fh = H - 2 * PAD;
            var s = Math.min(w > 0 ? fw / w : Infinity, h > 0 ? fh / h : Infinity);
            var ox = PAD + (fw - w * s) / 2, oy = PAD + (fh - h * s) / 2;
            return function (p) { return [ox + (p[0] - minX) * k * s, oy + (maxY - p[1]) * s]; };
          }

          function ringPath(ring, project, close) {
            var d = '';
            for (var i = 0; i < ring.length; i++) {
              var q = project(ring[i]);
              d += (i === 0 ? 'M' : 'L') + q[0].toFixed(2) + ' ' + q[1].toFixed(2);
            }
            return close ? d + 'Z' : d;
          }

          function squarePath(p, project, size) {
            var q = project(p), h = size / 2;
            return 'M' + (q[0] - h).toFixed(2) + ' ' + (q[1] - h).toFixed(2) + 'h' + size + 'v' + size + 'h' + (-size) + 'Z';
          }

          function element(name, attributes) {
            var e = document.createElementNS(SVGNS, name);
            for (var k in attributes) e.setAttribute(k, attributes[k]);
            return e;
          }

          // One SVG element per geometry: a path, or a group for a geometry collection.
          function shape(g, project, style, color) {
            var d = '', c = g.coordinates;
            switch (g.type) {
              case 'Polygon':
              case 'MultiPolygon':
                (g.type === 'Polygon' ? [c] : c).forEach(function (poly) {
                  poly.forEach(function (r) { d += ringPath(r, project, true); });
                });
                return element('path', {
                  d: d, 'fill-rule': 'evenodd', fill: color, 'fill-opacity': style.fillOpacity,
                  stroke: style.outlineWidth > 0 ? (style.outline || color) : 'none',
                  'stroke-width': style.outlineWidth, 'stroke-linejoin': 'round', 'vector-effect': 'non-scaling-stroke'
                });
              case 'LineString':
              case 'MultiLineString':
                (g.type === 'LineString' ? [c] : c).forEach(function (l) { d += ringPath(l, project, false); });
                return element('path', {
                  d: d, fill: 'none', stroke: color, 'stroke-width': style.lineWidth,
                  'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'vector-effect': 'non-scaling-stroke'
                });
              case 'Point':
              case 'MultiPoint':
                (g.type === 'Point' ? [c] : c).forEach(function (p) { d += squarePath(p, project, style.pointSize); });
                return element('path', { d: d, fill: color, stroke: '#ffffff', 'stroke-width': 1, 'vector-effect': 'non-scaling-stroke' });
              case 'GeometryCollection':
                var group = element('g', {});
                g.geometries.forEach(function (x) { group.appendChild(shape(x, project, style, color)); });
                return group;
              default:
                throw new Error('unknown geometry type ' + g.type);
            }
          }

          function draw(data) {
            var viewport = document.getElementById('viewport');
            var project = makeProjection(data.layers);
            data.layers.forEach(function (layer, li) {
              var group = element('g', { id: 'layer-' + li, 'class': 'map-layer' });
              var drawn = 0;
              layer.features.forEach(function (f, fi) {
                try {
                  var color = f.c >= 0 && f.c < layer.colors.length ? layer.colors[f.c] : '#9e9e9e';
                  var e = shape(f.g, project, layer.style, color);
                  e.setAttribute('data-layer', String(li));
                  e.setAttribute('data-feature', String(fi));
                  group.appendChild(e);
                  drawn += 1;
                } catch (err) {
                  recordError(layer.name + ' feature ' + fi + ': ' + err.message);
                }
              });
              viewport.appendChild(group);
              rendered[layer.name] = drawn;
            });
          }

          function text(v) {
            if (v === null || v === undefined) return '';
            if (Array.isArray(v)) return v.map(text).join(', ');
            if (typeof v === 'object') return JSON.stringify(v);
            return String(v);
          }

          function label(layer, f) {
            var p = f.p || {}, lines = [layer.name];
            var head = [];
            ['code', 'id', 'name', 'kind'].forEach(function (k) {
              if (p[k] !== undefined && p[k] !== null && p[k] !== '') head.push(text(p[k]));
            });
            if (head.length === 0 && f.id !== undefined) head.push(text(f.id));
            if (head.length) lines.push(head.join(' '));
            if (layer.colorBy !== 'code' && layer.colorBy !== 'kind' && p[layer.colorBy] !== undefined) {
              lines.push(layer.colorBy + ': ' + text(p[layer.colorBy]));
            }
            // A few numbers (households, metrics) so hovering answers "how big is it" at once.
            var shown = 0;
            Object.keys(p).forEach(function (k) {
              if (shown < 4 && typeof p[k] === 'number' && ['code', 'id', layer.colorBy].indexOf(k) < 0) {
                lines.push(k + ': ' + p[k]);
                shown += 1;
              }
            });
            return lines.join('\n');
          }

          function featureAt(target) {
            var e = target && target.closest ? target.closest('[data-layer]') : null;
            if (!e) return null;
            var layer = data.layers[Number(e.getAttribute('data-layer'))];
            return { element: e, layer: layer, feature: layer.features[Number(e.getAttribute('data-feature'))] };
          }

          function wireControls(data) {
            var svg = document.getElementById('map');
            var viewport = document.getElementById('viewport');
            var tooltip = document.getElementById('tooltip');
            var box = document.getElementById('mapbox');
            var dragging = false, moved = false, last = null;

            Array.prototype.forEach.call(document.querySelectorAll('input[data-toggle]'), function (input) {
              input.addEventListener('change', function () {
                var g = document.getElementById('layer-' + input.getAttribute('data-toggle'));
                if (g) g.style.display = input.checked ? '' : 'none';
              });
            });

            var hot = null;
            svg.addEventListener('mousemove', function (ev) {
              var hit = featureAt(ev.target);
              if (hot && (!hit || hit.element !== hot)) { hot.classList.remove('hot'); hot = null; }
              if (!hit || dragging) { tooltip.hidden = true; return; }
              hot = hit.element;
              hot.classList.add('hot');
              tooltip.textContent = label(hit.layer, hit.feature);
              var r = box.getBoundingClientRect();
              tooltip.style.left = (ev.clientX - r.left + 14) + 'px';
              tooltip.style.top = (ev.clientY - r.top + 14) + 'px';
              tooltip.hidden = false;
            });
            svg.addEventListener('mouseleave', function () {
              tooltip.hidden = true;
              if (hot) { hot.classList.remove('hot'); hot = null; }
            });

            svg.addEventListener('click', function (ev) {
              if (moved) return;
              var hit = featureAt(ev.target);
              if (!hit) return;
              document.getElementById('panel-empty').hidden = true;
              document.getElementById('panel-title').textContent = label(hit.layer, hit.feature).split('\n').slice(0, 2).join(' · ');
              var table = document.getElementById('panel-properties');
              table.textContent = '';
              var p = hit.feature.p || {};
              if (hit.feature.id !== undefined && p.id === undefined) p = Object.assign({ id: hit.feature.id }, p);
              Object.keys(p).forEach(function (k) {
                var tr = document.createElement('tr');
                var a = document.createElement('td'), b = document.createElement('td');
                a.textContent = k;
                b.textContent = text(p[k]);
                tr.appendChild(a);
                tr.appendChild(b);
                table.appendChild(tr);
              });
            });

            // Zoom and pan act on one transform of the viewport group.
            var view = { x: 0, y: 0, k: 1 };
            function apply() { viewport.setAttribute('transform', 'translate(' + view.x + ' ' + view.y + ') scale(' + view.k + ')'); }
            function svgPoint(ev) {
              var m = svg.getScreenCTM();
              if (!m) return { x: 0, y: 0 };
              var pt = svg.createSVGPoint();
              pt.x = ev.clientX;
              pt.y = ev.clientY;
              return pt.matrixTransform(m.inverse());
            }
            svg.addEventListener('wheel', function (ev) {
              ev.preventDefault();
              var p = svgPoint(ev);
              var f = Math.exp(-ev.deltaY * 0.0015);
              var k = Math.min(Math.max(view.k * f, 0.5), 500);
              f = k / view.k;
              view.x = p.x - (p.x - view.x) * f;
              view.y = p.y - (p.y - view.y) * f;
              view.k = k;
              apply();
            }, { passive: false });
            svg.addEventListener('mousedown', function (ev) {
              dragging = true;
              moved = false;
              last = svgPoint(ev);
              svg.classList.add('dragging');
            });
            window.addEventListener('mousemove', function (ev) {
              if (!dragging) return;
              var p = svgPoint(ev);
              if (Math.abs(p.x - last.x) + Math.abs(p.y - last.y) > 2) moved = true;
              view.x += p.x - last.x;
              view.y += p.y - last.y;
              last = p;
              apply();
            });
            window.addEventListener('mouseup', function () {
              dragging = false;
              svg.classList.remove('dragging');
            });
            document.getElementById('reset-view').addEventListener('click', function () {
              view = { x: 0, y: 0, k: 1 };
              apply();
            });

            // Tables sort by a clicked column: numerically when every cell is a number.
            Array.prototype.forEach.call(document.querySelectorAll('table.data'), function (table) {
              Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
                th.addEventListener('click', function () {
                  var body = table.tBodies[0];
                  var rows = Array.prototype.slice.call(body.rows);
                  var numeric = rows.every(function (r) { var t = r.cells[column].textContent; return t === '' || !isNaN(Number(t)); });
                  var descending = th.getAttribute('data-sorted') === 'asc';
                  rows.sort(function (a, b) {
                    var x = a.cells[column].textContent, y = b.cells[column].textContent;
                    var order = numeric ? (Number(x) - Number(y)) : x.localeCompare(y, 'zh-CN');
                    return descending ? -order : order;
                  });
                  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute('data-sorted'); });
                  th.setAttribute('data-sorted', descending ? 'desc' : 'asc');
                  rows.forEach(function (r) { body.appendChild(r); });
                });
              });
            });
          }
        })();
        """#
}
