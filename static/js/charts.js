// Draws a Chart.js chart above every <table data-chart="bar|line"> from the table itself, so
// the chart and the table always show the same numbers. The table stays: it is what screen
// readers and keyboard users read, so the chart is aria-hidden.
//
// Table shape: a row per category (<th scope="row"> is the label), a column per series
// (<thead> <th scope="col">, the first one heading the labels); each cell either
// <td data-value="12"> or <td data-suppressed> (hidden to protect privacy). A hidden value is
// drawn as a gap, never as 0, with the text of the table's footnote (<tfoot>, or an element
// named by the table's aria-describedby) as a legend entry.
(function () {
  "use strict";
  // At least 3:1 against white (WCAG 1.4.11); the same colours as surveys/charts.py.
  const COLOURS = ["#1f5fa8", "#b3401b", "#2e7d32", "#6a3d9a", "#555555"];
  const GAP_COLOUR = "#767676";

  function text(node) {
    return node ? node.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function footnote(table) {
    const described = table.getAttribute("aria-describedby");
    const node = table.querySelector("tfoot") || (described && document.getElementById(described));
    return text(node);
  }

  function readTable(table) {
    const rows = Array.from(table.tBodies).flatMap((body) => Array.from(body.rows));
    const headers = Array.from(table.querySelectorAll("thead th[scope=col]")).slice(1);
    const labels = [];
    const series = [];
    let suppressed = false;
    for (const row of rows) {
      const label = row.querySelector("th[scope=row]");
      const cells = Array.from(row.querySelectorAll("td[data-value], td[data-suppressed]"));
      if (!label || !cells.length) {
        continue;
      }
      labels.push(text(label));
      cells.forEach((cell, index) => {
        series[index] = series[index] || [];
        if (cell.hasAttribute("data-suppressed")) {
          suppressed = true;
          series[index].push(null);
        } else {
          series[index].push(Number(cell.dataset.value));
        }
      });
    }
    const names = series.map((_values, index) => text(headers[index]) || text(table.caption));
    return { labels, series, names, suppressed };
  }

  function draw(table) {
    if (table.dataset.chartDrawn || typeof window.Chart === "undefined") {
      return;
    }
    const kind = table.dataset.chart === "line" ? "line" : "bar";
    const data = readTable(table);
    if (!data.labels.length) {
      return;
    }
    const figure = document.createElement("div");
    figure.className = "chart-figure mb-2";
    figure.setAttribute("aria-hidden", "true");
    const canvas = document.createElement("canvas");
    canvas.height = 260;
    figure.appendChild(canvas);
    const anchor = table.closest(".table-responsive") || table;
    anchor.parentNode.insertBefore(figure, anchor);
    table.dataset.chartDrawn = "true";

    const datasets = data.series.map((values, index) => ({
      label: data.names[index],
      data: values,
      backgroundColor: COLOURS[index % COLOURS.length],
      borderColor: COLOURS[index % COLOURS.length],
      spanGaps: false,
    }));
    if (data.suppressed) {
      // An empty dataset whose legend entry explains the gaps.
      datasets.push({
        label: footnote(table) || ":",
        data: [],
        backgroundColor: "rgba(0,0,0,0)",
        borderColor: GAP_COLOUR,
        borderDash: [4, 3],
        borderWidth: 1,
      });
    }
    new window.Chart(canvas, {
      type: kind,
      data: { labels: data.labels, datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: kind === "bar" ? "y" : "x",
        plugins: { legend: { position: "bottom" }, title: { display: !!table.caption, text: text(table.caption) } },
        scales: { x: { beginAtZero: true }, y: { beginAtZero: true } },
      },
    });
  }

  function drawAll() {
    document.querySelectorAll("table[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
