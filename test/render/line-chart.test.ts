import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/index.js';
import { lineChartSvg } from '../../src/render/index.js';

/** The polylines of a chart as [series, [[x, y], ...]]. */
function polylines(svg: string): [string, number[][]][] {
  return [...svg.matchAll(/data-series="([^"]+)"[^>]*points="([^"]+)"/g)].map((m) => [m[1]!, m[2]!.split(' ').map((p) => p.split(',').map(Number))]);
}

describe('lineChartSvg', () => {
  // One 360 x 240 panel: the plot spans x 52..344 and y 28..182 (margins 52/16/28/58).
  const svg = lineChartSvg({ x: [1, 2, 3], xLabel: 'epoch', panels: [{ title: 'loss', series: [{ name: 'train', values: [1, 0.5, 0] }] }] });

  it('maps the first and last point to the corners of the plot area', () => {
    expect(polylines(svg)).toEqual([['train', [[52, 28], [198, 105], [344, 182]]]]);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="360" height="240"/);
    expect(svg).toContain('>epoch</text>');
  });

  it('leaves a gap where a value is missing and puts panels side by side with their own y range', () => {
    const two = lineChartSvg({
      x: [1, 2, 3, 4], xLabel: 'epoch',
      panels: [
        { title: 'loss', series: [{ name: 'val', values: [2, null, 1, 0] }] },
        { title: 'AUC', yRange: [0.5, 1], series: [{ name: 'auc', values: [0.5, 0.75, 1, 1] }] },
      ],
    });
    expect(two).toContain('width="720"');
    const lines = polylines(two);
    expect(lines.map(([name, points]) => [name, points.length])).toEqual([['val', 1], ['val', 2], ['auc', 4]]);
    expect(lines[2]![1][0]).toEqual([360 + 52, 182]);
    expect(lines[2]![1][3]).toEqual([360 + 344, 28]);
  });

  it('escapes text and refuses a series of the wrong length', () => {
    expect(lineChartSvg({ x: [0], xLabel: 'a<b', panels: [{ title: 'x & y', series: [] }] })).toContain('a&#60;b');
    expect(() => lineChartSvg({ x: [1, 2], xLabel: 'epoch', panels: [{ title: 't', series: [{ name: 's', values: [1] }] }] })).toThrow(InvalidArgumentError);
    expect(() => lineChartSvg({ x: [1, 2], xLabel: 'epoch', panels: [{ title: 't', series: [{ name: 's', values: [1] }] }] })).toThrow(/expected 2 values \(one per x\) for the series s but received 1/);
  });
});
