// Vega-Lite → Vega → SVG, in Node, with no canvas and no browser.
// Both load on the first chart, not with this module: together they take most of a second to
// import, and every `pushbench run` loads the report code (a usage error should answer at once).
import type * as VegaLite from 'vega-lite';

export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile(spec as unknown as VegaLite.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
