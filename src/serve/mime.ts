/**
 * Content types by file extension, for the static server. Text types carry
 * `charset=utf-8`, because a browser that guesses the charset of a UTF-8
 * file served without one shows mojibake (WHATWG Encoding, "windows-1252"
 * fallback). Unknown extensions are `application/octet-stream`.
 */
import path from 'node:path';

/** Content type of files whose extension berth does not know. */
export const DEFAULT_MIME_TYPE = 'application/octet-stream';

const UTF8 = '; charset=utf-8';

/** Extension (lower case, no dot) → media type, without parameters. */
const TYPES: Readonly<Record<string, string>> = {
  // Documents and code
  html: 'text/html',
  htm: 'text/html',
  xhtml: 'application/xhtml+xml',
  css: 'text/css',
  js: 'text/javascript', // RFC 9239 made text/javascript the one type for JavaScript
  mjs: 'text/javascript',
  cjs: 'text/javascript',
  jsx: 'text/javascript',
  ts: 'text/plain', // video/mp2t would make browsers download source files
  json: 'application/json',
  jsonld: 'application/ld+json',
  webmanifest: 'application/manifest+json',
  map: 'application/json',
  wasm: 'application/wasm',
  xml: 'application/xml',
  rss: 'application/rss+xml',
  atom: 'application/atom+xml',
  txt: 'text/plain',
  text: 'text/plain',
  log: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  ics: 'text/calendar',
  yaml: 'text/yaml',
  yml: 'text/yaml',
  toml: 'text/plain',
  vtt: 'text/vtt',
  pdf: 'application/pdf',
  // Images
  png: 'image/png',
  apng: 'image/apng',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  jfif: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
  svgz: 'image/svg+xml',
  ico: 'image/x-icon',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  heic: 'image/heic',
  jxl: 'image/jxl',
  // Fonts
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  eot: 'application/vnd.ms-fontobject',
  // Audio and video
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  webm: 'video/webm',
  ogv: 'video/ogg',
  mov: 'video/quicktime',
  mkv: 'video/x-matroska',
  m3u8: 'application/vnd.apple.mpegurl',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  wav: 'audio/wav',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  opus: 'audio/opus',
  flac: 'audio/flac',
  weba: 'audio/webm',
  mid: 'audio/midi',
  midi: 'audio/midi',
  // Archives and binaries
  zip: 'application/zip',
  gz: 'application/gzip',
  tgz: 'application/gzip',
  tar: 'application/x-tar',
  bz2: 'application/x-bzip2',
  xz: 'application/x-xz',
  zst: 'application/zstd',
  '7z': 'application/x-7z-compressed',
  br: 'application/octet-stream',
  bin: 'application/octet-stream',
  exe: 'application/octet-stream',
  dmg: 'application/octet-stream',
  iso: 'application/octet-stream',
  // Office
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
  epub: 'application/epub+zip',
};

/** True for media types that are text and so get `charset=utf-8`. */
function isText(type: string): boolean {
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/vnd.apple.mpegurl'
  );
}

/**
 * The Content-Type header value for a file name or path: `index.html` →
 * `text/html; charset=utf-8`, `logo.png` → `image/png`, `data.bin` or a name
 * without an extension → `application/octet-stream`.
 */
export function mimeTypeOf(fileName: string): string {
  const ext = path.extname(fileName).slice(1).toLowerCase();
  // hasOwn: `x.constructor` must not find Object.prototype.constructor.
  const type = Object.hasOwn(TYPES, ext) ? TYPES[ext] : undefined;
  if (type === undefined) return DEFAULT_MIME_TYPE;
  return isText(type) ? type + UTF8 : type;
}
