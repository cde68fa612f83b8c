// Web Bluetooth for live ECG: a Polar H10 through its PMD service (ECG at 130 Hz), else any chest
// strap's standard Heart Rate service (heart rate and RR intervals). It holds no protocol logic: the
// UUIDs and command bytes come from the core (EcgScreen.bleProtocol) and the device's answers are
// parsed by the core too (through the worker).

const ANSWER_TIMEOUT_MS = 5000;

/**
 * Whether this page can use Web Bluetooth, and if not, why in words a user can act on.
 * @returns {{ ok: boolean, reason: string }}
 */
export function bluetoothSupport() {
  if (location.protocol === 'file:') {
    return { ok: false, reason: 'Live ECG needs Web Bluetooth, which browsers do not offer to a page opened from a file (file://). ' +
      'Open the app from a web address instead (npm start serves it at http://localhost:8080).' };
  }
  if (!window.isSecureContext) {
    return { ok: false, reason: 'Live ECG needs Web Bluetooth, which browsers offer only on https:// pages or on localhost.' };
  }
  if (!navigator.bluetooth) {
    return { ok: false, reason: 'This browser does not offer Web Bluetooth. Use Chrome or Edge on Windows, macOS, ChromeOS or Android ' +
      '(on Linux, Chrome needs chrome://flags/#enable-experimental-web-platform-features); Firefox and Safari do not support it.' };
  }
  return { ok: true, reason: '' };
}

const bytesOf = (dataView) => new Uint8Array(dataView.buffer.slice(dataView.byteOffset, dataView.byteOffset + dataView.byteLength));
const write = (characteristic, bytes) => (characteristic.writeValueWithResponse
  ? characteristic.writeValueWithResponse(bytes) : characteristic.writeValue(bytes));

/**
 * Asks the user to pick a device, connects, and starts the ECG (PMD) or the heart-rate stream.
 * @param {object} options
 * @param {import('./lib/ecg-screen.js').BleProtocol} options.protocol
 * @param {(bytes: Uint8Array) => Promise<object>} options.parseControlPoint  the core's parser (answers: ok, status_name, settings, ...)
 * @param {(kind: 'pmd' | 'hr', deviceName: string) => Promise<void> | void} options.onStart  called before data flows
 * @param {(kind: 'pmd' | 'hr', bytes: Uint8Array) => void} options.onData  each PMD frame or Heart Rate Measurement value
 * @param {(reason: string) => void} [options.onDisconnect]  the device went away
 * @returns {Promise<{ kind: 'pmd' | 'hr', name: string, stop: () => Promise<void> }>}
 */
export async function connectEcgDevice({ protocol, parseControlPoint, onStart, onData, onDisconnect = () => {} }) {
  const { pmd, heartRate } = protocol;
  const device = await navigator.bluetooth.requestDevice({
    filters: [{ services: [pmd.service] }, { services: [heartRate.service] }, { namePrefix: 'Polar' }],
    optionalServices: [pmd.service, heartRate.service],
  });
  const name = device.name || 'unnamed device';
  let stopped = false;
  let cleanup = () => {};  // what a session set up (listeners) and must take down however it ends
  device.addEventListener('gattserverdisconnected', () => {
    if (stopped) return;
    stopped = true;
    cleanup();
    onDisconnect(`${name} disconnected`);
  });
  const giveUp = (error) => {
    stopped = true;  // not a disconnection to report: the caller gets the error
    device.gatt.disconnect();
    throw error;
  };
  const server = await device.gatt.connect();
  let service = null;
  try {
    service = await server.getPrimaryService(pmd.service);
  } catch (error) {
    if (error.name !== 'NotFoundError') giveUp(error);
  }
  return service ? startPmd(service) : startHeartRate();

  async function startPmd(pmdService) {
    const controlPoint = await pmdService.getCharacteristic(pmd.controlPoint);
    const data = await pmdService.getCharacteristic(pmd.data);
    const answers = [];
    let waiting = null;
    controlPoint.addEventListener('characteristicvaluechanged', (event) => {
      answers.push(bytesOf(event.target.value));
      waiting?.();
    });
    const onFrame = (event) => onData('pmd', bytesOf(event.target.value));
    // Stop the measurement whatever happens next: the H10 keeps measuring (and its battery draining)
    // until it is told to stop.
    const sendStop = () => write(controlPoint, pmd.stop);
    const onPageExit = () => { if (device.gatt.connected) sendStop().catch(() => {}); };
    cleanup = () => {
      removeEventListener('pagehide', onPageExit);
      removeEventListener('beforeunload', onPageExit);
      data.removeEventListener('characteristicvaluechanged', onFrame);
    };
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      cleanup();
      try {
        if (device.gatt.connected) await sendStop();
      } finally {
        device.gatt.disconnect();
      }
    };
    const command = async (bytes, what) => {
      answers.length = 0;
      let timer;
      const answered = new Promise((resolve, reject) => {
        waiting = resolve;
        timer = setTimeout(() => reject(new Error(`${name} did not answer the ${what} request within ${ANSWER_TIMEOUT_MS / 1000} s`)), ANSWER_TIMEOUT_MS);
      });
      answered.catch(() => {});  // awaited below only when the answer has not come yet
      try {
        await write(controlPoint, bytes);
        if (!answers.length) await answered;
      } finally {
        clearTimeout(timer);
        waiting = null;
      }
      const answer = await parseControlPoint(answers.shift());
      if (!answer.ok) throw new Error(`${name} refused the ${what} request: ${answer.status_name} (status ${answer.status})`);
      return answer;
    };
    addEventListener('pagehide', onPageExit);
    addEventListener('beforeunload', onPageExit);
    try {
      await controlPoint.startNotifications();
      data.addEventListener('characteristicvaluechanged', onFrame);
      await data.startNotifications();
      const settings = await command(pmd.getSettings, 'ECG settings');
      const rates = settings.settings?.sample_rates_hz ?? [];
      if (!rates.includes(pmd.ecgFsHz)) {
        throw new Error(`${name} offers ECG at ${rates.join(', ') || 'no'} Hz; expected ${pmd.ecgFsHz} Hz (a Polar H10)`);
      }
      await onStart('pmd', name);
      await command(pmd.startEcg, 'start ECG');
    } catch (error) {
      await stop().catch(() => {});
      throw error;
    }
    return { kind: 'pmd', name, stop };
  }

  async function startHeartRate() {
    let measurement;
    try {
      measurement = await (await server.getPrimaryService(heartRate.service)).getCharacteristic(heartRate.measurement);
    } catch (error) {
      giveUp(new Error(`${name} offers neither the Polar ECG (PMD) service nor the Heart Rate service (${error.message})`));
    }
    const onValue = (event) => onData('hr', bytesOf(event.target.value));
    cleanup = () => measurement.removeEventListener('characteristicvaluechanged', onValue);
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      cleanup();
      try {
        if (device.gatt.connected) await measurement.stopNotifications();
      } finally {
        device.gatt.disconnect();
      }
    };
    try {
      await onStart('hr', name);
      measurement.addEventListener('characteristicvaluechanged', onValue);
      await measurement.startNotifications();
    } catch (error) {
      await stop().catch(() => {});
      throw error;
    }
    return { kind: 'hr', name, stop };
  }
}
