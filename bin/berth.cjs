#!/bin/sh
":" //; if [ -n "$NODE_EXTRA_CA_CERTS" ]; then export BERTH_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; else unset BERTH_EXTRA_CA_CERTS; fi; exec node "$0" "$@"

// Started as a command (`berth`), this file runs twice: first as the shell
// script of line 2, then as JavaScript (line 2 is a string and a comment).
// It and the CLI bundle (dist/cli/*.cjs) are CommonJS: Node 20 starts its ES
// module loader only for an ES module (~5 ms more per command), and require()
// of a bundle file costs less than import().
//
// The shell part exists for one cost. Node 20 reads NODE_EXTRA_CA_CERTS
// before any JavaScript runs, and builds its whole certificate store then:
// ~45 ms on every start (nodejs/node#40524), more than the rest of Node's
// start-up, on the machines that set it (corporate CAs, CI images, dev
// containers). Almost no berth command uses TLS. So the script moves the
// variable aside, and the code below puts it back: the commands berth starts
// (berth run, berth wait -- …) get it unchanged, and berth's own TLS
// connections add the file's CAs to Node's store when they need it
// (src/probe/tls-trust.ts reads the global set here).
const deferred = process.env.BERTH_EXTRA_CA_CERTS;
if (deferred !== undefined) {
  delete process.env.BERTH_EXTRA_CA_CERTS;
  process.env.NODE_EXTRA_CA_CERTS = deferred;
  globalThis[Symbol.for('berth.extraCaCertsFile')] = deferred;
}
// From this file's real folder: under --preserve-symlinks-main, __dirname is node_modules/.bin.
require(require('node:path').join(require('node:fs').realpathSync(__dirname), '../dist/cli/main.cjs')).main(process.argv.slice(2));
