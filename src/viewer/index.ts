export { buildHtmlReport, escapeHtml, formatNumber, urlForPath, writeHtmlReport } from './html-report.js';
export { isRelativePath, validateReportInput, type ImageEntry, type Interval, type MethodSummary, type ReportInput } from './report-input.js';
export { contentTypeFor, resolveRequestPath, serveReport, type ReportServer, type ServeOptions } from './server.js';
