// Runs after `tsc -b`: puts the generated message code into dist/ (tsc only emits what it compiles).
import { mirrorGenerated } from './mirror-generated.mjs';

mirrorGenerated();
