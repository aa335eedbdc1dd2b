// demo/ivm-smoke.mjs — isolated-vm's own round trip: a new isolate computes 1+2.
export default async function (addon) {
  const ivm = addon.ivm ?? addon;
  const iso = new ivm.Isolate({ memoryLimit: 32 });
  return iso.compileScriptSync('1+2').runSync(iso.createContextSync());
}
