// The cockpit's 12-month trend (ECharts). Data comes from the page (json_script), never inline JS.
(function () {
  "use strict";
  var el = document.getElementById("trend-chart");
  var source = document.getElementById("trend-data");
  if (!el || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var pct = function (v) { return v === null ? null : Math.round(v * 10000) / 100; };
  var series = Object.keys(data.series).map(function (code) {
    return {
      name: data.labels[code], type: "line", smooth: true, connectNulls: false,
      yAxisIndex: 0, data: data.series[code].map(pct)
    };
  });
  series.push({ name: data.score_label, type: "line", lineStyle: { width: 3 }, yAxisIndex: 0, data: data.score });
  series.push({ name: data.received_label, type: "bar", yAxisIndex: 1, itemStyle: { opacity: 0.25 }, data: data.received });
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 56, top: 40, bottom: 32 },
    xAxis: { type: "category", data: data.periods },
    yAxis: [
      { type: "value", min: 0, max: 100, name: "%" },
      { type: "value", name: data.received_label, splitLine: { show: false } }
    ],
    series: series
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
