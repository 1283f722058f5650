/**
 * The few `node:util` `types` checks the library's validation uses, for the browser bundle (the
 * build resolves `node:util` here; scripts/build-browser.js). Brand checks through the built-in
 * getters, which throw on anything but the real kind, stand in for V8's internal tests. A Proxy
 * cannot be detected from JavaScript, so `isProxy` answers false: a Proxy-wrapped typed array is
 * still refused, because the typed-array getters reject it (lib/typed-array.ts).
 */

function brand(proto: object | undefined, key: string, value: unknown): boolean {
  const get = proto && Object.getOwnPropertyDescriptor(proto, key)?.get;
  if (!get) return false;
  try {
    get.call(value);
    return true;
  } catch {
    return false;
  }
}

export const types = {
  /** Not detectable in a browser (see above). */
  isProxy(_value: unknown): boolean {
    return false;
  },
  isDataView(value: unknown): boolean {
    return brand(DataView.prototype, 'byteLength', value);
  },
  isSharedArrayBuffer(value: unknown): boolean {
    return (
      typeof SharedArrayBuffer !== 'undefined' &&
      brand(SharedArrayBuffer.prototype, 'byteLength', value)
    );
  },
};
