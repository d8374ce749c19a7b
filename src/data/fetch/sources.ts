import { ensureOneOf } from '../../core/index.js';
import { busBraLayout, kvasirSegLayout, type ArchiveLayout } from './layouts.js';

/** The datasets `explainseg data fetch` knows (the adapters' kinds, 'generic' aside). */
export const FETCHABLE_DATASETS = ['kvasir-seg', 'ph2', 'bus-bra', 'monuseg'] as const;
export type FetchableDataset = (typeof FETCHABLE_DATASETS)[number];

/** An official direct download: one zip archive the owners publish at a stable URL. */
export interface DatasetDownload {
  readonly url: string;
  /** File name of the archive in CACHE/downloads. */
  readonly archiveName: string;
  /** SHA-256 published by the owners, when there is one; otherwise the first download records its own. */
  readonly sha256: string | undefined;
  /** Approximate size, for the listing. */
  readonly size: string;
  readonly layout: ArchiveLayout;
}

export interface DatasetSource {
  readonly title: string;
  /** The owners' page, where the terms are stated. */
  readonly homepage: string;
  readonly terms: string;
  readonly citation: string;
  /** Absent when the owners publish no direct download (a form, a cloud-drive folder, a RAR archive). */
  readonly download?: DatasetDownload;
  /** Where to get it when there is no direct download, and what has to be done to it. */
  readonly manual?: string;
  /** The folder layout the adapter reads. */
  readonly layout: string;
}

/**
 * Where each dataset comes from. No owner publishes a SHA-256 for these archives (Zenodo lists an MD5 for
 * BUS-BRA), so none is hard-coded: an unverified constant would be a false promise. The first download
 * records the computed hash in CACHE/downloads/ARCHIVE.sha256 and later downloads are verified against it.
 */
export const datasetSources: Readonly<Record<FetchableDataset, DatasetSource>> = {
  'kvasir-seg': {
    title: 'Kvasir-SEG: 1000 colonoscopy frames with polyp masks (Jha et al., MMM 2020)',
    homepage: 'https://datasets.simula.no/kvasir-seg/',
    terms: 'free for academic and research use; commercial use needs permission from the authors',
    citation: 'D. Jha et al., "Kvasir-SEG: A Segmented Polyp Dataset", MMM 2020, LNCS 11962, pp. 451-462',
    download: { url: 'https://datasets.simula.no/downloads/kvasir-seg.zip', archiveName: 'kvasir-seg.zip', sha256: undefined, size: '46 MB', layout: kvasirSegLayout },
    layout: 'images/NAME.jpg and masks/NAME.jpg (same names)',
  },
  'bus-bra': {
    title: 'BUS-BRA: 1875 breast ultrasound images with lesion masks and pathology (Gomez-Flores et al., Med. Phys. 2024)',
    homepage: 'https://doi.org/10.5281/zenodo.8231412',
    terms: 'the release\'s LICENSE.txt (MIT-style: use, copy, modify and distribute; cite the paper)',
    citation: 'W. Gomez-Flores, M. J. Gregorio-Calas, W. C. de Albuquerque Pereira, "BUS-BRA: A Breast Ultrasound Dataset for Assessing Computer-aided Diagnosis Systems", Medical Physics 51(4):3110-3123, 2024',
    download: { url: 'https://zenodo.org/records/8231412/files/BUSBRA.zip?download=1', archiveName: 'BUSBRA.zip', sha256: undefined, size: 'several hundred MB', layout: busBraLayout },
    layout: 'images/bus_X.png, masks/bus_X.png and labels.csv (name, pathology, malignant, birads, case)',
  },
  ph2: {
    title: 'PH2: 200 dermoscopy images with lesion masks and diagnoses (Mendonca et al., EMBC 2013)',
    homepage: 'https://www.fc.up.pt/addi/ph2%20database.html',
    terms: 'free for research and benchmarking, with citation',
    citation: 'T. Mendonca et al., "PH2 - A dermoscopic image database for research and benchmarking", IEEE EMBC 2013',
    manual: 'the owners distribute PH2 through the ADDI project page as a RAR archive of BMP images, which ExplainSeg does not unpack; '
      + 'convert each IMDxxx_Dermoscopic_Image BMP to images/IMDxxx.jpg and each IMDxxx_lesion BMP to masks/IMDxxx.png, '
      + 'and write labels.csv from PH2_dataset.txt',
    layout: 'images/IMDxxx.jpg, masks/IMDxxx.png and labels.csv (name, clinical_diagnosis 0/1/2, label, malignant 0/1)',
  },
  monuseg: {
    title: 'MoNuSeg 2018: H&E tiles with nuclei outlines (Kumar et al., IEEE TMI 2017 and 2020)',
    homepage: 'https://monuseg.grand-challenge.org/Data/',
    terms: 'CC BY-NC-SA 4.0 (challenge data)',
    citation: 'N. Kumar et al., IEEE TMI 36(7):1550-1560, 2017; N. Kumar et al., IEEE TMI 39(5):1380-1391, 2020',
    manual: 'the challenge page links the training data as a Google Drive file (no direct download); '
      + 'put the TIFF tiles in images/ and draw each Annotations/NAME.xml polygon set as a binary mask masks/NAME.png (0/255)',
    layout: 'images/NAME.tif (or .png/.jpg) and masks/NAME.png (0/255, same stem)',
  },
};

export function datasetSource(name: string): DatasetSource {
  return datasetSources[ensureOneOf(name, 'the dataset name', FETCHABLE_DATASETS)];
}
