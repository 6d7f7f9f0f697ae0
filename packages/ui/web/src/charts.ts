// Live time-series charts (uPlot). Points are appended on each refresh; the visible span follows the window
// selector, and the chart keeps at most MAX_POINTS points per series.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h, setAttr, setText } from './dom';

export interface SeriesSpec {
  label: string;
  /** CSS colour. */
  stroke: string;
}

const MAX_POINTS = 3000;

/** One chart: a title, a canvas, a legend; `push()` a sample per refresh. */
export class LiveChart {
  readonly el: HTMLElement;
  private readonly plotHost: HTMLElement;
  private plot: uPlot | undefined;
  private readonly data: number[][];
  private spanSecs = 600;
  private readonly resize: ResizeObserver;

  private readonly latest: HTMLElement;

  /** `formatValue` labels legend values and the latest figures; `formatAxis` the y axis ticks. */
  constructor(
    private readonly title: string,
    private readonly series: SeriesSpec[],
    private readonly formatValue: (v: number) => string,
    private readonly formatAxis: (v: number) => string,
    testId: string,
  ) {
    this.data = [[], ...series.map(() => [])];
    this.plotHost = h('div', { class: 'chart-plot' });
    this.latest = h('span', { class: 'chart-latest', 'data-testid': `${testId}-latest` });
    this.el = h(
      'figure',
      { class: 'chart', 'data-testid': testId, role: 'group', 'aria-label': title },
      h('figcaption', {}, title, ' ', this.latest),
      this.plotHost,
    );
    this.resize = new ResizeObserver(() => this.fit());
    this.resize.observe(this.plotHost);
  }

  /** Sets the visible span in seconds (Infinity: everything collected). */
  setSpan(secs: number): void {
    this.spanSecs = secs;
    this.redraw();
  }

  /** Adds a sample at `tSecs` (epoch seconds); null marks a gap (e.g. a counter reset). */
  push(tSecs: number, values: Array<number | null>): void {
    this.data[0]!.push(tSecs);
    values.forEach((v, i) => this.data[i + 1]!.push(v as number));
    if (this.data[0]!.length > MAX_POINTS) for (const col of this.data) col.shift();
    const latest = this.series
      .map((s, i) => `${s.label} ${values[i] === null || values[i] === undefined ? '–' : this.formatValue(values[i])}`)
      .join(' · ');
    setText(this.latest, latest);
    setAttr(this.el, 'data-points', String(this.data[0]!.length));
    setAttr(this.el, 'aria-label', `${this.title}: ${latest}`);
    this.redraw();
  }

  get points(): number {
    return this.data[0]!.length;
  }

  dispose(): void {
    this.resize.disconnect();
    this.plot?.destroy();
  }

  private width(): number {
    return Math.max(240, Math.floor(this.plotHost.clientWidth || 480));
  }

  private fit(): void {
    if (this.plot) this.plot.setSize({ width: this.width(), height: 200 });
    else this.redraw();
  }

  private redraw(): void {
    const xs = this.data[0]!;
    if (!this.plot) {
      if (!this.plotHost.isConnected || xs.length === 0) return;
      this.plot = new uPlot(
        {
          width: this.width(),
          height: 200,
          series: [
            {},
            ...this.series.map((s) => ({
              label: s.label,
              stroke: s.stroke,
              width: 1.5,
              spanGaps: false,
              value: (_u: uPlot, v: number | null) => (v === null ? '–' : this.formatValue(v)),
            })),
          ],
          axes: [
            { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' } },
            {
              stroke: 'currentColor',
              size: 70,
              grid: { stroke: 'rgba(128,128,128,0.2)' },
              values: (_u: uPlot, splits: number[]) => splits.map((v) => this.formatAxis(v)),
            },
          ],
          scales: {
            x: { time: true },
            y: { range: (_u: uPlot, _min: number, max: number) => [0, max > 0 ? max * 1.1 : 1] },
          },
          cursor: { drag: { x: false, y: false } },
          legend: { live: false },
        },
        this.data as uPlot.AlignedData,
        this.plotHost,
      );
      return;
    }
    this.plot.setData(this.data as uPlot.AlignedData, true);
    const last = xs[xs.length - 1];
    if (last !== undefined && Number.isFinite(this.spanSecs)) {
      const first = xs[0]!;
      this.plot.setScale('x', { min: Math.max(first, last - this.spanSecs), max: last });
    }
  }
}
