import path from 'node:path';

/**
 * Directory holding Squall's Python multi-lang library (the `squall` package: `python3 -m squall.run module.Class`).
 * It ships inside `@squall/multilang` and is resolved from where this module is installed, on the machine that runs
 * the child: shell components append it to the child's PYTHONPATH at spawn time, so neither a topology directory nor
 * a submitted package needs its own copy, and no absolute path of the submitting machine travels in a topology spec.
 */
export const PYTHON_LIBRARY_DIR = path.resolve(__dirname, '..', '..', 'python');
