// The chart, the image and the walkthrough on a real single-node cluster (issue 11): one file, so
// the suites run in this order on one cluster. The short-token release is installed first and
// checked last, once its first token has expired (about 11 minutes after it started).
import { afterAll } from 'vitest';
import { figures, printFigures } from './support/figures.js';
import { cluster } from './support/context.js';
import { controllerSuites } from './suites/controller.js';
import { rolloutSuites } from './suites/rollouts.js';
import { standaloneSuite } from './suites/standalone.js';
import { tokenRotation } from './suites/token-rotation.js';
import { manifestsSuite, uninstallSuite } from './suites/uninstall.js';

const token = tokenRotation();
controllerSuites();
rolloutSuites();
uninstallSuite();
standaloneSuite();
manifestsSuite();
token.verifySuite();

afterAll(() => {
  figures['setup (ms since start)'] = cluster().setupMs;
  printFigures();
});
