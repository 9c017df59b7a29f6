// Small HTML pieces shared by the report's sections: sections, percentage cells, IoU heat colours.
import { esc } from './charts.js';

/** A number or NaN for a JSON metric that may be null. */
export const n2 = (v: number | null | undefined): number => (typeof v === 'number' ? v : NaN);

/** A fraction as a percentage cell; NaN as a greyed n/a. */
export const pctCell = (v: number, digits = 1): string => (Number.isNaN(v) ? '<span class="na">n/a</span>' : (100 * v).toFixed(digits));

/** A titled report section with an anchor id. */
export function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>`;
}

/** Light red → yellow → green background for an IoU in [0, 1]. */
export function heat(v: number): string {
  const h = Math.round(120 * Math.max(0, Math.min(1, v)));
  return `hsl(${h} 70% 88%)`;
}
