import type { CumulativePoint } from '../state/series';

/** Chart data as CSV: one row per metrics bucket. */
export function seriesCsv(series: readonly CumulativePoint[]): string {
  const columns: (keyof CumulativePoint)[] = [
    't',
    'emitted',
    'written',
    'committed',
    'read',
    'duplicates',
    'latencyP50Ms',
    'latencyP99Ms',
  ];
  const header = [
    't_ms',
    'emitted',
    'written',
    'visible',
    'read',
    'duplicates',
    'latency_p50_ms',
    'latency_p99_ms',
  ];
  return [header.join(','), ...series.map((p) => columns.map((c) => p[c]).join(','))].join('\n');
}

export function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

/**
 * A chart as PNG. The chart's SVG uses CSS variables for its colours, which an image cannot
 * resolve, so every element's computed colours are written into the copy first.
 */
export async function chartPng(svg: SVGSVGElement): Promise<Blob> {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const originals = svg.querySelectorAll('*');
  const copies = copy.querySelectorAll('*');
  originals.forEach((el, i) => {
    const style = getComputedStyle(el);
    const target = copies[i] as SVGElement;
    for (const prop of [
      'fill',
      'stroke',
      'stroke-width',
      'stroke-dasharray',
      'opacity',
      'font-size',
      'font-family',
    ]) {
      target.style.setProperty(prop, style.getPropertyValue(prop));
    }
  });
  const { width, height } = svg.getBoundingClientRect();
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  const source = new XMLSerializer().serializeToString(copy);
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(source)}`;
  await image.decode();
  const scale = 2;
  const canvas = document.createElement('canvas');
  canvas.width = width * scale;
  canvas.height = height * scale;
  const context = canvas.getContext('2d');
  if (context === null) throw new Error('no 2D canvas');
  context.fillStyle = getComputedStyle(document.body).backgroundColor;
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.scale(scale, scale);
  context.drawImage(image, 0, 0);
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob === null ? reject(new Error('PNG encoding failed')) : resolve(blob)),
      'image/png',
    ),
  );
}
