// Vega-Lite → Vega → SVG, in Node, with no canvas and no browser.
import * as vega from 'vega';
import * as vl from 'vega-lite';

export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const compiled = vl.compile(spec as unknown as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
