/**
 * The URL contract of the landing page and the story (src/ui/url.ts): no
 * parameters open the lecture preset playing with its instruments on; story=N
 * alone adds compare mode; a bad story number is named; a URL with a setup is
 * taken as it is.
 */
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../src/config/presets';
import { STORY_STEPS, storyMove } from '../src/ui/story';
import { LANDING_PRESET, readUrl, urlFor } from '../src/ui/url';

describe('landing', () => {
  it('no parameters: the lecture preset, playing, instruments on', () => {
    const u = readUrl('');
    expect(u.landing).toBe(true);
    expect(u.preset).toBe(LANDING_PRESET);
    expect(u.autoplay).toBe(true);
    expect(u.compare).toBe(false);
    expect(u.config).toEqual(presetConfig('lecture'));
    expect(u.config.instrumentEvery).toBeGreaterThan(0);
    expect(u.errors).toEqual([]);
  });

  it('any setup in the URL is taken as it is, without autoplay', () => {
    const u = readUrl('?preset=tiny');
    expect(u.landing).toBe(false);
    expect(u.autoplay).toBe(false);
    expect(u.preset).toBe('tiny');
    expect(readUrl('?p=13').preset).toBeNull();
  });
});

describe('story', () => {
  it('story=N alone: that screen, the lecture preset in compare mode, playing', () => {
    const u = readUrl('?story=3');
    expect(u.story).toBe(3);
    expect(u.compare).toBe(true);
    expect(u.autoplay).toBe(true);
    expect(u.preset).toBe('lecture');
    expect(u.landing).toBe(false);
  });

  it('with a setup, story=N keeps the setup', () => {
    const u = readUrl('?preset=tiny&story=2');
    expect(u.story).toBe(2);
    expect(u.preset).toBe('tiny');
    expect(u.compare).toBe(false);
  });

  it.each(['0', '6', '2.5', 'x'])('story=%s is named as bad', (v) => {
    const u = readUrl(`?preset=tiny&story=${v}`);
    expect(u.story).toBeNull();
    expect(u.errors.map((e) => e.key)).toContain('story');
  });

  it('the story number round-trips through the URL, and → ← clamp at the ends', () => {
    const u = readUrl('?story=4');
    const back = readUrl(urlFor({ ...u, story: 4 }));
    expect(back.story).toBe(4);
    expect(back.compare).toBe(true);
    expect(storyMove(1, -1)).toBe(1);
    expect(storyMove(STORY_STEPS.length, 1)).toBe(STORY_STEPS.length);
    expect(storyMove(2, 1)).toBe(3);
  });
});
