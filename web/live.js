// The page's live ECG panel: connect a Bluetooth strap (web/ble.js), hand its data to the worker's
// live stream, draw the strip at 25 mm/s, show heart rate and findings as they update, and save the
// session as files on this device (nothing is uploaded).
import { bluetoothSupport, connectEcgDevice } from './ble.js';
import { drawStrip } from './plot.js';

const RING_S = 12;  // the strip shows 10 s at 25 mm/s

/**
 * @param {import('./engine-client.js').EngineClient} engine
 * @returns {{ ready: (ble: object) => void }}  call ready() with the core's Bluetooth constants
 */
export function initLive(engine) {
  const $ = (id) => document.getElementById(id);
  const support = bluetoothSupport();
  let protocol = null;
  let connection = null;
  let kind = null;
  let hasData = false;  // something arrived: the session can be saved
  let startedMs = 0;
  let fsHz = 130;
  let ring = new Float32Array(0);
  let endIndex = 0;
  let rpeaks = [];
  let drawQueued = false;

  const status = (text, isError = false) => {
    $('live-status').textContent = text;
    $('live-status').classList.toggle('error', isError);
  };
  const buttons = ({ connect, disconnect, save }) => {
    $('live-connect').disabled = !connect;
    $('live-disconnect').disabled = !disconnect;
    $('live-save-wfdb').disabled = !save || !hasData || kind !== 'pmd';
    $('live-save-csv').disabled = !save || !hasData;
  };
  status(support.ok ? 'Loading the ECG engine…' : support.reason, !support.ok);
  $('live-connect').title = support.ok ? '' : support.reason;

  const draw = () => {
    drawQueued = false;
    if (kind === 'pmd') drawStrip($('live-strip'), { ring, endIndex, fsHz, rpeaks, lead: 'ECG (chest)' });
  };
  const queueDraw = () => {
    if (!drawQueued) {
      drawQueued = true;
      requestAnimationFrame(draw);
    }
  };

  const show = (f) => {
    const hr = f.heart_rate_bpm;
    $('live-hr').textContent = hr == null ? 'not assessable' : `${Math.round(hr)} bpm`;
    const [from, to] = f.hr_window_s;
    $('live-hr-detail').dataset.window = `${from},${to}`;  // exact, for scripts
    $('live-hr-detail').textContent = (hr == null ? '' : `median RR of ${f.hr_beats} beats, ${from.toFixed(1)}–${to.toFixed(1)} s`) +
      (f.device_heart_rate_bpm == null ? '' : `${hr == null ? '' : '; '}the strap reports ${Math.round(f.device_heart_rate_bpm)} bpm`);
    const rule = f.irregular_rr;
    const nrmssd = rule.evidence.find((e) => e.name === 'rr_nrmssd')?.value;
    const rhythm = rule.decision === 'positive'
      ? `Irregular RR — atrial fibrillation suspected (normalised RMSSD ${nrmssd.toFixed(2)} > 0.10 over the last 30 s)`
      : rule.decision === 'negative' ? `Regular RR (normalised RMSSD ${nrmssd.toFixed(2)} ≤ 0.10 over the last 30 s)`
        : `Not assessable: ${rule.note}`;
    const decided = f.model?.classes.find((c) => c.abbr === f.model.decided);
    const model = decided ? `; ${f.model.name}: ${decided.name} (${(100 * decided.probability).toFixed(0)} %)` : '';
    $('live-rhythm').textContent = rhythm + model + (rule.note && rule.decision !== 'not_assessable' ? ` (${rule.note})` : '');
    $('live-rhythm').classList.toggle('alert', f.af_suspected);
    $('live-quality').textContent = f.quality.length ? f.quality.join('; ')
      : f.beat_similarity == null ? (f.source === 'rr' ? 'RR intervals only (no ECG from this strap)' : '–')
        : `good (beats alike: ${f.beat_similarity.toFixed(2)})`;
    $('live-session').textContent = `${f.elapsed_s.toFixed(0)} s, ${f.n_beats} beats, ${f.n_gaps} gap${f.n_gaps === 1 ? '' : 's'}` +
      (f.n_gaps ? ` (${f.gap_s.toFixed(1)} s lost)` : '') + (f.n_dropped_frames ? `, ${f.n_dropped_frames} late frames dropped` : '') +
      `; update ${f.update}`;
    $('live-session').dataset.update = String(f.update);
    $('live-inconclusive').hidden = !f.inconclusive;
    $('live-inconclusive').textContent = f.inconclusive ? `Inconclusive now: ${f.inconclusive_reasons.join('; ')}.` : '';
    rpeaks = f.rpeaks;
    queueDraw();
  };

  engine.onLive = (message) => {
    if (message.error) return status(`Live data could not be read: ${message.error}`, true);
    hasData = true;
    if (message.samples) {
      for (let i = 0; i < Math.min(message.gapSamples, ring.length); i++) ring[(endIndex + i) % ring.length] = NaN;
      endIndex += message.gapSamples;
      for (const v of message.samples) ring[endIndex++ % ring.length] = v;
      queueDraw();
    }
    if (message.findings) show(message.findings);
  };

  const finish = async (text, isError = false) => {
    connection = null;
    try {
      const { findings } = await engine.request('live-stop');
      show(findings);
    } catch {
      // no stream was started
    }
    buttons({ connect: true, disconnect: false, save: true });
    status(text, isError);
  };

  $('live-connect').addEventListener('click', async () => {
    buttons({ connect: false, disconnect: false, save: false });
    status('Choose your strap in the browser\'s list…');
    try {
      connection = await connectEcgDevice({
        protocol,
        parseControlPoint: async (bytes) => (await engine.request('control-point', { bytes })).answer,
        onStart: async (started) => {
          kind = started;
          hasData = false;
          fsHz = protocol.pmd.ecgFsHz;
          ring = new Float32Array(RING_S * fsHz).fill(NaN);
          endIndex = 0;
          rpeaks = [];
          startedMs = Date.now();
          for (const id of ['live-hr', 'live-rhythm', 'live-quality', 'live-session']) $(id).textContent = '–';
          $('live-hr-detail').textContent = '';
          const canvas = $('live-strip');
          canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
          await engine.request('live-start', { options: { source: started === 'pmd' ? 'ecg' : 'rr', fsHz, lead: 'ECG', startUnixMs: startedMs } });
        },
        onData: (dataKind, bytes) => engine.pushLive(dataKind, bytes),
        onDisconnect: (reason) => finish(`${reason}. Save the session to keep it.`, true),
      });
      buttons({ connect: false, disconnect: true, save: false });
      status(`Connected to ${connection.name}: ${connection.kind === 'pmd' ? 'ECG at 130 Hz (Polar PMD)' : 'heart rate and RR intervals (Heart Rate service)'}; ` +
        'findings update every 5 s. Nothing leaves this device.');
    } catch (error) {
      connection = null;
      buttons({ connect: true, disconnect: false, save: true });
      const cancelled = error.name === 'NotFoundError' && /cancel/i.test(error.message);
      status(cancelled ? 'No strap was chosen.' : `Could not connect: ${error.message}`, !cancelled);
    }
  });

  $('live-disconnect').addEventListener('click', async () => {
    const name = connection?.name ?? 'the strap';
    try {
      await connection?.stop();
    } finally {
      await finish(`Disconnected from ${name} (measurement stopped). Save the session to keep it; nothing leaves this device.`);
    }
  });

  for (const format of ['wfdb', 'csv']) {
    $(`live-save-${format}`).addEventListener('click', async () => {
      const name = `ecg-live-${new Date(startedMs).toISOString().replace(/[:.]/g, '-')}`;
      try {
        const { files } = await engine.request('live-save', { name, format });
        for (const file of files) download(file);
        status(`Saved ${files.map((f) => f.name).join(' and ')} to this device's downloads.`);
      } catch (error) {
        status(`Could not save the session: ${error.message}`, true);
      }
    });
  }

  return {
    ready(ble) {
      protocol = ble;
      if (!support.ok) return;
      buttons({ connect: true, disconnect: false, save: false });
      status('Connect a Polar H10 for ECG at 130 Hz, or any chest strap with the standard Heart Rate service for heart rate and RR intervals.');
    },
  };
}

function download({ name, bytes }) {
  const url = URL.createObjectURL(new Blob([bytes], { type: name.endsWith('.csv') ? 'text/csv' : 'application/octet-stream' }));
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
