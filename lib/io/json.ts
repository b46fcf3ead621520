// JSON files a run or a model keeps beside its weights: read so that a missing or damaged one is
// named, with what to do about it, instead of "Unexpected end of JSON input".
import * as fs from 'fs';

/** Parses `file`; `fix` says what a student can do when it is missing or damaged. */
export function readJsonFile<T>(file: string, fix: string): T {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: ${fix}`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new Error(`${file} is damaged (${(e as Error).message}): ${fix}`);
  }
}
