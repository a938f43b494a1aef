// The IANA time zones this browser knows, grouped by region, each with its current UTC offset.

export interface Zone {
  id: string;
  label: string;
}

export interface ZoneGroup {
  region: string;
  zones: Zone[];
}

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

function supportedZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

/** "UTC+01:00" for Europe/Paris in winter; "UTC" at zero. */
export function offsetOf(zone: string, at: Date = new Date()): string {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
      .formatToParts(at)
      .find((p) => p.type === 'timeZoneName')?.value;
    return part ? part.replace('GMT', 'UTC') : '';
  } catch {
    return '';
  }
}

let cached: ZoneGroup[] | undefined;

function allGroups(): ZoneGroup[] {
  if (cached) return cached;
  const at = new Date();
  const ids = new Set(supportedZones());
  ids.add('UTC');
  const byRegion = new Map<string, Zone[]>();
  for (const id of [...ids].sort()) {
    const slash = id.indexOf('/');
    const region = slash === -1 ? 'Other' : id.slice(0, slash);
    const offset = offsetOf(id, at);
    const label = `${id.replaceAll('_', ' ')}${offset && id !== 'UTC' ? ` (${offset})` : ''}`;
    const list = byRegion.get(region) ?? [];
    list.push({ id, label });
    byRegion.set(region, list);
  }
  cached = [...byRegion.entries()]
    .sort(([a], [b]) => (a === 'Other' ? -1 : b === 'Other' ? 1 : a.localeCompare(b)))
    .map(([region, zones]) => ({ region, zones }));
  return cached;
}

/** Every zone by region; `current` is listed too when this browser does not know it. */
export function zoneGroups(current: string): ZoneGroup[] {
  const groups = allGroups();
  if (groups.some((g) => g.zones.some((z) => z.id === current))) return groups;
  return [{ region: 'Saved', zones: [{ id: current, label: current }] }, ...groups];
}
