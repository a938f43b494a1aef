// The queue's filters as they live in the URL, and as the API's query reads them.
//
//   status    absent: the working queue (open and acknowledged); `all`: every status; else a list
//   severity  a list (absent: every severity)
//   rule      a rule id
//   assignee  `me`, `unassigned`, a user id (absent: anyone)
//   q         free text (id, payment id, title, message)
//   sort      a sort key (`-created_at` when absent), page / per_page for paging
import type { Query } from '../../lib/api';
import { listParam } from '../../lib/url-state';
import { ALERT_STATUSES, SEVERITIES, type AlertStatus, type Severity } from './types';

export const FILTER_PARAMS = ['status', 'severity', 'rule', 'assignee', 'q'] as const;
export const URL_PARAMS = [...FILTER_PARAMS, 'sort', 'page', 'per_page'] as const;
export type UrlParam = (typeof URL_PARAMS)[number];
export type UrlValues = Record<UrlParam, string>;

/** The working queue: what needs a person. */
export const DEFAULT_STATUSES: readonly AlertStatus[] = ['open', 'acknowledged'];
export const ALL_STATUSES = 'all';
export const DEFAULT_SORT = '-created_at';
export const PER_PAGE_OPTIONS = [20, 50, 100] as const;
const DEFAULT_PER_PAGE = 20;

export type AssigneeFilter =
  { kind: 'anyone' } | { kind: 'me' } | { kind: 'unassigned' } | { kind: 'person'; id: string };

export interface AlertFilter {
  statuses: AlertStatus[];
  severities: Severity[];
  ruleId: string | undefined;
  assignee: AssigneeFilter;
  q: string;
}

export function statusesOf(value: string): AlertStatus[] {
  if (value === '') return [...DEFAULT_STATUSES];
  if (value === ALL_STATUSES) return [...ALERT_STATUSES];
  return listParam.read(value).filter((s): s is AlertStatus => (ALERT_STATUSES as string[]).includes(s));
}

/** The URL value for a chosen set of statuses: none for the default, `all` for all or none. */
export function statusParam(statuses: readonly AlertStatus[]): string | undefined {
  const set = new Set(statuses);
  if (set.size === 0 || set.size === ALERT_STATUSES.length) return ALL_STATUSES;
  if (set.size === DEFAULT_STATUSES.length && DEFAULT_STATUSES.every((s) => set.has(s))) return undefined;
  return ALERT_STATUSES.filter((s) => set.has(s)).join(',');
}

export function assigneeOf(value: string): AssigneeFilter {
  if (value === '' || value === 'anyone') return { kind: 'anyone' };
  if (value === 'me' || value === 'unassigned') return { kind: value };
  return { kind: 'person', id: value };
}

export function assigneeParam(a: AssigneeFilter): string | undefined {
  if (a.kind === 'anyone') return undefined;
  return a.kind === 'person' ? a.id : a.kind;
}

export function filterOf(values: Pick<UrlValues, (typeof FILTER_PARAMS)[number]>): AlertFilter {
  return {
    statuses: statusesOf(values.status),
    severities: listParam
      .read(values.severity)
      .filter((s): s is Severity => (SEVERITIES as string[]).includes(s)),
    ruleId: values.rule || undefined,
    assignee: assigneeOf(values.assignee),
    q: values.q.trim(),
  };
}

/** The filter params of the URL back (undefined removes a param). */
export function paramsOf(f: AlertFilter): Record<(typeof FILTER_PARAMS)[number], string | undefined> {
  return {
    status: statusParam(f.statuses),
    severity: listParam.write(SEVERITIES.filter((s) => f.severities.includes(s))),
    rule: f.ruleId,
    assignee: assigneeParam(f.assignee),
    q: f.q || undefined,
  };
}

/**
 * The filters as the API reads them. "Me" is sent as the caller's id in `assignee_id`, which
 * every version of the API understands; "unassigned" as `assignee=unassigned`.
 */
export function apiFilters(f: AlertFilter, meId: string | undefined): Query {
  const all = f.statuses.length === ALERT_STATUSES.length;
  return {
    status: all ? undefined : f.statuses,
    severity: f.severities,
    rule_id: f.ruleId,
    assignee_id: f.assignee.kind === 'person' ? f.assignee.id : f.assignee.kind === 'me' ? meId : undefined,
    assignee: f.assignee.kind === 'unassigned' ? 'unassigned' : undefined,
    q: f.q || undefined,
  };
}

export interface Paging {
  limit: number;
  offset: number;
  page: number;
  perPage: number;
}

export function pagingOf(values: Pick<UrlValues, 'page' | 'per_page'>): Paging {
  const perPage = (PER_PAGE_OPTIONS as readonly number[]).includes(Number(values.per_page))
    ? Number(values.per_page)
    : DEFAULT_PER_PAGE;
  const page = Math.max(1, Math.floor(Number(values.page)) || 1);
  return { limit: perPage, offset: (page - 1) * perPage, page, perPage };
}

const SORTS = ['created_at', 'updated_at', 'severity', 'status'];

export function sortOf(value: string): string {
  return SORTS.includes(value.replace(/^-/, '')) ? value : DEFAULT_SORT;
}

/** The list request: filters, sort and page. */
export function listQuery(values: UrlValues, meId: string | undefined): Query {
  const { limit, offset } = pagingOf(values);
  return { ...apiFilters(filterOf(values), meId), sort: sortOf(values.sort), limit, offset };
}

/** The filter part of the URL, to carry from the queue to an alert and on to the next one. */
export function queueSearch(values: Partial<UrlValues>): string {
  const params = new URLSearchParams();
  for (const name of FILTER_PARAMS) {
    const v = values[name];
    if (v) params.set(name, v);
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** No filter in the URL: the queue as everyone sees it by default. */
export function isUnfiltered(values: Pick<UrlValues, (typeof FILTER_PARAMS)[number]>): boolean {
  return FILTER_PARAMS.every((p) => values[p] === '');
}
