/** Entry: start the training worker, read the setup from the URL, render the lab. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initFromUrl, killInstruments, loseDevice, watchUrl } from './ui/actions';
import { offerSavedRun, startAutosave } from './ui/autosave';
import { App } from './ui/App';
import { startWorker } from './ui/client';
import { useLab } from './ui/store';
import './ui/styles.css';

startWorker();
initFromUrl();
watchUrl();
void offerSavedRun();
startAutosave();

// fault injection for tests and demos: `grokscope.loseDevice()`, `grokscope.killInstruments()` in the console; `grokscope.state()` for the leak checks
(globalThis as unknown as { grokscope: unknown }).grokscope = { loseDevice, killInstruments, state: () => useLab.getState() };

const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
