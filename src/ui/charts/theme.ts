/**
 * Chart colours and type. Okabe–Ito (colour-blind safe) for categories; cividis
 * for magnitudes; a blue–orange diverging map for signed changes. Colours are set
 * as SVG attributes, not CSS, so an exported PNG looks like the screen.
 */
import * as d3 from 'd3';

export const OKABE_ITO = {
  black: '#000000',
  orange: '#E69F00',
  sky: '#56B4E9',
  green: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  purple: '#CC79A7',
} as const;

export interface ChartTheme {
  ink: string;
  muted: string;
  grid: string;
  bg: string;
  font: number;
  stroke: number;
  train: string;
  test: string;
  /** compare mode: one colour per lane */
  lanes: string[];
  channel: string;
  reservoir: string;
  marker: string;
  flag: string;
}

export function chartTheme(presenter: boolean): ChartTheme {
  return {
    ink: presenter ? '#000' : '#1d1d1f',
    muted: presenter ? '#222' : '#5f6368',
    grid: presenter ? '#c8c8c8' : '#e3e3e3',
    bg: '#fff',
    font: presenter ? 17 : 11,
    stroke: presenter ? 3 : 1.8,
    train: OKABE_ITO.blue,
    test: OKABE_ITO.vermillion,
    lanes: [OKABE_ITO.blue, OKABE_ITO.orange],
    channel: OKABE_ITO.blue,
    reservoir: OKABE_ITO.orange,
    marker: OKABE_ITO.green,
    flag: OKABE_ITO.vermillion,
  };
}

/** k series (eigenvalue index, tensor): evenly spaced along a perceptually uniform map, darkest = first */
export function seriesColor(i: number, k: number): string {
  return d3.interpolateViridis(k <= 1 ? 0 : (0.85 * i) / (k - 1));
}

export const magnitudeColor = (t: number) => d3.interpolateCividis(Math.max(0, Math.min(1, t)));

/** signed value in [−1, 1] → purple (negative) / white / orange (positive): colour-blind safe */
export const divergingColor = (t: number) => d3.interpolatePuOr(0.5 - 0.5 * Math.max(-1, Math.min(1, t)));
