export { busBraLayout, kvasirSegLayout, writeBusBraLabels, type ArchiveLayout } from './layouts.js';
export { datasetSource, datasetSources, FETCHABLE_DATASETS, type DatasetDownload, type DatasetSource, type FetchableDataset } from './sources.js';
export { planUnpack, unpackAtomically, unsafeEntryReason, type UnpackOptions, type UnpackStep } from './unpack.js';
export { datasetCachePath, fetchDataset, noDirectDownloadMessage, type FetchDatasetOptions, type FetchDatasetResult } from './fetch-dataset.js';
export {
  datasetFetchCommand, datasetFetchHint, isFetchableDataset, resolveDatasetDir, type ResolveDatasetOptions, type ResolvedDatasetDir,
} from './resolve-dir.js';
