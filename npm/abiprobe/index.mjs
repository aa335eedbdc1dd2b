// index.mjs — the ES module face of abiprobe's API: the same functions as index.cjs.
import api from './index.cjs';

export const { check, scan, assertCompatible, AbiprobeIncompatible } = api;
export default api;
