/// The page's own style sheet and scripts (Leaflet's come from ``Leaflet``). Kept apart from the
/// HTML assembly so each reads as what it is; nothing here refers to anything outside the page
/// except the base-map tile services, which are only asked for tiles once the viewer picks one.
enum MapReportAssets {
    static let css = """
        *{box-sizing:border-box}
        body{margin:0;font:14px/1.45 system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;color:#222;background:#f4f4f1}
        header{padding:10px 16px;background:#2f3b45;color:#fff}
        header h1{margin:0;font-size:20px}
        header .summary{margin:2px 0 0;opacity:.8;font-size:13px}
        main{display:flex;gap:12px;padding:12px 16px;align-items:flex-start}
        #mapbox{position:relative;flex:1 1 auto;min-width:0;background:#fff;border:1px solid #ccc}
        #map{height:72vh;min-height:420px;background:#fff}
        #map.leaflet-container{font:12px/1.4 system-ui,"Noto Sans CJK SC",sans-serif}
        .hint{font-size:12px;color:#555;padding:4px 8px;margin:0;border-top:1px solid #eee}
        aside{flex:0 0 300px;max-height:80vh;overflow:auto}
        aside section{background:#fff;border:1px solid #ccc;padding:8px 10px;margin-bottom:12px}
        aside h2,#tables h2,#charts h2{font-size:15px;margin:0 0 6px}
        .layer{margin-bottom:8px}
        .layer.off{opacity:.4}
        .layer-name{font-weight:600}
        .count,.by{color:#666;font-size:12px}
        ul.legend{list-style:none;margin:2px 0 0 8px;padding:0;max-height:180px;overflow:auto;font-size:12px}
        ul.legend li{display:flex;align-items:center;gap:6px}
        .swatch{display:inline-block;width:14px;height:12px;border:1px solid #555;flex:0 0 auto}
        .swatch-units{opacity:.6}.swatch-grids{opacity:.5}
        .swatch-streets{height:4px;border:0}
        .swatch-points{width:10px;height:10px;border-radius:50%}
        .popup-title{font-weight:600;margin:0 0 4px}
        table.popup{border-collapse:collapse;font-size:12px;max-width:340px}
        table.popup td{border-top:1px solid #eee;padding:2px 4px;vertical-align:top;word-break:break-all}
        table.popup td:first-child{color:#555;white-space:nowrap}
        #charts{display:flex;flex-wrap:wrap;gap:12px;padding:0 16px 12px}
        figure.chart{margin:0;background:#fff;border:1px solid #ccc;padding:8px 10px;max-width:100%;overflow:auto}
        figure.chart figcaption{font-weight:600;font-size:15px;margin-bottom:4px}
        figure.chart p{margin:4px 0 0;font-size:12px;color:#555}
        .chart-svg text{fill:#333;font-family:inherit}
        .chart-svg text.on-bar{fill:#fff}
        #tables{padding:0 16px 24px}
        .table-wrap{max-height:420px;overflow:auto;background:#fff;border:1px solid #ccc;margin-bottom:16px}
        table.data{border-collapse:collapse;width:100%;font-size:13px}
        table.data th{position:sticky;top:0;background:#e8ebee;cursor:pointer;text-align:left}
        table.data th,table.data td{padding:3px 8px;border-bottom:1px solid #eee}
        table.data tbody tr:nth-child(even){background:#fafafa}
        footer{padding:8px 16px 16px;font-size:12px;color:#555}
        """

