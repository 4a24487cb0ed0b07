import type { MouseEvent } from 'react';
import { useStore } from '../state/store';

/** CSV of the data and PNG of the chart, for the panel the buttons sit in. */
export function ExportButtons({ name }: { name: string }) {
  // The export code loads on the first click, not with the page.
  const exportCsv = async () => {
    const { download, seriesCsv } = await import('./exporting');
    download(`${name}.csv`, new Blob([seriesCsv(useStore.getState().series)], { type: 'text/csv' }));
  };
  const exportPng = (e: MouseEvent<HTMLButtonElement>) => {
    // The chart's own surface is the largest SVG in the panel (legend icons are SVGs too).
    const surfaces = [
      ...(e.currentTarget.closest('section')?.querySelectorAll<SVGSVGElement>('svg.recharts-surface') ?? []),
    ];
    const area = (el: SVGSVGElement) => el.getBoundingClientRect().width * el.getBoundingClientRect().height;
    const svg = surfaces.sort((a, b) => area(b) - area(a))[0];
    if (svg === undefined) return;
    void import('./exporting').then(async ({ chartPng, download }) =>
      download(`${name}.png`, await chartPng(svg)),
    );
  };
  return (
    <span className="exports">
      <button type="button" className="small" onClick={exportCsv} aria-label={`Download ${name} data as CSV`}>
        CSV
      </button>
      <button
        type="button"
        className="small"
        onClick={exportPng}
        aria-label={`Download ${name} chart as PNG`}
      >
        PNG
      </button>
    </span>
  );
}
