/**
 * Folder of the real data sets the tests read: $RELPIX_TEST_DATA, or ../shared/data relative to
 * the folder the tests run from (the repository root under `npm test`).
 */
import { resolve } from 'node:path';

export const TEST_DATA_ROOT = resolve(process.env.RELPIX_TEST_DATA ?? '../shared/data');
