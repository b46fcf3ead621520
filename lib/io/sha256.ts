// The checksum that model and checkpoint files carry of their binary parts.
import * as crypto from 'crypto';

export function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}
