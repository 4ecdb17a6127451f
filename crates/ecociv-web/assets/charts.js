// ecociv charts: every <div class="chart" data-option="…"> becomes an ECharts chart (SVG),
// and every table.chart-data gets a button that downloads it as CSV (UTF-8 with BOM, for Excel).
(function () {
  function init() {
    document.querySelectorAll('div.chart[data-option]').forEach(function (el) {
      var option = JSON.parse(el.getAttribute('data-option'));
      var chart = echarts.init(el, null, { renderer: 'svg', locale: /^zh/.test(document.documentElement.lang) ? 'ZH' : 'EN' });
      chart.setOption(option);
      el.setAttribute('data-rendered', 'true');
      window.addEventListener('resize', function () { chart.resize(); });
    });
    document.querySelectorAll('table.chart-data').forEach(function (table) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'download';
      button.textContent = table.getAttribute('data-download-label') || 'CSV';
      button.addEventListener('click', function () {
        var rows = Array.prototype.map.call(table.querySelectorAll('tr'), function (tr) {
          return Array.prototype.map.call(tr.querySelectorAll('th,td'), function (cell) {
            var text = cell.textContent.trim();
            return /[",\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
          }).join(',');
        });
        var blob = new Blob(['\ufeff' + rows.join('\r\n')], { type: 'text/csv;charset=utf-8' });
        var a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = (table.getAttribute('data-name') || 'ecociv') + '.csv';
        document.body.appendChild(a);
        a.click();
        a.remove();
      });
      table.parentNode.insertBefore(button, table);
    });
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', init); } else { init(); }
})();
