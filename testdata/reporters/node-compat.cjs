// Loaded with `node --require` before the vendored action bundles
// (tests/reporters.rs). Their bundled undici calls
// worker_threads.markAsUncloneable at load time, which Node.js has only from
// 22 on (the actions declare `using: node24`); Debian's Node.js 20 lacks it.
// It only marks objects as not transferable between workers, which neither
// action's JUnit parsing or annotation code does, so a no-op stands in.
const threads = require('node:worker_threads');
if (typeof threads.markAsUncloneable !== 'function') {
  threads.markAsUncloneable = () => {};
  require('node:module').syncBuiltinESMExports();
}
