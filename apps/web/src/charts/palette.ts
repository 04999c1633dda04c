// Chart colours come from the theme's CSS variables, so the two themes are defined once in CSS.
export type Palette = { text: string; grid: string; series: string[] };

export function readPalette(): Palette {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    text: v("--muted", "#8b95a7"),
    grid: v("--grid", "rgba(128,128,128,0.15)"),
    series: [
      v("--series-1", "#4f9dff"),
      v("--series-2", "#f5a524"),
      v("--series-3", "#2fbf71"),
      v("--series-4", "#e5484d"),
      // the rest of the line colours of a series panel (series-lines.ts hashes keys into all ten)
      ...Array.from({ length: 6 }, (_, i) => v(`--series-${i + 5}`, "#8b95a7")),
    ],
  };
}

/** `#rrggbb` with an alpha, for area fills. */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m) return color;
  const n = Number.parseInt(m[1] as string, 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}
