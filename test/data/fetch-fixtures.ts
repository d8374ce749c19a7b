/** Small release archives built in code, in the official layouts (Kvasir-SEG's kvasir-seg.zip, BUS-BRA's BUSBRA.zip). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeZip, type ZipMember } from '../helpers/zip-writer.js';
import { makeTempDir, writeRectMask, writeSolid } from './synthetic.js';

const SIDE = 64;
const LESION = { top: 8, left: 8, rows: 24, cols: 24 };

/** Two 64x64 frames with a square "polyp" each, as Kvasir-SEG/images + Kvasir-SEG/masks (JPEG), plus stray members. */
export async function kvasirSegZip(): Promise<Buffer> {
  const dir = await makeTempDir('fetch-kvasir-');
  const members: ZipMember[] = [];
  for (const [index, name] of ['cju0aaa', 'cju0bbb'].entries()) {
    const image = await writeSolid(join(dir, `${name}.jpg`), SIDE, SIDE, [180, 60 + 40 * index, 60]);
    const mask = await writeRectMask(join(dir, `${name}-mask.jpg`), SIDE, SIDE, LESION);
    members.push({ name: `Kvasir-SEG/images/${name}.jpg`, data: await readFile(image), stored: index === 1 });
    members.push({ name: `Kvasir-SEG/masks/${name}.jpg`, data: await readFile(mask) });
  }
  members.push({ name: 'Kvasir-SEG/kavsir_bboxes.json', data: '{}' });
  members.push({ name: '__MACOSX/Kvasir-SEG/._cju0aaa.jpg', data: 'resource fork' });
  return writeZip(members);
}

/** BUSBRA/Images/bus_X.png, BUSBRA/Masks/mask_X.png and bus_data.csv for one benign and one malignant case. */
export async function busBraZip(): Promise<Buffer> {
  const dir = await makeTempDir('fetch-busbra-');
  const ids = ['0001-l', '0002-s'];
  const members: ZipMember[] = [];
  for (const id of ids) {
    members.push({ name: `BUSBRA/Images/bus_${id}.png`, data: await readFile(await writeSolid(join(dir, `bus_${id}.png`), SIDE, SIDE, [90, 90, 90])) });
    members.push({ name: `BUSBRA/Masks/mask_${id}.png`, data: await readFile(await writeRectMask(join(dir, `mask_${id}.png`), SIDE, SIDE, LESION)) });
  }
  members.push({
    name: 'BUSBRA/bus_data.csv',
    data: 'ID,Case,Histology,Pathology,BIRADS,Device,Width,Height,Side,BBOX\n'
      + 'bus_0001-l,1,invasive ductal carcinoma,malignant,4,GE Logiq 7,64,64,left,"[8,8,24,24]"\n'
      + 'bus_0002-s,2,fibroadenoma,benign,3,GE Logiq 7,64,64,single,"[8,8,24,24]"\n',
  });
  members.push({ name: 'BUSBRA/LICENSE.txt', data: 'cite the paper' });
  return writeZip(members);
}

/** An archive with the given members around a harmless one: for the refusal tests. */
export function archiveWith(members: ZipMember[]): Buffer {
  return writeZip([{ name: 'Kvasir-SEG/images/ok.jpg', data: 'x' }, ...members]);
}
