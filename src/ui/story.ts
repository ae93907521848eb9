/**
 * The lecture story: five screens over one run that keeps training underneath
 * (the lecture preset in compare mode: lane 0 gate off, lane 1 gate on). Each
 * screen has one sentence and the one or two views it needs; → and ← step, and
 * `story=N` in the URL opens screen N.
 */

export type StoryViewName = 'curves' | 'fourier' | 'kernel' | 'reservoir' | 'gate';

export interface StoryStep {
  title: string;
  sentence: string;
  views: readonly StoryViewName[];
  /** the lane the theory views show: 0 = the plain run (gate off), 1 = gate on */
  lane: 0 | 1;
}

export const STORY_STEPS: readonly StoryStep[] = [
  {
    title: 'Memorisation',
    sentence: 'First the network learns the training pairs by rote: train accuracy reaches 100% while held-out accuracy stays near chance, and no frequency stands out in the embedding.',
    views: ['curves', 'fourier'],
    lane: 0,
  },
  {
    title: 'Circuit formation',
    sentence: 'Under weight decay a few frequencies of ℤ_p take over the embedding: the loss with only those key frequencies kept falls, while held-out accuracy still lags.',
    views: ['fourier', 'kernel'],
    lane: 0,
  },
  {
    title: 'Cleanup',
    sentence:
      'Held-out accuracy jumps. In transformers this is the cleanup, where removing the key frequencies starts to break the network: watch the excluded loss, which on this MLP does not always show it.',
    views: ['curves', 'fourier'],
    lane: 0,
  },
  {
    title: 'Channel and reservoir',
    sentence:
      'The dissipation Gramian W sorts the output space into what training has drained (the signal channel) and what it has barely moved (the reservoir): watch how much of the labels is drained, and when.',
    views: ['reservoir', 'curves'],
    lane: 0,
  },
  {
    title: 'The gate',
    sentence: 'The same run with the gate on (update a parameter only where μ² > σ²/(b−1)), racing the plain run in compare mode: watch which held-out curve climbs first.',
    views: ['curves', 'gate'],
    lane: 1,
  },
];

/** the screen after / before n, clamped to 1..length */
export function storyMove(n: number, by: 1 | -1): number {
  return Math.max(1, Math.min(STORY_STEPS.length, n + by));
}
