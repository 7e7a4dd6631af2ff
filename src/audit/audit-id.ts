import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

/**
 * A UUID version 7 (RFC 9562): the record's time in milliseconds, then a counter within that
 * millisecond (method 1 of §6.2), then random bits. Ids of one process sort in the order their
 * records were made, so records of the same millisecond keep their order in GET /manage/audit.
 */
export function createAuditId(atMs: number): string {
  if (atMs > lastMs) {
    lastMs = atMs;
    sequence = 0;
  } else if (sequence < 0xfff) {
    sequence += 1;
  } else {
    lastMs += 1; // 4,096 ids in one millisecond: borrow the next one, order is kept
    sequence = 0;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes.writeUInt16BE(0x7000 | sequence, 6);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
