/**
 * Counts of what a run holds on the GPU side, for the leak checks: live GPU buffers
 * created by trainers (their own and temporary readback buffers) and registered
 * device-lost listeners. Resets, presets, imports and compare toggles must leave
 * both where they were. No imports: the CPU path reads it without loading the engine.
 */
export const gpuResources = { buffers: 0, lostListeners: 0 };
