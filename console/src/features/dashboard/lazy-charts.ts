// The chart components as lazy chunks: the page renders its numbers and reserved chart areas
// first, and the chart library arrives after.
import { lazy } from 'react';

const load = () => import('./charts');

export const PaymentsChart = lazy(() => load().then((m) => ({ default: m.PaymentsChart })));
export const StateDonut = lazy(() => load().then((m) => ({ default: m.StateDonut })));
export const Sparkline = lazy(() => load().then((m) => ({ default: m.Sparkline })));
