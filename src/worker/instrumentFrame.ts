/**
 * What the page draws from one theory measurement: the InstrumentSnapshot of
 * src/theory/instruments.ts (plain numbers and arrays, cheap to post).
 */
import type { InstrumentSnapshot } from '../theory/instruments';

export type InstrumentFrame = InstrumentSnapshot;