    /// Runs first, before Leaflet: every script error from here on is counted on `<body>`.
    static let errorScript = #"""
        (function () {
          var errors = 0;
          window.gridplanRecordError = function (message) {
            errors += 1;
            var box = document.getElementById('errors');
            if (box) box.textContent += message + '\n';
            document.body.setAttribute('data-errors', String(errors));
          };
          window.onerror = function (message, source, line, column) {
            window.gridplanRecordError(String(message) + ' (line ' + line + ':' + column + ')');
            return false;
          };
        })();
        """#

    static let script = #"""
        (function () {
          'use strict';
          var rendered = {};
          var recordError = window.gridplanRecordError;

          // WGS84 -> GCJ-02, the public closed formula on the Krasovsky ellipsoid, applied inside
          // China's box only; the same as ChinaOffsets.gcj02(fromWGS84:) in Swift.
          var A = 6378245.0, EE = 0.00669342162296594323;
          function insideChina(lon, lat) { return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271; }
          function latitudeOffset(x, y) {
            var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
            r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
            r += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
            r += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320.0 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
            return r;
          }
          function longitudeOffset(x, y) {
            var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
            r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
            r += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
            r += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
            return r;
          }
          function gcj02(lon, lat) {
            if (!insideChina(lon, lat)) return [lon, lat];
            var dLat = latitudeOffset(lon - 105.0, lat - 35.0);
            var dLon = longitudeOffset(lon - 105.0, lat - 35.0);
            var radLat = lat / 180.0 * Math.PI;
            var magic = Math.sin(radLat);
            magic = 1 - EE * magic * magic;
            var sqrtMagic = Math.sqrt(magic);
            dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * Math.PI);
            dLon = (dLon * 180.0) / (A / sqrtMagic * Math.cos(radLat) * Math.PI);
            return [lon + dLon, lat + dLat];
          }

          // Which datum the data is shown in: GCJ-02 under AMap, WGS84 (= CGCS2000 at map scale) otherwise.
          var datum = 'wgs84';
          function toLatLng(c) {
            if (datum === 'gcj02') { var g = gcj02(c[0], c[1]); return L.latLng(g[1], g[0]); }
            return L.latLng(c[1], c[0]);
          }

          function text(v) {
            if (v === null || v === undefined) return '';
            if (Array.isArray(v)) return v.map(text).join(', ');
            if (typeof v === 'object') return JSON.stringify(v);
            return String(v);
          }

          function headline(layer, f) {
            var p = f.p || {}, head = [];
            ['code', 'id', 'name', 'kind'].forEach(function (k) {
              if (p[k] !== undefined && p[k] !== null && p[k] !== '') head.push(text(p[k]));
            });
            if (head.length === 0 && f.id !== undefined) head.push(text(f.id));
            return head.join(' ');
          }

          // The hover label: the layer, the feature's names, and a few numbers (households,
          // metrics) so hovering answers "how big is it" at once.
          function label(layer, f) {
            var p = f.p || {}, lines = [layer.name];
            var head = headline(layer, f);
            if (head) lines.push(head);
            if (layer.colorBy !== 'code' && layer.colorBy !== 'kind' && p[layer.colorBy] !== undefined) {
              lines.push(layer.colorBy + ': ' + text(p[layer.colorBy]));
            }
            var shown = 0;
            Object.keys(p).forEach(function (k) {
              if (shown < 4 && typeof p[k] === 'number' && ['code', 'id', layer.colorBy].indexOf(k) < 0) {
                lines.push(k + ': ' + p[k]);
                shown += 1;
              }
            });
            var e = document.createElement('div');
            e.style.whiteSpace = 'pre';
            e.textContent = lines.join('\n');
            return e;
          }

          // Popup contents are built as elements and filled with textContent: a property holding
          // markup, even a closing script tag, shows as text.
          function details(layer, f) {
            var box = document.createElement('div');
            box.className = 'popup';
            var title = document.createElement('p');
            title.className = 'popup-title';
            var head = headline(layer, f);
            title.textContent = layer.name + (head ? ' · ' + head : '');
            box.appendChild(title);
            var table = document.createElement('table');
            table.className = 'popup';
            var p = f.p || {};
            if (f.id !== undefined && p.id === undefined) p = Object.assign({ id: f.id }, p);
            Object.keys(p).forEach(function (k) {
              var tr = document.createElement('tr');
              var a = document.createElement('td'), b = document.createElement('td');
              a.textContent = k;
              b.textContent = text(p[k]);
              tr.appendChild(a);
              tr.appendChild(b);
              table.appendChild(tr);
            });
            box.appendChild(table);
            return box;
          }

          function isLine(g) { return g && (g.type === 'LineString' || g.type === 'MultiLineString'); }

          function styleOf(layer, f) {
            var s = layer.style;
            var color = f.c >= 0 && f.c < layer.colors.length ? layer.colors[f.c] : '#9e9e9e';
            if (isLine(f.g)) return { color: color, weight: s.lineWidth, opacity: 1, lineCap: 'round', lineJoin: 'round' };
            return {
              color: s.outlineWidth > 0 ? (s.outline || color) : color, weight: s.outlineWidth,
              stroke: s.outlineWidth > 0, opacity: 1, fillColor: color, fillOpacity: s.fillOpacity, lineJoin: 'round'
            };
          }

          // One Leaflet GeoJSON layer of the report layer's features, in the current datum.
          function geoJSONLayer(layer, li) {
            var drawn = 0;
            var features = layer.features.map(function (f, fi) {
              return { type: 'Feature', geometry: f.g, properties: { layer: li, feature: fi } };
            });
            var group = L.geoJSON(null, {
              coordsToLatLng: toLatLng,
              style: function (feature) { return styleOf(layer, layer.features[feature.properties.feature]); },
              pointToLayer: function (feature, latlng) {
                var f = layer.features[feature.properties.feature];
                var color = f.c >= 0 && f.c < layer.colors.length ? layer.colors[f.c] : '#9e9e9e';
                return L.circleMarker(latlng, {
                  radius: layer.style.pointSize / 2 + 1, color: '#ffffff', weight: 1, fillColor: color, fillOpacity: 1
                });
              },
              onEachFeature: function (feature, sub) {
                var f = layer.features[feature.properties.feature];
                sub.bindTooltip(function () { return label(layer, f); }, { sticky: true });
                sub.bindPopup(function () { return details(layer, f); }, { maxWidth: 380 });
                sub.on('mouseover', function () {
                  var base = styleOf(layer, f);
                  sub.setStyle({ color: '#000000', weight: Math.max(base.weight, 1) + 2, stroke: true });
                });
                sub.on('mouseout', function () { group.resetStyle(sub); });
              }
            });
            features.forEach(function (feature, fi) {
              try {
                group.addData(feature);
                drawn += 1;
              } catch (err) {
                recordError(layer.name + ' feature ' + fi + ': ' + err.message);
              }
            });
            rendered[layer.name] = drawn;
            return group;
          }

          var data = null, map = null, overlays = [], holders = [], baseLayers = {};
          try {
            data = JSON.parse(document.getElementById('report-data').textContent);
            var config = JSON.parse(document.getElementById('report-config').textContent);
            map = L.map('map', { zoomSnap: 0.25, attributionControl: true });

            // Each report layer sits in a holder that the layer control toggles; switching datum
            // refills the holders, so the control and the viewer's choices stay as they are.
            data.layers.forEach(function (layer, li) {
              var holder = L.layerGroup();
              var content = geoJSONLayer(layer, li);
              holder.addLayer(content);
              holder.addTo(map);
              holders.push(holder);
              overlays.push(content);
            });

            var none = L.layerGroup();
            baseLayers['No base map (offline)'] = none;
            baseLayers['OpenStreetMap'] = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
              maxZoom: 19, attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
            });
            var amap = L.tileLayer('https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}', {
              subdomains: '1234', maxZoom: 18, attribution: '&copy; 高德地图 AMap (GCJ-02)'
            });
            baseLayers['AMap 高德 (GCJ-02)'] = amap;
            if (config.tiandituKey) {
              var tianditu = function (kind) {
                return L.tileLayer('https://t{s}.tianditu.gov.cn/' + kind + '_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=' + kind +
                  '&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}', {
                  subdomains: '01234567', maxZoom: 18, tk: config.tiandituKey, attribution: '&copy; 天地图 Tianditu'
                });
              };
              baseLayers['Tianditu 天地图'] = L.layerGroup([tianditu('vec'), tianditu('cva')]);
            }
            none.addTo(map);

