// A User-Agent header in a few words a person recognises: "Firefox on Windows", "Safari on iPhone".
// Order matters: Edge and Opera say Chrome too, Chrome says Safari, every browser says Mozilla.

const BROWSERS: [RegExp, string][] = [
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/HeadlessChrome\//, 'Headless Chrome'],
  [/Chrome\/|CriOS\/|Chromium\//, 'Chrome'],
  [/Safari\//, 'Safari'],
  [/^curl\//, 'curl'],
  [/^node|undici/i, 'Node.js'],
];

const SYSTEMS: [RegExp, string][] = [
  [/iPhone/, 'iPhone'],
  [/iPad/, 'iPad'],
  [/Android/, 'Android'],
  [/Windows/, 'Windows'],
  [/CrOS/, 'ChromeOS'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux/, 'Linux'],
];

function first(list: [RegExp, string][], ua: string): string | undefined {
  return list.find(([re]) => re.test(ua))?.[1];
}

/** "Chrome on Linux"; the header itself when nothing is recognised; "Unknown device" without one. */
export function describeAgent(ua: string | null | undefined): string {
  if (!ua) return 'Unknown device';
  const browser = first(BROWSERS, ua);
  const system = first(SYSTEMS, ua);
  if (browser && system) return `${browser} on ${system}`;
  if (browser ?? system) return browser ?? system ?? ua;
  return ua.length > 60 ? `${ua.slice(0, 57)}…` : ua;
}
