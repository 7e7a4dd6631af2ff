import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

/** One static file of the UI, with a content hash in its URL so that it can be cached for a year. */
export interface AdminAsset {
  /** e.g. admin.3f2a9c1b.css */
  readonly fileName: string;
  readonly contentType: string;
  readonly body: Buffer;
  readonly gzipped: Buffer;
}

export interface AdminAssets {
  readonly css: AdminAsset;
  readonly js: AdminAsset;
  byName(fileName: string): AdminAsset | undefined;
}

const ASSET_DIR = new URL('./assets/', import.meta.url);

function load(name: string, extension: string, contentType: string): AdminAsset {
  const body = readFileSync(new URL(`${name}.${extension}`, ASSET_DIR));
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { fileName: `${name}.${hash}.${extension}`, contentType, body, gzipped: gzipSync(body, { level: 9 }) };
}

/** Read once at start (from src/admin/assets, copied to dist/admin/assets by the build). */
export function loadAdminAssets(): AdminAssets {
  const css = load('admin', 'css', 'text/css; charset=utf-8');
  const js = load('admin', 'js', 'text/javascript; charset=utf-8');
  const all = new Map([css, js].map((asset) => [asset.fileName, asset]));
  return { css, js, byName: (fileName) => all.get(fileName) };
}
