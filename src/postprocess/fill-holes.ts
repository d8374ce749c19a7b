import { createMask, ensureMask, type Mask } from '../core/index.js';
import { ensureConnectivity, type Connectivity } from './components.js';

/**
 * Fill holes: background regions that cannot reach the image border become foreground (SciPy
 * `ndimage.binary_fill_holes`, whose default structure makes background connectivity 4). A breadth-first
 * flood from every border background pixel marks the outside; everything else is foreground.
 * Reference: P. Soille, Morphological Image Analysis, 2nd ed., 2003, section 6.3.7 (hole filling).
 *
 * @example fillHoles(ring).data // the ring and its inside
 */
export function fillHoles(mask: Mask, options: { connectivity?: Connectivity } = {}): Mask {
  ensureMask(mask);
  const connectivity = ensureConnectivity(options.connectivity ?? 4, 'the background connectivity');
  const { rows, cols, data } = mask;
  const outside = new Uint8Array(rows * cols);
  const queue = new Int32Array(rows * cols);
  let tail = 0;
  const visit = (i: number): void => {
    if (!data[i] && !outside[i]) {
      outside[i] = 1;
      queue[tail++] = i;
    }
  };
  for (let c = 0; c < cols; c++) { visit(c); visit((rows - 1) * cols + c); }
  for (let r = 0; r < rows; r++) { visit(r * cols); visit(r * cols + cols - 1); }
  const offsets = connectivity === 8
    ? [[-1, -1], [-1, 0], [-1, 1], [0, -1], [0, 1], [1, -1], [1, 0], [1, 1]]
    : [[-1, 0], [0, -1], [0, 1], [1, 0]];
  for (let head = 0; head < tail; head++) {
    const r = Math.floor(queue[head]! / cols);
    const c = queue[head]! % cols;
    for (const [dr, dc] of offsets) {
      const nr = r + dr!;
      const nc = c + dc!;
      if (nr >= 0 && nr < rows && nc >= 0 && nc < cols) visit(nr * cols + nc);
    }
  }
  const out = createMask(rows, cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = outside[i] ? 0 : 1;
  return out;
}
