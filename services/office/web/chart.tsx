// Charts of the statistics, drawn by Chart.js (bundled with the page): bars with their values
// written on them, lines for a month-by-month trend. Labels are the page's words, in its
// language, in the page's own fonts (a CJK font for Chinese).
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartType,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  type Plugin,
  PointElement,
  Tooltip,
} from "chart.js";
import { useEffect, useRef } from "preact/hooks";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Legend,
  Tooltip,
);
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
Chart.defaults.color = "#1d2733";

/** The colours of the series, in order. */
const COLOURS = ["#2f6fb3", "#3a9d5d", "#c98a1b", "#c0392b"];

/** Each value written above its bar or point (none for a zero: the axis says it). */
const valuesOnMarks: Plugin = {
  id: "valuesOnMarks",
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.font = `11px ${Chart.defaults.font.family}`;
    ctx.fillStyle = "#1d2733";
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    chart.data.datasets.forEach((dataset, i) => {
      const meta = chart.getDatasetMeta(i);
      if (!chart.isDatasetVisible(i)) return;
      meta.data.forEach((mark, j) => {
        const value = dataset.data[j];
        if (typeof value !== "number" || value === 0) return;
        const { x, y } = mark.getProps(["x", "y"], true) as { x: number; y: number };
        ctx.fillText(String(value), x, y - 2);
      });
    });
    ctx.restore();
  },
};

export type Series = { name: string; values: number[] };

/**
 * A chart of `series` over `labels` (`bar`: grouped bars; `line`: a trend). `label` names it for
 * whoever cannot see it (its figures are in the table beside it).
 */
export function FiguresChart(props: {
  type: Extract<ChartType, "bar" | "line">;
  label: string;
  labels: string[];
  series: Series[];
  testId: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const data = JSON.stringify([props.type, props.labels, props.series]);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: props.type,
      data: {
        labels: props.labels,
        datasets: props.series.map((s, i) => ({
          label: s.name,
          data: s.values,
          backgroundColor: COLOURS[i % COLOURS.length],
          borderColor: COLOURS[i % COLOURS.length],
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        // Room above the highest bar for its value.
        layout: { padding: { top: 18 } },
        scales: {
          x: { ticks: { autoSkip: false, maxRotation: 60 } },
          y: { beginAtZero: true, ticks: { precision: 0 } },
        },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      },
      plugins: [valuesOnMarks],
    });
    return () => chart.destroy();
  }, [data]);
  return (
    <div class="chart-box">
      <canvas ref={canvas} role="img" aria-label={props.label} data-testid={props.testId}>
        {props.label}
      </canvas>
    </div>
  );
}
