// Chart.js rendering of a chart model. A model is the one description of
// a chart that the canvas, its accessible table and its CSV file are all
// built from, so the three always show the same numbers:
//   { labels: string[] | number[], xType: "category"|"time", zone,
//     xTitle, yTitle, gaps?: boolean[], titles?: string[],
//     series: [{ label, type: "bar"|"line"|"points", values: (number|null)[],
//                color, dashed?, footers?: string[] }] }

const { Chart } = window;

// Shade the categories that have no data, so a gap is not read as zero.
const gapBands = {
  id: "footfallGapBands",
  beforeDatasetsDraw(chart, _args, options) {
    const gaps = options.gaps;
    const xScale = chart.scales.x;
    if (!Array.isArray(gaps) || !xScale || xScale.type !== "category") {
      return;
    }

    const { ctx, chartArea } = chart;
    const count = gaps.length;
    const width = count > 0 ? (chartArea.right - chartArea.left) / count : 0;
    ctx.save();
    ctx.fillStyle = options.color;
    for (let index = 0; index < count; index += 1) {
      if (gaps[index]) {
        const center = xScale.getPixelForValue(index);
        ctx.fillRect(center - width / 2, chartArea.top, width, chartArea.bottom - chartArea.top);
      }
    }
    ctx.restore();
  },
};

Chart.register(gapBands);
Chart.defaults.font.family =
  'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
Chart.defaults.color = "#333";

function datasetOf(series, model) {
  const base = {
    label: series.label,
    data: model.xType === "time"
      ? series.values.map((value, index) => ({ x: model.labels[index], y: value }))
      : series.values,
    borderColor: series.color,
    backgroundColor: series.color,
  };

  if (series.type === "bar") {
    return { ...base, type: "bar", order: 2 };
  }

  const line = {
    ...base,
    type: "line",
    order: 1,
    spanGaps: false,
    borderWidth: 2,
    pointRadius: series.type === "points" ? 4 : 2,
    pointHoverRadius: 6,
    showLine: series.type !== "points",
    fill: false,
  };
  if (series.dashed) {
    line.borderDash = [6, 4];
    line.backgroundColor = "#fff";
  }
  return line;
}

function xScaleOf(model) {
  const title = { display: Boolean(model.xTitle), text: model.xTitle };
  if (model.xType === "time") {
    return {
      type: "time",
      adapters: { date: { zone: model.zone } },
      time: { tooltipFormat: "ccc d LLL yyyy, HH:mm ZZ" },
      ticks: { maxRotation: 0, autoSkipPadding: 12 },
      title,
    };
  }
  if (model.tickLabels) {
    return {
      type: "category",
      ticks: {
        autoSkip: false,
        maxRotation: 60,
        callback: (_value, index) => model.tickLabels[index],
      },
      grid: { display: false },
      title,
    };
  }
  return {
    type: "category",
    ticks: { maxRotation: 60, autoSkip: true, autoSkipPadding: 6 },
    grid: { display: false },
    title,
  };
}

function optionsOf(model) {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    interaction: { mode: "index", intersect: false },
    scales: {
      x: xScaleOf(model),
      y: {
        beginAtZero: true,
        title: { display: Boolean(model.yTitle), text: model.yTitle },
        ticks: { precision: model.yPrecision ?? 0 },
      },
    },
    plugins: {
      legend: { position: "bottom", labels: { usePointStyle: true, boxHeight: 8 } },
      footfallGapBands: { gaps: model.gaps || null, color: "rgba(120, 120, 120, 0.14)" },
      tooltip: {
        callbacks: {
          title(items) {
            if (!items.length || !model.titles) {
              return undefined;
            }
            return model.titles[items[0].dataIndex];
          },
          label(item) {
            const series = model.series[item.datasetIndex];
            const value = series.values[item.dataIndex];
            const text = value === null || value === undefined ? "no data" : series.format(value);
            return `${series.label}: ${text}`;
          },
          footer(items) {
            const lines = [];
            for (const item of items) {
              const footers = model.series[item.datasetIndex].footers;
              if (footers && footers[item.dataIndex] && !lines.includes(footers[item.dataIndex])) {
                lines.push(footers[item.dataIndex]);
              }
            }
            if (items.length && model.gaps && model.gaps[items[0].dataIndex]) {
              lines.push("No device was watching: no data.");
            }
            return lines;
          },
        },
      },
    },
  };
}

/**
 * Draw a model on a canvas, replacing the canvas's earlier chart.
 * @param {HTMLCanvasElement} canvas
 * @param {object} model see the file header
 */
export function drawChart(canvas, model) {
  const previous = Chart.getChart(canvas);
  if (previous) {
    previous.destroy();
  }

  return new Chart(canvas, {
    data: {
      labels: model.xType === "time" ? undefined : model.labels,
      datasets: model.series.map((series) => datasetOf(series, model)),
    },
    options: optionsOf(model),
  });
}