            var named = {};
            data.layers.forEach(function (layer, li) {
              var name = layer.name + ' (' + rendered[layer.name] + ')';
              while (named[name]) name += ' ';
              named[name] = holders[li];
            });
            L.control.layers(baseLayers, named, { collapsed: false }).addTo(map);
            L.control.scale({ metric: true, imperial: false, maxWidth: 160 }).addTo(map);

            map.on('overlayadd overlayremove', function (e) {
              var li = holders.indexOf(e.layer);
              var legend = document.querySelector('[data-legend="' + li + '"]');
              if (legend) legend.classList.toggle('off', e.type === 'overlayremove');
            });
            map.on('baselayerchange', function (e) {
              var wanted = e.layer === amap ? 'gcj02' : 'wgs84';
              if (wanted === datum) return;
              // Keep the same ground under the centre of the view as the data moves.
              var c = map.getCenter(), zoom = map.getZoom();
              var shifted;
              if (wanted === 'gcj02') {
                var g = gcj02(c.lng, c.lat);
                shifted = L.latLng(g[1], g[0]);
              } else {
                var back = gcj02(c.lng, c.lat);
                shifted = L.latLng(2 * c.lat - back[1], 2 * c.lng - back[0]);
              }
              datum = wanted;
              data.layers.forEach(function (layer, li) {
                holders[li].clearLayers();
                overlays[li] = geoJSONLayer(layer, li);
                holders[li].addLayer(overlays[li]);
              });
              map.setView(shifted, zoom, { animate: false });
              document.body.setAttribute('data-datum', datum);
            });

            var bounds = L.latLngBounds([]);
            overlays.forEach(function (o) {
              var b = o.getBounds();
              if (b.isValid()) bounds.extend(b);
            });
            if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16] }); else map.setView([0, 0], 2);
            document.body.setAttribute('data-datum', datum);

            window.gridplanReport = {
              map: map, overlays: overlays, holders: holders, baseLayers: baseLayers, gcj02: gcj02,
              datum: function () { return datum; }
            };
            wireTables();
          } catch (e) {
            recordError('drawing failed: ' + (e && e.stack ? e.stack : String(e)));
          } finally {
            document.body.setAttribute('data-rendered', JSON.stringify(rendered));
          }

          // Tables sort by a clicked column: numerically when every cell is a number.
          function wireTables() {
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
