// Builds every Go tool of the test environment into the cache (etcd, kube-apiserver, helm,
// kustomize, kube-controller-manager, kube-scheduler, kwok), one after the other, printing each
// build's time. CI starts it in the background before linting so that the compiles overlap
// single-threaded work; a test that needs a tool still being built waits for it (build lock).
import { ensureAllTools } from './binaries.ts';

const started = Date.now();
await ensureAllTools((m) => {
  console.log(`[go-tools] ${m}`);
});
console.log(`[go-tools] all built in ${String(Math.round((Date.now() - started) / 1000))} s`);
