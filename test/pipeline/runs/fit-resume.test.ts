/**
 * `fit` on a generated Kvasir-like folder with the tiny ViT: a run killed after the first student round
 * resumes, skipping every finished stage, and ends with the model of an uninterrupted run; `segment --model`'s
 * run writes the files of a segment run.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMask, InvalidArgumentError } from '../../../src/core/index.js';
import { readMask, writeMaskPng } from '../../../src/data/index.js';
import { comparisonMarkdown, resolveFitConfig, runComparison, runFit, runStudentSegmentFolder, scoreComparison, type FitStageEvent } from '../../../src/pipeline/runs/index.js';
import { loadStudentModelFile, STUDENT_PRESETS } from '../../../src/pipeline/student/index.js';
import { makeTempDir } from '../../data/synthetic.js';
import { writeTinyVitSafetensors } from '../../helpers/tiny-vit-weights.js';
import { writeTinyMobileNetV2Folder } from '../../helpers/tiny-mobilenetv2.js';
import { tinyDemoConfig, writeDiscDataset } from './demo-fixture.js';

let dataRoot: string;
let weightsPath: string;

const fitConfig = () => resolveFitConfig({
  dataset: 'kvasir-seg', dataRoot, weightsPath, fast: true, maxImages: 6, evalImages: 2,
  student: { epochs: 3, pseudoSide: 32, rounds: 2 },
});

class SimulatedKill extends Error {}

beforeAll(async () => {
  dataRoot = await writeDiscDataset(12);
  weightsPath = await writeTinyVitSafetensors(join(await makeTempDir('fit-weights-'), 'tiny.safetensors'));
}, 60_000);

describe('runFit', () => {
  it('resumes after a kill, skipping the finished stages, and ends where an uninterrupted run does', async () => {
    const killed = join(await makeTempDir('fit-killed-'), 'model');
    const events: FitStageEvent[] = [];
    const kill = (event: FitStageEvent): void => {
      events.push(event);
      if (event.stage === 'round-1' && event.status === 'done') throw new SimulatedKill('killed');
    };
    await expect(runFit(fitConfig(), { out: killed, onStage: kill })).rejects.toThrow(SimulatedKill);
    expect(existsSync(join(killed, 'model.json'))).toBe(false);
    const resumed: FitStageEvent[] = [];
    await runFit(fitConfig(), { out: killed, onStage: (event) => resumed.push(event) });
    const status = Object.fromEntries(resumed.filter((e) => e.status !== 'started').map((e) => [e.stage, e.status]));
    expect(status).toEqual({ head: 'skipped', teacher: 'skipped', tokens: 'skipped', 'round-1': 'skipped', 'round-2': 'done', evaluate: 'done' });

    const fresh = join(await makeTempDir('fit-fresh-'), 'model');
    await runFit(fitConfig(), { out: fresh });
    const read = (dir: string, name: string): unknown => JSON.parse(readFileSync(join(dir, name), 'utf8'));
    expect(read(killed, 'student.json')).toEqual(read(fresh, 'student.json'));
    const model = read(killed, 'model.json') as { kind: string; files: Record<string, string> };
    expect(model.kind).toBe('explainseg-student');
    for (const file of Object.values(model.files)) expect(existsSync(join(killed, file))).toBe(true);
    expect(existsSync(join(killed, 'run.json'))).toBe(true);

    const images = [join(dataRoot, 'images', 'case-00.png'), join(dataRoot, 'images', 'case-01.png')];
    const out = join(await makeTempDir('fit-segment-'), 'seg');
    const summary = await runStudentSegmentFolder(images, { modelDir: killed, outDir: out, command: 'test' });
    expect(summary.done.map((d) => d.id)).toEqual(['case-00', 'case-01']);
    for (const name of ['mask.png', 'map.png', 'overlay.png', 'heatmap.png', 'result.json']) expect(existsSync(join(out, 'case-00', name))).toBe(true);
    const again = await runStudentSegmentFolder(images, { modelDir: killed, outDir: out, command: 'test' });
    expect(again.skipped).toBe(2);
  }, 240_000);

  it("learns from a reviewer's accepted corrections where a run folder has them, and redoes the rounds when they change", async () => {
    const reviewed = await makeTempDir('fit-reviewed-');
    const full = createMask(48, 48, new Uint8Array(48 * 48).fill(1));
    for (let i = 0; i < 12; i++) {
      const id = `case-${String(i).padStart(2, '0')}`;
      await writeMaskPng(join(reviewed, id, 'mask.png'), createMask(48, 48));
      await writeMaskPng(join(reviewed, 'corrected', `${id}.png`), full);
    }
    const config = { ...resolveFitConfig({ dataset: 'kvasir-seg', dataRoot, weightsPath, fast: true, maxImages: 4, evalImages: 1, student: { epochs: 2, pseudoSide: 32 } }), corrections: reviewed };
    const out = join(await makeTempDir('fit-corrected-'), 'model');
    await runFit(config, { out });
    const pseudo = readdirSync(join(out, 'pseudo-masks', 'round-1'));
    expect(pseudo.length).toBe(4);
    for (const name of pseudo) expect((await readMask(join(out, 'pseudo-masks', 'round-1', name))).data.every((v) => v === 1)).toBe(true);
    await writeMaskPng(join(reviewed, 'corrected', `${pseudo[0]!.replace('.png', '')}.png`), createMask(48, 48));
    const events: FitStageEvent[] = [];
    await runFit(config, { out, onStage: (event) => events.push(event) });
    expect(events.find((e) => e.stage === 'round-1' && e.status !== 'started')?.status).toBe('done');
  }, 240_000);

  it("adds the fitted student to a comparison as the row 'explainseg-st', scored on the same images as the others", async () => {
    const modelDir = join(await makeTempDir('fit-compare-'), 'model');
    await runFit(resolveFitConfig({ dataset: 'kvasir-seg', dataRoot, weightsPath, fast: true, maxImages: 4, evalImages: 1, student: { epochs: 2, pseudoSide: 32 } }), { out: modelDir });
    const out = await makeTempDir('fit-compare-out-');
    const config = {
      weights: weightsPath, out, seed: 0, pipeline: tinyDemoConfig(), variants: ['xai-morph' as const], competitors: ['ellipse' as const],
      datasets: [{ name: 'discs', kind: 'kvasir-seg' as const, data: dataRoot, head: join(modelDir, 'head.json'), studentModel: modelDir, limit: 3 }],
      maskCutInputSize: 16, bootstrapResamples: 50,
    };
    const [result] = await runComparison(config);
    expect(result!.images.length).toBeGreaterThan(0);
    for (const image of result!.images) expect(Object.keys(image.counts).sort()).toEqual(['ellipse prior', 'explainseg-st', 'xai-morph', 'xai-morph (no CRF)']);
    const markdown = comparisonMarkdown([result!], scoreComparison([result!], config), { command: 'test', setup: [] });
    expect(markdown.split('## Table 2')[0]).toMatch(/\| explainseg-st \| [\d.]+ \[[\d.]+, [\d.]+\] \/ [\d.]+ \/ fg [\d.]+ \|/);
    expect(markdown.split('## Table 2')[1]).toContain('| explainseg-st |');
  }, 120_000);

  it('refuses settings before any work', () => {
    expect(() => resolveFitConfig({ dataset: 'kvasir', dataRoot: '.', weightsPath: 'w' })).toThrow(InvalidArgumentError);
    expect(() => resolveFitConfig({ dataset: 'ph2', dataRoot: '.', weightsPath: 'w', student: { teacher: 'ig' as never } })).toThrow(/the student teacher/);
    expect(() => resolveFitConfig({ dataset: 'ph2', dataRoot: '.', weightsPath: 'w', student: { cues: { shape: 1 } as never } })).toThrow(/a cue name of the inference cues/);
    expect(() => resolveFitConfig({ dataset: 'ph2', dataRoot: '.', weightsPath: 'w', student: { teacherCues: { student: 1 } } })).toThrow(/a cue name of the teacher cues/);
    expect(() => resolveFitConfig({ dataset: 'ph2', dataRoot: '.', weightsPath: 'w', student: { cues: { prior: 0 } } })).toThrow(/at least one non-zero weight/);
    expect(() => resolveFitConfig({ dataset: 'ph2', dataRoot: '.', weightsPath: 'w', student: { cut: 1.5 } })).toThrow(/the cut/);
    expect(resolveFitConfig({ dataset: 'bus-bra', dataRoot: '.', weightsPath: 'w' }).student.cues).toEqual(STUDENT_PRESETS['bus-bra']!.cues);
  });

  it('refuses a model folder of an earlier version, saying to fit again', async () => {
    const dir = await makeTempDir('fit-old-');
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ kind: 'explainseg-student', version: 1 }));
    await expect(loadStudentModelFile(dir)).rejects.toThrow(/model\.json.*expected version 2 but received 1.*fit/);
  });
});

describe('runFit on MobileNetV2', () => {
  it('fits the student on the last feature map as tokens, records the backbone and segments with it', async () => {
    const cnnWeights = await writeTinyMobileNetV2Folder(join(await makeTempDir('fit-cnn-weights-'), 'tiny-mobilenetv2'));
    const out = join(await makeTempDir('fit-cnn-'), 'model');
    const config = resolveFitConfig({ dataset: 'kvasir-seg', dataRoot, weightsPath: cnnWeights, backbone: 'mobilenetv2', fast: true, maxImages: 4, evalImages: 2, student: { epochs: 2, pseudoSide: 32 } });
    const result = await runFit(config, { out });
    expect(result.metrics.images).toBe(2);
    const model = await loadStudentModelFile(out);
    expect((model.backbone as { kind?: string }).kind).toBe('mobilenetv2');
    const images = [join(dataRoot, 'images', 'case-00.png')];
    const summary = await runStudentSegmentFolder(images, { modelDir: out, outDir: join(out, 'segmented'), command: 'test' });
    expect(summary.done.map((d) => d.id)).toEqual(['case-00']);
    expect(() => resolveFitConfig({ dataset: 'kvasir-seg', dataRoot, weightsPath: cnnWeights, backbone: 'resnet' })).toThrow(/the backbone \(--backbone\)/);
  }, 240_000);
});
